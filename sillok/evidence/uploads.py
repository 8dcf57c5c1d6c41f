"""Resumable, chunked uploads for the web UI and API (files of many GB over unreliable links).

Protocol (see docs/api.md): create a session with the file's name, size and item metadata;
send chunks of at most MAX_CHUNK_BYTES in order, each with the offset it starts at; after a
broken connection ask for the offset received so far and go on from there; when every byte
is in, complete it and the file goes through the one intake service like any other.

The session row is locked while a chunk is appended, so two requests for the same offset
cannot both write; a chunk at the wrong offset is refused with the right one. Bytes wait in
SILLOK_HOME/uploads/<key>.part (0600), never in the blob store, until intake.

An aborted session (abandoned by its client, or expired) is gone for its client: every call
on its key answers "not found", as for a key that never existed. The row stays, marked.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import asdict, dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from sillok.custody.blobstore.base import CHUNK_SIZE, Readable
from sillok.evidence.access import check_can_add, check_can_use_compartment
from sillok.evidence.custody_log import HandlingContext
from sillok.evidence.inputs.errors import RejectedInput
from sillok.evidence.inputs.names import check_filename
from sillok.evidence.intake import IntakeResult, do_ingest_file
from sillok.evidence.metadata import ItemMetadata, check_metadata
from sillok.evidence.models import UploadSession, UploadStatus

MAX_CHUNK_BYTES = 64 * 1024 * 1024


class UploadError(ValueError):
    """A request the upload cannot take; `status` is the HTTP status that fits."""

    def __init__(self, message: str, status: int = 400, offset: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.offset = offset


class UploadNotFound(LookupError):
    pass


@dataclass(frozen=True)
class UploadState:
    key: str
    filename: str
    size: int
    received: int
    status: str
    result: dict[str, Any]

    @classmethod
    def of(cls, session: UploadSession) -> UploadState:
        return cls(
            session.key,
            session.filename,
            session.size,
            session.received,
            session.status,
            session.result,
        )


def _upload_dir() -> Path:
    path = Path(settings.SILLOK_HOME) / "uploads"
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def part_path(session: UploadSession) -> Path:
    return _upload_dir() / f"{session.key}.part"


def do_start_upload(
    user: Any, *, filename: str, size: int, metadata: dict[str, Any]
) -> UploadSession:
    check_can_add(user)
    try:
        name = check_filename(filename)
    except RejectedInput as exc:
        raise UploadError(exc.message) from None
    if not isinstance(size, int) or size <= 0:
        raise UploadError("the file is empty: there is nothing to upload")
    if size > settings.SILLOK_MAX_UPLOAD_BYTES:
        raise UploadError(
            f"the file has {size} bytes, more than the limit of "
            f"{settings.SILLOK_MAX_UPLOAD_BYTES} bytes",
            status=413,
        )
    checked = check_metadata(metadata)  # MetadataError goes to the caller as is
    check_can_use_compartment(user, checked.compartment)
    session = UploadSession.objects.create(
        key=secrets.token_urlsafe(32),
        user=user,
        filename=name,
        size=size,
        metadata=_metadata_json(checked),
    )
    fd = os.open(part_path(session), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.close(fd)
    return session


def _metadata_json(metadata: ItemMetadata) -> dict[str, Any]:
    data = asdict(metadata)
    data["collected_on"] = metadata.collected_on.isoformat() if metadata.collected_on else None
    data["consent_date"] = metadata.consent_date.isoformat() if metadata.consent_date else None
    return data


def access_upload(user: Any, key: str, *, for_update: bool = False) -> UploadSession:
    """The user's own upload, open or completed; UploadNotFound for anything else (another
    user's, an aborted one, a key that never existed), all alike."""
    query = UploadSession.objects.filter(key=key, user=user).exclude(status=UploadStatus.ABORTED)
    if for_update:
        query = query.select_for_update()
    session = query.first()
    if session is None:
        raise UploadNotFound(f"no upload {key[:8]}…: unknown, abandoned or expired")
    return session


