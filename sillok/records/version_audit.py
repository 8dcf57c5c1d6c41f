"""Record versions against the audit entries that record them.

Every version is written with the entry `audit_seq`: one entry per change (`record.edited`,
`record.reviewed`, ...), or one entry for all the versions an import made
(`record.imported`). The entry states the versions' digest: SHA-256 over the canonical JSON
of each version's kind, record, number, action, snapshot, reason and actor. `sillok verify`
recomputes it from the table, so a version edited, deleted or inserted behind the triggers'
back is named by seq and record. Entries written before digests were added are checked for
the existence and identity of their versions only.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

from sillok.custody.audited_rows import (
    AuditedRows,
    entries_where,
    merge_by_seq,
    rows_in_seq_order,
    why_no_entry,
)
from sillok.custody.canonical import canonical_json
from sillok.custody.models import AuditEntry
from sillok.custody.verify import Problem, VerificationReport
from sillok.records.models import RecordVersion, VersionAction

TABLE = RecordVersion._meta.db_table
IMPORTED = f"record.{VersionAction.IMPORTED}"
VERSION_ACTIONS = [f"record.{action}" for action in VersionAction.values]


def version_digest(
    *,
    kind: str,
    record_id: int,
    number: int,
    action: str,
    snapshot: dict[str, Any],
    reason: str,
    actor_id: int | None,
) -> str:
    body = canonical_json(
        {
            "kind": kind,
            "record": record_id,
            "number": number,
            "action": str(action),
            "snapshot": snapshot,
            "reason": reason,
            "actor": actor_id,
        }
    )
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def versions_digest(digests: Iterable[tuple[int, int, str]]) -> str:
    """One digest for several versions: (record id, number, digest) in any order."""
    joined = "\n".join(digest for _, _, digest in sorted(digests))
    return hashlib.sha256(joined.encode("ascii")).hexdigest()


def digest_of(version: RecordVersion) -> tuple[int, int, str]:
    return (
        version.record_id,
        version.number,
        version_digest(
            kind=version.kind,
            record_id=version.record_id,
            number=version.number,
            action=version.action,
            snapshot=version.snapshot,
            reason=version.reason,
            actor_id=version.actor_id,
        ),
    )


def check_record_versions(report: VerificationReport, limit: int, batch_size: int) -> None:
    count = 0
    for version in RecordVersion.objects.filter(audit_seq__isnull=True).iterator(batch_size):
        count += 1
        report.add(_unaudited(version, "it names no audit entry"))
    rows = rows_in_seq_order(RecordVersion.objects.all(), batch_size)
    entries = entries_where(batch_size, action__in=VERSION_ACTIONS)
    for seq, versions, entry in merge_by_seq(rows, entries, lambda v: v.audit_seq):
        count += len(versions)
        if not versions:
            if entry is not None and entry.seq <= limit and _expects_versions(entry):
                report.add(_missing(entry, _expected_count(entry)))
            continue
        if entry is None:
            why = why_no_entry(seq, limit, "a record version")
            for version in versions:
                report.add(_unaudited(version, why))
            continue
        _compare(report, entry, versions)
    report.checked["record_versions"] = count


def _expects_versions(entry: AuditEntry) -> bool:
    return entry.action != IMPORTED or bool(entry.details.get("created"))


def _expected_count(entry: AuditEntry) -> int:
    if entry.action == IMPORTED:
        return int(entry.details.get("created") or 0)
    return 1


def _compare(report: VerificationReport, entry: AuditEntry, versions: list[RecordVersion]) -> None:
    expected = _expected_count(entry)
    if len(versions) < expected:
        report.add(_missing(entry, expected - len(versions)))
    elif len(versions) > expected:
        # Which of an import's versions is the extra one only the digest could tell.
        extra = versions[expected:] if entry.action != IMPORTED else versions[:1]
        for version in extra:
            why = f"entry #{entry.seq} records {expected} version(s), {len(versions)} claim it"
            report.add(_unaudited(version, why))
    differing: set[str] = set()
    kind = entry.object_type.removeprefix("records.")
    for version in versions:
        if version.kind != kind:
            differing.add("kind")
        if f"record.{version.action}" != entry.action:
            differing.add("action")
        if entry.action != IMPORTED:
            if entry.object_id != str(version.record_id):
                differing.add("record_id")
            if entry.details.get("revision") != version.number:
                differing.add("number")
    stated = entry.details.get("versions_sha256")
    if stated is not None:
        if any(version.created_at != entry.created_at for version in versions):
            differing.add("created_at")
        if versions_digest(digest_of(v) for v in versions) != stated:
            differing.add("content")
    if entry.action == IMPORTED:
        ids = sorted(v.record_id for v in versions)
        first_id, last_id = entry.details.get("first_id"), entry.details.get("last_id")
        if ids and (ids[0] != first_id or ids[-1] != last_id):
            differing.add("record_id")
    if differing:
        first = versions[0]
        report.add(
            Problem(
                "record_version_altered",
                f"{_described(first, len(versions))}: differs from audit entry #{entry.seq} in: "
                f"{', '.join(sorted(differing))}",
                seq=entry.seq,
                table=TABLE,
                row=first.pk,
                record=f"{first.kind}:{first.record_id}",
                fields=tuple(sorted(differing)),
            )
        )


def _described(version: RecordVersion, count: int) -> str:
    if count == 1:
        return f"version {version.number} of {version.kind} {version.record_id}"
    return f"{count} imported versions ({version.kind} {version.record_id} and on)"


def _missing(entry: AuditEntry, count: int) -> Problem:
    what = "its version" if count == 1 and entry.action != IMPORTED else f"{count} versions"
    target = entry.object_type.removeprefix("records.")
    record = f"{target}:{entry.object_id}" if entry.object_id else None
    return Problem(
        "record_version_missing",
        f"audit entry #{entry.seq} records {entry.action} of {record or target}, but "
        f"{what} is no longer in the history: deleted",
        seq=entry.seq,
        table=TABLE,
        record=record,
    )


def _unaudited(version: RecordVersion, why: str) -> Problem:
    return Problem(
        "record_version_unaudited",
        f"version {version.number} of {version.kind} {version.record_id} has no audit entry "
        f"of its own: {why}",
        seq=version.audit_seq,
        table=TABLE,
        row=version.pk,
        record=f"{version.kind}:{version.record_id}",
    )


def _max_seq() -> int | None:
    return (
        RecordVersion.objects.filter(audit_seq__isnull=False)
        .order_by("-audit_seq")
        .values_list("audit_seq", flat=True)
        .first()
    )


RECORD_VERSIONS = AuditedRows(
    label="record versions", check=check_record_versions, max_audit_seq=_max_seq
)
