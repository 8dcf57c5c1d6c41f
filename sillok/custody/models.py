"""Custody: the hash-chained audit log, its signed checkpoints, and the record of stored blobs."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class AuditEntry(models.Model):
    """One append-only audit entry.

    `entry_hash` is the SHA-256 of the canonical form of this entry, which includes
    `prev_hash`, the entry_hash of the entry before it: editing, inserting or removing any row
    breaks the chain at that row, and `sillok verify` names it. Rows are never updated or
    deleted by the application (database triggers refuse it, see migrations).
    """

    seq = models.BigIntegerField(unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    actor_id = models.BigIntegerField(null=True, blank=True)
    # A snapshot of the actor's username: the entry must read the same after the user changes.
    actor_name = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=100, db_index=True)
    object_type = models.CharField(max_length=100, blank=True)
    object_id = models.CharField(max_length=100, blank=True)
    details = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64, unique=True)
    entry_hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["seq"]
        verbose_name_plural = "audit entries"
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type}:{self.object_id}"


class AuditHead(models.Model):
    """The single row that names the newest audit entry.

    Created by migration 0003 (and again after a test flush, see apps.py), never by appenders:
    appenders lock this row (SELECT ... FOR UPDATE) for the length of their transaction, so
    concurrent writers in several processes append one after another and never fork the chain.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.BigIntegerField(default=0)
    entry_hash = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"audit head at #{self.seq}"


class AuditCheckpoint(models.Model):
    """A signed statement that the audit chain had `entry_hash` at `seq`.

    The signature covers the canonical statement built from these fields (see
    checkpoints.py); exported copies kept outside the repository let anyone later prove that
    the chain up to `seq` has not been rewritten, even by someone who controls the database.
    Append-only, like the entries (database triggers).
    """

    seq = models.BigIntegerField(unique=True)
    entry_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    # Hex SHA-256 of the raw 32-byte Ed25519 public key: names the key in the signed statement.
    key_fingerprint = models.CharField(max_length=64)
    public_key_pem = models.TextField()
    # Base64 Ed25519 signature over the UTF-8 canonical JSON statement.
    signature = models.CharField(max_length=128)

    class Meta:
        ordering = ["seq"]

    def __str__(self) -> str:
        return f"checkpoint at #{self.seq}"


class Blob(models.Model):
    """The record that content with this SHA-256 was stored (once) in the blob store.

    The blob is written first and recorded after, so a blob may exist without a row (a crash
    in between; `sillok verify` reports it as information) but a row never exists without its
    blob. Append-only (database triggers).
    """

    sha256 = models.CharField(max_length=64, unique=True)
    size = models.BigIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"blob {self.sha256[:12]}… ({self.size} bytes)"


class CheckpointDelivery(models.Model):
    """One checkpoint sent (or still to be sent) to one witness outside this machine.

    The signing key lives beside the database, so an intruder holding both can rewrite the
    chain and re-sign the stored checkpoints; only copies that left the machine catch that.
    A row per (checkpoint, witness) makes delivery idempotent and retried until it succeeds
    (custody/witness.py).
    """

    seq = models.BigIntegerField()
    witness = models.CharField(max_length=500)
    delivered_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["seq", "witness"]
        constraints = [
            models.UniqueConstraint(fields=["seq", "witness"], name="custody_delivery_once")
        ]

    def __str__(self) -> str:
        state = "delivered" if self.delivered_at else "pending"
        return f"checkpoint #{self.seq} to {self.witness}: {state}"


class WitnessedCheckpoint(models.Model):
    """A checkpoint another Sillok repository sent here to be kept (this instance as witness).

    Accepted only when signed by a key listed in SILLOK_WITNESS_FOR; kept as received, never
    changed (database triggers). `sillok witness export` writes them out as checkpoint files
    for `sillok verify --checkpoint DIR` on the repository they came from.
    """

    key_fingerprint = models.CharField(max_length=64)
    seq = models.BigIntegerField()
    entry_hash = models.CharField(max_length=64)
    document = models.JSONField()
    received_at = models.DateTimeField(default=timezone.now)
    received_from = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["key_fingerprint", "seq"]
        constraints = [
            models.UniqueConstraint(
                fields=["key_fingerprint", "seq"], name="custody_witnessed_once"
            )
        ]

    def __str__(self) -> str:
        return f"witnessed checkpoint #{self.seq} of key {self.key_fingerprint[:12]}…"
