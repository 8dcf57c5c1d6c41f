"""Recording custody events: each one is a CustodyEvent row and an audit entry, together.

Call `record_custody_event` inside the transaction of the handling it records (STYLE rule 3).
The details never hold file contents or witness identities: filenames, hashes, sizes, media
types, channels and reasons only.
"""

from __future__ import annotations

import getpass
import socket
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from sillok.custody.audit import AuditSpec, ensure_appendable, record_audit_batch
from sillok.custody.models import AuditEntry
from sillok.evidence.models import CustodyEvent, Item, ItemFile


@dataclass(frozen=True)
class HandlingContext:
    """How and from where an operation came: recorded with every custody event."""

    channel: str  # web, api, cli, bag, job
    place: str = ""  # a client address, or host and OS user for the CLI
    reason: str = ""

    @classmethod
    def for_cli(cls, reason: str = "") -> HandlingContext:
        try:
            who = getpass.getuser()
        except (KeyError, OSError):  # no passwd entry in some containers
            who = "unknown"
        return cls(channel="cli", place=f"{who}@{socket.gethostname()}", reason=reason)

    @classmethod
    def for_request(cls, request: Any, channel: str = "web", reason: str = "") -> HandlingContext:
        # REMOTE_ADDR only: X-Forwarded-For is whatever the client says unless a trusted
        # proxy sets it, and a custody record must not carry a client's claim as fact.
        return cls(channel=channel, place=request.META.get("REMOTE_ADDR", ""), reason=reason)

    @classmethod
    def for_job(cls, job_id: Any) -> HandlingContext:
        return cls(channel="job", place=f"{socket.gethostname()} job {job_id}")


# Keys of a custody entry's details that hold the event's own columns; the rest is the
# event's `details` as given (verification compares both, see custody_verify.py).
EVENT_KEYS = ("file", "file_row", "channel", "place", "reason")


def file_facts(file: ItemFile) -> dict[str, Any]:
    """What the audit entry states about a file, so that `sillok verify` can tell a file row
    that was edited or swapped (its blob, hash, size, type, name or provenance) later."""
    return {
        "id": file.pk,
        "item": file.item_id,
        "role": file.role,
        "blob": file.blob_id,
        "sha256": file.sha256,
        "size": file.size,
        "media_type": file.media_type,
        "name": file.original_filename,
        "kind": file.kind,
        "derived_from": file.derived_from_id,
        "copy_of": file.copy_of_id,
    }


def custody_audit_spec(
    actor: Any,
    item: Item,
    action: str,
    context: HandlingContext,
    *,
    file: ItemFile | None = None,
    details: dict | None = None,
) -> AuditSpec:
    """The audit entry that carries a custody event into the hash chain."""
    return AuditSpec(
        actor,
        f"custody.{action}",
        object_type="item",
        object_id=item.pk,
        details={
            **(details or {}),
            "file": file.sha256 if file is not None else None,
            "file_row": file_facts(file) if file is not None else None,
            "channel": context.channel,
            "place": context.place,
            "reason": context.reason,
        },
    )


def custody_event_for(
    entry: AuditEntry,
    actor: Any,
    item: Item,
    action: str,
    context: HandlingContext,
    *,
    file: ItemFile | None = None,
    details: dict | None = None,
) -> CustodyEvent:
    """The (unsaved) custody event that goes with its audit entry `entry`."""
    return CustodyEvent(
        item=item,
        file=file,
        action=action,
        occurred_at=entry.created_at,
        actor=actor if getattr(actor, "pk", None) else None,
        actor_name=entry.actor_name,
        channel=context.channel,
        place=context.place,
        reason=context.reason,
        details=details or {},
        audit_seq=entry.seq,
    )


def record_custody_event(
    actor: Any,
    item: Item,
    action: str,
    context: HandlingContext,
    *,
    file: ItemFile | None = None,
    details: dict | None = None,
) -> CustodyEvent:
    """Append a custody event for `item` and its audit entry, in the caller's transaction."""
    spec = custody_audit_spec(actor, item, action, context, file=file, details=details)
    with transaction.atomic(savepoint=False):
        # Not only the head: an event claiming the next seq already would collide with ours.
        ensure_appendable()
        [entry] = record_audit_batch([spec])
        event = custody_event_for(entry, actor, item, action, context, file=file, details=details)
        event.save(force_insert=True)
        return event
