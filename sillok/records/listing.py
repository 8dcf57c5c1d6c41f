"""Filtering lists of records, for the pages, the API and the CLI alike: text (any spelling of
a person's name, titles, names and descriptions, the names of related records, a reference
like A-12), review status, sensitivity, violation type with its sub-types, place with the
places below it, dates that overlap a period, a person's status, a link's relation, how well
an act or event is corroborated (counted from what the user may see:
records/corroboration_store.py), and withdrawn records only when asked for. Always within
what the user may see (records/access.py: a link only when both of its ends are visible).

Filters that go through another record (events by the violation types of their acts,
persons by the acts they suffered, acts by their victim's name) look only at records the
user may see, so a list cannot reveal what a hidden record is about.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from sillok.core.sensitivity import Sensitivity
from sillok.records.access import visible_records
from sillok.records.corroboration import BUCKETS
from sillok.records.corroboration import KINDS as CORROBORATION_KINDS
from sillok.records.corroboration_store import filter_by_bucket
from sillok.records.dates import DateError, parse_fuzzy_date
from sillok.records.fields import FieldError, parse_reference
from sillok.records.kinds import RecordKind, get_kind
from sillok.records.models import DatedRecord, PersonStatus, ReviewStatus
from sillok.records.names import persons_named
from sillok.vocab.models import Place
from sillok.vocab.queries import search_places, subtree, term_by_code

# Text searched by `q` in the records themselves (persons: every spelling of the name too).
TEXT_FIELDS = ("title", "name", "name_ko", "summary", "description", "comment")
# The place field of each kind that has one (persons: where they come from).
PLACE_FIELDS = {
    "event": "place",
    "act": "place",
    "testimony": "place",
    "organization": "place",
    "person": "origin",
}
# Acts by their violation type; events and persons through their acts.
VIOLATION_KINDS = {"act", "event", "person"}
CORROBORATED_KINDS = set(CORROBORATION_KINDS)


class FilterError(ValueError):
    """A filter value that cannot be used; `field` names the filter."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True)
class RecordFilters:
    q: str = ""
    review_status: str = ""
    sensitivity: str = ""
    violation_type: str = ""
    place: str = ""  # a gazetteer code, id or any name
    date_from: str = ""
    date_to: str = ""
    status: str = ""  # persons
    relation: str = ""  # links: a relation type code
    corroboration: str = ""  # acts and events: none, single_source or corroborated
    include_withdrawn: bool = False


# The filters that narrow a list, in the order they apply.
FILTER_NAMES = tuple(f.name for f in fields(RecordFilters) if f.name != "include_withdrawn")


def filters_of(kind: RecordKind) -> tuple[str, ...]:
    """The filters (fields of RecordFilters besides include_withdrawn) that apply to `kind`."""
    names = ["q", "review_status", "sensitivity"]
    if kind.name in VIOLATION_KINDS:
        names.append("violation_type")
    if kind.name in PLACE_FIELDS:
        names.append("place")
    if issubclass(kind.model, DatedRecord):
        names += ["date_from", "date_to"]
    if kind.name == "person":
        names.append("status")
    if kind.name == "link":
        names.append("relation")
    if kind.name in CORROBORATED_KINDS:
        names.append("corroboration")
    return tuple(names)


# --- text --------------------------------------------------------------------------------


def text_search(user: Any, kind: str, query: QuerySet, text: str) -> QuerySet:
    """Records of `query` (of `kind`) matching `text`: a reference ("A-12"), a person's name
    in any spelling (Hangul, Revised Romanization, McCune–Reischauer, aliases), the record's
    own title, name or description, or the names of the records and terms it points at."""
    try:
        ref_kind, pk = parse_reference(text)
    except FieldError:
        pass
    else:
        if ref_kind == kind:
            return query.filter(pk=pk)
    if kind == "person":
        # Any spelling from the start of a name form, or any part of the name as written.
        return persons_named(query, text) | query.filter(name__icontains=text)
    own = {f.name for f in get_kind(kind).model._meta.get_fields()}
    condition = _related_text(user, kind, text)
    for field in TEXT_FIELDS:
        if field in own:
            condition |= Q(**{f"{field}__icontains": text})
    return query.filter(condition)


def _related_text(user: Any, kind: str, text: str) -> Q:
    """Records whose related records or terms are named `text`. Related records match only
    among those `user` may see: a search must not tell whose name an invisible victim has."""

    def persons() -> QuerySet:
        return persons_named(visible_records(user, "person"), text).values("pk")

    if kind == "act":
        return (
            Q(victim__in=persons())
            | Q(violation_type__label_en__icontains=text)
            | Q(violation_type__label_ko__icontains=text)
        )
    if kind == "involvement":
        units = visible_records(user, "organization").filter(
            Q(name__icontains=text) | Q(name_ko__icontains=text)
        )
        return Q(perpetrator__in=persons()) | Q(organization__in=units.values("pk"))
    if kind == "information":
        sources = visible_records(user, "source").filter(name__icontains=text)
        return Q(source__in=sources.values("pk"))
    if kind == "link":
        return Q(relation__label_en__icontains=text) | Q(relation__label_ko__icontains=text)
    return Q()


