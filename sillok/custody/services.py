"""Custody operations: storing originals, signing checkpoints, verifying the repository.

Other apps call these (never the blob store or the models directly) so that every stored
original is recorded and audited the same way from the web, the API, the CLI and jobs.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, BinaryIO

from django.conf import settings
from django.db import transaction

from sillok.custody import checkpoints
from sillok.custody.audit import AuditHeadMissing, lock_head, record_audit
from sillok.custody.blobstore import Readable, get_blob_store
from sillok.custody.checkpoints import ExternalCheckpoint
from sillok.custody.models import AuditCheckpoint, Blob
from sillok.custody.verify import VerificationReport, verify_repository


@dataclass(frozen=True)
class StoredBlob:
    blob: Blob
    # True when this content is new to the repository (a Blob row was recorded now).
    created: bool
    # True when the bytes were already in the store without a record: a write that crashed
    # between the store and the database, now completed.
    adopted: bool


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
    limit = settings.SILLOK_MAX_UPLOAD_BYTES
    if max_bytes is not None:
        limit = min(limit, max_bytes)
    put = get_blob_store().put(stream, max_bytes=limit)
    with transaction.atomic():
        # Head lock first, as record_audit would take it anyway: two stores of the same
        # content then queue on one lock instead of deadlocking on the Blob unique index
        # and the head in opposite orders.
        lock_head()
        blob, created = Blob.objects.get_or_create(sha256=put.sha256, defaults={"size": put.size})
        adopted = created and not put.created
        record_audit(
            actor,
            "blob.stored",
            object_type="blob",
            object_id=put.sha256,
            details={"size": put.size, "new": created, "adopted": adopted, "reason": reason},
        )
    return StoredBlob(blob=blob, created=created, adopted=adopted)


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
) -> VerificationReport:
    """Verify the repository and record the outcome in the audit log.

    The outcome entry is written even when problems were found: the log then says when a
    problem was first seen, and by whom.
    """
    report = verify_repository(
        check_blobs=check_blobs, sample=sample, checkpoint_files=checkpoint_files
    )
    # With the head gone nothing can be appended; the report already names the missing head.
    with contextlib.suppress(AuditHeadMissing):
        _record_verification(actor, report, check_blobs=check_blobs, sample=sample)
    return report


def _record_verification(
    actor: Any, report: VerificationReport, *, check_blobs: bool, sample: int | None
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
        },
    )
