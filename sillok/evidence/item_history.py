"""Versions of an item's metadata: snapshots, their digest, differences between two versions,
and which versions a reader may see (pages, API and CLI alike).

Every version of an item the reader may see is listed (who, when, what, why), but the content
of a version is shown only to a reader cleared for the sensitivity and compartment the item
had then (accounts/clearance.py, the same rule as records/history.py): an item made less
sensitive, or moved out of a compartment, must not show its earlier content. Such a version
is "withheld": reading or restoring it answers not found, and the version after it is
compared with nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

from sillok.accounts.clearance import Clearance
from sillok.custody.canonical import canonical_json
from sillok.evidence.models import Item, ItemVersion

# What an edit may change, in the order pages show it. `kind` and the files are not metadata
# a correction changes; the original never changes at all.
EDITABLE = (
    "title",
    "description",
    "source",
    "collector",
    "collected_on",
    "collected_on_precision",
    "collected_place",
    "collected_place_precision",
    "languages",
    "sensitivity",
    "compartment",
    "consent_scope",
    "consent_date",
    "consent_form",
    "consent_recipients",
    "tags",
    "graphic",
)
DATE_FIELDS = ("collected_on", "consent_date")


def snapshot(item: Item) -> dict[str, Any]:
    """The editable fields of `item` as plain JSON (dates ISO, the compartment as its id)."""
    data: dict[str, Any] = {}
    for name in EDITABLE:
        value = item.compartment_id if name == "compartment" else getattr(item, name)
        if isinstance(value, dt.date):
            value = value.isoformat()
        data[name] = list(value) if isinstance(value, list) else value
    return data


def version_digest(
    *,
    item_id: int,
    number: int,
    action: str,
    snapshot: dict[str, Any],
    reason: str,
    actor_id: int | None,
) -> str:
    """SHA-256 over what a version row says; its audit entry states it (item_version_audit)."""
    body = canonical_json(
        {
            "item": item_id,
            "number": number,
            "action": str(action),
            "snapshot": snapshot,
            "reason": reason,
            "actor": actor_id,
        }
    )
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def digest_of(version: ItemVersion) -> str:
    return version_digest(
        item_id=version.item_id,
        number=version.number,
        action=version.action,
        snapshot=version.snapshot,
        reason=version.reason,
        actor_id=version.actor_id,
    )


def versions_digest(digests: list[tuple[int, str]]) -> str:
    """One digest for the versions of one entry: (number, digest) in any order."""
    joined = "\n".join(digest for _, digest in sorted(digests))
    return hashlib.sha256(joined.encode("ascii")).hexdigest()


@dataclass(frozen=True)
class Change:
    field: str
    before: Any
    after: Any


def diff(before: dict[str, Any] | None, after: dict[str, Any]) -> list[Change]:
    """The fields that differ between two snapshots (every field for the first version)."""
    before = before or {}
    return [
        Change(name, before.get(name), after.get(name))
        for name in EDITABLE
        if (name in before or name in after) and before.get(name) != after.get(name)
    ]


# --- versions a reader may see ------------------------------------------------------------------


def _cleared_for(clearance: Clearance, version: ItemVersion) -> bool:
    state = version.snapshot
    return clearance.allows(state.get("sensitivity"), state.get("compartment"))


def visible_versions(user: Any, item: Item) -> list[ItemVersion]:
    """Every version of `item` (fetched through access_item), oldest first, each marked
    `withheld` when `user` is not cleared for its content (user None: the operator)."""
    versions = list(item.versions.select_related("actor").order_by("number"))
    # The operator at the shell (`sillok item history` without --as) holds the database.
    clearance = Clearance(user) if user is not None else None
    for version in versions:
        version.withheld = clearance is not None and not _cleared_for(clearance, version)
    return versions


def version_for(user: Any, item: Item, number: int) -> ItemVersion | None:
    """Version `number` of `item` if it exists and `user` is cleared for its content; None
    for missing and withheld alike."""
    version = item.versions.filter(number=number).select_related("actor").first()
    if version is None or not _cleared_for(Clearance(user), version):
        return None
    return version


@dataclass(frozen=True)
class VersionChanges:
    """One version, the version before it when the reader may see it, and what changed."""

    version: ItemVersion
    previous: ItemVersion | None
    previous_withheld: bool
    changes: list[Change]


def version_changes(user: Any, item: Item, number: int) -> VersionChanges | None:
    """Version `number` compared with the one before; None when `version_for` finds none."""
    version = version_for(user, item, number)
    if version is None:
        return None
    first = item.versions.order_by("number").values_list("number", flat=True).first()
    previous = version_for(user, item, number - 1) if number != first else None
    return VersionChanges(
        version,
        previous,
        number != first and previous is None,
        diff(previous.snapshot if previous else None, version.snapshot),
    )
