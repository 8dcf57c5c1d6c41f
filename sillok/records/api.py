"""Records API: list, read, create and edit documentation records of every kind, their
history (versions, diffs, restore), review, withdrawal and links. Thin: parse, fetch and
authorise (records/access.py), call one service, shape the answer (records/presentation.py).

Errors are `{"detail": ...}`; bad values add `"errors": {field: message}` (422). A record
the caller may not see answers 404 exactly like a missing one; 403 means the caller may see
it but not do this (the detail says why); 409 means it changed since the revision given.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Status
from ninja.errors import HttpError

from sillok.core.api import Id
from sillok.core.sensitivity import Sensitivity
from sillok.records.access import (
    RecordActionRefused,
    RecordNotFound,
    access_record,
    check_can_change,
)
from sillok.records.aliases import choice_value
from sillok.records.corroboration import KINDS as CORROBORATED
from sillok.records.corroboration import Bucket, corroboration_of
from sillok.records.fields import FieldError, RecordValuesError, clean_values
from sillok.records.history import version_changes, version_for, visible_versions
from sillok.records.kinds import KINDS, RecordKind, UnknownKind, get_kind
from sillok.records.links import links_of
from sillok.records.listing import FilterError, RecordFilters, filter_records
from sillok.records.models import Link, ReviewStatus
from sillok.records.presentation import (
    References,
    list_related,
    record_as_dict,
    records_as_dicts,
    term_value,
    version_dict,
)
from sillok.records.resolve import Resolver
from sillok.records.schemas import (
    CorroborationOut,
    ErrorOut,
    FiltersIn,
    LinkOut,
    RecordChangeIn,
    RecordIn,
    RecordListOut,
    RecordOut,
    ReinstateIn,
    RestoreIn,
    ReviewIn,
    VersionDetailOut,
    VersionOut,
    WithdrawIn,
)
from sillok.records.services import (
    StaleRevision,
    do_complete_review,
    do_create_record,
    do_reinstate_record,
    do_restore_version,
    do_return_for_changes,
    do_submit_for_review,
    do_update_record,
    do_withdraw_record,
)

router = Router(tags=["records"])
FILTER_CHOICES = {
    "review_status": ReviewStatus,
    "sensitivity": Sensitivity,
    "corroboration": Bucket,
}
KINDS_TEXT = ", ".join(kind.plural for kind in KINDS)
# OpenAPI links: what a client (and schemathesis's stateful phase) may do with a new record.
RECORD_LINKS = {
    operation: {
        "operationId": operation,
        "parameters": {"kind": "$request.path.kind", "record_id": "$response.body#/id"},
    }
    for operation in (
        "get_record", "update_record", "record_history", "record_links", "withdraw_record"
    )
}  # fmt: skip


def _user(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


def _kind(name: str) -> RecordKind:
    try:
        return get_kind(name)
    except UnknownKind as exc:
        raise HttpError(404, str(exc)) from None


def _record(request: HttpRequest, kind: str, record_id: int) -> Any:
    """The record if the caller may see it (a link: and both of its ends); 404 otherwise."""
    try:
        return access_record(_user(request), _kind(kind).name, record_id)
    except RecordNotFound as exc:
        raise HttpError(404, str(exc)) from None


def _refused(exc: RecordActionRefused) -> HttpError:
    return HttpError(409 if isinstance(exc, StaleRevision) else 403, str(exc))


def _invalid(errors: dict[str, str]) -> Status:
    return Status(422, {"detail": "some values are not valid", "errors": errors})


def _unwrap(value: Any) -> Any:
    """Accept back what a read returns: a term or place as its {"code": ...}, a record as its
    {"reference": ...}, so that a client may send a record's values back changed."""
    if isinstance(value, dict):
        return value.get("code") or value.get("reference") or value
    if isinstance(value, list):
        return [_unwrap(v) for v in value]
    return value


def _clean(user: Any, kind: RecordKind, raw: dict[str, Any], *, partial: bool) -> dict:
    return clean_values(
        kind.name, {k: _unwrap(v) for k, v in raw.items()}, Resolver(user), partial=partial
    )


@router.get(
    "/records/{kind}",
    response={200: RecordListOut, 400: ErrorOut, 404: ErrorOut},
    summary="Records you may see",
    description=(
        f"`kind`: {KINDS_TEXT}. Newest first; `total` counts only the records you may see "
        "that match the filters. Withdrawn records are left out unless `include_withdrawn`; "
        "a filter that does not apply to the kind answers 400."
    ),
    operation_id="list_records",
)
def list_records(
    request: HttpRequest,
    kind: str,
    filters: Query[FiltersIn],
) -> Status:
    record_kind = _kind(kind)
    user = _user(request)
    wanted = filters.model_dump(exclude={"limit", "offset"})
    for name, choices in FILTER_CHOICES.items():
        # Korean and English labels as in record values ("검토 중", "In review"); a value
        # that names nothing goes on as given, for filter_records to refuse.
        wanted[name] = choice_value(choices, wanted[name]) or wanted[name]
    try:
        query = filter_records(user, record_kind, RecordFilters(**wanted))
    except FilterError as exc:
        return Status(400, {"detail": str(exc), "errors": {exc.field: exc.message}})
    limit, offset = filters.limit, filters.offset
    joined, prefetched = list_related(record_kind.name)
    page = query.select_related(*joined).prefetch_related(*prefetched)[offset : offset + limit]
    return Status(200, {"total": query.count(), "items": records_as_dicts(user, page)})


