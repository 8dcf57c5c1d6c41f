"""The history of every case row: an AssessmentVersion (the whole row, who, when, why) and its
audit entry `assessment.<kind>.<action>`, written together.

`write_version` must be called inside the transaction of the change it records (STYLE rule
3): if the change rolls back, the version and the entry go with it, and no change commits
without both. The caller holds the row locked (or has just created it), so two versions of one
row never race for the same number; the unique constraint would refuse it anyway. Versions are
append-only (migration 0002 installs triggers refusing UPDATE and DELETE) and `sillok verify`
compares each with the digest its audit entry states (assessment/version_audit.py).
"""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
from typing import Any

from django.db import models
from django.db.models import Max, QuerySet

from sillok.assessment.models import AssessmentVersion, CaseFile
from sillok.custody.audit import record_audit
from sillok.custody.canonical import canonical_json

# The kind names of the rows a case holds, as versions and audit entries name them.
KINDS = ("case", "suspect", "charge", "task", "link", "assessment", "pattern")


def _json_value(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    return value


def snapshot(obj: models.Model) -> dict[str, Any]:
    """The whole row as plain JSON: foreign keys as ids, many-to-many as sorted id lists. A
    case file also lists its members (its compartment's members), so adding one is a version."""
    data: dict[str, Any] = {}
    for field in obj._meta.concrete_fields:
        data[field.name] = _json_value(getattr(obj, field.attname))
    for field in obj._meta.many_to_many:
        data[field.name] = sorted(getattr(obj, field.name).values_list("pk", flat=True))
    if isinstance(obj, CaseFile):
        data["members"] = sorted(obj.compartment.members.values_list("pk", flat=True))
    return data


def version_digest(
    *,
    kind: str,
    object_id: int,
    number: int,
    action: str,
    snapshot: dict[str, Any],
    reason: str,
    actor_id: int | None,
) -> str:
    """SHA-256 over the canonical JSON of what a version states; its audit entry holds it."""
    body = canonical_json(
        {
            "kind": kind,
            "object": object_id,
            "number": number,
            "action": action,
            "snapshot": snapshot,
            "reason": reason,
            "actor": actor_id,
        }
    )
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def digest_of(version: AssessmentVersion) -> str:
    return version_digest(
        kind=version.kind,
        object_id=version.object_id,
        number=version.number,
        action=version.action,
        snapshot=version.snapshot,
        reason=version.reason,
        actor_id=version.actor_id,
    )


def case_of(obj: models.Model) -> CaseFile:
    return obj if isinstance(obj, CaseFile) else obj.case


def write_version(
    user: Any, obj: models.Model, kind: str, action: str, *, reason: str = ""
) -> AssessmentVersion:
    """Record the state `obj` is in now as its next version, with its audit entry.

    `kind` is one of KINDS, `action` what happened ("created", "edited", "withdrawn",
    "member_added", "submitted", "confirmed", ...). Call inside the change's transaction."""
    if kind not in KINDS:
        raise ValueError(f"unknown case row kind {kind!r}; one of: {', '.join(KINDS)}")
    case = case_of(obj)
    state = snapshot(obj)
    actor = user if user is not None and getattr(user, "pk", None) else None
    last = AssessmentVersion.objects.filter(kind=kind, object_id=obj.pk).aggregate(
        last=Max("number")
    )["last"]
    number = (last or 0) + 1
    digest = version_digest(
        kind=kind,
        object_id=obj.pk,
        number=number,
        action=action,
        snapshot=state,
        reason=reason,
        actor_id=actor.pk if actor else None,
    )
    entry = record_audit(
        actor,
        f"assessment.{kind}.{action}",
        object_type=f"assessment.{kind}",
        object_id=obj.pk,
        details={
            "case": case.pk,
            "number": number,
            # Lets `sillok verify` prove the version row unchanged (version_audit.py).
            "version_sha256": digest,
        },
    )
    return AssessmentVersion.objects.create(
        kind=kind,
        object_id=obj.pk,
        case=case,
        number=number,
        action=action,
        snapshot=state,
        reason=reason,
        actor=actor,
        created_at=entry.created_at,
        audit_seq=entry.seq,
    )


def versions_of(kind: str, object_id: int) -> QuerySet[AssessmentVersion]:
    """Every version of one row, oldest first (the caller has authorised the case)."""
    return (
        AssessmentVersion.objects.filter(kind=kind, object_id=object_id)
        .select_related("actor")
        .order_by("number")
    )


def case_versions(case: CaseFile) -> QuerySet[AssessmentVersion]:
    """Every version of every row of `case`, oldest first."""
    return (
        AssessmentVersion.objects.filter(case=case)
        .select_related("actor")
        .order_by("created_at", "pk")
    )
