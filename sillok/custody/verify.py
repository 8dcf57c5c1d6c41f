"""Verification of the repository: the audit chain, its checkpoints, and every stored blob.

Everything is walked in batches, so memory stays flat however long the log or large the
store. Each problem names exactly what differs (a seq, a hash, a file), so an operator can go
straight to the row or object in question. This module only reads; `services.run_verification`
records the outcome in the audit log.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from typing import Any

from sillok.custody import checkpoints, hygiene
from sillok.custody.audit import GENESIS_HASH, entry_hash_of
from sillok.custody.blobstore import BlobNotFound, BlobStore, get_blob_store
from sillok.custody.checkpoints import ExternalCheckpoint
from sillok.custody.models import AuditCheckpoint, AuditEntry, AuditHead, Blob

BATCH_SIZE = 1000
# Problems listed in full; beyond this only their counts by kind are kept (memory stays flat
# even for a database that was rewritten wholesale).
MAX_LISTED_PROBLEMS = 1000

ERROR = "error"
INFO = "info"


@dataclass(frozen=True)
class Problem:
    kind: str
    message: str
    severity: str = ERROR
    seq: int | None = None
    sha256: str | None = None
    source: str | None = None
    # Rows compared with their audit entries: the table, the row's id, the item or record it
    # belongs to, and the fields that differ.
    table: str | None = None
    row: int | None = None
    item: int | None = None
    record: str | None = None
    fields: tuple[str, ...] | None = None

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "kind": self.kind,
            "severity": self.severity,
            "message": self.message,
        }
        for name in ("seq", "sha256", "source", "table", "row", "item", "record"):
            value = getattr(self, name)
            if value is not None:
                data[name] = value
        if self.fields is not None:
            data["fields"] = list(self.fields)
        return data


@dataclass
class VerificationReport:
    problems: list[Problem] = field(default_factory=list)
    checked: dict[str, int] = field(default_factory=dict)
    counts: Counter = field(default_factory=Counter)
    error_count: int = 0
    # What other apps know about a listed blob problem, e.g. {"items": [12]} (fixity hooks).
    blob_context: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when nothing is wrong; information (e.g. unrecorded blobs) does not count."""
        return self.error_count == 0

    def add(self, problem: Problem) -> None:
        self.counts[problem.kind] += 1
        if problem.severity == ERROR:
            self.error_count += 1
        if len(self.problems) < MAX_LISTED_PROBLEMS:
            self.problems.append(problem)

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "problems": [
                {**problem.as_dict(), **self.blob_context.get(problem.sha256 or "", {})}
                for problem in self.problems
            ],
            "problem_counts": dict(sorted(self.counts.items())),
            "checked": dict(self.checked),
        }


