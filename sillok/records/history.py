"""Snapshots of records for their history, differences between two versions, and which
snapshot fields a restore puts back."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import models

from sillok.records.fields import fields_of
from sillok.records.kinds import kind_of

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
