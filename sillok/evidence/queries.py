"""Read-side helpers shared by the item page, the API and the CLI: one shape for an item."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sillok.custody.canonical import format_time
from sillok.custody.services import open_blob
from sillok.evidence.access import visible_item_ids
from sillok.evidence.derive.base import TEXT_KINDS
from sillok.evidence.models import CustodyEvent, DerivationJob, Item, ItemFile

# Text shown inline on a page or printed by `sillok item text`; beyond this, download it.
MAX_TEXT_BYTES = 5 * 1024 * 1024


def file_dict(file: ItemFile) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": file.pk,
        "role": file.role,
        "kind": file.kind,
        "sha256": file.sha256,
        "size": file.size,
        "media_type": file.media_type,
        "filename": file.original_filename,
        "created_at": format_time(file.created_at),
    }
    if file.role == "derivative":
        data["provenance"] = {
            "derived_from": file.derived_from.sha256 if file.derived_from_id else None,
            "tool": file.tool,
            "tool_version": file.tool_version,
            "params": file.params,
        }
        data["language"] = file.language
    return data


def item_dict(item: Item, *, with_files: bool = True) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": item.pk,
        "title": item.title,
        "description": item.description,
        "kind": item.kind,
        "languages": item.languages,
        "source": item.source,
        "collector": item.collector,
        "collected_on": item.collected_on.isoformat() if item.collected_on else None,
        "collected_on_precision": item.collected_on_precision,
        "collected_place": item.collected_place,
        "collected_place_precision": item.collected_place_precision,
        "sensitivity": item.sensitivity,
        "compartment": item.compartment.code if item.compartment_id else None,
        "consent_scope": item.consent_scope,
        "consent_date": item.consent_date.isoformat() if item.consent_date else None,
        "consent_form": item.consent_form,
        "consent_recipients": item.consent_recipients,
        "tags": item.tags,
        "graphic": item.graphic,
        "created_at": format_time(item.created_at),
        "revision": item.revision,
    }
    if with_files:
        files = item.files.select_related("derived_from").order_by("pk")
        data["files"] = [file_dict(f) for f in files]
        data["jobs"] = [job_dict(job) for job in jobs_of(item)]
    return data


def jobs_of(item: Item) -> list[DerivationJob]:
    return list(DerivationJob.objects.filter(source__item=item).order_by("pk"))


def job_dict(job: DerivationJob) -> dict[str, Any]:
    return {
        "id": job.pk,
        "deriver": job.deriver,
        "status": job.status,
        "attempts": job.attempts,
        "error": job.error,
        "finished_at": format_time(job.finished_at) if job.finished_at else None,
    }


def custody_dict(event: CustodyEvent) -> dict[str, Any]:
    return {
        "time": format_time(event.occurred_at),
        "action": event.action,
        "actor": event.actor_name,
        "channel": event.channel,
        "place": event.place,
        "reason": event.reason,
        "file": event.file.sha256 if event.file_id else None,
        "details": event.details,
        "audit_seq": event.audit_seq,
    }


def custody_timeline(item: Item) -> list[CustodyEvent]:
    return list(item.custody_events.select_related("file").order_by("occurred_at", "pk"))


def text_files(item: Item) -> list[ItemFile]:
    return list(item.files.filter(kind__in=TEXT_KINDS).order_by("pk"))


def read_text(file: ItemFile, limit: int = MAX_TEXT_BYTES) -> tuple[str, bool]:
    """The UTF-8 text of a text derivative, at most `limit` bytes; (text, truncated)."""
    with open_blob(file.sha256) as stream:
        data = stream.read(limit + 1)
    truncated = len(data) > limit
    return data[:limit].decode("utf-8", errors="replace"), truncated


def text_parts(item: Item) -> list[dict[str, Any]]:
    """The item's text derivatives as {kind, label, language, tool, tool_version, sha256,
    text, truncated}."""
    parts = []
    for file in text_files(item):
        text, truncated = read_text(file)
        parts.append(
            {
                "kind": file.kind,
                "label": str(file.kind_label),
                "language": file.language,
                "tool": file.tool,
                "tool_version": file.tool_version,
                "sha256": file.sha256,
                "text": text,
                "truncated": truncated,
            }
        )
    return parts


def iter_blob(file: ItemFile, chunk: int = 1024 * 1024) -> Iterator[bytes]:
    with open_blob(file.sha256) as stream:
        while data := stream.read(chunk):
            yield data


def possible_duplicates(item: Item, visible: Any, limit: int = 10) -> list[tuple[Item, int]]:
    """Other items (among `visible`, a queryset the user may see) whose pictures look alike:
    the smallest Hamming distance between any perceptual hash of the two, within the
    threshold. A linear scan over the hashes: adequate for tens of thousands of images."""
    from sillok.evidence.derive import POSSIBLE_DUPLICATE_DISTANCE, phash_distance
    from sillok.evidence.models import PerceptualHash

    mine = list(PerceptualHash.objects.filter(file__item=item).values_list("value", flat=True))
    if not mine:
        return []
    best: dict[int, int] = {}
    others = PerceptualHash.objects.exclude(file__item=item).filter(
        file__item__in=visible.values("pk")
    )
    for item_id, value in others.values_list("file__item_id", "value").iterator():
        distance = min(phash_distance(value, own) for own in mine)
        if distance <= POSSIBLE_DUPLICATE_DISTANCE and distance < best.get(item_id, 65):
            best[item_id] = distance
    ranked = sorted(best.items(), key=lambda pair: pair[1])[:limit]
    items = Item.objects.in_bulk([item_id for item_id, _ in ranked])
    return [(items[item_id], distance) for item_id, distance in ranked]


def copies_of(item: Item) -> list[ItemFile]:
    """The originals of items made as copies of `item`'s original for submitters who could
    not see it (copies.py), oldest first, with their items and who submitted them. Shown only
    to those who may see `item`."""
    return list(
        ItemFile.objects.filter(copy_of__item=item)
        .select_related("item", "item__created_by")
        .order_by("pk")
    )


def copied_from(item: Item, user: Any) -> Item | None:
    """The item whose original `item`'s original is a copy of, if `user` may see it; None
    otherwise, so that the submitter of a copy learns nothing of the hidden item."""
    source = (
        ItemFile.objects.filter(item=item, copy_of__isnull=False)
        .select_related("copy_of__item")
        .first()
    )
    if source is None or source.copy_of is None:
        return None
    first = source.copy_of.item
    return first if visible_item_ids(user, [first.pk]) else None
