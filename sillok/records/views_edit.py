"""Creating and editing records through forms generated from FIELDS[kind]. The form posts the
raw text a user typed; `clean_values` turns it into model values (the same path as the API,
the CLI and imports) and the service writes it with its history. Errors come back beside
their fields and nothing is saved; an edit names the revision it was made from, so a change
made meanwhile by someone else is not overwritten."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Model
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from sillok.records.access import RecordActionRefused, check_can_change
from sillok.records.fields import RecordValuesError, clean_values
from sillok.records.kinds import RecordKind
from sillok.records.models import ReviewStatus
from sillok.records.resolve import Resolver
from sillok.records.services import StaleRevision, do_create_record, do_update_record
from sillok.records.titles import safe_title, viewer_levels
from sillok.records.views_common import posted_revision, record_or_404, refused
from sillok.records.views_forms import (
    build_form,
    form_level_errors,
    initial_values,
    posted_values,
    raw_values,
)


def _render_form(
    request: HttpRequest,
    kind: RecordKind,
    raw: dict[str, Any],
    *,
    record: Model | None = None,
    errors: dict[str, str] | None = None,
    problem: str = "",
    reason: str = "",
    revision: Any = None,
    status: int = 200,
) -> HttpResponse:
    errors = errors or {}
    other_errors = form_level_errors(kind.name, errors)
    reason_error = other_errors.pop("reason", "")
    locked = ""
    if record is not None and record.review_status == ReviewStatus.IN_REVIEW:
        locked = _("This record is locked while in review: the reviewer must finish or return it.")
    elif record is not None and record.withdrawn_at is not None:
        locked = _("This record is withdrawn; reinstate it before editing.")
    context = {
        "kind": kind,
        "record": record,
        "reference": f"{kind.prefix}-{record.pk}" if record is not None else "",
        "title": safe_title(record, viewer_levels(request.user)) if record is not None else "",
        "fields": build_form(kind.name, raw, errors, request.user),
        # A list, not a dict: in a template, errors.items could be a field named "items".
        "other_errors": sorted(other_errors.items()),
        "reason_error": reason_error,
        "problem": problem,
        "reason": reason,
        "reason_required": record is not None and record.review_status == ReviewStatus.REVIEWED,
        "revision": revision if revision is not None else getattr(record, "revision", ""),
        "locked": locked,
    }
    return render(request, "records/form.html", context, status=status)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def create(request: HttpRequest, kind: RecordKind) -> HttpResponse:
    try:
        check_can_change(request.user)
    except RecordActionRefused as exc:
        return refused(request, str(exc))
    if request.method == "GET":
        return _render_form(request, kind, initial_values(kind.name, request.GET))
    raw = posted_values(kind.name, request.POST)
    try:
        values = clean_values(kind.name, raw, Resolver(request.user))
        record = do_create_record(request.user, kind.name, values)
    except RecordValuesError as exc:
        return _render_form(request, kind, raw, errors=exc.errors, status=400)
    except RecordActionRefused as exc:
        return _render_form(request, kind, raw, problem=str(exc), status=409)
    messages.success(request, _("%(ref)s was created.") % {"ref": f"{kind.prefix}-{record.pk}"})
    return redirect("records:record", kind.plural, record.pk)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, kind: RecordKind, record_id: int) -> HttpResponse:
    record = record_or_404(request, kind, record_id)
    try:
        check_can_change(request.user)
    except RecordActionRefused as exc:
        return refused(request, str(exc))
    if request.method == "GET":
        return _render_form(request, kind, raw_values(kind.name, record), record=record)
    raw = posted_values(kind.name, request.POST)
    reason = request.POST.get("reason", "")
    revision = posted_revision(request)
    form = {"record": record, "reason": reason, "revision": revision}
    if revision is None:
        problem = _("The form lost track of the record's revision: reload the page.")
        return _render_form(request, kind, raw, problem=problem, status=400, **form)
    errors: dict[str, str] = {}
    if record.review_status == ReviewStatus.REVIEWED and not reason.strip():
        errors["reason"] = _("This record was reviewed: say why you change it.")
    try:
        values = clean_values(kind.name, raw, Resolver(request.user))
    except RecordValuesError as exc:
        errors |= exc.errors
    if errors:
        return _render_form(request, kind, raw, errors=errors, status=400, **form)
    try:
        updated = do_update_record(
            request.user, record, values, expected_revision=revision, reason=reason
        )
    except StaleRevision as exc:
        return _render_form(request, kind, raw, problem=str(exc), status=409, **form)
    except RecordActionRefused as exc:
        return _render_form(request, kind, raw, problem=str(exc), status=409, **form)
    if updated.revision == record.revision:
        messages.info(request, _("Nothing changed."))
    else:
        messages.success(request, _("Saved as revision %(n)d.") % {"n": updated.revision})
    return redirect("records:record", kind.plural, record.pk)
