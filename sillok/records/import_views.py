"""The spreadsheet import pages (upload → column mapping → dry-run report → import → result)
and the export page. Thin: permission check, the stored upload of this session, a call to
records/importing.py or records/exporting.py, render."""

from __future__ import annotations

import datetime as dt
import io
import tempfile
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from sillok.accounts.reauth import reauth_required, resumed_form
from sillok.evidence.models import ConsentScope
from sillok.records import import_uploads
from sillok.records.access import RecordActionRefused
from sillok.records.consent import ConsentError, check_share
from sillok.records.exporting import (
    FORMATS,
    check_can_export,
    do_export_records,
    preview_export,
    write_left_out_csv,
)
from sillok.records.fields import fields_of
from sillok.records.importing import ImportReport, check_can_import, import_file
from sillok.records.kinds import KINDS, KINDS_BY_NAME, UnknownKind, get_kind
from sillok.records.mappings import (
    MappingError,
    do_save_mapping,
    saved_mapping,
    saved_mappings,
    suggested_mapping,
)
from sillok.records.spreadsheets import SpreadsheetError, read_sheet

SHOWN_LEFT_OUT = 100  # the export page names this many left out; the counts cover all
SHOWN_ERRORS = 500  # a report page lists this many errors; the counts cover all of them
SAMPLE_ROWS = 3
RESULTS_KEY = "record_import_results"


def _needs(check: Callable[[Any], None]) -> Callable:
    """Refuse with 403 before anything else when `check(user)` refuses."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            try:
                check(request.user)
            except RecordActionRefused as exc:
                return render(request, "records/refused.html", {"message": exc}, status=403)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def _pending(request: HttpRequest, key: str) -> tuple[dict[str, Any], Path]:
    """This session's stored upload `key` and its file; 404 when there is none (any more)."""
    entries = request.session.get(import_uploads.SESSION_KEY, {})
    entry = entries.get(key)
    path = import_uploads.pending_path(key, entry["suffix"]) if entry else None
    if entry is None or path is None or import_uploads.is_expired(entry):
        raise Http404("No such upload.")
    return entry, path


def _save_entry(request: HttpRequest, key: str, entry: dict[str, Any] | None) -> None:
    entries = dict(request.session.get(import_uploads.SESSION_KEY, {}))
    entries = {k: e for k, e in entries.items() if not import_uploads.is_expired(e)}
    if entry is None:
        entries.pop(key, None)
    else:
        entries[key] = entry
    request.session[import_uploads.SESSION_KEY] = entries


@never_cache
@login_required
@_needs(check_can_import)
@require_http_methods(["GET", "POST"])
def import_upload(request: HttpRequest) -> HttpResponse:
    context: dict[str, Any] = {"kinds": KINDS, "chosen": request.POST.get("kind", "person")}
    if request.method == "POST":
        uploaded = request.FILES.get("file")
        try:
            kind = get_kind(request.POST.get("kind", ""))
            if uploaded is None:
                raise SpreadsheetError(_("Choose a file."))
            key, suffix = import_uploads.store_upload(uploaded)
        except (UnknownKind, SpreadsheetError) as exc:
            context["error"] = str(exc)
            return render(request, "records/import_upload.html", context, status=400)
        sheet = request.POST.get("sheet", "").strip()[:100]
        try:
            read_sheet(import_uploads.upload_dir() / f"{key}{suffix}", sheet=sheet, max_rows=0)
        except SpreadsheetError as exc:
            import_uploads.discard(key, suffix)
            context["error"] = _spreadsheet_problem(exc)
            return render(request, "records/import_upload.html", context, status=400)
        entry = {
            "kind": kind.name,
            "name": Path(uploaded.name).name[:200],
            "suffix": suffix,
            "sheet": sheet,
            "created": timezone.now().isoformat(),
            "mapping": None,
        }
        _save_entry(request, key, entry)
        return redirect("records:import_mapping", key=key)
    return render(request, "records/import_upload.html", context)


