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
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction

from sillok.custody.audit import lock_head, record_audit_batch
from sillok.custody.blobstore import BlobTooLarge, PutResult, StagedBlob
from sillok.custody.models import Blob
from sillok.custody.services import discard_blob, publish_blobs, record_blobs, stage_blob
from sillok.evidence.access import check_can_add
from sillok.evidence.custody_log import (
    HandlingContext,
    custody_audit_spec,
    custody_event_for,
)
from sillok.evidence.derivation import schedule_derivations_for
from sillok.evidence.inputs.archives import ArchiveLimits
from sillok.evidence.inputs.errors import RejectedInput
from sillok.evidence.inputs.media import check_content, detect_media_type
from sillok.evidence.inputs.names import check_filename
from sillok.evidence.inputs.walk import Candidate, Rejection, walk_inputs
from sillok.evidence.metadata import ItemMetadata
from sillok.evidence.models import CustodyAction, CustodyEvent, FileRole, Item, ItemFile

logger = logging.getLogger(__name__)

NEW, DUPLICATE, REJECTED = "new", "duplicate", "rejected"
BATCH_FILES = 64
BATCH_SECONDS = 1.0
PREPARE_THREADS = 2
PREPARE_AHEAD = 16


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


@dataclass(frozen=True)
class PreparedFile:
    """A checked file, hashed and staged for the blob store; `put` is set once published."""

    staged: StagedBlob
    filename: str
    media_type: str
    metadata: ItemMetadata
    context: HandlingContext
    shown: str
    details: dict[str, Any]
    put: PutResult | None = None


def prepare_file(
    local_path: Path,
    *,
    filename: str,
    metadata: ItemMetadata,
    context: HandlingContext,
    display_path: str | None = None,
    declared_sha256: str | None = None,
    intake_details: dict | None = None,
) -> PreparedFile | IntakeResult:
    """Check one file and write its bytes to the blob store (no lock held, no transaction);
    a rejected file gives its IntakeResult and leaves nothing behind. Touches no database
    (it runs on intake's worker threads); callers check the permission first."""
    shown = display_path or filename
    try:
        name = check_filename(filename)
        media_type = detect_media_type(local_path)
        check_content(local_path, name, media_type, max_bytes=settings.SILLOK_MAX_UPLOAD_BYTES)
        with local_path.open("rb") as stream:
            staged = stage_blob(stream)
    except RejectedInput as exc:
        return _rejected(shown, exc)
    except BlobTooLarge as exc:
        return _rejected(shown, RejectedInput("too_large", str(exc)))
    except OSError as exc:
        return _rejected(shown, RejectedInput("unreadable", f"cannot read the file: {exc}"))
    if declared_sha256 and declared_sha256 != staged.sha256:
        # The bag was validated before, so the file changed while we read it.
        discard_blob(staged)
        return _rejected(
            shown,
            RejectedInput(
                "changed_while_reading",
                f"the file hashes to {staged.sha256}, its manifest says {declared_sha256}: "
                "it changed after validation",
            ),
        )
    details = {
        "filename": name,
        "sha256": staged.sha256,
        "size": staged.size,
        "media_type": media_type,
        "source": metadata.source,
        **(intake_details or {}),
    }
    return PreparedFile(staged, name, media_type, metadata, context, shown, details)


def do_ingest_file(actor: Any, local_path: Path, **options: Any) -> IntakeResult:
    """Ingest one local file as an item (or as a duplicate intake of an existing one).
    Options as for `prepare_file`."""
    check_can_add(actor)
    prepared = prepare_file(local_path, **options)
    if isinstance(prepared, IntakeResult):
        return prepared
    return do_record_intakes(actor, [prepared])[0]


def do_record_intakes(actor: Any, batch: list[PreparedFile]) -> list[IntakeResult]:
    """Record prepared files in ONE transaction: for each, the blob record and either a new
    item with its original, custody event and derivative jobs, or a duplicate-intake event.

    The staged bytes are published to the blob store first (one flush to disk for the whole
    batch), outside the transaction; a crash before the commit leaves unrecorded blobs only.
    Set-based (a few statements per batch, not per file): many small files are the common
    case of a folder or a partner's bag, and per-row statements would cap intake at tens of
    files a second.
    """
    puts = publish_blobs([prepared.staged for prepared in batch])
    batch = [replace(prepared, put=put) for prepared, put in zip(batch, puts, strict=True)]
    with transaction.atomic():
        # The head lock serialises intakes: of two concurrent intakes of the same content, the
        # second one sees the first one's original here and records a duplicate.
        lock_head()
        shas = {prepared.put.sha256 for prepared in batch}
        blobs = _blob_records(actor, batch)
        originals = {
            f.sha256: f
            for f in ItemFile.objects.select_related("item").filter(
                role=FileRole.ORIGINAL, sha256__in=shas
            )
        }
        fresh: dict[str, PreparedFile] = {}
        for prepared in batch:  # the first of several equal files in a batch makes the item
            if prepared.put.sha256 not in originals:
                fresh.setdefault(prepared.put.sha256, prepared)
        new_files = _create_items(actor, list(fresh.values()), blobs)
        originals.update({f.sha256: f for f in new_files})
        not_yet_reported = {f.sha256 for f in new_files}
        results, events = [], []
        for prepared in batch:
            original = originals[prepared.put.sha256]
            is_new = prepared.put.sha256 in not_yet_reported
            not_yet_reported.discard(prepared.put.sha256)
            action = CustodyAction.INTAKE if is_new else CustodyAction.DUPLICATE_INTAKE
            events.append((original, action, prepared))
            results.append(_result(prepared, original, is_new))
        _record_events(actor, events)
        schedule_derivations_for(new_files)
    return results