# --- the other filters ---------------------------------------------------------------------


def _choice(field: str, value: str, allowed: list[str]) -> str:
    if value not in allowed:
        message = _("must be one of %(allowed)s; got %(value)s")
        raise FilterError(field, message % {"allowed": ", ".join(allowed), "value": value})
    return value


def _violation(user: Any, query: QuerySet, kind: RecordKind, code: str) -> QuerySet:
    term = term_by_code("violations", code)
    if term is None:
        raise FilterError("violation_type", _("No such violation type: %(code)s") % {"code": code})
    terms = subtree(term)
    if kind.name == "act":
        return query.filter(violation_type__in=terms)
    acts = visible_records(user, "act").filter(violation_type__in=terms, withdrawn_at__isnull=True)
    field = "event_id" if kind.name == "event" else "victim_id"
    return query.filter(pk__in=acts.values(field))


def find_place(text: str) -> Place | None:
    """The gazetteer place `text` names: its code, its id, or any of its names."""
    text = text.strip()
    place = Place.objects.filter(code=text).first()
    if place is None and text.isdigit():
        place = Place.objects.filter(pk=int(text)).first()
    if place is None:
        found = search_places(text, limit=1)
        place = found[0] if found else None
    return place


def _place(query: QuerySet, kind: RecordKind, text: str) -> QuerySet:
    place = find_place(text)
    if place is None:
        raise FilterError("place", _("No such place in the gazetteer: %(place)s") % {"place": text})
    return query.filter(**{f"{PLACE_FIELDS[kind.name]}__path__startswith": place.path})


def _bound(field: str, text: str) -> Any:
    try:
        parsed = parse_fuzzy_date(text)
    except DateError as exc:
        raise FilterError(field, str(exc)) from None
    # "from 2015" starts on 2015-01-01, "until 2015" ends on 2015-12-31.
    return (parsed.start or parsed.end) if field == "date_from" else (parsed.end or parsed.start)


def _date_from(query: QuerySet, text: str) -> QuerySet:
    """Records whose [date_start, date_end] overlaps the period from `text` on: those ending
    on or after it, or with an open end (which lies on that side). A record without any
    date matches no period."""
    start = _bound("date_from", text)
    if start is None:  # "unknown": no bound on this side
        return query.exclude(date_start__isnull=True, date_end__isnull=True)
    return query.filter(Q(date_end__gte=start) | Q(date_end__isnull=True, date_start__isnull=False))


def _date_to(query: QuerySet, text: str) -> QuerySet:
    """The other side of `_date_from`: records beginning on or before the end of `text`, or
    with an open start."""
    end = _bound("date_to", text)
    if end is None:
        return query.exclude(date_start__isnull=True, date_end__isnull=True)
    return query.filter(Q(date_start__lte=end) | Q(date_start__isnull=True, date_end__isnull=False))


def _relation(query: QuerySet, code: str) -> QuerySet:
    if term_by_code("relation_types", code) is None:
        raise FilterError("relation", _("No such relation type: %(code)s") % {"code": code})
    return query.filter(relation__code=code)


# Filters whose value is one of a fixed set of codes.
CHOICES = {
    "review_status": ReviewStatus.values,
    "sensitivity": Sensitivity.values,
    "status": PersonStatus.values,
}


def _narrow(user: Any, query: QuerySet, kind: RecordKind, name: str, value: str) -> QuerySet:
    if name not in filters_of(kind):
        message = _("%(kinds)s cannot be filtered by %(filter)s")
        raise FilterError(name, message % {"kinds": kind.plural, "filter": name})
    if name == "q":
        return text_search(user, kind.name, query, value)
    if name in CHOICES:
        return query.filter(**{name: _choice(name, value, list(CHOICES[name]))})
    if name == "violation_type":
        return _violation(user, query, kind, value)
    if name == "place":
        return _place(query, kind, value)
    if name == "date_from":
        return _date_from(query, value)
    if name == "date_to":
        return _date_to(query, value)
    if name == "corroboration":
        return filter_by_bucket(user, kind.name, query, _choice(name, value, list(BUCKETS)))
    return _relation(query, value)


def filter_records(
    user: Any,
    kind: RecordKind,
    filters: RecordFilters,
    *,
    errors: dict[str, str] | None = None,
) -> QuerySet:
    """The records of `kind` that `user` may see and that match `filters`, newest first.

    A filter that cannot be applied (a bad value, or one that does not apply to `kind`)
    raises FilterError naming it; with `errors` given it is instead recorded there
    ({filter: message}) and left out, and the other filters still apply (a page shows the
    list with the message beside the filter)."""
    query = visible_records(user, kind)
    if not filters.include_withdrawn:
        query = query.filter(withdrawn_at__isnull=True)
    for name in FILTER_NAMES:
        value = getattr(filters, name).strip()
        if not value:
            continue
        try:
            query = _narrow(user, query, kind, name, value)
        except FilterError as exc:
            if errors is None:
                raise
            errors[exc.field] = exc.message
    return query.order_by("-pk")
