"""Intake: every path into the repository (web upload, API, CLI, partner bags) ends here.

One file goes in like this:

1. check: the name (no NUL, control or bidi characters), the content (media type detected
   from the bytes; empty, oversized, truncated or disguised files refused);
2. write: the bytes are streamed into the content-addressed blob store (hashing on the way,
   temporary file, fsync, rename) with no lock held, since that may take minutes;
3. record: in ONE transaction under the audit head lock, the blob record, the item, its
   original file row and the intake custody event (with its audit entry) — or, when an
   original with the same SHA-256 already exists, only a "duplicate intake" custody event on
   that item. Derivative jobs are queued after commit.

A crash before 3 commits leaves at most an unrecorded blob, which the next intake of the same
content adopts; never an item without its blob, a half-written file, or a blob recorded twice.
A rejected file changes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction

from sillok.custody.audit import lock_head
from sillok.custody.blobstore import BlobTooLarge, PutResult
from sillok.custody.services import put_blob, record_blob
from sillok.evidence.access import check_can_add
from sillok.evidence.custody_log import HandlingContext, record_custody_event
from sillok.evidence.inputs.archives import ArchiveLimits
from sillok.evidence.inputs.errors import RejectedInput
from sillok.evidence.inputs.media import check_content, detect_media_type
from sillok.evidence.inputs.names import check_filename
from sillok.evidence.inputs.walk import Candidate, Rejection, walk_inputs
from sillok.evidence.metadata import ItemMetadata
from sillok.evidence.models import CustodyAction, FileRole, Item, ItemFile

logger = logging.getLogger(__name__)

NEW, DUPLICATE, REJECTED = "new", "duplicate", "rejected"


@dataclass(frozen=True)
class IntakeResult:
    path: str
    status: str  # new, duplicate, rejected
    item: int | None = None
    sha256: str | None = None
    reason: str = ""
    code: str = ""
    media_type: str = ""
    size: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "status": self.status,
            "item": self.item,
            "sha256": self.sha256,
            "reason": self.reason,
            "code": self.code,
            "media_type": self.media_type,
            "size": self.size,
        }


def _rejected(path: str, exc: RejectedInput) -> IntakeResult:
    return IntakeResult(path=path, status=REJECTED, reason=exc.message, code=exc.code)


def do_ingest_file(
    actor: Any,
    local_path: Path,
    *,
    filename: str,
    metadata: ItemMetadata,
    context: HandlingContext,
    display_path: str | None = None,
    declared_sha256: str | None = None,
    intake_details: dict | None = None,
) -> IntakeResult:
    """Ingest one local file as an item (or as a duplicate intake of an existing one)."""
    shown = display_path or filename
    check_can_add(actor)
    try:
        name = check_filename(filename)
        media_type = detect_media_type(local_path)
        check_content(local_path, name, media_type, max_bytes=settings.SILLOK_MAX_UPLOAD_BYTES)
        with local_path.open("rb") as stream:
            put = put_blob(stream)
    except RejectedInput as exc:
        return _rejected(shown, exc)
    except BlobTooLarge as exc:
        return _rejected(shown, RejectedInput("too_large", str(exc)))
    except OSError as exc:
        return _rejected(shown, RejectedInput("unreadable", f"cannot read the file: {exc}"))
    if declared_sha256 and declared_sha256 != put.sha256:
        # The bag was validated before, so the file changed while we read it.
        return _rejected(
            shown,
            RejectedInput(
                "changed_while_reading",
                f"the file hashes to {put.sha256}, its manifest says {declared_sha256}: "
                "it changed after validation",
            ),
        )
    return _record_intake(
        actor,
        put,
        filename=name,
        media_type=media_type,
        metadata=metadata,
        context=context,
        shown=shown,
        intake_details=intake_details or {},
    )


def _record_intake(
    actor: Any,
    put: PutResult,
    *,
    filename: str,
    media_type: str,
    metadata: ItemMetadata,
    context: HandlingContext,
    shown: str,
    intake_details: dict,
) -> IntakeResult:
    details = {
        "filename": filename,
        "sha256": put.sha256,
        "size": put.size,
        "media_type": media_type,
        "source": metadata.source,
        **intake_details,
    }
    with transaction.atomic():
        # The head lock serialises intakes: of two concurrent intakes of the same content, the
        # second one sees the first one's original here and records a duplicate.
        lock_head()
        stored = record_blob(actor, put, reason=f"intake of {filename}")
        existing = (
            ItemFile.objects.select_related("item")
            .filter(role=FileRole.ORIGINAL, sha256=put.sha256)
            .first()
        )
        if existing is not None:
            record_custody_event(
                actor,
                existing.item,
                CustodyAction.DUPLICATE_INTAKE,
                context,
                file=existing,
                details=details,
            )
            return IntakeResult(
                path=shown,
                status=DUPLICATE,
                item=existing.item_id,
                sha256=put.sha256,
                reason=f"the same content is already item {existing.item_id}",
                media_type=existing.media_type,
                size=put.size,
            )
        item = Item.objects.create(
            **metadata.item_fields(filename=filename, media_type=media_type),
            created_by=actor if getattr(actor, "pk", None) else None,
        )
        original = ItemFile.objects.create(
            item=item,
            role=FileRole.ORIGINAL,
            blob=stored.blob,
            sha256=put.sha256,
            size=put.size,
            media_type=media_type,
            original_filename=filename,
        )
        record_custody_event(
            actor, item, CustodyAction.INTAKE, context, file=original, details=details
        )
        transaction.on_commit(lambda: _queue_derivatives(original.pk))
    return IntakeResult(
        path=shown,
        status=NEW,
        item=item.pk,
        sha256=put.sha256,
        media_type=media_type,
        size=put.size,
    )


def _queue_derivatives(file_id: int) -> None:
    from sillok.evidence.derivation import schedule_derivations

    schedule_derivations(file_id)


def do_ingest_paths(
    actor: Any,
    paths: Iterable[Path],
    *,
    metadata: ItemMetadata,
    context: HandlingContext,
    workdir: Path,
    limits: ArchiveLimits | None = None,
    on_result: Callable[[IntakeResult], None] | None = None,
) -> list[IntakeResult]:
    """Ingest files, folders (recursively), zip archives and BagIt bags; one result each.

    Folders and archives are expanded into `workdir` (the caller's temporary folder). A bag
    that fails validation, or an archive with a hostile member, is one rejection and nothing
    of it goes in.
    """
    check_can_add(actor)
    results: list[IntakeResult] = []
    for candidate in walk_inputs(list(paths), workdir, limits or ArchiveLimits()):
        if isinstance(candidate, Rejection):
            result = IntakeResult(
                path=candidate.display_path,
                status=REJECTED,
                reason=candidate.message,
                code=candidate.code,
            )
        else:
            result = _ingest_candidate(actor, candidate, metadata=metadata, context=context)
        results.append(result)
        if on_result is not None:
            on_result(result)
    return results


def _ingest_candidate(
    actor: Any, candidate: Candidate, *, metadata: ItemMetadata, context: HandlingContext
) -> IntakeResult:
    details: dict[str, Any] = {"origin": candidate.origin, "path": candidate.display_path}
    if candidate.bag is not None:
        bag = candidate.bag
        # The partner who sent the bag is the custody source of everything in it.
        metadata = metadata.with_defaults(source=bag.source_organization)
        details["bag"] = {
            "source_organization": bag.source_organization,
            "external_identifier": bag.external_identifier,
            "bagging_date": bag.bagging_date,
            "algorithms": bag.algorithms,
        }
        context = HandlingContext(
            channel="bag",
            place=context.place,
            reason=context.reason or f"bag from {bag.source_organization or 'unnamed partner'}",
        )
    return do_ingest_file(
        actor,
        candidate.local_path,
        filename=candidate.filename,
        metadata=metadata,
        context=context,
        display_path=candidate.display_path,
        declared_sha256=candidate.declared_sha256,
        intake_details=details,
    )
