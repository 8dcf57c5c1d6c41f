"""A short, read-only picture of the repository for the home page.

Custody grows its models while this page exists, so every model other than the audit log
is looked up by name and read defensively: a missing model or field hides one line of the
page instead of breaking it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.apps import apps
from django.db import DatabaseError


@dataclass(frozen=True)
class RepositoryStatus:
    audit_entries: int
    last_audit_at: datetime | None
    last_checkpoint_at: datetime | None
    last_checkpoint_seq: int | None
    blobs: int | None  # None: the blob store is not part of this version


def _model(label: str):
    try:
        return apps.get_model(label)
    except LookupError:
        return None


def _last_checkpoint() -> tuple[datetime | None, int | None]:
    model = _model("custody.AuditCheckpoint") or _model("custody.Checkpoint")
    if model is None:
        return None, None
    try:
        checkpoint = model.objects.order_by("-pk").first()
    except DatabaseError:  # table not migrated yet
        return None, None
    if checkpoint is None:
        return None, None
    moment = getattr(checkpoint, "created_at", None)
    seq = getattr(checkpoint, "seq", None) or getattr(checkpoint, "audit_seq", None)
    return moment, seq


def _blob_count() -> int | None:
    model = _model("custody.Blob")
    if model is None:
        return None
    try:
        return model.objects.count()
    except DatabaseError:
        return None


def repository_status() -> RepositoryStatus:
    from sillok.custody.models import AuditEntry

    last = AuditEntry.objects.order_by("-seq").values_list("created_at", flat=True).first()
    checkpoint_at, checkpoint_seq = _last_checkpoint()
    return RepositoryStatus(
        audit_entries=AuditEntry.objects.count(),
        last_audit_at=last,
        last_checkpoint_at=checkpoint_at,
        last_checkpoint_seq=checkpoint_seq,
        blobs=_blob_count(),
    )