@never_cache
@login_required
@_needs(check_can_import)
@require_http_methods(["GET", "POST"])
def import_mapping(request: HttpRequest, key: str) -> HttpResponse:
    """GET: the columns of the file with the field each gives (a saved mapping may be
    loaded); POST: take the chosen mapping (saving it when named) and show the dry run."""
    entry, path = _pending(request, key)
    kind = KINDS_BY_NAME[entry["kind"]]
    try:
        data = read_sheet(path, name=entry["name"], sheet=entry["sheet"], max_rows=SAMPLE_ROWS)
    except SpreadsheetError as exc:
        message = _spreadsheet_problem(exc)
        return render(request, "records/refused.html", {"message": message}, status=400)
    error = ""
    mapping = entry.get("mapping")
    if request.method == "POST":
        mapping = {
            column: request.POST.get(f"column-{position}", "")
            for position, column in enumerate(data.header)
            if column.strip()
        }
        entry["mapping"] = mapping
        _save_entry(request, key, entry)
        name = request.POST.get("save_as", "").strip()
        try:
            if name:
                do_save_mapping(request.user, kind.name, name, mapping)
                messages.success(request, _("The mapping “%(name)s” was saved.") % {"name": name})
            return _dry_run(request, key, entry, path)
        except MappingError as exc:
            error = str(exc)
    elif request.GET.get("mapping"):
        # Saved mappings by name only: a file path typed into the URL is never read.
        saved = saved_mapping(kind.name, request.GET["mapping"])
        if saved is None:
            error = _("There is no saved mapping of that name.")
        else:
            mapping = saved
    suggestion = suggested_mapping(kind.name, data.header, mapping)
    columns = [
        {
            "position": position,
            "title": title,
            "field": suggestion.get(title, ""),
            "samples": [cells[position] for _, cells in data.rows if position < len(cells)],
        }
        for position, title in enumerate(data.header)
        if title.strip()
    ]
    context = {
        "key": key,
        "entry": entry,
        "kind": kind,
        "columns": columns,
        "fields": fields_of(kind.name),
        "saved": saved_mappings(kind.name),
        "error": error,
    }
    return render(request, "records/import_mapping.html", context, status=400 if error else 200)


def _spreadsheet_problem(exc: SpreadsheetError) -> str:
    if exc.row:
        return _("Row %(row)s: %(problem)s") % {"row": exc.row, "problem": exc}
    return str(exc)


def _dry_run(
    request: HttpRequest, key: str, entry: dict[str, Any], path: Path, *, status: int = 200
) -> HttpResponse:
    report = import_file(
        request.user,
        entry["kind"],
        path,
        mapping=entry["mapping"],
        dry_run=True,
        sheet=entry["sheet"],
        name=entry["name"],
    )
    return _report_page(request, key, report, status=status)


def _report_page(
    request: HttpRequest, key: str, report: ImportReport, *, status: int = 200
) -> HttpResponse:
    header_errors = any(error.row in (0, 1) for error in report.errors)
    context = {
        "key": key,
        "report": report,
        "kind": KINDS_BY_NAME[report.kind],
        "errors": report.errors[:SHOWN_ERRORS],
        "more_errors": max(0, len(report.errors) - SHOWN_ERRORS),
        "can_import": report.ok and report.rows > 0,
        "can_skip": not report.ok and not header_errors and report.valid > 0,
    }
    return render(request, "records/import_report.html", context, status=status)


@never_cache
@login_required
@_needs(check_can_import)
@require_POST
def import_run(request: HttpRequest, key: str) -> HttpResponse:
    """Import the stored file with the mapping of the dry run: all rows, or the good ones; a
    file imported before only when the user ticked the box that confirms it."""
    entry, path = _pending(request, key)
    if entry.get("mapping") is None:
        return redirect("records:import_mapping", key=key)
    report = import_file(
        request.user,
        entry["kind"],
        path,
        mapping=entry["mapping"],
        skip_bad_rows=request.POST.get("skip_bad_rows") == "1",
        sheet=entry["sheet"],
        name=entry["name"],
        again=request.POST.get("again") == "1",
    )
    if report.needs_again:
        # Not confirmed (or imported by someone else meanwhile): the dry run again, which
        # names the earlier imports and offers the box to tick.
        messages.error(request, _("This file was imported before: nothing was imported."))
        return _dry_run(request, key, entry, path, status=400)
    if not report.imported:
        return _report_page(request, key, report, status=400)
    import_uploads.discard(key, entry["suffix"])
    _save_entry(request, key, None)
    results = dict(request.session.get(RESULTS_KEY, {}))
    results = dict(list(results.items())[-9:])  # the last few, for the result page
    results[key] = {
        "kind": report.kind,
        "file": report.file,
        "rows": report.rows,
        "imported": report.imported,
        "skipped": report.skipped,
        "first": min(report.record_ids),
        "last": max(report.record_ids),
    }
    request.session[RESULTS_KEY] = results
    return redirect("records:import_done", key=key)


