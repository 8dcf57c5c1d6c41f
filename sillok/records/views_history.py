"""A record's history: every version (who, when, what, why), the difference between a version
and the one before it, field by field, and restoring an earlier version (itself a new
version, with its reason)."""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Model
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from sillok.records.access import RecordActionRefused, check_can_change
from sillok.records.fields import fields_of
from sillok.records.history import Change, version_changes, version_for, visible_versions
from sillok.records.kinds import KINDS, RecordKind
from sillok.records.services import do_restore_version
from sillok.records.titles import safe_title, viewer_levels
from sillok.records.views_common import posted_revision, record_or_404, refused
from sillok.records.views_display import RecordRefs, Shown
from sillok.vocab.models import Place, Term

KIND_OF_MODEL = {kind.model: kind.name for kind in KINDS}


@never_cache
@login_required
@require_GET
def history(request: HttpRequest, kind: RecordKind, record_id: int) -> HttpResponse:
    record = record_or_404(request, kind, record_id)
    versions = visible_versions(request.user, record)[::-1]
    return render(
        request,
        "records/history.html",
        {
            "kind": kind,
            "record": record,
            "reference": f"{kind.prefix}-{record.pk}",
            "title": safe_title(record, viewer_levels(request.user)),
            "versions": versions,
            "can_change": request.user.has_perm("records.change_record"),
        },
    )


def _label(kind: RecordKind, model: type[Model], name: str) -> str:
    for spec in fields_of(kind.name):
        if spec.name == name:
            return str(spec.label)
    try:
        return str(model._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:
        return name


def _target(model: type[Model], name: str) -> tuple[str, Any]:
    """How a snapshot value of field `name` is shown: ("term"|"place"|"user"|"record"|
    "item"|"choice"|"plain", detail)."""
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return "plain", None
    if field.many_to_many:
        return "item", None
    if field.is_relation:
        related = field.related_model
        if related is Term:
            return "term", None
        if related is Place:
            return "place", None
        if related in KIND_OF_MODEL:
            return "record", KIND_OF_MODEL[related]
        return "user", None
    if field.choices:
        return "choice", dict(field.choices)
    return "plain", None


def describe_changes(user: Any, kind: RecordKind, changes: list[Change]) -> list[dict]:
    """Each change with its field's label and its values as labels (terms, places, users
    and records named, the latter only if the viewer may see them), fetched in bulk."""
    model = kind.model
    targets = {c.field: _target(model, c.field) for c in changes}
    ids: dict[str, set[int]] = defaultdict(set)
    refs = RecordRefs(user)
    for change in changes:
        how, detail = targets[change.field]
        for value in (change.before, change.after):
            values = value if isinstance(value, list) else [value]
            for pk in values:
                if pk is None or how not in {"term", "place", "user", "record", "item"}:
                    continue
                if how in {"record", "item"}:
                    refs.want(detail or "item", pk)
                else:
                    ids[how].add(pk)
    refs.load()
    terms = {t.pk: t for t in Term.objects.filter(pk__in=ids["term"])}
    places = {p.pk: p for p in Place.objects.filter(pk__in=ids["place"])}
    users = dict(get_user_model().objects.filter(pk__in=ids["user"]).values_list("pk", "username"))

    def shown(how: str, detail: Any, value: Any) -> list[Shown]:
        if value is None or value == "" or value == []:
            return []
        if isinstance(value, list):
            return [s for v in value for s in shown(how, detail, v)]
        if how in {"term", "place"}:
            found = (terms if how == "term" else places).get(value)
            return [Shown(found.label, other=found.other_label)] if found else [Shown(str(value))]
        if how == "user":
            return [Shown(users.get(value, str(value)))]
        if how in {"record", "item"}:
            return [refs.shown(detail or "item", value)]
        if how == "choice":
            return [Shown(str(detail.get(value, value)))]
        if isinstance(value, dict):
            return [Shown(json.dumps(value, ensure_ascii=False, sort_keys=True))]
        return [Shown(str(value))]

    return [
        {
            "field": change.field,
            "label": _label(kind, model, change.field),
            "before": shown(*targets[change.field], change.before),
            "after": shown(*targets[change.field], change.after),
        }
        for change in changes
    ]


def render_version(
    request: HttpRequest,
    kind: RecordKind,
    record: Model,
    number: int,
    *,
    problem: str = "",
    status: int = 200,
) -> HttpResponse:
    # The same rule as the API: a version the viewer is not cleared for is not found, and
    # the one after it is compared with nothing.
    found = version_changes(request.user, record, number)
    if found is None:
        raise Http404("No such version.")
    return render(
        request,
        "records/version.html",
        {
            "kind": kind,
            "record": record,
            "reference": f"{kind.prefix}-{record.pk}",
            "title": safe_title(record, viewer_levels(request.user)),
            "version": found.version,
            "previous": found.previous,
            "previous_withheld": found.previous_withheld,
            "changes": describe_changes(request.user, kind, found.changes),
            "can_restore": (
                request.user.has_perm("records.change_record") and number != record.revision
            ),
            "problem": problem,
        },
        status=status,
    )


@never_cache
@login_required
@require_GET
def version(request: HttpRequest, kind: RecordKind, record_id: int, number: int) -> HttpResponse:
    record = record_or_404(request, kind, record_id)
    return render_version(request, kind, record, number)


@login_required
@require_POST
def restore(request: HttpRequest, kind: RecordKind, record_id: int, number: int) -> HttpResponse:
    record = record_or_404(request, kind, record_id)
    try:
        check_can_change(request.user)
    except RecordActionRefused as exc:
        return refused(request, str(exc))
    if version_for(request.user, record, number) is None:
        raise Http404("No such version.")
    try:
        restored = do_restore_version(
            request.user,
            record,
            number,
            expected_revision=posted_revision(request),
            reason=request.POST.get("reason", ""),
        )
    except RecordActionRefused as exc:
        return render_version(request, kind, record, number, problem=str(exc), status=409)
    if restored.revision == record.revision:
        messages.info(
            request, _("The record already says what version %(n)d says.") % {"n": number}
        )
    else:
        messages.success(request, _("Version %(n)d was restored.") % {"n": number})
    return redirect("records:record", kind.plural, record.pk)
