"""One shape for a record as the API and the CLI show it (the read side, like
evidence/queries.py): every field in the raw form that `clean_values` reads back, with the
terms, places, users and records it names spelled out, and only what the reader may see.

A reference to another record, item or place carries a title only when the reader may see
it: an act may be less sensitive than its victim, and the victim's name must not leak
through the act. Lists are shaped in a fixed number of queries (one per kind referred to),
whatever their length.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from django.db.models import Model, QuerySet

from sillok.custody.canonical import format_time
from sillok.records.dates import format_fuzzy_date
from sillok.records.fields import FieldSpec, fields_of, references_of
from sillok.records.kinds import get_kind, kind_of, reference, reference_of
from sillok.records.models import RecordVersion
from sillok.records.titles import TITLE_RELATED, safe_title, viewer_levels, visible_titles


def list_related(kind: str) -> tuple[list[str], list[str]]:
    """(select_related, prefetch_related) paths that let `records_as_dicts` shape a page of
    records of `kind` without a query per record."""
    name = get_kind(kind).name
    joined = ["reviewer", "created_by"]
    prefetched = []
    for spec in fields_of(name):
        if spec.type in {"term", "place", "user", "compartment"}:
            joined.append(spec.name)
        elif spec.type == "items":
            prefetched.append(spec.name)
    joined += TITLE_RELATED.get(name, ())
    return list(dict.fromkeys(joined)), prefetched


class References:
    """Titles of the records, items and places that some records name, fetched once per kind
    for those `user` may see; a reference to anything else keeps its id and no title."""

    def __init__(self, user: Any, refs: Iterable[tuple[str, int]]) -> None:
        by_kind: dict[str, set[int]] = defaultdict(set)
        for kind, pk in refs:
            by_kind[kind].add(int(pk))
        self.titles: dict[tuple[str, int], str] = {}
        for kind, ids in by_kind.items():
            for pk, title in visible_titles(user, kind, ids).items():
                self.titles[(kind, pk)] = title

    def visible(self, kind: str, pk: int) -> bool:
        return (kind, pk) in self.titles

    def describe(self, kind: str, pk: int) -> dict[str, Any]:
        return {
            "reference": reference_of(kind, pk),
            "kind": kind,
            "id": pk,
            "title": self.titles.get((kind, pk)),
        }


def _item_ids(record: Model, spec: FieldSpec) -> list[int]:
    return sorted(item.pk for item in getattr(record, spec.name).all())


def term_value(term: Any) -> dict[str, Any] | None:
    if term is None:
        return None
    return {"code": term.code, "label_en": term.label_en, "label_ko": term.label_ko}


def place_value(place: Any) -> dict[str, Any] | None:
    if place is None:
        return None
    return {"code": place.code, "name_en": place.label_en, "name_ko": place.label_ko}


def _raw(spec: FieldSpec, record: Model, refs: References) -> Any:
    t = spec.type
    if t == "fuzzy_date":
        text = format_fuzzy_date(record.date_start, record.date_end, record.date_precision)
        return text or None
    if t == "year_range":
        first, last = record.birth_year_from, record.birth_year_to
        if first is None:
            return None
        return str(first) if last in (None, first) else f"{first}..{last}"
    if t == "ref":
        kind, pk = getattr(record, f"{spec.name}_kind"), getattr(record, f"{spec.name}_id")
        return refs.describe(kind, pk)
    if t == "record":
        pk = getattr(record, f"{spec.name}_id")
        if pk is None:
            return None
        described = refs.describe(spec.kind, pk)
        return {"reference": described["reference"], "id": pk, "title": described["title"]}
    if t == "items":
        return [pk for pk in _item_ids(record, spec) if refs.visible("item", pk)]
    value = getattr(record, spec.name)
    if t == "term":
        return term_value(value)
    if t == "place":
        return place_value(value)
    if t == "user":
        return value.get_username() if value is not None else None
    if t == "compartment":
        return value.code if value is not None else None
    if t == "date":
        return value.isoformat() if value else None
    return value


def _username(user: Any) -> str | None:
    return user.get_username() if user is not None else None


def _shape(record: Model, kind: str, refs: References, title: str) -> dict[str, Any]:
    withdrawn = None
    if record.withdrawn_at is not None:
        withdrawn = {"at": format_time(record.withdrawn_at), "reason": record.withdrawn_reason}
    return {
        "id": record.pk,
        "reference": reference(record),
        "kind": kind,
        "title": title,
        "values": {spec.name: _raw(spec, record, refs) for spec in fields_of(kind)},
        "review_status": record.review_status,
        "reviewer": _username(record.reviewer),
        "sensitivity": record.sensitivity,
        "revision": record.revision,
        "created_at": format_time(record.created_at),
        "created_by": _username(record.created_by),
        "updated_at": format_time(record.updated_at),
        "withdrawn": withdrawn,
    }


def records_as_dicts(user: Any, records: Sequence[Model] | QuerySet) -> list[dict[str, Any]]:
    """The records (all of one kind, loaded with `list_related`) as the API shows them."""
    records = list(records)
    if not records:
        return []
    kind = kind_of(records[0]).name
    refs = References(user, (ref for record in records for ref in references_of(kind, record)))
    levels = viewer_levels(user)
    return [_shape(record, kind, refs, safe_title(record, levels)) for record in records]


def record_as_dict(user: Any, record: Model) -> dict[str, Any]:
    return records_as_dicts(user, [record])[0]


def version_dict(version: RecordVersion) -> dict[str, Any]:
    """One version as a history list shows it (not its content: see the version itself)."""
    return {
        "number": version.number,
        "action": version.action,
        "actor": version.actor.get_username() if version.actor_id else None,
        "created_at": format_time(version.created_at),
        "reason": version.reason,
    }
