"""Appending to the hash-chained audit log.

Call `record_audit` inside the transaction of the change it records (STYLE.md rule 3): if the
change rolls back, so does its entry, and no change commits without one.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from sillok.custody import checkpoints
from sillok.custody.canonical import canonical_json, format_time
from sillok.custody.models import AuditEntry, AuditHead

__all__ = [
    "GENESIS_HASH",
    "AuditHeadMissing",
    "AuditSpec",
    "canonical_json",
    "compute_entry_hash",
    "entry_hash_of",
    "format_time",
    "record_audit",
    "record_audit_batch",
]

GENESIS_HASH = "0" * 64


class AuditHeadMissing(RuntimeError):
    """The audit head row is gone although entries exist: the log cannot be appended to."""


def compute_entry_hash(
    *,
    seq: int,
    created_at: datetime,
    actor_id: int | None,
    actor_name: str,
    action: str,
    object_type: str,
    object_id: str,
    details: dict,
    prev_hash: str,
) -> str:
    body = canonical_json(
        {
            "seq": seq,
            "time": format_time(created_at),
            "actor_id": actor_id,
            "actor": actor_name,
            "action": action,
            "object_type": object_type,
            "object_id": object_id,
            "details": details,
            "prev": prev_hash,
        }
    )
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def entry_hash_of(entry: AuditEntry) -> str:
    """Recompute the hash of a stored entry from its fields."""
    return compute_entry_hash(
        seq=entry.seq,
        created_at=entry.created_at,
        actor_id=entry.actor_id,
        actor_name=entry.actor_name,
        action=entry.action,
        object_type=entry.object_type,
        object_id=entry.object_id,
        details=entry.details,
        prev_hash=entry.prev_hash,
    )


def lock_head() -> AuditHead:
    """Return the audit head, locked until the surrounding transaction ends.

    The row lock serialises appenders across processes (on SQLite the IMMEDIATE transaction
    does the same): without it two writers could read the same head and both chain onto it.
    The row is made by a migration, never here: a get_or_create would let two first appenders
    race to create it.
    """
    try:
        return AuditHead.objects.select_for_update().get(id=1)
    except AuditHead.DoesNotExist:
        raise AuditHeadMissing(
            "the audit head row is missing; run `sillok verify` and restore it from a backup"
        ) from None


def record_audit(
    actor: Any,
    action: str,
    *,
    object_type: str = "",
    object_id: str | int = "",
    details: dict | None = None,
) -> AuditEntry:
    """Append one entry to the audit chain and return it.

    `actor` is a user, or None for the system (CLI without a user, scheduled jobs).
    `details` must be JSON-serialisable and must never contain secrets or witness identities.
    Every SILLOK_CHECKPOINT_EVERY entries a signed checkpoint is written in the same
    transaction, so a checkpoint exists exactly when its entry does.
    """
    # Normalise through JSON so that what we hash is exactly what the database gives back.
    clean_details = json.loads(canonical_json(details or {}))
    actor_id = getattr(actor, "pk", None) if actor is not None else None
    actor_name = getattr(actor, "get_username", lambda: "")() if actor is not None else "system"
    # No savepoint: an entry is never rolled back alone, only with the change it records, and
    # a savepoint per entry costs two statements on the hot path of intake.
    with transaction.atomic(savepoint=False):
        head = lock_head()
        now = timezone.now()
        seq = head.seq + 1
        entry_hash = compute_entry_hash(
            seq=seq,
            created_at=now,
            actor_id=actor_id,
            actor_name=actor_name,
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            details=clean_details,
            prev_hash=head.entry_hash,
        )
        entry = AuditEntry.objects.create(
            seq=seq,
            created_at=now,
            actor_id=actor_id,
            actor_name=actor_name,
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            details=clean_details,
            prev_hash=head.entry_hash,
            entry_hash=entry_hash,
        )
        head.seq = seq
        head.entry_hash = entry_hash
        head.save(update_fields=["seq", "entry_hash"])
        every = settings.SILLOK_CHECKPOINT_EVERY
        if every > 0 and seq % every == 0:
            checkpoints.sign_checkpoint(seq=seq, entry_hash=entry_hash)
    return entry


@dataclass(frozen=True)
class AuditSpec:
    """One entry to append with `record_audit_batch`: the arguments of `record_audit`."""

    actor: Any
    action: str
    object_type: str = ""
    object_id: str | int = ""
    details: dict | None = None


def record_audit_batch(specs: list[AuditSpec]) -> list[AuditEntry]:
    """Append several entries in order, chained exactly as `record_audit` would chain them,
    with one insert and one head update (intake of many small files). Same transaction
    rules: call it inside the transaction of the changes the entries record."""
    if not specs:
        return []
    every = settings.SILLOK_CHECKPOINT_EVERY
    with transaction.atomic(savepoint=False):
        head = lock_head()
        now = timezone.now()
        seq, prev_hash = head.seq, head.entry_hash
        entries = []
        for spec in specs:
            seq += 1
            actor = spec.actor
            actor_id = getattr(actor, "pk", None) if actor is not None else None
            actor_name = (
                getattr(actor, "get_username", lambda: "")() if actor is not None else "system"
            )
            details = json.loads(canonical_json(spec.details or {}))
            fields = {
                "seq": seq,
                "created_at": now,
                "actor_id": actor_id,
                "actor_name": actor_name,
                "action": spec.action,
                "object_type": spec.object_type,
                "object_id": str(spec.object_id),
                "details": details,
                "prev_hash": prev_hash,
            }
            prev_hash = compute_entry_hash(**fields)
            entries.append(AuditEntry(**fields, entry_hash=prev_hash))
        AuditEntry.objects.bulk_create(entries)
        head.seq, head.entry_hash = seq, prev_hash
        head.save(update_fields=["seq", "entry_hash"])
        if every > 0:
            for entry in entries:
                if entry.seq % every == 0:
                    checkpoints.sign_checkpoint(seq=entry.seq, entry_hash=entry.entry_hash)
    return entries
