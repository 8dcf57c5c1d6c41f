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
from django.db import connection, transaction
from django.utils import timezone

from sillok.custody import checkpoints
from sillok.custody.canonical import canonical_json, format_time
from sillok.custody.models import AuditEntry, AuditHead

__all__ = [
    "GENESIS_HASH",
    "AuditHeadMissing",
    "AuditLogInconsistent",
    "AuditLogUnusable",
    "AuditSpec",
    "canonical_json",
    "check_appendable",
    "ensure_appendable",
    "compute_entry_hash",
    "entry_hash_of",
    "format_time",
    "record_audit",
    "record_audit_batch",
]

GENESIS_HASH = "0" * 64


class AuditLogUnusable(RuntimeError):
    """The audit log cannot be appended to safely; the message says why and what to do.

    Every write appends to the log, so every write refuses with this error (a clear message,
    exit 2 on the command line, 503 on the web) rather than failing on a constraint deep
    inside, or, worse, chaining new entries onto a log that was cut or rewound.
    """


class AuditHeadMissing(AuditLogUnusable):
    """The audit head row is gone although entries exist: the log cannot be appended to."""


class AuditLogInconsistent(AuditLogUnusable):
    """The head does not name the newest entry, or rows elsewhere carry entries beyond it."""


RUN_VERIFY = "run `sillok verify` to see what differs, and restore from a backup"


_HEAD, _ENTRY = AuditHead._meta.db_table, AuditEntry._meta.db_table
# The newest entry's seq and the hash of the entry the head names, read with the head.
_HEAD_AND_NEWEST_SQL = (
    f"SELECT h.seq, h.entry_hash, (SELECT MAX(seq) FROM {_ENTRY}), "  # noqa: S608 - no input
    f"(SELECT e.entry_hash FROM {_ENTRY} e WHERE e.seq = h.seq) FROM {_HEAD} h WHERE h.id = 1"
)
# PostgreSQL: the lock first, then the entries in a statement of their own. Under READ
# COMMITTED a statement that waited for the row lock re-reads the locked row but keeps its
# old snapshot of every other table: it would miss the entry the previous holder committed.
_LOCK_HEAD_SQL = f"SELECT seq, entry_hash FROM {_HEAD} WHERE id = 1 FOR UPDATE"  # noqa: S608
_NEWEST_SQL = (
    f"SELECT (SELECT MAX(seq) FROM {_ENTRY}), "  # noqa: S608 - no input
    f"(SELECT entry_hash FROM {_ENTRY} WHERE seq = %s)"
)


def _read_locked_head() -> tuple[int, str, int | None, str | None] | None:
    """(head seq, head hash, newest entry seq, hash of the entry the head names), with the
    head row locked until the transaction ends (SQLite: its IMMEDIATE transaction does)."""
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            cursor.execute(_HEAD_AND_NEWEST_SQL)
            return cursor.fetchone()
        cursor.execute(_LOCK_HEAD_SQL)
        head = cursor.fetchone()
        if head is None:
            return None
        cursor.execute(_NEWEST_SQL, [head[0]])
        return (*head, *cursor.fetchone())


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
    race to create it. The same statement reads the newest entry's seq and the hash of the
    entry the head names, so refusing a cut or rewound log costs no extra round trip.
    """
    # Plain SQL: this runs on every append, and building the same queries with the ORM's
    # subqueries costs more than the database spends answering them.
    row = _read_locked_head()
    if row is None:
        raise AuditHeadMissing(f"the audit head row is missing; {RUN_VERIFY}")
    seq, entry_hash, newest_seq, named_hash = row
    head = AuditHead.from_db(connection.alias, ["id", "seq", "entry_hash"], (1, seq, entry_hash))
    _check_head_names_newest_entry(head, newest_seq, named_hash)
    return head


def _check_head_names_newest_entry(
    head: AuditHead, newest_seq: int | None, named_hash: str | None
) -> None:
    """Refuse to append when the head is not the newest entry.

    Entries beyond the head would collide with the next seq; a head whose entry is gone or
    hashes differently would chain new entries onto a history the log no longer holds.
    """
    if newest_seq is None:
        if head.seq == 0:
            return
        raise AuditLogInconsistent(
            f"the audit head names entry #{head.seq} but the audit log is empty; {RUN_VERIFY}"
        )
    if newest_seq > head.seq:
        raise AuditLogInconsistent(
            f"the audit log holds entries up to #{newest_seq} but its head names #{head.seq}; "
            f"{RUN_VERIFY}"
        )
    if newest_seq < head.seq or named_hash != head.entry_hash:
        raise AuditLogInconsistent(
            f"the audit head names entry #{head.seq}, which the log does not hold as "
            f"recorded (the newest entry is #{newest_seq}); {RUN_VERIFY}"
        )


def ensure_appendable() -> AuditHead:
    """Lock the head and check that nothing already claims the seqs about to be written.

    Beyond `lock_head`: rows in other apps that carry an audit seq (custody events, record
    versions; see audited_rows.py) must not point past the head. They do when the newest
    entries were deleted and the head moved back, and the next write would then collide with
    them. Call it before work that writes such rows (intake, custody events) and before
    recording a verification.
    """
    from sillok.custody.audited_rows import registered_audited_rows

    head = lock_head()
    for rows in registered_audited_rows():
        highest = rows.max_audit_seq()
        if highest is not None and highest > head.seq:
            raise AuditLogInconsistent(
                f"{rows.label} point at audit entry #{highest}, beyond the audit head "
                f"#{head.seq} (entries were removed from the end of the log); {RUN_VERIFY}"
            )
    return head


def check_appendable() -> None:
    """`ensure_appendable` without keeping the lock: a cheap refusal before long work
    (intake stores blobs for minutes before it records them). Raises AuditLogUnusable."""
    with transaction.atomic():
        ensure_appendable()


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
