"""Who may see which item: one predicate for views, API, CLI, lists and counts (STYLE rule 2).

A user sees an item when they hold `evidence.view_item` and pass the one clearance rule of
accounts/clearance.py: the clearance its sensitivity needs (public and internal: none;
restricted: `view_restricted`; strictly confidential: `view_strictly_confidential`) and, for
an item in a compartment, membership of that compartment (no exception for administrators).
A user who may add items but not view them (a partner) sees only the items they submitted
themselves. Originals need `view_original` on top.

Missing and forbidden look the same (`ItemNotFound`), so ids cannot be probed; refusing an
item that exists is audited and alerts the administrators (`log_denied_access`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Q, QuerySet

from sillok.accounts.clearance import clearance_filter, log_denied_access, refusal_reason
from sillok.evidence.models import Item


class ItemNotFound(LookupError):
    """No such item, or not one this user may see."""

    def __init__(self, item_id: Any) -> None:
        super().__init__(f"no item {item_id}")
        self.item_id = item_id


class ActionRefused(PermissionError):
    """The user may see the item but not do this with it; the message says what is missing."""


def visibility_filter(user: Any) -> Q | None:
    """The Q that selects the items `user` may see; None when they may see none."""
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    if user.has_perm("evidence.view_item"):
        return clearance_filter(user)
    if user.has_perm("evidence.add_item"):
        return Q(created_by=user)
    return None


def visible_items(user: Any) -> QuerySet[Item]:
    condition = visibility_filter(user)
    if condition is None:
        return Item.objects.none()
    return Item.objects.filter(condition)


def access_item(user: Any, item_id: Any, *, for_update: bool = False) -> Item:
    """The item `item_id` if `user` may see it; ItemNotFound for missing and forbidden alike."""
    try:
        pk = int(item_id)
    except (TypeError, ValueError):
        raise ItemNotFound(item_id) from None
    query = visible_items(user)
    if for_update:
        query = query.select_for_update()
    item = query.filter(pk=pk).first()
    if item is None:
        _log_if_hidden(user, pk)
        raise ItemNotFound(item_id)
    return item


def visible_item_ids(user: Any, item_ids: Iterable[int]) -> set[int]:
    """Which of `item_ids` `user` may see (one query). The operator at the shell (user None,
    `sillok` without --as) may see every item, as they may use every compartment."""
    ids = set(item_ids)
    if user is None or not ids:
        return ids
    return set(visible_items(user).filter(pk__in=ids).values_list("pk", flat=True))


def _log_if_hidden(user: Any, pk: int) -> None:
    """Audit and alert when the refused item exists (a missing id is not an alert)."""
    hidden = Item.objects.filter(pk=pk).only("sensitivity", "compartment_id").first()
    if hidden is not None:
        log_refused_item(user, hidden)


def log_refused_item(user: Any, item: Item, *, via: str = "") -> None:
    """Audit and alert: `user` was refused the existing `item` (clearance.log_denied_access,
    with the reason the one rule gives)."""
    if user is None or not user.is_authenticated:
        return
    if user.has_perm("evidence.view_item"):
        reason = refusal_reason(user, item.sensitivity, item.compartment_id)
    else:
        reason = "role"
    log_denied_access(user, "item", item.pk, reason, via=via)


def can_open_originals(user: Any, item: Item) -> bool:
    if user.has_perm("evidence.view_original"):
        return True
    # A submitter may always get back what they themselves submitted.
    return item.created_by_id is not None and item.created_by_id == user.pk


def check_can_add(user: Any) -> None:
    if user is not None and not user.has_perm("evidence.add_item"):
        raise ActionRefused("adding items needs the permission evidence.add_item")


def check_can_use_compartment(user: Any, code: str) -> int | None:
    """The id of compartment `code` if `user` may put items into it (a member; the operator
    at the shell, user None, may use any); None for no compartment."""
    from sillok.accounts.compartments import CompartmentError, compartment_for, find_compartment

    if not code:
        return None
    try:
        found = find_compartment(code) if user is None else compartment_for(user, code)
    except CompartmentError as exc:
        raise ActionRefused(str(exc)) from None
    return found.pk if found is not None else None


def check_can_change(user: Any) -> None:
    if user is not None and not user.has_perm("evidence.change_item"):
        raise ActionRefused("changing items needs the permission evidence.change_item")
