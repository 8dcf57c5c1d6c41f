"""Intake of content that is already an item the submitter may not see.

Answering "duplicate of item 8" to someone for whom `GET /items/8` is a 404 tells them that
item 8 exists and holds these bytes: an existence oracle. So when nothing that holds the
content is visible to the submitter (the one rule of accounts/clearance.py, through
access.py), intake answers exactly as for new content: it makes a new item with the
submitter's metadata, whose original shares the blob of the first original (no second copy
of the bytes) and points at it (`ItemFile.copy_of`). On the hidden item the submission is a
"duplicate intake" custody event naming the copy, and the attempt is audited as a refused
access (`access.denied`, with a security alert). The copy's own custody trail names no other
item. Someone who may see an item holding the content gets "duplicate" as before.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sillok.evidence.access import log_refused_item, visible_item_ids
from sillok.evidence.custody_log import HandlingContext
from sillok.evidence.models import FileRole, ItemFile


@dataclass(frozen=True)
class Existing:
    """What the repository already holds of one content, as one submitter may know it."""

    first: ItemFile  # the first original of the content (not a copy)
    seen: ItemFile | None  # the original the submitter may see; None: every holder is hidden


def existing_originals(actor: Any, shas: Iterable[str]) -> dict[str, Existing]:
    """For each of `shas` already stored as an original: its first original and the one
    `actor` may see (the first if they may, else the oldest copy they may). Two queries."""
    originals = list(
        ItemFile.objects.select_related("item")
        .filter(role=FileRole.ORIGINAL, sha256__in=set(shas))
        .order_by("pk")
    )
    visible = visible_item_ids(actor, {f.item_id for f in originals})
    by_sha: dict[str, list[ItemFile]] = {}
    for file in originals:
        by_sha.setdefault(file.sha256, []).append(file)
    found = {}
    for sha, files in by_sha.items():
        first = next((f for f in files if f.copy_of_id is None), files[0])
        holders = [first, *(f for f in files if f is not first)]
        seen = next((f for f in holders if f.item_id in visible), None)
        found[sha] = Existing(first=first, seen=seen)
    return found


def copy_details(details: dict[str, Any], copy: ItemFile) -> dict[str, Any]:
    """The details of the duplicate-intake event on the hidden item: the submission's, and
    which item now holds the submitter's copy."""
    return {**details, "copy_item": copy.item_id}


def log_hidden_matches(actor: Any, refused: Iterable[tuple[ItemFile, HandlingContext]]) -> None:
    """Audit (in the intake's transaction) and alert, for each (hidden original, how it was
    submitted): `actor` submitted content held by an item they may not see."""
    for first, context in refused:
        log_refused_item(actor, first.item, via=f"{context.channel} intake")
