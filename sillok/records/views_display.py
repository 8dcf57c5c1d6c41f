"""How records and their values appear on pages: titles that never name a record the viewer
may not see, references with links, and field values with vocabulary and gazetteer labels in
the active language (the other language beside them).

Everything that names other records goes through `RecordRefs`, which fetches them in bulk
(one query per kind) through `visible_records`: a page never issues one query per row, and a
record the viewer is not cleared for shows as "a record you may not see", never by its title.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext as _

from sillok.records.dates import format_fuzzy_date
from sillok.records.fields import FieldSpec, fields_of, references_of
from sillok.records.kinds import get_kind, reference_of
from sillok.records.titles import safe_title, viewer_levels, visible_titles


def with_related(query: Any, names: Any) -> Any:
    """`query.select_related(*names)`, and nothing when there are none: a bare
    select_related() would follow every foreign key (and is deprecated)."""
    names = tuple(names)
    return query.select_related(*names) if names else query


@dataclass(frozen=True)
class Shown:
    """One value as a page shows it."""

    text: str
    other: str = ""  # the same label in the other language
    ref: str = ""  # "P-12" for records
    url: str = ""
    hidden: bool = False  # a record the viewer may not see
    long: bool = False  # free text: keep its line breaks


def record_url(kind: str, pk: int) -> str:
    return reverse("records:record", args=[get_kind(kind).plural, pk])


def list_url(kind: str) -> str:
    """The list of a kind; a record's page is this plus "<id>/" (page_urls.py), which lets
    a page of a thousand links build its URLs without a thousand reverse() calls."""
    return reverse("records:list", args=[get_kind(kind).plural])


def shown_record(kind: str, record: models.Model, levels: Any, prefix: str = "") -> Shown:
    return Shown(
        safe_title(record, levels),
        ref=reference_of(kind, record.pk),
        url=f"{prefix}{record.pk}/" if prefix else record_url(kind, record.pk),
    )


NOT_VISIBLE = Shown("", hidden=True)


class RecordRefs:
    """Titles of many records (and places and items, the other ends of links) at once: one
    query per kind, through the viewer's permissions."""

    def __init__(self, user: Any) -> None:
        self.user = user
        self.levels = viewer_levels(user)
        self._wanted: dict[str, set[int]] = defaultdict(set)
        self._found: dict[tuple[str, int], Shown] = {}
        self._prefixes: dict[str, str] = {}

    def want(self, kind: str, pk: Any) -> None:
        if pk is not None and (kind, int(pk)) not in self._found:
            self._wanted[kind].add(int(pk))

    def add(self, kind: str, record: models.Model) -> None:
        """A record already fetched (with TITLE_RELATED) by the caller."""
        if kind not in self._prefixes:
            self._prefixes[kind] = list_url(kind)
        self._found[(kind, record.pk)] = shown_record(
            kind, record, self.levels, self._prefixes[kind]
        )

    def load(self) -> RecordRefs:
        for kind, ids in self._wanted.items():
            if kind == "place":
                from sillok.vocab.models import Place

                for place in Place.objects.filter(pk__in=ids).only("pk", "label_en", "label_ko"):
                    self._found[(kind, place.pk)] = Shown(
                        place.label, other=place.other_label, ref=reference_of(kind, place.pk)
                    )
                continue
            if kind not in self._prefixes:
                self._prefixes[kind] = (
                    reverse("evidence:items") if kind == "item" else list_url(kind)
                )
            for pk, title in visible_titles(self.user, kind, ids).items():
                ref = reference_of(kind, pk)
                self._found[(kind, pk)] = Shown(
                    title or ref, ref=ref, url=f"{self._prefixes[kind]}{pk}/"
                )
        self._wanted.clear()
        return self

    def shown(self, kind: str, pk: Any) -> Shown:
        if pk is None:
            return NOT_VISIBLE
        return self._found.get((kind, int(pk)), NOT_VISIBLE)

    def visible(self, kind: str, pk: Any) -> bool:
        return pk is not None and (kind, int(pk)) in self._found


# --- field values ----------------------------------------------------------------------


def related_for_display(kind: str) -> list[str]:
    """The foreign keys a page must select_related to show the fields of `kind` without a
    query per row (terms, places, users; records go through RecordRefs)."""
    return [s.name for s in fields_of(kind) if s.type in {"term", "place", "user", "compartment"}]


def want_refs(kind: str, record: models.Model, refs: RecordRefs, names: list[str]) -> None:
    """Tell `refs` which records the fields `names` of `record` point at."""
    for other_kind, pk in references_of(kind, record, names=names, items=False):
        refs.want(other_kind, pk)


def _choice_label(spec: FieldSpec, value: Any) -> str:
    labels = dict(spec.choices.choices) if spec.choices else {}
    return str(labels.get(value, value))


def _bilingual(obj: Any) -> list[Shown]:
    return [Shown(obj.label, other=obj.other_label)] if obj is not None else []


def shown_value(spec: FieldSpec, record: models.Model, refs: RecordRefs) -> list[Shown]:
    """The value of one field of `record`, ready for a page (empty list: no value)."""
    t = spec.type
    if t == "fuzzy_date":
        text = format_fuzzy_date(record.date_start, record.date_end, record.date_precision)
        return [Shown(text, other=record.get_date_precision_display())] if text else []
    if t == "year_range":
        first, last = record.birth_year_from, record.birth_year_to
        if first is None:
            return []
        return [Shown(str(first) if first == last else f"{first}–{last}")]
    if t == "record":
        pk = getattr(record, f"{spec.name}_id")
        return [] if pk is None else [refs.shown(spec.kind, pk)]
    if t == "ref":
        kind, pk = getattr(record, f"{spec.name}_kind"), getattr(record, f"{spec.name}_id")
        return [refs.shown(kind, pk)]
    if t == "items":
        ids = [item.pk for item in record.items.all()] if record.pk else []
        return [refs.shown("item", pk) for pk in ids]
    value = getattr(record, spec.name)
    if t in {"term", "place"}:
        return _bilingual(value)
    if t == "user":
        return [Shown(value.get_username())] if value is not None else []
    if t == "compartment":
        return [Shown(value.code, other=value.name)] if value is not None else []
    if t == "choice":
        return [Shown(_choice_label(spec, value))] if value not in (None, "") else []
    if t == "choices":
        return [Shown(_choice_label(spec, v)) for v in value or []]
    if t == "bool":
        return [Shown(_("yes") if value else _("no"))]
    if t == "list":
        return [Shown(str(v)) for v in value or []]
    if value in (None, ""):
        return []
    return [Shown(str(value), long=t == "longtext")]


def want_items(kind: str, record: models.Model, refs: RecordRefs) -> None:
    if any(s.type == "items" for s in fields_of(kind)) and record.pk:
        for item in record.items.all():
            refs.want("item", item.pk)


def field_rows(kind: str, record: models.Model, refs: RecordRefs) -> list[dict]:
    """Label and shown values of every field of one record (for the record page)."""
    names = [s.name for s in fields_of(kind)]
    want_refs(kind, record, refs, names)
    want_items(kind, record, refs)
    refs.load()
    return [{"spec": spec, "values": shown_value(spec, record, refs)} for spec in fields_of(kind)]
