"""Intake: every path into the repository (web upload, API, CLI, partner bags) ends here.

One file goes in like this:

1. check: the name (no NUL, control or bidi characters), the content (media type detected
   from the bytes; empty, oversized, truncated or disguised files refused). Detection and the
   content check parse the file, so they run in a sandboxed child process under limits
   (sandbox.py); a file that breaks a limit is refused as ``parse_limits``;
2. write: the bytes are streamed into the content-addressed blob store (hashing on the way,
   temporary file, fsync, rename) with no lock held, since that may take minutes;
3. record: in ONE transaction under the audit head lock, the blob record, the item, its
   original file row and the intake custody event (with its audit entry) — or, when an
   original with the same SHA-256 already exists in an item the submitter may see, only a
   "duplicate intake" custody event on that item. When every item holding it is hidden from
   the submitter, the answer must not reveal them (copies.py): a new item whose original
   shares the blob and is marked as a copy, its intake event, a "duplicate intake" event on
   the hidden item and an `access.denied` audit entry, all in the same transaction.
   Derivative jobs are queued after commit.

A crash before 3 commits leaves at most an unrecorded blob, which the next intake of the same
content adopts; never an item without its blob, a half-written file, or a blob recorded twice.
A rejected file changes nothing.
"""

from __future__ import annotations

import contextlib
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

from sillok.core.bulk import rows_inserted
from sillok.core.sensitivity import Sensitivity
from sillok.custody.audit import check_appendable, ensure_appendable, record_audit_batch
from sillok.custody.blobstore import BlobTooLarge, PutResult, StagedBlob
from sillok.custody.models import Blob
from sillok.custody.services import discard_blob, publish_blobs, record_blobs, stage_blob
from sillok.evidence.access import check_can_add, check_can_use_compartment
from sillok.evidence.copies import copy_details, existing_originals, log_hidden_matches
from sillok.evidence.custody_log import (
    HandlingContext,
    custody_audit_spec,
    custody_event_for,
)
from sillok.evidence.derivation import schedule_derivations_for
from sillok.evidence.inputs.archives import ArchiveLimits
from sillok.evidence.inputs.errors import RejectedInput
from sillok.evidence.inputs.names import check_filename, shown
from sillok.evidence.inputs.walk import Candidate, Rejection, walk_inputs
from sillok.evidence.metadata import ItemMetadata
from sillok.evidence.models import (
    ConsentScope,
    CustodyAction,
    CustodyEvent,
    FileRole,
    Item,
    ItemFile,
    ItemKind,
)
from sillok.evidence.sandbox import ParseLimitExceeded, Sandbox, maybe

logger = logging.getLogger(__name__)

