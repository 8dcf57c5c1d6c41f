"""Downloading a case's proof matrix (JSON, XLSX, PDF) for a purpose, through consent.

GET shows the form (the format may come preselected: `?format=xlsx`); POST checks the share
and lists what consent would withhold; POST with `download=matrix` sends the file, after a
recent re-authentication as for every other export of evidence. A case the user may not see
is "not found" (404) before anything else; a member without the export permission is told
why (403). The file is built by exports.write_matrix (audited) in a temporary folder and
sent from memory: a matrix is small, and nothing of it stays on the server.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from sillok.accounts.reauth import reauth_required, resumed_form
from sillok.assessment.access import CaseActionRefused
from sillok.assessment.exports import (
    FORMATS,
    LANGUAGES,
    MatrixExportError,
    check_can_export_matrix,
    preview_matrix_export,
    write_matrix,
)
from sillok.assessment.views_common import case_or_404
from sillok.core.tempfiles import temp_dir
from sillok.evidence.models import ConsentScope
from sillok.records.consent import ConsentError

SHOWN_WITHHELD = 200
FIELDS = ("format", "language", "purpose", "recipient")


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
@reauth_required(methods=("POST",), keep_form=True)
def matrix_export(request: HttpRequest, case_id: int) -> HttpResponse:
    case = case_or_404(request, case_id)
    try:
        check_can_export_matrix(request.user)
    except CaseActionRefused:
        message = _("Exporting a proof matrix needs the export permission (export_records).")
        return render(request, "assessment/export_refused.html", {"message": message}, status=403)
    resumed = resumed_form(request) if request.method == "GET" else None
    given = request.POST if request.method == "POST" else resumed or request.GET
    chosen = {name: str(given.get(name, "")) for name in FIELDS}
    chosen["language"] = chosen["language"] or translation.get_language() or "en"
    context: dict[str, Any] = {
        "case": case,
        "chosen": chosen,
        "formats": list(FORMATS),
        "export_languages": [(code, name) for code, name in _languages() if code in LANGUAGES],
        "purposes": ConsentScope.choices,
        "resumed": resumed is not None,
    }
    if request.method == "GET":
        return render(request, "assessment/export_matrix.html", context)
    try:
        if chosen["format"] not in FORMATS:
            raise MatrixExportError(_("Choose JSON, XLSX or PDF."))
        if request.POST.get("download") == "matrix":
            return _download(request, case, chosen)
        withheld = preview_matrix_export(
            request.user, case, purpose=chosen["purpose"], recipient=chosen["recipient"]
        )
    except (ConsentError, MatrixExportError) as exc:
        context["error"] = str(exc)
        return render(request, "assessment/export_matrix.html", context, status=400)
    context |= {
        "checked": True,
        "purpose_label": ConsentScope(chosen["purpose"]).label,
        "withheld": withheld[:SHOWN_WITHHELD],
        "withheld_count": len(withheld),
    }
    return render(request, "assessment/export_matrix.html", context)


def _languages() -> list[tuple[str, str]]:
    return [(code, str(label)) for code, label in settings.LANGUAGES]


def _download(request: HttpRequest, case: Any, chosen: dict[str, str]) -> HttpResponse:
    fmt = chosen["format"]
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S")
    name = f"sillok-case-{case.pk}-matrix-{stamp}.{fmt}"
    with temp_dir("matrix-export-") as folder:
        write_matrix(
            request.user,
            case,
            fmt,
            folder / name,
            purpose=chosen["purpose"],
            recipient=chosen["recipient"],
            language=chosen["language"],
        )
        content = (folder / name).read_bytes()
    response = HttpResponse(content, content_type=FORMATS[fmt])
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
