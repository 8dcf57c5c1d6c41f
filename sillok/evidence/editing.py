"""Correcting an item's metadata after intake: one service behind the edit page, the API and
`sillok item edit`, with its history (who, when, why, what changed) and restore.

An edit runs in ONE transaction that:

1. locks the item row (two editors racing: the second waits, then meets the new revision)
   and refuses an edit made against an older revision than the item's (`StaleRevision`);
2. checks the new values with the same validation as intake (metadata.check_metadata) and
   the clearance rule (below);
3. saves the changed fields and the next revision, and writes the version row(s) and the
   "metadata changed" custody event with its audit entry, whose details state the versions'
   digest (`sillok verify` compares them: item_version_audit.py).

A failed edit leaves nothing: no change, no version, no custody event, no audit entry. The
search index re-indexes the item after commit and takes its new clearance at once (the
item's post_save signal, search/signals.py).

Clearance, as for records (accounts/clearance.py): the editor holds `evidence.change_item`,
is cleared for the item's sensitivity and compartment now (access_item) AND for the ones the
edit gives it: nobody can raise an item beyond their own clearance or move it into a
compartment they are not a member of, so no edit makes an item invisible to its editor.
Lowering the sensitivity needs nothing more than records require to lower a record's (the
change permission and clearance for the level it had), and a reason, like every edit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

from django.db import transaction

from sillok.accounts.clearance import Clearance
from sillok.evidence.access import ActionRefused, check_can_change
from sillok.evidence.custody_log import HandlingContext, record_custody_event
from sillok.evidence.item_history import (
    EDITABLE,
    diff,
    digest_of,
    snapshot,
    version_for,
    versions_digest,
)
from sillok.evidence.metadata import ItemMetadata, MetadataError, check_metadata
from sillok.evidence.models import (
    CustodyAction,
    DatePrecision,
    Item,
    ItemVersion,
    ItemVersionAction,
)

MAX_REASON = 2000
# Lists given as text: split on commas, semicolons and new lines only, since a tag, a
# consent label ("내부 분석") or a prosecutor's name may hold spaces.
LIST_FIELDS = ("languages", "consent_scope", "tags")


class StaleRevision(ActionRefused):
    """The item changed since the editor loaded it."""


class ClearanceRefused(ActionRefused):
    """The edit would take the item beyond the editor's clearance; `field` names the field."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(message)
        self.field = field_name


class VersionNotFound(LookupError):
    """No such version of the item, or one the user is not cleared for."""


@dataclass(frozen=True)
class EditResult:
    item: Item
    changed: list[str]  # the fields that changed; empty: nothing to do, nothing written
    version: ItemVersion | None


def clean_reason(reason: str | None) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise MetadataError("reason", "is required: say why the item is corrected")
    if "\x00" in reason:
        raise MetadataError("reason", "must not contain NUL characters")
    if len(reason) > MAX_REASON:
        raise MetadataError("reason", f"is longer than {MAX_REASON} characters")
    return reason


def _as_list(value: Any) -> Any:
    if isinstance(value, str):
        return [part.strip() for part in re.split(r"[,;\n]", value) if part.strip()]
    return value


def _current_raw(item: Item) -> dict[str, Any]:
    """The item's metadata in the shape check_metadata reads (the compartment as its code)."""
    raw: dict[str, Any] = {
        name: getattr(item, name)
        for name in ItemMetadata.__dataclass_fields__
        if name != "compartment"
    }
    raw["compartment"] = item.compartment.code if item.compartment_id else ""
    return raw


def check_item_edit(user: Any, item: Item, changes: dict[str, Any]) -> dict[str, Any]:
    """The item's editable values (model attnames) once `changes` are applied: validated as
    at intake, then held to the clearance rule. MetadataError names a bad field,
    ClearanceRefused a value beyond the editor's clearance."""
    unknown = sorted(set(changes) - set(EDITABLE))
    if unknown:
        raise MetadataError(unknown[0], f"cannot be edited (editable: {', '.join(EDITABLE)})")
    raw = _current_raw(item)
    for name, value in changes.items():
        raw[name] = _as_list(value) if name in LIST_FIELDS else value
    metadata = check_metadata(raw)
    if not metadata.title:
        raise MetadataError("title", "is required")
    values = {name: getattr(metadata, name) for name in EDITABLE if name != "compartment"}
    # A full date given where the precision was never said is a date to the day.
    if (
        "collected_on" in changes
        and "collected_on_precision" not in changes
        and values["collected_on"] is not None
        and item.collected_on_precision == DatePrecision.UNKNOWN
    ):
        values["collected_on_precision"] = DatePrecision.DAY
    values["compartment_id"] = _compartment_id(user, item, metadata.compartment)
    _check_clearance(user, item, values)
    return values


def _compartment_id(user: Any, item: Item, code: str) -> int | None:
    from sillok.accounts.compartments import CompartmentError, compartment_for

    current = item.compartment.code if item.compartment_id else ""
    if code == current:
        return item.compartment_id
    try:
        found = compartment_for(user, code)
    except CompartmentError as exc:
        raise ClearanceRefused("compartment", str(exc)) from None
    return found.pk if found is not None else None