def _batched(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def _entries_up_to(limit: int, batch_size: int) -> Iterator[AuditEntry]:
    """Entries with seq <= limit in seq order, fetched by keyset pages (no OFFSET scans)."""
    query = AuditEntry.objects.filter(seq__lte=limit).order_by("seq")
    batch = list(query[:batch_size])
    while batch:
        yield from batch
        batch = list(query.filter(seq__gt=batch[-1].seq)[:batch_size])


def check_chain(report: VerificationReport, batch_size: int = BATCH_SIZE) -> int:
    """Walk the chain up to the head; return the seq the walk stopped at (its snapshot)."""
    # The head first: entries appended while we walk lie beyond it and are left for next time.
    head = AuditHead.objects.filter(id=1).first()
    if head is None:
        last = AuditEntry.objects.order_by("-seq").values_list("seq", flat=True).first()
        limit = last or 0
        if last is not None:
            report.add(Problem("audit_head_missing", "the audit head row is missing", seq=last))
    else:
        limit = head.seq
    expected_seq, prev_hash, walked = 1, GENESIS_HASH, 0
    for entry in _entries_up_to(limit, batch_size):
        walked += 1
        if entry.seq != expected_seq:
            report.add(_gap(expected_seq, entry.seq - 1))
        elif entry.prev_hash != prev_hash:
            report.add(
                Problem(
                    "audit_chain_broken",
                    f"entry #{entry.seq} does not chain onto entry #{entry.seq - 1}: its "
                    f"prev_hash is {entry.prev_hash}, entry #{entry.seq - 1} hashes to "
                    f"{prev_hash} (one of the two was altered, or an entry replaced)",
                    seq=entry.seq,
                )
            )
        if entry_hash_of(entry) != entry.entry_hash:
            report.add(
                Problem(
                    "audit_entry_altered",
                    f"entry #{entry.seq} ({entry.action}) no longer matches its hash: "
                    f"its fields were changed after it was written",
                    seq=entry.seq,
                )
            )
        expected_seq, prev_hash = entry.seq + 1, entry.entry_hash
    if head is not None:
        if expected_seq <= head.seq:
            report.add(_gap(expected_seq, head.seq, at_end=True))
        elif head.entry_hash != prev_hash:
            report.add(
                Problem(
                    "audit_head_mismatch",
                    f"the audit head names hash {head.entry_hash} for entry #{head.seq}, "
                    f"but that entry hashes to {prev_hash}",
                    seq=head.seq,
                )
            )
    report.checked["audit_entries"] = walked
    return limit


def _gap(first: int, last: int, *, at_end: bool = False) -> Problem:
    where = f"#{first}" if first == last else f"#{first} to #{last}"
    why = " (the log ends early: the head names a later entry)" if at_end else ""
    return Problem("audit_entry_missing", f"audit entries {where} are missing{why}", seq=first)


def _chain_hash_at(seq: int) -> str | None:
    return AuditEntry.objects.filter(seq=seq).values_list("entry_hash", flat=True).first()


def check_checkpoints(report: VerificationReport, batch_size: int = BATCH_SIZE) -> None:
    """Every stored checkpoint: signed by a trusted key, and the chain still agrees with it.

    All of them, not only those up to the walked head: a checkpoint whose seq was moved past
    the end must not escape. One written since the walk began matches the chain as it is now.
    """
    trusted = checkpoints.trusted_fingerprints()
    count = 0
    for checkpoint in AuditCheckpoint.objects.order_by("seq").iterator(batch_size):
        count += 1
        seq = checkpoint.seq
        if checkpoint.key_fingerprint not in trusted:
            report.add(
                Problem(
                    "checkpoint_key_unknown",
                    f"checkpoint #{seq} is signed by key {checkpoint.key_fingerprint}, "
                    f"which is not this repository's signing key",
                    seq=seq,
                )
            )
        elif not checkpoints.signature_is_valid(
            checkpoints.statement_of(checkpoint), checkpoint.signature, checkpoint.public_key_pem
        ):
            report.add(
                Problem(
                    "checkpoint_signature_invalid",
                    f"checkpoint #{seq} does not match its signature: the stored checkpoint "
                    f"was altered",
                    seq=seq,
                )
            )
        _compare_with_chain(report, "checkpoint", seq, checkpoint.entry_hash, source=None)
    report.checked["checkpoints"] = count


def _compare_with_chain(
    report: VerificationReport, prefix: str, seq: int, entry_hash: str, source: str | None
) -> None:
    actual = _chain_hash_at(seq)
    label = f"checkpoint #{seq}" + (f" in {source}" if source else "")
    if actual is None:
        report.add(
            Problem(
                f"{prefix}_entry_missing",
                f"{label} pins entry #{seq}, which is no longer in the audit log",
                seq=seq,
                source=source,
            )
        )
    elif actual != entry_hash:
        report.add(
            Problem(
                f"{prefix}_mismatch",
                f"{label} says entry #{seq} hashes to {entry_hash}, the log now has "
                f"{actual}: the chain up to #{seq} was rewritten",
                seq=seq,
                source=source,
            )
        )


def check_external_checkpoints(
    report: VerificationReport, external: Sequence[ExternalCheckpoint]
) -> None:
    """Exported checkpoint files kept elsewhere: the strongest evidence of no rewrite."""
    trusted = checkpoints.trusted_fingerprints()
    for item in external:
        fingerprint = item.statement.get("key_fingerprint")
        if fingerprint not in trusted:
            report.add(
                Problem(
                    "external_checkpoint_key_unknown",
                    f"{item.source} is signed by key {fingerprint}, not this repository's key",
                    seq=item.seq,
                    source=item.source,
                )
            )
        elif not checkpoints.signature_is_valid(
            item.statement, item.signature, item.public_key_pem
        ):
            report.add(
                Problem(
                    "external_checkpoint_signature_invalid",
                    f"{item.source} does not match its signature: the file was altered",
                    seq=item.seq,
                    source=item.source,
                )
            )
        else:
            _compare_with_chain(
                report, "external_checkpoint", item.seq, item.entry_hash, source=item.source
            )
    report.checked["external_checkpoints"] = len(external)


def _recorded_blobs(
    sample: int | None, batch_size: int, since: datetime | None = None
) -> Iterator[Blob]:
    base = Blob.objects.all() if since is None else Blob.objects.filter(created_at__gte=since)
    if sample is not None:
        yield from base.order_by("?")[:sample]
        return
    query = base.order_by("id")
    batch = list(query[:batch_size])
    while batch:
        yield from batch
        batch = list(query.filter(id__gt=batch[-1].id)[:batch_size])


def check_stored_blobs(
    report: VerificationReport,
    store: BlobStore,
    *,
    sample: int | None = None,
    since: datetime | None = None,
    batch_size: int = BATCH_SIZE,
    observe: Callable[[str, Problem | None], None] | None = None,
) -> None:
    """Re-hash recorded blobs (all, those recorded since a time, or a random sample of
    either) and list stored but unrecorded ones. `observe(sha256, problem or None)` hears
    the outcome for every blob checked (fixity hooks record it per item)."""
    count = byte_count = 0
    for blob in _recorded_blobs(sample, batch_size, since):
        count += 1
        problem, size = _check_one_blob(store, blob)
        byte_count += size
        if problem is not None:
            report.add(problem)
        if observe is not None:
            observe(blob.sha256, problem)
    report.checked["blobs"] = count
    report.checked["blob_bytes"] = byte_count
    report.checked["stored_blobs"] = _report_unrecorded(report, store, batch_size)


def _check_one_blob(store: BlobStore, blob: Blob) -> tuple[Problem | None, int]:
    """The problem with one recorded blob (None when intact) and the bytes re-read."""
    try:
        actual = store.rehash(blob.sha256)
    except BlobNotFound:
        message = f"blob {blob.sha256} is recorded but not in the store"
        return Problem("blob_missing", message, sha256=blob.sha256), 0
    except OSError as exc:
        return Problem("blob_unreadable", f"blob {blob.sha256}: {exc}", sha256=blob.sha256), 0
    if actual.sha256 != blob.sha256:
        message = (
            f"blob {blob.sha256} now hashes to {actual.sha256} "
            f"({actual.size} bytes, recorded {blob.size}): its content changed"
        )
        return Problem("blob_corrupt", message, sha256=blob.sha256), actual.size
    if actual.size != blob.size:
        message = f"blob {blob.sha256} has {actual.size} bytes, recorded as {blob.size}"
        return Problem("blob_size_mismatch", message, sha256=blob.sha256), actual.size
    return None, actual.size


def _report_unrecorded(report: VerificationReport, store: BlobStore, batch_size: int) -> int:
    listed = 0
    for batch in _batched(store.iter_hashes(), batch_size):
        listed += len(batch)
        known = set(Blob.objects.filter(sha256__in=batch).values_list("sha256", flat=True))
        for sha256 in batch:
            if sha256 not in known:
                report.add(
                    Problem(
                        "blob_unrecorded",
                        f"blob {sha256} is in the store but not recorded (a write that "
                        f"stopped before its record; storing the same content adopts it)",
                        severity=INFO,
                        sha256=sha256,
                    )
                )
    return listed


def check_witness_deliveries(report: VerificationReport) -> None:
    """Checkpoints that have not left the machine yet (witness.py): they protect nothing
    until they have. Information, since a witness that is down is not tampering."""
    from sillok.custody.witness import configured_witnesses, pending_by_witness

    # None configured is shown in `checked` (and by the command's summary), not as a
    # problem: a laptop repository may rely on exported checkpoints alone.
    witnesses = configured_witnesses()
    for witness, (count, error) in sorted(pending_by_witness().items()):
        why = f" (last error: {error})" if error else ""
        report.add(
            Problem(
                "checkpoint_not_witnessed",
                f"{count} checkpoint(s) not yet delivered to {witness}{why}",
                severity=INFO,
                source=witness,
            )
        )
    report.checked["checkpoint_witnesses"] = len(witnesses)


def check_audited_rows(report: VerificationReport, limit: int, batch_size: int) -> None:
    """Every row in other apps that carries an audit seq, against its entry (audited_rows)."""
    from sillok.custody.audited_rows import registered_audited_rows

    for rows in registered_audited_rows():
        _guarded(report, rows.label, rows.check, report, limit, batch_size)


def check_entries_beyond_head(report: VerificationReport) -> None:
    """Entries past the head: the head was moved back, or entries were added behind its back.

    The newest entry is read before the head: a writer commits its entry and the head move
    together, so a head read afterwards is at least as new, unless something is wrong.
    """
    newest = AuditEntry.objects.order_by("-seq").values_list("seq", flat=True).first()
    head = AuditHead.objects.filter(id=1).values_list("seq", flat=True).first()
    if newest is not None and head is not None and newest > head:
        report.add(
            Problem(
                "audit_entries_beyond_head",
                f"the audit log holds entries #{head + 1} to #{newest} beyond its head "
                f"#{head}: the head was moved back, or entries were inserted behind it",
                seq=head + 1,
            )
        )


def _guarded(report: VerificationReport, stage: str, check: Callable[..., Any], *args: Any) -> Any:
    """Run one stage of verification; a failure is reported as a problem, never raised.

    Verification runs on exactly the repositories that are damaged in ways nobody
    foresaw: a crash would print nothing at the moment the operator needs the report most.
    """
    try:
        return check(*args)
    except Exception as exc:  # noqa: BLE001 - reported, and the other stages still run
        report.add(
            Problem(
                "verification_failed",
                f"{stage} could not be checked ({type(exc).__name__}: {exc}); the "
                f"database may be damaged beyond what verification can describe",
                source=stage,
            )
        )
        return None


def verify_repository(
    *,
    check_blobs: bool = True,
    sample: int | None = None,
    since: datetime | None = None,
    checkpoint_files: Sequence[ExternalCheckpoint] = (),
    store: BlobStore | None = None,
    batch_size: int = BATCH_SIZE,
    observe: Callable[[str, Problem | None], None] | None = None,
) -> VerificationReport:
    """Check everything and return the report; changes nothing, and never raises."""
    report = VerificationReport()
    limit = _guarded(report, "the audit chain", check_chain, report, batch_size)
    _guarded(report, "entries beyond the head", check_entries_beyond_head, report)
    _guarded(report, "stored checkpoints", check_checkpoints, report, batch_size)
    _guarded(
        report, "checkpoint files", check_external_checkpoints, report, checkpoint_files
    )
    if limit is not None:
        check_audited_rows(report, limit, batch_size)
    _guarded(report, "checkpoint witnesses", check_witness_deliveries, report)
    _guarded(report, "file modes in SILLOK_HOME", hygiene.check_home_modes, report)
    _guarded(report, "temporary files", hygiene.check_leftovers, report)
    if check_blobs:
        _guarded(
            report,
            "the blob store",
            lambda: check_stored_blobs(
                report,
                store or get_blob_store(),
                sample=sample,
                since=since,
                batch_size=batch_size,
                observe=observe,
            ),
        )
    return report
