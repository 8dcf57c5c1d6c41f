"""Verification of custody events and item files against the audit entries that record them.

The hash chain proves the audit entries; these checks prove the rows that users read. A
custody event is written with the entry `audit_seq`, whose payload holds the event's action,
item, actor, time, channel, place, reason, details and file (custody_log.py). A file row is
stated in the payload of every custody event that names it (`file_row`: blob, hash, size,
type, name, provenance), and in older entries at least by its SHA-256. So an intruder who
edits, deletes or inserts one of these rows behind the triggers' back is named here, by
table, seq and item; forging a row that passes needs a matching entry, which the chain and
the checkpoints kept elsewhere refuse.

Entries written before the file facts were added name only the file's hash; those files are
checked on their hash and blob, which is what a swap changes.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from sillok.custody.audited_rows import (
    AuditedRows,
    changed_fields,
    entries_by_seq,
    entries_where,
    merge_by_seq,
    why_no_entry,
)
from sillok.custody.canonical import canonical_json
from sillok.custody.models import AuditEntry, Blob
from sillok.custody.verify import Problem, VerificationReport
from sillok.evidence.custody_log import EVENT_KEYS, file_facts
from sillok.evidence.models import CustodyEvent, ItemFile

EVENT_TABLE = CustodyEvent._meta.db_table
FILE_TABLE = ItemFile._meta.db_table
ACTION_PREFIX = "custody."


def _events_in_seq_order(batch_size: int) -> Iterator[CustodyEvent]:
    query = CustodyEvent.objects.select_related("file").order_by("audit_seq")
    batch = list(query[:batch_size])
    while batch:
        yield from batch
        batch = list(query.filter(audit_seq__gt=batch[-1].audit_seq)[:batch_size])


def _normalised(data: Any) -> Any:
    """As the audit entry stores it (canonical JSON and back), so equal facts compare equal."""
    return json.loads(canonical_json(data))


def _event_as_entry_states(event: CustodyEvent) -> dict[str, Any]:
    """The facts of the row in the shape its entry records them."""
    return {
        "action": f"{ACTION_PREFIX}{event.action}",
        "object_type": "item",
        "object_id": str(event.item_id),
        "actor_id": event.actor_id,
        "actor_name": event.actor_name,
        "time": event.occurred_at,
        "channel": event.channel,
        "place": event.place,
        "reason": event.reason,
        "file": event.file.sha256 if event.file is not None else None,
        "file_id": event.file_id,
        "details": _normalised(event.details),
    }


def _entry_states(entry: AuditEntry) -> dict[str, Any]:
    details = entry.details or {}
    stated: dict[str, Any] = {
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "actor_id": entry.actor_id,
        "actor_name": entry.actor_name,
        "time": entry.created_at,
        "channel": details.get("channel", ""),
        "place": details.get("place", ""),
        "reason": details.get("reason", ""),
        "file": details.get("file"),
        "details": {k: v for k, v in details.items() if k not in EVENT_KEYS},
    }
    file_row = details.get("file_row")
    if isinstance(file_row, dict):
        stated["file_id"] = file_row.get("id")
    return stated


def check_custody_events(report: VerificationReport, limit: int, batch_size: int) -> None:
    """Every custody event against its entry, and every custody entry against its event."""
    count = 0
    rows = _events_in_seq_order(batch_size)
    entries = entries_where(batch_size, action__startswith=ACTION_PREFIX)
    for seq, events, entry in merge_by_seq(rows, entries, lambda event: event.audit_seq):
        count += len(events)
        if not events:
            if entry is not None and entry.seq <= limit:
                report.add(_missing_event(entry))
            continue
        event = events[0]  # audit_seq is unique; more than one needs a dropped constraint
        for extra in events[1:]:
            report.add(_unaudited(extra, "another custody event already claims that entry"))
        if entry is None:
            report.add(_unaudited(event, why_no_entry(seq, limit, "a custody event")))
            continue
        expected, actual = _entry_states(entry), _event_as_entry_states(event)
        differing = changed_fields(expected, actual)
        if differing:
            report.add(
                Problem(
                    "custody_event_altered",
                    f"custody event {event.pk} of item {event.item_id} differs from audit "
                    f"entry #{seq} in: {', '.join(differing)}",
                    seq=seq,
                    table=EVENT_TABLE,
                    row=event.pk,
                    item=event.item_id,
                    fields=tuple(differing),
                )
            )
    report.checked["custody_events"] = count


def _missing_event(entry: AuditEntry) -> Problem:
    return Problem(
        "custody_event_missing",
        f"audit entry #{entry.seq} records {entry.action} of item {entry.object_id}, but "
        f"no custody event carries it: the event was deleted",
        seq=entry.seq,
        table=EVENT_TABLE,
        item=int(entry.object_id) if entry.object_id.isdigit() else None,
    )


def _unaudited(event: CustodyEvent, why: str) -> Problem:
    return Problem(
        "custody_event_unaudited",
        f"custody event {event.pk} ({event.action} of item {event.item_id}) has no audit "
        f"entry of its own: {why}",
        seq=event.audit_seq,
        table=EVENT_TABLE,
        row=event.pk,
        item=event.item_id,
    )


def check_item_files(report: VerificationReport, limit: int, batch_size: int) -> None:
    """Every file row against the entries of the custody events that name it.

    Also the file rows that entries state but the table no longer holds (a deleted file).
    """
    count = 0
    query = ItemFile.objects.order_by("pk")
    batch = list(query[:batch_size])
    while batch:
        count += len(batch)
        _check_file_batch(report, batch, limit)
        batch = list(query.filter(pk__gt=batch[-1].pk)[:batch_size])
    _report_missing_files(report, batch_size)
    report.checked["item_files"] = count


def _check_file_batch(report: VerificationReport, files: list[ItemFile], limit: int) -> None:
    ids = [f.pk for f in files]
    seqs_by_file: dict[int, list[int]] = {}
    naming = CustodyEvent.objects.filter(file_id__in=ids, audit_seq__lte=limit)
    for file_id, seq in naming.values_list("file_id", "audit_seq"):
        seqs_by_file.setdefault(file_id, []).append(seq)
    entries = entries_by_seq(seq for seqs in seqs_by_file.values() for seq in seqs)
    blob_hashes = dict(
        Blob.objects.filter(pk__in={f.blob_id for f in files}).values_list("pk", "sha256")
    )
    for file in files:
        stating = [entries[s] for s in sorted(seqs_by_file.get(file.pk, ())) if s in entries]
        if not stating:
            report.add(
                Problem(
                    "item_file_unaudited",
                    f"file {file.pk} ({file.role} of item {file.item_id}) is named by no "
                    f"audited custody event: it was inserted behind the log's back",
                    table=FILE_TABLE,
                    row=file.pk,
                    item=file.item_id,
                    sha256=file.sha256,
                )
            )
            continue
        differing = _file_differences(file, stating, blob_hashes.get(file.blob_id))
        if differing:
            report.add(
                Problem(
                    "item_file_altered",
                    f"file {file.pk} ({file.role} of item {file.item_id}) differs from "
                    f"audit entry #{stating[0].seq} in: {', '.join(differing)}",
                    seq=stating[0].seq,
                    table=FILE_TABLE,
                    row=file.pk,
                    item=file.item_id,
                    sha256=file.sha256,
                    fields=tuple(differing),
                )
            )


def _file_differences(
    file: ItemFile, entries: list[AuditEntry], blob_sha256: str | None
) -> list[str]:
    """Fields of the row that the entries state otherwise (the first entry that states
    them in full decides; older entries state only the hash)."""
    differing: set[str] = set()
    if blob_sha256 != file.sha256:
        differing.add("blob")
    for entry in entries:
        if entry.details.get("file") != file.sha256:
            differing.add("sha256")
    full = next((e for e in entries if isinstance(e.details.get("file_row"), dict)), None)
    if full is not None:
        stated = full.details["file_row"]
        actual = _normalised(file_facts(file))
        differing.update(changed_fields(stated, actual))
    return sorted(differing)


def _report_missing_files(report: VerificationReport, batch_size: int) -> None:
    """File rows that custody entries state but that are gone."""
    stated: dict[int, AuditEntry] = {}
    for entry in entries_where(batch_size, action__startswith=ACTION_PREFIX):
        file_row = entry.details.get("file_row") if isinstance(entry.details, dict) else None
        if isinstance(file_row, dict) and isinstance(file_row.get("id"), int):
            stated.setdefault(file_row["id"], entry)
        if len(stated) >= batch_size:
            _flush_missing(report, stated)
    _flush_missing(report, stated)


def _flush_missing(report: VerificationReport, stated: dict[int, AuditEntry]) -> None:
    present = set(ItemFile.objects.filter(pk__in=list(stated)).values_list("pk", flat=True))
    for file_id, entry in sorted(stated.items()):
        if file_id not in present:
            report.add(
                Problem(
                    "item_file_missing",
                    f"audit entry #{entry.seq} records file {file_id} of item "
                    f"{entry.object_id}, which is no longer in the repository",
                    seq=entry.seq,
                    table=FILE_TABLE,
                    row=file_id,
                    item=int(entry.object_id) if entry.object_id.isdigit() else None,
                    sha256=entry.details.get("file"),
                )
            )
    stated.clear()


def _max_event_seq() -> int | None:
    return CustodyEvent.objects.order_by("-audit_seq").values_list("audit_seq", flat=True).first()


def _max_file_seq() -> int | None:
    return None  # file rows carry no seq of their own; their events do


CUSTODY_EVENTS = AuditedRows(
    label="custody events", check=check_custody_events, max_audit_seq=_max_event_seq
)
ITEM_FILES = AuditedRows(label="item files", check=check_item_files, max_audit_seq=_max_file_seq)
