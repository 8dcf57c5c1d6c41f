"""Storing derivative files: the one way a file made from an item's file enters Sillok.

Every derivative (a deriver's text, OCR, transcript, preview or metadata, and a redacted copy
made on request) is stored here, in two steps that give these guarantees after a crash:

1. `put_derivative` streams the file into the blob store and makes it durable, outside any
   transaction (it may take minutes and holds no lock). A crash after it leaves only an
   unrecorded blob: `sillok verify` reports it as information, and the next store of the same
   content adopts it.
2. `record_derivative`, inside the caller's transaction and after `lock_head()`, writes the
   Blob row with its "blob.stored" audit entry, the ItemFile row with its provenance, and its
   custody event with the audit entry that carries the file's facts. All of it commits with
   the caller's own rows (a finished job, a redaction review) or none of it does: there is
   never a file row without its custody event, nor an event without its file.

`do_store_derivative` does both for a caller with nothing else to commit. The custody event's
details are built here only, so every path states the same facts about a derivative.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from django.db import transaction

from sillok.custody.audit import lock_head
from sillok.custody.blobstore import PutResult
from sillok.custody.services import put_blob, record_blob
from sillok.evidence.custody_log import HandlingContext, record_custody_event
from sillok.evidence.models import CustodyAction, DerivationJob, FileRole, ItemFile

MAX_TOOL_VERSION = 200  # ItemFile.tool_version's length


@dataclass(frozen=True)
class DerivativeSpec:
    """What a derivative is and what made it (its provenance)."""

    kind: str  # one of derive.base.OUTPUT_KINDS
    media_type: str
    tool: str
    tool_version: str
    deriver: str  # the deriver's name, or "redaction"
    params: dict[str, Any] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)
    language: str = ""
    name: str = ""  # the file's name (ours, never a user's)
    # Facts added to the custody event (a redaction's method); counts and names, never content.
    event_details: dict[str, Any] = field(default_factory=dict)


def put_derivative(path_or_stream: Path | str | BinaryIO) -> PutResult:
    """Stream a derivative into the blob store, durably, without recording it. Call outside
    transactions. Raises BlobTooLarge (nothing stored)."""
    if isinstance(path_or_stream, str | Path):
        with Path(path_or_stream).open("rb") as stream:
            return put_blob(stream)
    return put_blob(path_or_stream)


def custody_details(source: ItemFile, put: PutResult, spec: DerivativeSpec) -> dict[str, Any]:
    """The custody event's details for a derivative: the same keys from every path."""
    return {
        **spec.event_details,
        "deriver": spec.deriver,
        "kind": spec.kind,
        "from": source.sha256,
        "sha256": put.sha256,
        "tool": spec.tool,
        "tool_version": spec.tool_version[:MAX_TOOL_VERSION],
    }


def record_derivative(
    actor: Any,
    source: ItemFile,
    put: PutResult,
    spec: DerivativeSpec,
    context: HandlingContext,
    *,
    job: DerivationJob | None = None,
) -> ItemFile:
    """Record a derivative of `source` put by `put_derivative`: its blob, file row and custody
    event with their audit entries. Must run in the caller's transaction after `lock_head()`
    (STYLE rule 3: the audit entries commit with the rows or not at all)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("record_derivative must run inside the caller's transaction")
    stored = record_blob(actor, put, reason=f"{spec.deriver} derivative of {source.sha256}")
    derivative = ItemFile.objects.create(
        item_id=source.item_id,
        role=FileRole.DERIVATIVE,
        blob=stored.blob,
        sha256=put.sha256,
        size=put.size,
        media_type=spec.media_type,
        original_filename=spec.name,
        derived_from=source,
        derivation=job,
        kind=spec.kind,
        language=spec.language,
        tool=spec.tool,
        tool_version=spec.tool_version[:MAX_TOOL_VERSION],
        params=spec.params,
        details=spec.details,
    )
    record_custody_event(
        actor,
        source.item,
        CustodyAction.DERIVATION,
        context,
        file=derivative,
        details=custody_details(source, put, spec),
    )
    return derivative


def do_store_derivative(
    actor: Any,
    source: ItemFile,
    path_or_stream: Path | str | BinaryIO,
    spec: DerivativeSpec,
    context: HandlingContext,
    *,
    job: DerivationJob | None = None,
) -> ItemFile:
    """Store one derivative of `source` on its own: put, then record in one transaction."""
    put = put_derivative(path_or_stream)
    with transaction.atomic():
        lock_head()
        return record_derivative(actor, source, put, spec, context, job=job)
