"""Custody operations: storing originals, signing checkpoints, verifying the repository.

Other apps call these (never the blob store or the models directly) so that every stored
original is recorded and audited the same way from the web, the API, the CLI and jobs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, BinaryIO

from django.conf import settings
from django.db import DatabaseError, transaction

from sillok.custody import checkpoints
from sillok.custody.audit import (
    AuditLogUnusable,
    AuditSpec,
    ensure_appendable,
    lock_head,
    record_audit,
    record_audit_batch,
)
from sillok.custody.blobstore import PutResult, Readable, StagedBlob, get_blob_store
from sillok.custody.checkpoints import ExternalCheckpoint
from sillok.custody.fixity_hooks import make_observers
from sillok.custody.models import AuditCheckpoint, Blob
from sillok.custody.verify import INFO, Problem, VerificationReport, verify_repository


@dataclass(frozen=True)
class StoredBlob:
    blob: Blob
    # True when this content is new to the repository (a Blob row was recorded now).
    created: bool
    # True when the bytes were already in the store without a record: a write that crashed
    # between the store and the database, now completed.
    adopted: bool


def put_blob(stream: Readable, *, max_bytes: int | None = None) -> PutResult:
    """Write the stream's content into the blob store (durably) without recording it.

    The first half of `store_blob`, for callers that record the blob together with their own
    rows in one transaction (`record_blob`). Call it outside transactions: it may take
    minutes and holds no lock. Raises BlobTooLarge (nothing stored) beyond `max_bytes` or
    SILLOK_MAX_UPLOAD_BYTES.
    """
    limit = settings.SILLOK_MAX_UPLOAD_BYTES
    if max_bytes is not None:
        limit = min(limit, max_bytes)
    return get_blob_store().put(stream, max_bytes=limit)


def stage_blob(stream: Readable, *, max_bytes: int | None = None) -> StagedBlob:
    """Write and hash the stream into a private temporary file (not yet durable, not yet in
    the store); `publish_blobs` puts many in with one flush. Raises BlobTooLarge."""
    limit = settings.SILLOK_MAX_UPLOAD_BYTES
    if max_bytes is not None:
        limit = min(limit, max_bytes)
    return get_blob_store().stage(stream, max_bytes=limit)


def publish_blobs(staged: list[StagedBlob]) -> list[PutResult]:
    """Put staged blobs into the store durably; record them afterwards with `record_blob`."""
    return get_blob_store().publish(staged)


def discard_blob(staged: StagedBlob) -> None:
    get_blob_store().discard(staged)


def record_blobs(actor: Any, puts: list[tuple[PutResult, str]]) -> list[StoredBlob]:
    """Record content written by `put_blob`/`publish_blobs`, each hash once, with one audit
    entry per (put, reason), in order. Set-based: a batch of small files costs a few
    statements, not a few per file.

    Must run inside the caller's transaction, after `lock_head()`: two records of the same
    content then queue on the head lock instead of deadlocking on the Blob unique index and
    the head in opposite orders (and no get_or_create savepoint is needed).
    """
    known = {b.sha256: b for b in Blob.objects.filter(sha256__in={p.sha256 for p, _ in puts})}
    fresh: dict[str, PutResult] = {}
    for put, _ in puts:
        if put.sha256 not in known:
            fresh.setdefault(put.sha256, put)
    made = Blob.objects.bulk_create(Blob(sha256=p.sha256, size=p.size) for p in fresh.values())
    known.update({blob.sha256: blob for blob in made})
    stored, specs, reported = [], [], set()
    for put, reason in puts:
        # Only the first record of new content says "new"; a repeat in the batch does not.
        created = put.sha256 in fresh and put.sha256 not in reported
        reported.add(put.sha256)
        adopted = created and not put.created
        stored.append(StoredBlob(blob=known[put.sha256], created=created, adopted=adopted))
        specs.append(
            AuditSpec(
                actor,
                "blob.stored",
                object_type="blob",
                object_id=put.sha256,
                details={"size": put.size, "new": created, "adopted": adopted, "reason": reason},
            )
        )
    record_audit_batch(specs)
    return stored


def record_blob(actor: Any, put: PutResult, *, reason: str = "") -> StoredBlob:
    """`record_blobs` for one blob; the same transaction rules."""
    return record_blobs(actor, [(put, reason)])[0]


def store_blob(
    actor: Any, stream: Readable, *, max_bytes: int | None = None, reason: str = ""
) -> StoredBlob:
    """Store the stream's content, record it once, and audit the handling.

    The blob is written (and made durable) first, and recorded after in one transaction with
    its audit entry; a crash in between leaves only an unrecorded blob, which `sillok verify`
    reports as information and which the next store of the same content adopts. Call this
    outside long transactions: the write may take minutes, and no lock is held during it.
    Raises BlobTooLarge (nothing stored) beyond `max_bytes` or SILLOK_MAX_UPLOAD_BYTES.
    """
    put = put_blob(stream, max_bytes=max_bytes)
    with transaction.atomic():
        lock_head()
        return record_blob(actor, put, reason=reason)


def open_blob(sha256: str) -> BinaryIO:
    """A streaming read of a stored original. Raises BlobNotFound."""
    return get_blob_store().open(sha256)


def create_checkpoint(actor: Any, *, reason: str = "") -> AuditCheckpoint:
    """Record who asked for a checkpoint, then sign one that covers that very entry."""
    with transaction.atomic():
        entry = record_audit(
            actor,
            "audit.checkpoint_created",
            object_type="audit",
            details={"reason": reason} if reason else {},
        )
        # The head stays locked until commit, so the entry is still the newest one here. An
        # automatic checkpoint may already have been written for this very seq.
        existing = AuditCheckpoint.objects.filter(seq=entry.seq).first()
        return existing or checkpoints.sign_checkpoint(seq=entry.seq, entry_hash=entry.entry_hash)


def latest_checkpoint() -> AuditCheckpoint | None:
    return AuditCheckpoint.objects.order_by("-seq").first()


def run_verification(
    actor: Any,
    *,
    checkpoint_files: Sequence[ExternalCheckpoint] = (),
    check_blobs: bool = True,
    sample: int | None = None,
    since: datetime | None = None,
) -> VerificationReport:
    """Verify the repository and record the outcome in the audit log.

    The outcome entry is written even when problems were found: the log then says when a
    problem was first seen, and by whom. Observers registered by other apps (fixity_hooks)
    hear every blob checked and record per-item custody events.
    """
    observers = make_observers()

    def observe(sha256: str, problem: Any) -> None:
        for observer in observers:
            observer.blob_checked(sha256, problem)

    report = verify_repository(
        check_blobs=check_blobs,
        sample=sample,
        since=since,
        checkpoint_files=checkpoint_files,
        observe=observe if observers else None,
    )
    refusal = _why_not_appendable()
    for observer in observers:
        try:
            observer.finish(actor, report, record=refusal is None)
        except (AuditLogUnusable, DatabaseError) as exc:
            refusal = str(exc)
    if refusal is None:
        try:
            _record_verification(
                actor, report, check_blobs=check_blobs, sample=sample, since=since
            )
        except (AuditLogUnusable, DatabaseError) as exc:
            refusal = str(exc)
    if refusal is not None:
        # Appending onto a cut or rewound log would bury the evidence of what was done to it
        # (and collide with the rows that still name the lost entries): report, write nothing.
        report.add(
            Problem(
                "verification_not_recorded",
                f"this verification and its fixity events were not recorded: {refusal}",
                severity=INFO,
            )
        )
    return report


def _why_not_appendable() -> str | None:
    """None when the log can take the outcome; otherwise why not."""
    try:
        with transaction.atomic():
            ensure_appendable()
    except (AuditLogUnusable, DatabaseError) as exc:
        return str(exc)
    return None


def _record_verification(
    actor: Any,
    report: VerificationReport,
    *,
    check_blobs: bool,
    sample: int | None,
    since: datetime | None,
) -> None:
    record_audit(
        actor,
        "repository.verified",
        object_type="repository",
        details={
            "ok": report.ok,
            "problem_counts": dict(sorted(report.counts.items())),
            "checked": report.checked,
            "blobs": "skipped" if not check_blobs else ("sample" if sample else "all"),
            "since": since.isoformat() if since else None,
        },
    )
