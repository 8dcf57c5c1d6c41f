"""Item metadata versions against the audit entries that record them.

Every version is written with the audit entry `audit_seq` of its "metadata changed" custody
event (editing.py): one entry per edit, covering the edit's version and, on an item's first
edit, the baseline before it. The entry's details name the versions' numbers and state their
digest: SHA-256 over the canonical JSON of each version's item, number, action, snapshot,
reason and actor (item_history.version_digest). `sillok verify` recomputes it from the table,
so a version edited, deleted or inserted behind the triggers' back is named by seq and item.
"""

from __future__ import annotations

from sillok.custody.audited_rows import (
    AuditedRows,
    entries_where,
    merge_by_seq,
    rows_in_seq_order,
    why_no_entry,
)
from sillok.custody.models import AuditEntry
from sillok.custody.verify import Problem, VerificationReport
from sillok.evidence.item_history import digest_of, versions_digest
from sillok.evidence.models import CustodyAction, ItemVersion

TABLE = ItemVersion._meta.db_table
ACTION = f"custody.{CustodyAction.METADATA_CHANGED}"


def _stated_numbers(entry: AuditEntry) -> list[int]:
    numbers = (entry.details or {}).get("versions")
    return sorted(numbers) if isinstance(numbers, list) else []


def check_item_versions(report: VerificationReport, limit: int, batch_size: int) -> None:
    count = 0
    rows = rows_in_seq_order(ItemVersion.objects.all(), batch_size)
    entries = entries_where(batch_size, action=ACTION)
    for seq, versions, entry in merge_by_seq(rows, entries, lambda v: v.audit_seq):
        count += len(versions)
        if entry is None:
            why = why_no_entry(seq, limit, "an item metadata change")
            for version in versions:
                report.add(_unaudited(version, why))
            continue
        stated = _stated_numbers(entry)
        if not versions:
            if stated and entry.seq <= limit:
                report.add(_missing(entry, stated))
            continue
        _compare(report, entry, versions, stated)
    report.checked["item_versions"] = count


def _compare(
    report: VerificationReport, entry: AuditEntry, versions: list[ItemVersion], stated: list[int]
) -> None:
    numbers = sorted(v.number for v in versions)
    if not stated:
        for version in versions:
            report.add(_unaudited(version, f"audit entry #{entry.seq} records no versions"))
        return
    gone = sorted(set(stated) - set(numbers))
    if gone:
        report.add(_missing(entry, gone))
    differing: set[str] = set()
    if any(str(v.item_id) != entry.object_id for v in versions):
        differing.add("item")
    if numbers != stated:
        differing.add("number")
    if any(v.created_at != entry.created_at for v in versions):
        differing.add("created_at")
    digest = versions_digest([(v.number, digest_of(v)) for v in versions])
    if digest != entry.details.get("versions_sha256"):
        differing.add("content")
    if differing and not (gone and differing == {"number", "content"}):
        first = versions[0]
        report.add(
            Problem(
                "item_version_altered",
                f"version {first.number} of item {first.item_id}: differs from audit entry "
                f"#{entry.seq} in: {', '.join(sorted(differing))}",
                seq=entry.seq,
                table=TABLE,
                row=first.pk,
                item=first.item_id,
                fields=tuple(sorted(differing)),
            )
        )


def _missing(entry: AuditEntry, numbers: list[int]) -> Problem:
    item = int(entry.object_id) if entry.object_id.isdigit() else None
    shown = ", ".join(str(n) for n in numbers)
    return Problem(
        "item_version_missing",
        f"audit entry #{entry.seq} records version(s) {shown} of item {entry.object_id}, "
        "but they are no longer in the history: deleted",
        seq=entry.seq,
        table=TABLE,
        item=item,
    )


def _unaudited(version: ItemVersion, why: str) -> Problem:
    return Problem(
        "item_version_unaudited",
        f"version {version.number} of item {version.item_id} has no audit entry of its own: {why}",
        seq=version.audit_seq,
        table=TABLE,
        row=version.pk,
        item=version.item_id,
    )


def _max_seq() -> int | None:
    return ItemVersion.objects.order_by("-audit_seq").values_list("audit_seq", flat=True).first()


ITEM_VERSIONS = AuditedRows(
    label="item versions", check=check_item_versions, max_audit_seq=_max_seq
)
