"""Assessment versions against the audit entries that record them (`sillok verify`).

Every version is written with its own entry `assessment.<kind>.<action>` (history.py), whose
details state the case, the version number and `version_sha256`: SHA-256 over the canonical
JSON of the version's kind, object, number, action, snapshot, reason and actor. Verification
recomputes it from the table, so a version edited, deleted or inserted behind the triggers'
back is named by seq, kind and object.
"""

from __future__ import annotations

from sillok.assessment.history import digest_of
from sillok.assessment.models import AssessmentVersion
from sillok.custody.audited_rows import (
    AuditedRows,
    entries_where,
    merge_by_seq,
    rows_in_seq_order,
    why_no_entry,
)
from sillok.custody.models import AuditEntry
from sillok.custody.verify import Problem, VerificationReport

TABLE = AssessmentVersion._meta.db_table


def check_assessment_versions(report: VerificationReport, limit: int, batch_size: int) -> None:
    count = 0
    for version in AssessmentVersion.objects.filter(audit_seq__isnull=True).iterator(batch_size):
        count += 1
        report.add(_unaudited(version, "it names no audit entry"))
    rows = rows_in_seq_order(AssessmentVersion.objects.all(), batch_size)
    entries = entries_where(
        batch_size, action__startswith="assessment.", details__has_key="version_sha256"
    )
    for seq, versions, entry in merge_by_seq(rows, entries, lambda v: v.audit_seq):
        count += len(versions)
        if not versions:
            if entry is not None and entry.seq <= limit:
                report.add(_missing(entry))
            continue
        if entry is None:
            why = why_no_entry(seq, limit, "an assessment version")
            for version in versions:
                report.add(_unaudited(version, why))
            continue
        for version in versions[1:]:
            why = f"entry #{entry.seq} records one version, {len(versions)} claim it"
            report.add(_unaudited(version, why))
        _compare(report, entry, versions[0])
    report.checked["assessment_versions"] = count


def _compare(report: VerificationReport, entry: AuditEntry, version: AssessmentVersion) -> None:
    details = entry.details
    differing = set()
    if entry.action != f"assessment.{version.kind}.{version.action}":
        differing.add("action")
    if entry.object_type != f"assessment.{version.kind}":
        differing.add("kind")
    if entry.object_id != str(version.object_id):
        differing.add("object_id")
    if details.get("number") != version.number:
        differing.add("number")
    if details.get("case") != version.case_id:
        differing.add("case")
    if version.created_at != entry.created_at:
        differing.add("created_at")
    if details.get("version_sha256") != digest_of(version):
        differing.add("content")
    if differing:
        report.add(
            Problem(
                "assessment_version_altered",
                f"{_described(version)}: differs from audit entry #{entry.seq} in: "
                f"{', '.join(sorted(differing))}",
                seq=entry.seq,
                table=TABLE,
                row=version.pk,
                record=f"{version.kind}:{version.object_id}",
                fields=tuple(sorted(differing)),
            )
        )


def _described(version: AssessmentVersion) -> str:
    return f"version {version.number} of case {version.kind} {version.object_id}"


def _missing(entry: AuditEntry) -> Problem:
    kind = entry.object_type.removeprefix("assessment.")
    return Problem(
        "assessment_version_missing",
        f"audit entry #{entry.seq} records {entry.action} of {kind} {entry.object_id}, but "
        "its version is no longer in the history: deleted",
        seq=entry.seq,
        table=TABLE,
        record=f"{kind}:{entry.object_id}",
    )


def _unaudited(version: AssessmentVersion, why: str) -> Problem:
    return Problem(
        "assessment_version_unaudited",
        f"{_described(version)} has no audit entry of its own: {why}",
        seq=version.audit_seq,
        table=TABLE,
        row=version.pk,
        record=f"{version.kind}:{version.object_id}",
    )


def _max_seq() -> int | None:
    return (
        AssessmentVersion.objects.filter(audit_seq__isnull=False)
        .order_by("-audit_seq")
        .values_list("audit_seq", flat=True)
        .first()
    )


ASSESSMENT_VERSIONS = AuditedRows(
    label="assessment versions", check=check_assessment_versions, max_audit_seq=_max_seq
)
