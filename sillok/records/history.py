"""Snapshots of records for their history, differences between two versions, which snapshot
fields a restore puts back, and which versions a reader may see (pages, API and CLI alike).

Every version of a record the reader may see is listed (who, when, what, why), but the
content of a version is shown only to a reader cleared for the sensitivity and compartment
the record had then (accounts/clearance.py): a record made less sensitive after redaction, or
moved out of a compartment, must not show its earlier content. Such
a version is "withheld": reading or restoring it answers not found, and the version after it
is compared with nothing (`previous_withheld`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import models

from sillok.accounts.clearance import Clearance
from sillok.records.fields import fields_of
from sillok.records.kinds import kind_of
from sillok.records.models import RecordVersion

# Bookkeeping that a restore never puts back (it belongs to the life of the record).
BOOKKEEPING = {
    "id",
    "revision",
    "created_at",
    "created_by",
    "updated_at",
    "review_status",
    "reviewer",
    "withdrawn_at",
    "withdrawn_reason",
    "romanizations",
}


def _json_value(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def snapshot(record: models.Model) -> dict[str, Any]:
    """The whole record as plain JSON: foreign keys as ids, many-to-many as sorted id lists."""
    data: dict[str, Any] = {}
    for field in record._meta.concrete_fields:
        data[field.name] = _json_value(getattr(record, field.attname))
    for field in record._meta.many_to_many:
        if record.pk is not None:
            data[field.name] = sorted(getattr(record, field.name).values_list("pk", flat=True))
    return data


def content_fields(kind: str) -> list[str]:
    """The snapshot keys that hold what users wrote (what a restore brings back)."""
    names: list[str] = []
    for spec in fields_of(kind):
        if spec.type == "fuzzy_date":
            names += ["date_start", "date_end", "date_precision"]
        elif spec.type == "year_range":
            names += ["birth_year_from", "birth_year_to"]
        elif spec.type == "ref":
            names += [f"{spec.name}_kind", f"{spec.name}_id"]
        else:
            names.append(spec.name)
    return names


@dataclass(frozen=True)
class Change:
    field: str
    before: Any
    after: Any


def diff(before: dict[str, Any] | None, after: dict[str, Any]) -> list[Change]:
    """The fields that differ between two snapshots (all of them for the first version)."""
    before = before or {}
    keys = list(dict.fromkeys([*before, *after]))
    return [
        Change(key, before.get(key), after.get(key))
        for key in keys
        if key not in {"revision", "updated_at"} and before.get(key) != after.get(key)
    ]


def restorable_values(record: models.Model, old: dict[str, Any]) -> dict[str, Any]:
    """Model values (attnames for foreign keys) that make `record` what `old` recorded."""
    kind = kind_of(record).name
    values: dict[str, Any] = {}
    for name in content_fields(kind):
        if name not in old:
            continue
        field = record._meta.get_field(name)
        if field.many_to_many:
            values[name] = list(old[name] or [])
        elif field.is_relation:
            values[field.attname] = old[name]
        elif isinstance(field, models.DateField) and old[name]:
            values[name] = dt.date.fromisoformat(old[name])
        else:
            values[name] = old[name]
    return values


# --- versions a reader may see ---------------------------------------------------------------


def visible_versions(user: Any, record: models.Model) -> list[RecordVersion]:
    """Every version of `record` (which the caller has fetched through access_record), oldest
    first, each marked `withheld` when `user` is not cleared for its content."""
    versions = list(
        RecordVersion.objects.filter(kind=kind_of(record).name, record_id=record.pk)
        .select_related("actor")
        .order_by("number")
    )
    clearance = Clearance(user)
    for version in versions:
        version.withheld = not _cleared_for(clearance, version)
    return versions


def _cleared_for(clearance: Clearance, version: RecordVersion) -> bool:
    snapshot = version.snapshot
    return clearance.allows(snapshot.get("sensitivity"), snapshot.get("compartment"))


def version_for(user: Any, record: models.Model, number: int) -> RecordVersion | None:
    """Version `number` of `record` if it exists and `user` is cleared for its content;
    None for missing and withheld alike."""
    version = (
        RecordVersion.objects.filter(kind=kind_of(record).name, record_id=record.pk)
        .filter(number=number)
        .select_related("actor")
        .first()
    )
    if version is None or not _cleared_for(Clearance(user), version):
        return None
    return version


@dataclass(frozen=True)
class VersionChanges:
    """One version, the version before it when the reader may see it, and what changed."""

    version: RecordVersion
    previous: RecordVersion | None
    previous_withheld: bool
    changes: list[Change]


def version_changes(user: Any, record: models.Model, number: int) -> VersionChanges | None:
    """Version `number` compared with the one before; None when `version_for` finds none.
    When `user` may not see the version before, every field counts as changed from nothing."""
    version = version_for(user, record, number)
    if version is None:
        return None
    previous = version_for(user, record, number - 1) if number > 1 else None
    return VersionChanges(
        version,
        previous,
        number > 1 and previous is None,
        diff(previous.snapshot if previous else None, version.snapshot),
    )