def do_append_chunk(user: Any, key: str, offset: int, stream: Readable, length: int) -> UploadState:
    """Append `length` bytes read from `stream` at `offset`; return the new state."""
    with transaction.atomic():
        # Locked: two requests carrying the same chunk must not both append it.
        session = access_upload(user, key, for_update=True)
        if length <= 0 or length > MAX_CHUNK_BYTES:
            raise UploadError(f"a chunk must have 1 to {MAX_CHUNK_BYTES} bytes, not {length}")
        if session.status != UploadStatus.OPEN:
            raise UploadError(f"the upload is {session.status}", status=409)
        if offset != session.received:
            raise UploadError(
                f"expected the chunk at offset {session.received}, got {offset}",
                status=409,
                offset=session.received,
            )
        if offset + length > session.size:
            raise UploadError(
                f"the chunk ends at {offset + length}, past the declared size {session.size}"
            )
        written = _append(part_path(session), offset, stream, length)
        if written != length:
            raise UploadError(
                f"the chunk ended after {written} of {length} bytes; send it again",
                offset=session.received,
            )
        session.received = offset + length
        session.updated_at = timezone.now()
        session.save(update_fields=["received", "updated_at"])
    return UploadState.of(session)


def _append(path: Path, offset: int, stream: Readable, length: int) -> int:
    with path.open("r+b") as out:
        # Cut anything beyond the offset: bytes of an earlier chunk that broke off midway.
        out.truncate(offset)
        out.seek(offset)
        written = 0
        while written < length:
            data = stream.read(min(CHUNK_SIZE, length - written))
            if not data:
                break
            out.write(data)
            written += len(data)
        out.flush()
        os.fsync(out.fileno())
        if written != length:
            out.truncate(offset)
    return written


def do_complete_upload(user: Any, key: str, context: HandlingContext) -> IntakeResult:
    """All bytes are in: ingest the file, mark the session completed, remove the part file."""
    with transaction.atomic():
        session = access_upload(user, key, for_update=True)
        if session.status == UploadStatus.COMPLETED:
            return IntakeResult(**session.result)  # a repeated "complete" is harmless
        if session.status != UploadStatus.OPEN:
            raise UploadError(f"the upload is {session.status}", status=409)
        if session.received != session.size:
            raise UploadError(
                f"only {session.received} of {session.size} bytes have arrived",
                status=409,
                offset=session.received,
            )
    path = part_path(session)
    result = do_ingest_file(
        user,
        path,
        filename=session.filename,
        metadata=check_metadata(session.metadata),
        context=context,
    )
    UploadSession.objects.filter(pk=session.pk, status=UploadStatus.OPEN).update(
        status=UploadStatus.COMPLETED, result=result.as_dict(), updated_at=timezone.now()
    )
    path.unlink(missing_ok=True)
    return result


def do_abort_upload(user: Any, key: str) -> None:
    """Abandon an upload (open: its bytes are dropped) or forget a completed one (its item
    stays, and `result` still names it); either way the key answers "not found" afterwards."""
    with transaction.atomic():
        # Locked: a chunk appended meanwhile would write into a part file being removed.
        session = access_upload(user, key, for_update=True)
        session.status = UploadStatus.ABORTED
        session.updated_at = timezone.now()
        session.save(update_fields=["status", "updated_at"])
    part_path(session).unlink(missing_ok=True)


def do_expire_uploads(max_age: timedelta | None = None) -> int:
    """Abort uploads nobody has touched for `max_age` (SILLOK_UPLOAD_EXPIRY_DAYS) and drop
    their bytes; return how many. Run by the worker's scheduled round: without it, every
    upload a browser abandoned would keep its partial file for ever."""
    age = max_age or timedelta(days=settings.SILLOK_UPLOAD_EXPIRY_DAYS)
    stale = UploadSession.objects.filter(
        status=UploadStatus.OPEN, updated_at__lt=timezone.now() - age
    )
    expired = 0
    for session in stale:
        # Conditional: a chunk that arrived meanwhile keeps the upload alive.
        if UploadSession.objects.filter(
            pk=session.pk, status=UploadStatus.OPEN, updated_at=session.updated_at
        ).update(status=UploadStatus.ABORTED, updated_at=timezone.now()):
            part_path(session).unlink(missing_ok=True)
            expired += 1
    return expired