NEW, DUPLICATE, REJECTED = "new", "duplicate", "rejected"
BATCH_FILES = 64
BATCH_SECONDS = 1.0
PREPARE_THREADS = 2
PREPARE_AHEAD = 4  # chunks
# Small files are checked by the sandbox a chunk per call: one round trip to the child costs
# about as much as checking a small file, so per-file calls would halve intake's throughput.
CHECK_CHUNK_FILES = 16
CHECK_CHUNK_BYTES = 32 * 1024 * 1024


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
    sandbox: Sandbox | None = None,
    inspected: str | RejectedInput | None = None,
) -> PreparedFile | IntakeResult:
    """Check one file and write its bytes to the blob store (no lock held, no transaction);
    a rejected file gives its IntakeResult and leaves nothing behind. Touches no database
    (it runs on intake's worker threads); callers check the permission first. The content
    is checked in `sandbox` (a new one when not given), unless `inspected` already holds the
    outcome of that check."""
    shown_path = display_path or filename
    try:
        name = check_filename(filename)
        if inspected is None:
            inspected = _inspect_many([(local_path, name)], sandbox)[0]
        if isinstance(inspected, RejectedInput):
            raise inspected
        media_type = inspected
        with local_path.open("rb") as stream:
            staged = stage_blob(stream)
    except RejectedInput as exc:
        return _rejected(shown_path, exc)
    except BlobTooLarge as exc:
        return _rejected(shown_path, RejectedInput("too_large", str(exc)))
    except OSError as exc:
        return _rejected(shown_path, RejectedInput("unreadable", f"cannot read the file: {exc}"))
    if declared_sha256 and declared_sha256 != staged.sha256:
        # The bag was validated before, so the file changed while we read it.
        discard_blob(staged)
        return _rejected(
            shown_path,
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
    return PreparedFile(staged, name, media_type, metadata, context, shown_path, details)


def _inspect_many(
    files: list[tuple[Path, str]], sandbox: Sandbox | None
) -> list[str | RejectedInput]:
    """For each (path, checked name): the media type detected from the bytes if the content
    check passed, else its RejectedInput. Both parse the file, so both run in a sandboxed
    child, all in one call; when that call breaks a limit, each file is checked alone so
    that the refusal names the file that broke it."""
    if not files:
        return []
    args = {
        "files": [
            {
                "path": str(path.absolute()),
                "filename": name,
                "max_bytes": settings.SILLOK_MAX_UPLOAD_BYTES,
            }
            for path, name in files
        ]
    }
    try:
        with maybe(sandbox) as box:
            answers = box.call("sillok.evidence.sandbox_child:inspect_uploads", args)
    except ParseLimitExceeded as exc:
        if len(files) > 1:
            return [_inspect_many([one], sandbox)[0] for one in files]
        return [RejectedInput("parse_limits", f"{shown(files[0][1])} is refused: {exc}")]
    return [
        str(a["media_type"]) if "media_type" in a else RejectedInput(a["code"], a["message"])
        for a in answers
    ]


def do_ingest_file(actor: Any, local_path: Path, **options: Any) -> IntakeResult:
    """Ingest one local file as an item (or as a duplicate intake of an existing one).
    Options as for `prepare_file`."""
    check_can_add(actor)
    check_can_use_compartment(actor, options["metadata"].compartment)
    check_appendable()  # refuse before storing anything, not after
    prepared = prepare_file(local_path, **options)
    if isinstance(prepared, IntakeResult):
        return prepared
    return do_record_intakes(actor, [prepared])[0]


def do_record_intakes(actor: Any, batch: list[PreparedFile]) -> list[IntakeResult]:
    """Record prepared files in ONE transaction: for each, the blob record and either a new
    item with its original, custody event and derivative jobs, or a duplicate-intake event
    on the item the submitter may see that holds the same content. Content held only by
    items hidden from the submitter makes a new item too, a copy (copies.py).

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
        # second one sees the first one's original here and records a duplicate. Nothing may
        # claim the seqs our custody events are about to take (a rewound log).
        ensure_appendable()
        blobs = _blob_records(actor, batch)
        existing = existing_originals(actor, {prepared.put.sha256 for prepared in batch})
        known = {sha: e.seen for sha, e in existing.items() if e.seen is not None}
        fresh: dict[str, PreparedFile] = {}
        for prepared in batch:  # the first of several equal files in a batch makes the item
            if prepared.put.sha256 not in known:
                fresh.setdefault(prepared.put.sha256, prepared)
        hidden = {sha: existing[sha].first for sha in fresh if sha in existing}
        new_files = _create_items(actor, list(fresh.values()), blobs, hidden)
        known.update({f.sha256: f for f in new_files})
        results, events, refused = _outcomes(batch, known, {f.sha256 for f in new_files}, hidden)
        log_hidden_matches(actor, refused)
        _record_events(actor, events)
        schedule_derivations_for(new_files)
    return results


# One custody event to record: on which original, what, how, with which details.
_Event = tuple[ItemFile, str, HandlingContext, dict[str, Any]]


def _outcomes(
    batch: list[PreparedFile],
    known: dict[str, ItemFile],
    not_yet_reported: set[str],
    hidden: dict[str, ItemFile],
) -> tuple[list[IntakeResult], list[_Event], list[tuple[ItemFile, HandlingContext]]]:
    """Per prepared file, in order: its result and custody events. The first file of a
    content made just now is new (a copy, when `hidden` holds the content: its submission is
    also recorded on the hidden original and refused access is audited); the others are
    duplicates of the original the submitter may see."""
    results: list[IntakeResult] = []
    events: list[_Event] = []
    refused: list[tuple[ItemFile, HandlingContext]] = []
    for prepared in batch:
        sha = prepared.put.sha256
        original = known[sha]
        is_new = sha in not_yet_reported
        not_yet_reported.discard(sha)
        action = CustodyAction.INTAKE if is_new else CustodyAction.DUPLICATE_INTAKE
        events.append((original, action, prepared.context, prepared.details))
        if is_new and sha in hidden:
            details = copy_details(prepared.details, original)
            events.append((hidden[sha], CustodyAction.DUPLICATE_INTAKE, prepared.context, details))
            refused.append((hidden[sha], prepared.context))
        results.append(_result(prepared, original, is_new))
    return results, events, refused


def _blob_records(actor: Any, batch: list[PreparedFile]) -> dict[str, Blob]:
    stored = record_blobs(actor, [(p.put, f"intake of {p.filename}") for p in batch])
    return {record.blob.sha256: record.blob for record in stored}


def public_consent(fields: dict[str, Any]) -> dict[str, Any]:
    """`fields` of a new item, with the publication scope when the item is public (a UN
    document, or anything marked public: a published report) and its submitter gave no
    scope. Such an item concerns no witness's consent; without a scope it would be left out
    of every share (records/consent.py), UN reporting included."""
    public = fields["kind"] == ItemKind.UN_DOCUMENT or fields["sensitivity"] == Sensitivity.PUBLIC
    if public and not fields["consent_scope"]:
        return {**fields, "consent_scope": [ConsentScope.PUBLICATION.value]}
    return fields


def _create_items(
    actor: Any, fresh: list[PreparedFile], blobs: dict[str, Blob], copy_of: dict[str, ItemFile]
) -> list[ItemFile]:
    """Items with their originals for `fresh`; an original whose content is in `copy_of`
    (held by an item hidden from `actor`) is a copy of that one and shares its blob."""
    creator = actor if getattr(actor, "pk", None) else None
    # Checked by the callers (do_ingest_file, do_ingest_paths); one lookup per code here.
    codes = {p.metadata.compartment for p in fresh if p.metadata.compartment}
    compartments = {code: check_can_use_compartment(actor, code) for code in codes}
    items = Item.objects.bulk_create(
        Item(
            **public_consent(p.metadata.item_fields(filename=p.filename, media_type=p.media_type)),
            compartment_id=compartments.get(p.metadata.compartment),
            created_by=creator,
        )
        for p in fresh
    )
    # bulk_create sends no post_save: tell the search index (search/signals.py).
    rows_inserted.send(sender=Item, instances=items)
    files = ItemFile.objects.bulk_create(
        ItemFile(
            item=item,
            role=FileRole.ORIGINAL,
            blob=blobs[p.put.sha256],
            sha256=p.put.sha256,
            size=p.put.size,
            media_type=p.media_type,
            original_filename=p.filename,
            copy_of=copy_of.get(p.put.sha256),
        )
        for item, p in zip(items, fresh, strict=True)
    )
    return files


def _record_events(actor: Any, events: list[_Event]) -> None:
    specs = [
        custody_audit_spec(actor, f.item, action, context, file=f, details=details)
        for f, action, context, details in events
    ]
    entries = record_audit_batch(specs)
    CustodyEvent.objects.bulk_create(
        custody_event_for(entry, actor, f.item, action, context, file=f, details=details)
        for entry, (f, action, context, details) in zip(entries, events, strict=True)
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
    check_can_use_compartment(actor, metadata.compartment)
    check_appendable()  # refuse before storing anything, not after
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
    # One sandbox for the whole intake: each preparing thread reuses a checking child.
    with Sandbox() as sandbox:
        for prepared in _prepared_in_order(candidates, metadata, context, sandbox):
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
    candidates: Iterable[Candidate | Rejection],
    metadata: ItemMetadata,
    context: HandlingContext,
    sandbox: Sandbox,
) -> Iterator[PreparedFile | IntakeResult]:
    """Check and stage candidates on PREPARE_THREADS threads, yielding in input order.

    Candidates go in chunks (``CHECK_CHUNK_*``): the contents of a chunk are checked in one
    call to the sandbox, then staged. Each thread has its own checking child, and checking
    and hashing in other processes or with the GIL released let two cores work at once. The
    threads touch no database: recording stays on the caller's thread. At most PREPARE_AHEAD
    chunks are staged ahead of the recorder, so temporary space stays bounded.
    """
    with ThreadPoolExecutor(max_workers=PREPARE_THREADS, thread_name_prefix="intake") as pool:
        window: deque[Future] = deque()
        for chunk in _chunks(candidates):
            if isinstance(chunk, Rejection):
                result = IntakeResult(
                    path=chunk.display_path,
                    status=REJECTED,
                    reason=chunk.message,
                    code=chunk.code,
                )
                window.append(_done([result]))
            else:
                window.append(pool.submit(_prepare_chunk, chunk, metadata, context, sandbox))
            while len(window) > PREPARE_AHEAD or (window and window[0].done()):
                yield from window.popleft().result()
        while window:
            yield from window.popleft().result()


def _chunks(
    candidates: Iterable[Candidate | Rejection],
) -> Iterator[list[Candidate] | Rejection]:
    chunk: list[Candidate] = []
    size = 0
    for candidate in candidates:
        if isinstance(candidate, Rejection):
            if chunk:
                yield chunk
                chunk, size = [], 0
            yield candidate
            continue
        chunk.append(candidate)
        with contextlib.suppress(OSError):  # prepare_file reports it
            size += candidate.local_path.stat().st_size
        if len(chunk) >= CHECK_CHUNK_FILES or size >= CHECK_CHUNK_BYTES:
            yield chunk
            chunk, size = [], 0
    if chunk:
        yield chunk


def _prepare_chunk(
    chunk: list[Candidate], metadata: ItemMetadata, context: HandlingContext, sandbox: Sandbox
) -> list[PreparedFile | IntakeResult]:
    names: list[str | None] = []
    for candidate in chunk:
        try:
            names.append(check_filename(candidate.filename))
        except RejectedInput:
            names.append(None)  # prepare_file refuses it
    checked = iter(
        _inspect_many([(c.local_path, n) for c, n in zip(chunk, names, strict=True) if n], sandbox)
    )
    return [
        _prepare_candidate(c, metadata, context, sandbox, next(checked) if n else None)
        for c, n in zip(chunk, names, strict=True)
    ]


def _done(value: Any) -> Future:
    future: Future = Future()
    future.set_result(value)
    return future


def _prepare_candidate(
    candidate: Candidate,
    metadata: ItemMetadata,
    context: HandlingContext,
    sandbox: Sandbox,
    inspected: str | RejectedInput | None,
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
        sandbox=sandbox,
        inspected=inspected,
    )
