"""The record kinds, by the names used in URLs, the API, the CLI, links and history."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _

from sillok.records.dates import format_fuzzy_date
from sillok.records.models import (
    Act,
    Event,
    Information,
    Involvement,
    Link,
    Organization,
    Person,
    Source,
    Testimony,
)


@dataclass(frozen=True)
class RecordKind:
    name: str  # singular, as in links and history: "person"
    plural: str  # as in URLs and the CLI: "persons"
    model: type[models.Model]
    label: object
    label_plural: object
    prefix: str  # short reference prefix shown to users: P-12


KINDS: tuple[RecordKind, ...] = (
    RecordKind("testimony", "testimonies", Testimony, _("Testimony"), _("Testimonies"), "T"),
    RecordKind("event", "events", Event, _("Event"), _("Events"), "E"),
    RecordKind("act", "acts", Act, _("Act"), _("Acts"), "A"),
    RecordKind(
        "involvement", "involvements", Involvement, _("Involvement"), _("Involvements"), "V"
    ),
    RecordKind("person", "persons", Person, _("Person"), _("Persons"), "P"),
    RecordKind(
        "organization", "organizations", Organization, _("Organization"), _("Organizations"), "O"
    ),
    RecordKind("source", "sources", Source, _("Source"), _("Sources"), "S"),
    RecordKind("information", "information", Information, _("Information"), _("Information"), "I"),
    RecordKind("link", "links", Link, _("Link"), _("Links"), "L"),
)
KINDS_BY_NAME = {kind.name: kind for kind in KINDS}
KINDS_BY_PLURAL = {kind.plural: kind for kind in KINDS}
# Ends of a link: any record kind but a link, plus gazetteer places and evidence items.
LINKABLE_KINDS = tuple(k.name for k in KINDS if k.name != "link") + ("place", "item")


class UnknownKind(LookupError):
    def __init__(self, name: str) -> None:
        names = ", ".join(k.plural for k in KINDS)
        super().__init__(f"unknown record kind {name!r}; choose one of: {names}")


def get_kind(name: str) -> RecordKind:
    """The kind called `name`, singular or plural."""
    kind = KINDS_BY_NAME.get(name) or KINDS_BY_PLURAL.get(name)
    if kind is None:
        raise UnknownKind(name)
    return kind


def kind_of(record: models.Model) -> RecordKind:
    for kind in KINDS:
        if isinstance(record, kind.model):
            return kind
    raise UnknownKind(type(record).__name__)


def reference(record: models.Model) -> str:
    """The short reference users quote: "P-12", "E-3"."""
    return f"{kind_of(record).prefix}-{record.pk}"


def reference_of(kind: str, pk: int) -> str:
    """The reference users type for anything a link may join: P-12 for records, X-5 for
    evidence items, place:7 for gazetteer places."""
    if kind in KINDS_BY_NAME:
        return f"{KINDS_BY_NAME[kind].prefix}-{pk}"
    if kind == "item":
        return f"X-{pk}"
    return f"{kind}:{pk}"


def title_of(record: models.Model) -> str:
    """A one-line title that names no other record: safe to show anyone who may see `record`
    itself (exports, logs, anything without a viewer). An act's victim, an involvement's
    perpetrator or unit and an information's source may be more sensitive than the record
    that names them; titles.safe_title adds their names for a viewer cleared for them."""
    for attribute in ("title", "name"):
        value = getattr(record, attribute, None)
        if value:
            return str(value)
    if isinstance(record, Act):
        when = format_fuzzy_date(record.date_start, record.date_end, record.date_precision)
        label = str(record.violation_type.label)
        return f"{label} ({when})" if when else label
    if isinstance(record, Involvement):
        degree = record.degree.label if record.degree_id else "?"
        return f"{degree} — {reference_of('act', record.act_id)}"
    if isinstance(record, Information):
        source = reference_of("source", record.source_id)
        return f"{record.get_connection_display()} — {source}"
    if isinstance(record, Link):
        return f"{record.relation.label}"
    return reference(record)