@router.post(
    "/records/{kind}",
    response={201: RecordOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="Create a record",
    operation_id="create_record",
    openapi_extra={"responses": {201: {"links": RECORD_LINKS}}},
)
def create_record(request: HttpRequest, kind: str, payload: RecordIn) -> Status:
    """`values` as users type them (terms by code or label, places by code or name, records
    by reference like P-12, dates like 2015-03 or ~2015); 422 names every bad field."""
    record_kind, user = _kind(kind), _user(request)
    try:
        check_can_change(user)
        values = _clean(user, record_kind, payload.values, partial=False)
        record = do_create_record(user, record_kind.name, values, reason=payload.reason)
    except RecordValuesError as exc:
        return _invalid(exc.errors)
    except RecordActionRefused as exc:
        raise _refused(exc) from None
    return Status(201, record_as_dict(user, record))


@router.get(
    "/records/{kind}/{record_id}",
    response={200: RecordOut, 404: ErrorOut},
    summary="One record",
    operation_id="get_record",
)
def get_record(request: HttpRequest, kind: str, record_id: Id) -> dict[str, Any]:
    return record_as_dict(_user(request), _record(request, kind, record_id))


@router.patch(
    "/records/{kind}/{record_id}",
    response={200: RecordOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    summary="Change some fields of a record",
    operation_id="update_record",
)
def update_record(
    request: HttpRequest, kind: str, record_id: Id, payload: RecordChangeIn
) -> Status:
    """Only the fields in `values` change. `revision` is the one you read: 409 when the
    record changed since. A reviewed record needs a `reason` and goes back to draft."""
    record = _record(request, kind, record_id)
    user = _user(request)
    try:
        check_can_change(user)
        values = _clean(user, _kind(kind), payload.values, partial=True)
        record = do_update_record(
            user, record, values, expected_revision=payload.revision, reason=payload.reason
        )
    except RecordValuesError as exc:
        return _invalid(exc.errors)
    except RecordActionRefused as exc:
        raise _refused(exc) from None
    return Status(200, record_as_dict(user, record))


@router.get(
    "/records/{kind}/{record_id}/history",
    response={200: list[VersionOut], 404: ErrorOut},
    summary="Every version of a record",
    operation_id="record_history",
)
def record_history(request: HttpRequest, kind: str, record_id: Id) -> list[dict[str, Any]]:
    """Oldest first: who changed it, when, how and why."""
    record = _record(request, kind, record_id)
    return [version_dict(v) for v in visible_versions(_user(request), record)]


@router.get(
    "/records/{kind}/{record_id}/history/{number}",
    response={200: VersionDetailOut, 404: ErrorOut},
    summary="One version: the whole record then, and what changed",
    operation_id="record_version",
)
def record_version(request: HttpRequest, kind: str, record_id: Id, number: Id) -> dict:
    """`snapshot` is the record as it was (foreign keys as ids); `changes` compares it with
    the version before (every field for the first one). When the caller is not cleared for
    the version before, `previous_withheld` is true and `changes` shows no earlier values."""
    found = version_changes(_user(request), _record(request, kind, record_id), number)
    if found is None:
        raise HttpError(404, f"this record has no version {number}")
    return {
        **version_dict(found.version),
        "snapshot": found.version.snapshot,
        "changes": [
            {"field": c.field, "before": c.before, "after": c.after} for c in found.changes
        ],
        "previous_withheld": found.previous_withheld,
    }


@router.post(
    "/records/{kind}/{record_id}/restore/{number}",
    response={200: RecordOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    summary="Make a record what an earlier version recorded",
    operation_id="restore_record_version",
)
def restore_record_version(
    request: HttpRequest, kind: str, record_id: Id, number: Id, payload: RestoreIn
) -> dict[str, Any]:
    """The restore is itself a new version; nothing is lost."""
    user = _user(request)
    record = _record(request, kind, record_id)
    if version_for(user, record, number) is None:
        raise HttpError(404, f"this record has no version {number}")
    try:
        record = do_restore_version(
            user, record, number, expected_revision=payload.revision, reason=payload.reason
        )
    except RecordActionRefused as exc:
        raise _refused(exc) from None
    return record_as_dict(user, record)


@router.post(
    "/records/{kind}/{record_id}/review",
    response={200: RecordOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    summary="Send for review, complete a review, or return for changes",
    operation_id="review_record",
)
def review_record(request: HttpRequest, kind: str, record_id: Id, payload: ReviewIn) -> Status:
    """`submit` a draft to `reviewer` (someone other than the author); the assigned reviewer
    then `complete`s the review or `return`s the record with a `comment`."""
    user = _user(request)
    record = _record(request, kind, record_id)
    options = {"expected_revision": payload.revision, "comment": payload.comment}
    try:
        if payload.action == "submit":
            if not payload.reviewer.strip():
                return _invalid({"reviewer": "is required"})
            reviewer = Resolver(user).user_named(payload.reviewer.strip())
            record = do_submit_for_review(user, record, reviewer, **options)
        elif payload.action == "complete":
            record = do_complete_review(user, record, **options)
        else:
            record = do_return_for_changes(user, record, **options)
    except FieldError as exc:
        return _invalid({"reviewer": str(exc)})
    except RecordActionRefused as exc:
        raise _refused(exc) from None
    return Status(200, record_as_dict(user, record))


@router.post(
    "/records/{kind}/{record_id}/withdraw",
    response={200: RecordOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    summary="Withdraw a record (never deleted)",
    operation_id="withdraw_record",
)
def withdraw_record(
    request: HttpRequest, kind: str, record_id: Id, payload: WithdrawIn
) -> dict[str, Any]:
    """Hidden from lists, kept with its whole history; a `reason` is required."""
    user = _user(request)
    record = _record(request, kind, record_id)
    try:
        record = do_withdraw_record(
            user, record, reason=payload.reason, expected_revision=payload.revision
        )
    except RecordActionRefused as exc:
        raise _refused(exc) from None
    return record_as_dict(user, record)


@router.post(
    "/records/{kind}/{record_id}/reinstate",
    response={200: RecordOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    summary="Reinstate a withdrawn record",
    operation_id="reinstate_record",
)
def reinstate_record(
    request: HttpRequest, kind: str, record_id: Id, payload: ReinstateIn
) -> dict[str, Any]:
    user = _user(request)
    record = _record(request, kind, record_id)
    try:
        record = do_reinstate_record(
            user, record, reason=payload.reason, expected_revision=payload.revision
        )
    except RecordActionRefused as exc:
        raise _refused(exc) from None
    return record_as_dict(user, record)


@router.get(
    "/records/{kind}/{record_id}/corroboration",
    response={200: CorroborationOut, 404: ErrorOut},
    summary="How many independent sources support an act or event",
    description=(
        "`kind`: acts or events. Counted from the information you may see: independent "
        "sources (information resting on disjoint persons, organizations or sources, hearsay "
        "traced through `heard_from` links), first-hand ones, the hearsay chains, and the "
        "information that contradicts other information about the record."
    ),
    operation_id="record_corroboration",
)
def record_corroboration(request: HttpRequest, kind: str, record_id: Id) -> dict[str, Any]:
    record_kind = _kind(kind)
    if record_kind.name not in CORROBORATED:
        raise HttpError(404, f"corroboration is counted for acts and events, not {kind}")
    record = _record(request, kind, record_id)
    return corroboration_of(_user(request), record_kind.name, record).as_dict()


@router.get(
    "/records/{kind}/{record_id}/links",
    response={200: list[LinkOut], 404: ErrorOut},
    summary="The links of a record, read from its side",
    operation_id="record_links",
)
def record_links(request: HttpRequest, kind: str, record_id: Id) -> list[dict[str, Any]]:
    """Only links whose other end you may see; the relation is read from this record's side
    ("subordinate of" on the subordinate). `items`: the supporting items you may see."""
    user = _user(request)
    record = _record(request, kind, record_id)
    views = links_of(user, _kind(kind).name, record.pk)
    supporting: dict[int, list[int]] = {}
    rows = Link.items.through.objects.filter(link_id__in=[v.link.pk for v in views])
    for link_id, item_id in rows.values_list("link_id", "item_id").order_by("item_id"):
        supporting.setdefault(link_id, []).append(item_id)
    refs = References(
        user,
        [(v.other_kind, v.other_id) for v in views]
        + [("item", pk) for ids in supporting.values() for pk in ids],
    )
    return [
        {
            "id": v.link.pk,
            "reference": f"L-{v.link.pk}",
            "relation": term_value(v.link.relation),
            "label": v.label,
            "direction": "outgoing" if v.outgoing else "incoming",
            "other": refs.describe(v.other_kind, v.other_id),
            "certainty": v.link.certainty,
            "comment": v.link.comment,
            "items": [pk for pk in supporting.get(v.link.pk, []) if refs.visible("item", pk)],
            "sensitivity": v.link.sensitivity,
            "review_status": v.link.review_status,
        }
        for v in views
    ]