@never_cache
@login_required
@_needs(check_can_import)
def import_done(request: HttpRequest, key: str) -> HttpResponse:
    result = request.session.get(RESULTS_KEY, {}).get(key)
    if result is None:
        raise Http404("No such import.")
    kind = KINDS_BY_NAME[result["kind"]]
    list_url = reverse("records:list", args=[kind.plural])
    context = {"result": result, "kind": kind, "list_url": list_url}
    return render(request, "records/import_done.html", context)


@never_cache
@login_required
@_needs(check_can_export)
@require_http_methods(["GET", "POST"])
# The file is the sensitive part, not the form: the choices are kept across the password
# check (accounts/reauth.py) and shown again, never acted on without it.
@reauth_required(methods=("POST",), keep_form=True)
def export_page(request: HttpRequest) -> HttpResponse:
    """GET: choose a kind, a format and the purpose (and recipient), filled again after a
    re-authentication; POST: what consent leaves out, with the download buttons; POST with
    `download=records`: the file; `download=left_out`: the note of what was left out, as CSV."""
    resumed = resumed_form(request) if request.method == "GET" else None
    given = request.POST if request.method == "POST" else resumed or {}
    context: dict[str, Any] = {
        "resumed": resumed is not None,
        "kinds": KINDS,
        "formats": sorted(FORMATS),
        "purposes": ConsentScope.choices,
        "chosen": {k: given.get(k, "") for k in ("kind", "format", "purpose", "recipient")},
        "include_withdrawn": given.get("include_withdrawn") == "1",
    }
    if request.method == "GET":
        return render(request, "records/export.html", context)
    fmt = request.POST.get("format", "")
    try:
        kind = get_kind(request.POST.get("kind", ""))
        share = check_share(request.POST.get("purpose"), request.POST.get("recipient"))
    except (UnknownKind, ConsentError) as exc:
        context["error"] = str(exc)
        return render(request, "records/export.html", context, status=400)
    if fmt not in FORMATS:
        context["error"] = _("Choose CSV, XLSX or JSON.")
        return render(request, "records/export.html", context, status=400)
    include_withdrawn = context["include_withdrawn"]
    download = request.POST.get("download", "")
    if download == "records":
        return _export_file(request, kind, fmt, share, include_withdrawn)
    result = preview_export(
        request.user, kind.name, share=share, include_withdrawn=include_withdrawn
    )
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S")
    if download == "left_out":
        stream = io.BytesIO()  # references and reasons only: small
        write_left_out_csv(stream, result.left_out_list)
        response = HttpResponse(stream.getvalue(), content_type=FORMATS["csv"])
        name = f"sillok-{kind.plural}-{stamp}.left-out.csv"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    left_out = result.left_out_list
    context |= {
        "kind": kind,
        "share": share,
        "result": result,
        "left_out": left_out[:SHOWN_LEFT_OUT],
        "more_left_out": max(0, len(left_out) - SHOWN_LEFT_OUT),
    }
    return render(request, "records/export.html", context)


def _export_file(
    request: HttpRequest, kind: Any, fmt: str, share: Any, include_withdrawn: bool
) -> HttpResponse:
    folder = import_uploads.upload_dir().parent
    # Built in a temporary file (removed when closed): an export may be far too large to
    # hold in memory, and it is sent only once complete and audited.
    stream = tempfile.TemporaryFile(dir=folder)  # noqa: SIM115 - FileResponse closes it
    try:
        do_export_records(
            request.user,
            kind.name,
            fmt,
            stream,
            share=share,
            include_withdrawn=include_withdrawn,
        )
    except BaseException:
        stream.close()
        raise
    stream.seek(0)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S")
    return FileResponse(
        stream,
        as_attachment=True,
        filename=f"sillok-{kind.plural}-{stamp}.{fmt}",
        content_type=FORMATS[fmt],
    )