def _blob_records(actor: Any, batch: list[PreparedFile]) -> dict[str, Blob]:
    stored = record_blobs(actor, [(p.put, f"intake of {p.filename}") for p in batch])
    return {record.blob.sha256: record.blob for record in stored}


def _create_items(
    actor: Any, fresh: list[PreparedFile], blobs: dict[str, Blob]
) -> list[ItemFile]:
    creator = actor if getattr(actor, "pk", None) else None
    items = Item.objects.bulk_create(
        Item(
            **p.metadata.item_fields(filename=p.filename, media_type=p.media_type),
            created_by=creator,
        )
        for p in fresh
    )
    files = ItemFile.objects.bulk_create(
        ItemFile(
            item=item,
            role=FileRole.ORIGINAL,
            blob=blobs[p.put.sha256],
            sha256=p.put.sha256,
            size=p.put.size,
            media_type=p.media_type,
            original_filename=p.filename,
        )
        for item, p in zip(items, fresh, strict=True)
    )
    return files


def _record_events(actor: Any, events: list[tuple[ItemFile, str, PreparedFile]]) -> None:
    specs = [
        custody_audit_spec(actor, f.item, action, p.context, file=f, details=p.details)
        for f, action, p in events
    ]
    entries = record_audit_batch(specs)
    CustodyEvent.objects.bulk_create(
        custody_event_for(entry, actor, f.item, action, p.context, file=f, details=p.details)
        for entry, (f, action, p) in zip(entries, events, strict=True)
    )


def _result(prepared: PreparedFile, original: ItemFile, is_new: bool) -> IntakeResult:
    if is_new:
        return IntakeResult(
            path=prepared.shown,
            status=NEW,
            item=original.item_id,
            sha256=original.sha256,
            media_type=prepared.media_type,
            size=prepared.put.size,
        )
    return IntakeResult(
        path=prepared.shown,
        status=DUPLICATE,
        item=original.item_id,
        sha256=original.sha256,
        reason=f"the same content is already item {original.item_id}",
        media_type=original.media_type,
        size=prepared.put.size,
    )


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
    batch: list[PreparedFile] = []
    batch_started = time.monotonic()

    def emit(result: IntakeResult) -> None:
        results.append(result)
        if on_result is not None:
            on_result(result)

    def flush() -> None:
        if batch:
            for result in do_record_intakes(actor, batch):
                emit(result)
            batch.clear()

    candidates = walk_inputs(list(paths), workdir, limits or ArchiveLimits())
    for prepared in _prepared_in_order(candidates, metadata, context):
        if isinstance(prepared, IntakeResult):
            emit(prepared)
            continue
        if not batch:
            batch_started = time.monotonic()
        batch.append(prepared)
        # Many small files are recorded a batch per transaction (one commit, one fsync); a
        # crash loses at most the batch's records, never half of one.
        if len(batch) >= BATCH_FILES or time.monotonic() - batch_started > BATCH_SECONDS:
            flush()
    flush()
    return results


def _prepared_in_order(
    candidates: Iterable[Candidate | Rejection], metadata: ItemMetadata, context: HandlingContext
) -> Iterator[PreparedFile | IntakeResult]:
    """Check and stage candidates on PREPARE_THREADS threads, yielding in input order.

    Content detection (libmagic) and hashing release the GIL, so two cores check two files at
    once. The threads touch no database: recording stays on the caller's thread. At most
    PREPARE_AHEAD files are staged ahead of the recorder, so temporary space stays bounded.
    """
    with ThreadPoolExecutor(max_workers=PREPARE_THREADS, thread_name_prefix="intake") as pool:
        window: deque[Future] = deque()
        for candidate in candidates:
            if isinstance(candidate, Rejection):
                result = IntakeResult(path=candidate.display_path, status=REJECTED,
                                      reason=candidate.message, code=candidate.code)
                window.append(_done(result))
            else:
                window.append(pool.submit(_prepare_candidate, candidate, metadata, context))
            while len(window) > PREPARE_AHEAD or (window and window[0].done()):
                yield window.popleft().result()
        while window:
            yield window.popleft().result()


def _done(value: Any) -> Future:
    future: Future = Future()
    future.set_result(value)
    return future


def _prepare_candidate(
    candidate: Candidate, metadata: ItemMetadata, context: HandlingContext
) -> PreparedFile | IntakeResult:
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
    return prepare_file(
        candidate.local_path,
        filename=candidate.filename,
        metadata=metadata,
        context=context,
        display_path=candidate.display_path,
        declared_sha256=candidate.declared_sha256,
        intake_details=details,
    )