def _check_clearance(user: Any, item: Item, values: dict[str, Any]) -> None:
    clearance = Clearance(user)
    if not clearance.sees(item):
        # A submitter sees what they submitted without a clearance for it (access.py).
        raise ActionRefused("you are not cleared for this item's sensitivity or compartment")
    if values["sensitivity"] not in clearance:
        raise ClearanceRefused(
            "sensitivity",
            f"you are not cleared for {values['sensitivity']!r} items: the item would be "
            "hidden from you; ask someone cleared for that level to change it",
        )
    if not clearance.allows(values["sensitivity"], values["compartment_id"]):
        raise ClearanceRefused("compartment", "you are not a member of that compartment")


def _check_editor(user: Any) -> None:
    if user is None or not getattr(user, "pk", None):
        raise ActionRefused("an edit names who made it: act as a user (--as USER)")
    check_can_change(user)


def do_edit_item(
    user: Any,
    item: Item,
    changes: dict[str, Any],
    *,
    expected_revision: int | None,
    reason: str,
    context: HandlingContext,
    action: str = ItemVersionAction.EDITED,
    restored: int | None = None,
) -> EditResult:
    """Change some metadata of `item` (fetched through access_item): see the module doc.
    `expected_revision` None skips the revision check (a CLI edit reads and writes at once)."""
    _check_editor(user)
    reason = clean_reason(reason)
    with transaction.atomic():
        # Two editors racing: the second waits here and then meets the first one's revision.
        locked = (
            Item.objects.select_for_update(of=("self",))
            .select_related("compartment")
            .get(pk=item.pk)
        )
        if expected_revision is not None and locked.revision != expected_revision:
            raise StaleRevision(
                f"this item was changed by someone else (revision {locked.revision}, you "
                f"edited revision {expected_revision}); reload it and make your change again"
            )
        values = check_item_edit(user, locked, changes)
        before = snapshot(locked)
        for name, value in values.items():
            setattr(locked, name, value)
        after = snapshot(locked)
        changed = [change.field for change in diff(before, after)]
        if not changed:
            return EditResult(locked, [], None)
        locked.revision += 1
        locked.save(update_fields=[*changed, "revision"])
        version = _write_versions(
            user, locked, before, after, action, reason, context, changed, restored
        )
    return EditResult(locked, changed, version)


def _write_versions(
    user: Any,
    item: Item,
    before: dict[str, Any],
    after: dict[str, Any],
    action: str,
    reason: str,
    context: HandlingContext,
    changed: list[str],
    restored: int | None,
) -> ItemVersion:
    """The version row(s) and the custody event whose audit entry states their digest."""
    rows = []
    if not item.versions.exists():
        # The first edit keeps the state before it, or the first correction could not be
        # compared or undone.
        rows.append(
            ItemVersion(
                item=item,
                number=item.revision - 1,
                action=ItemVersionAction.BASELINE,
                snapshot=before,
                actor=user,
            )
        )
    rows.append(
        ItemVersion(
            item=item,
            number=item.revision,
            action=action,
            snapshot=after,
            reason=reason,
            actor=user,
        )
    )
    details: dict[str, Any] = {
        "revision": item.revision,
        "fields": sorted(changed),
        "versions": [row.number for row in rows],
        "versions_sha256": versions_digest([(row.number, digest_of(row)) for row in rows]),
    }
    if restored is not None:
        details["restored"] = restored
    event = record_custody_event(
        user, item, CustodyAction.METADATA_CHANGED, replace(context, reason=reason), details=details
    )
    for row in rows:
        row.audit_seq = event.audit_seq
        row.created_at = event.occurred_at
        row.save(force_insert=True)
    return rows[-1]


def restorable_changes(state: dict[str, Any]) -> dict[str, Any]:
    """The changes that make an item what snapshot `state` recorded (the compartment by its
    code, as an editor gives it)."""
    from sillok.accounts.models import Compartment

    changes = {name: state[name] for name in EDITABLE if name in state}
    if "compartment" in changes:
        pk = changes["compartment"]
        code = Compartment.objects.filter(pk=pk).values_list("code", flat=True).first()
        changes["compartment"] = code or ""
    return changes


def do_restore_item_version(
    user: Any,
    item: Item,
    number: int,
    *,
    expected_revision: int | None,
    reason: str,
    context: HandlingContext,
) -> EditResult:
    """Make the item what version `number` recorded: itself an edit, with its own version and
    custody event. A version the user is not cleared for does not exist for them (restoring
    it would reveal it)."""
    _check_editor(user)
    reason = clean_reason(reason)
    old = version_for(user, item, number)
    if old is None:
        raise VersionNotFound(f"item {item.pk} has no version {number}")
    return do_edit_item(
        user,
        item,
        restorable_changes(old.snapshot),
        expected_revision=expected_revision,
        reason=f"restored version {number}: {reason}",
        context=context,
        action=ItemVersionAction.RESTORED,
        restored=number,
    )
