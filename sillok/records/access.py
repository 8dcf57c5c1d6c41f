"""Who may see and change which record: one predicate for pages, API, CLI, imports, exports,
links and counts (STYLE rule 2).

A user sees a record when they hold `records.view_record` and pass the one clearance rule of
accounts/clearance.py: the clearance its sensitivity needs (the same levels as items) and,
for a record in a compartment, membership of it. Changing needs `records.change_record`;
reviewing `records.review_record`. Missing and forbidden look the same (RecordNotFound);
refusing a record that exists is audited and alerts the administrators. A link is visible
only when it passes the rule itself and both of its ends are visible.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db.models import Model, Q, QuerySet

from sillok.accounts.clearance import clearance_filter, log_denied_access, refusal_reason
from sillok.records.kinds import RecordKind, get_kind


class RecordNotFound(LookupError):
    """No such record, or not one this user may see."""

    def __init__(self, kind: str, record_id: Any) -> None:
        super().__init__(f"no {kind} {record_id}")
        self.kind = kind
        self.record_id = record_id


class RecordActionRefused(PermissionError):
    """The user may see the record but not do this with it; the message says why."""


def can_view_records(user: Any) -> bool:
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and user.has_perm("records.view_record")
    )


def record_filter(user: Any) -> Q | None:
    """The Q selecting the records of any kind `user` may see; None when none."""
    if not can_view_records(user):
        return None
    return clearance_filter(user)


def visible_records(user: Any, kind: str | RecordKind) -> QuerySet:
    kind = get_kind(kind) if isinstance(kind, str) else kind
    condition = record_filter(user)
    if condition is None:
        return kind.model.objects.none()
    if kind.name == "link":
        condition &= _link_ends_visible(user, "from") & _link_ends_visible(user, "to")
    return kind.model.objects.filter(condition)


def _link_ends_visible(user: Any, end: str) -> Q:
    """Links whose `end` ("from" or "to") is a record, place or item `user` may see: one
    subquery per kind, so lists, counts and exports of links never reveal a hidden record."""
    from sillok.evidence.access import visible_items
    from sillok.records.kinds import KINDS

    condition = Q(**{f"{end}_kind": "place"})
    condition |= Q(**{f"{end}_kind": "item", f"{end}_id__in": visible_items(user).values("pk")})
    for kind in KINDS:
        if kind.name != "link":
            ids = visible_records(user, kind).values("pk")
            condition |= Q(**{f"{end}_kind": kind.name, f"{end}_id__in": ids})
    return condition


def access_record(user: Any, kind: str, record_id: Any, *, for_update: bool = False) -> Model:
    """The record if `user` may see it; RecordNotFound for missing and forbidden alike."""
    record_kind = get_kind(kind)
    try:
        pk = int(record_id)
    except (TypeError, ValueError):
        raise RecordNotFound(record_kind.name, record_id) from None
    query = visible_records(user, record_kind)
    if for_update:
        query = query.select_for_update()
    record = query.filter(pk=pk).first()
    if record is None:
        _log_if_hidden(user, record_kind, pk)
        raise RecordNotFound(record_kind.name, record_id)
    return record


def _log_if_hidden(user: Any, kind: RecordKind, pk: int) -> None:
    """Audit and alert when the refused record exists (a missing id is not an alert)."""
    hidden = kind.model.objects.filter(pk=pk).values("sensitivity", "compartment_id").first()
    if hidden is None or user is None or not user.is_authenticated:
        return
    if can_view_records(user):
        reason = refusal_reason(user, hidden["sensitivity"], hidden["compartment_id"])
        if reason == "role":  # the link passes the rule; one of its ends does not
            reason = "linked"
    else:
        reason = "role"
    log_denied_access(user, kind.name, pk, reason)


def check_can_change(user: Any) -> None:
    if not user.has_perm("records.change_record"):
        raise RecordActionRefused(
            "creating and editing records needs the change_record "
            "permission (documentation officers, analysts)"
        )


def check_can_review(user: Any) -> None:
    if not user.has_perm("records.review_record"):
        raise RecordActionRefused(
            "reviewing needs the review_record permission (analysts, legal experts)"
        )


def visible_ids(user: Any, refs: Iterable[tuple[str, int]]) -> set[tuple[str, int]]:
    """Which of the (kind, id) pairs `user` may see, with one query per kind. Places are
    public gazetteer entries; items follow the evidence rules."""
    by_kind: dict[str, set[int]] = defaultdict(set)
    for kind, pk in refs:
        by_kind[kind].add(int(pk))
    seen: set[tuple[str, int]] = set()
    for kind, ids in by_kind.items():
        if kind == "place":
            from sillok.vocab.models import Place

            found = Place.objects.filter(pk__in=ids).values_list("pk", flat=True)
        elif kind == "item":
            from sillok.evidence.access import visible_items

            found = visible_items(user).filter(pk__in=ids).values_list("pk", flat=True)
        else:
            found = visible_records(user, kind).filter(pk__in=ids).values_list("pk", flat=True)
        seen |= {(kind, pk) for pk in found}
    return seen
