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

from sillok.custody.audit import record_audit
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
    details = details or {}
    with transaction.atomic():
        entry = record_audit(
            actor,
            f"custody.{action}",
            object_type="item",
            object_id=item.pk,
            details={
                **details,
                "file": file.sha256 if file is not None else None,
                "channel": context.channel,
                "place": context.place,
                "reason": context.reason,
            },
        )
        return CustodyEvent.objects.create(
            item=item,
            file=file,
            action=action,
            occurred_at=entry.created_at,
            actor=actor if getattr(actor, "pk", None) else None,
            actor_name=entry.actor_name,
            channel=context.channel,
            place=context.place,
            reason=context.reason,
            details=details,
            audit_seq=entry.seq,
        )
