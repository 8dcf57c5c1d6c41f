"""Facets: what they are called, how their values are labelled, and how a selected value
becomes a filter on the documents.

Kind, review status and period are columns of the document; the other facets are rows of
`SearchFacetValue`, each with the clearance of the record it was read from: a selection
matches an object only through values the user is cleared for, exactly as the counts do.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sillok.records.corroboration import Bucket
from sillok.records.kinds import KINDS, KINDS_BY_NAME
from sillok.records.models import ReviewStatus
from sillok.search.access import facet_value_filter
from sillok.search.models import Facet, SearchFacetValue

# Facets in the order pages show them.
FACET_KEYS = (
    "kind",
    "review_status",
    "period",
    "violation",
    "place",
    "institution",
    "victim_sex",
    "victim_age",
    "source_type",
    "corroboration",
)
# Places are counted from the documents' own place column and the gazetteer hierarchy
# (exact object counts per subtree); the other many-valued facets from facet rows.
ROW_FACETS = {choice.value for choice in Facet} - {"place"}
# The vocabulary whose term codes a facet's values are.
VOCABULARY_OF = {
    "violation": "violations",
    "institution": "institutions",
    "source_type": "source_types",
}
VALUE_LABELS = {
    "victim_sex": {
        "female": gettext_lazy("Female"),
        "male": gettext_lazy("Male"),
        "other": gettext_lazy("Other"),
        "unknown": gettext_lazy("Unknown"),
    },
    # The same words as the record lists' filter.
    "corroboration": dict(Bucket.choices),
    "victim_age": {
        "child": gettext_lazy("Under 18"),
        "adult": gettext_lazy("18 to 59"),
        "older": gettext_lazy("60 and over"),
        "unknown": gettext_lazy("Unknown"),
    },
}


@dataclass
class FacetCount:
    value: str
    label: str
    count: int
    parent: str | None = None


def facet_title(key: str) -> str:
    titles = {
        "kind": _("Type"),
        "review_status": _("Review status"),
        "period": _("Period"),
    }
    if key in titles:
        return titles[key]
    return str(Facet(key).label)


def kind_label(name: str) -> str:
    if name == "item":
        return _("Item")
    kind = KINDS_BY_NAME.get(name)
    return str(kind.label) if kind else name


def kind_names() -> list[str]:
    return ["item", *(kind.name for kind in KINDS)]


def status_label(value: str) -> str:
    try:
        return str(ReviewStatus(value).label)
    except ValueError:
        return value


def term_labels(vocabulary: str, codes: Iterable[str]) -> dict[str, str]:
    from sillok.vocab.models import Term

    codes = set(codes)
    if not codes:
        return {}
    terms = Term.objects.filter(vocabulary__slug=vocabulary, code__in=set(codes))
    return {term.code: term.label for term in terms.only("code", "label_en", "label_ko")}


def place_info(ids: Iterable[int]) -> dict[int, Any]:
    from sillok.vocab.models import Place

    fields = ("pk", "code", "label_en", "label_ko", "parent_id", "latitude", "longitude", "path")
    return {place.pk: place for place in Place.objects.filter(pk__in=set(ids)).only(*fields)}


def _sorted(counts: list[FacetCount]) -> list[FacetCount]:
    return sorted(counts, key=lambda c: (-c.count, c.label, c.value))


def places_with_ancestors(ids: Iterable[int]) -> dict[int, Any]:
    """The places `ids` and every place enclosing them (gazetteer paths are of codes)."""
    from sillok.vocab.models import Place

    ids = set(ids)
    if not ids:
        return {}
    places = place_info(ids)
    codes = {c for p in places.values() for c in p.path.strip("/").split("/") if c}
    fields = ("pk", "code", "label_en", "label_ko", "parent_id", "latitude", "longitude", "path")
    for place in Place.objects.filter(code__in=codes).only(*fields):
        places[place.pk] = place
    return places


def place_facet(place_counts: dict[int, int]) -> list[FacetCount]:
    """Objects per place, each counted at its own place and at every place enclosing it.
    An object has one place, so the sums over a subtree count distinct objects."""
    places = places_with_ancestors(place_counts)
    by_code = {place.code: place for place in places.values()}
    totals: dict[int, int] = defaultdict(int)
    for place_id, count in place_counts.items():
        place = places.get(place_id)
        if place is None:
            continue
        chain = {by_code[c].pk for c in place.path.strip("/").split("/") if c in by_code}
        for pk in chain | {place_id}:
            totals[pk] += count
    return [
        FacetCount(
            str(pk),
            places[pk].label,
            n,
            str(places[pk].parent_id) if places[pk].parent_id else None,
        )
        for pk, n in totals.items()
    ]


def build_facets(
    columns: Any, rows: dict[str, dict[str, int]], place_counts: dict[int, int]
) -> dict[str, list[FacetCount]]:
    """FacetCount lists for every facet key from the engine's counts (labels in the active
    language; places with their parent's id, for a hierarchy)."""
    facets: dict[str, list[FacetCount]] = {}
    facets["kind"] = _sorted(
        [FacetCount(k, kind_label(k), n) for k, n in columns.kind.items() if n]
    )
    facets["review_status"] = _sorted(
        [FacetCount(s, status_label(s), n) for s, n in columns.review_status.items() if n]
    )
    # Periods read chronologically, newest first.
    facets["period"] = [
        FacetCount(year, year, n) for year, n in sorted(columns.period.items(), reverse=True)
    ]
    for key in (*sorted(ROW_FACETS), "place"):
        values = rows.get(key, {})
        if key in VOCABULARY_OF:
            labels = term_labels(VOCABULARY_OF[key], values)
            counts = [FacetCount(v, labels.get(v, v), n) for v, n in values.items()]
        elif key == "place":
            counts = place_facet(place_counts)
        else:
            labels = VALUE_LABELS.get(key, {})
            counts = [FacetCount(v, str(labels.get(v, v)), n) for v, n in values.items()]
        facets[key] = _sorted(counts)
    return {key: facets.get(key, []) for key in FACET_KEYS}


def has_value(user: Any, facet: str, values: Iterable[str]) -> Q:
    """Documents whose object has one of `values` for a many-valued `facet`, read from a
    record `user` is cleared for."""
    rows = SearchFacetValue.objects.filter(
        facet_value_filter(user),
        facet=facet,
        value__in=sorted(set(values)),
        # Every passage of an object carries its facet rows (store.py).
        document=OuterRef("pk"),
    )
    return Q(Exists(rows))


def in_places(place_ids: Iterable[int]) -> Q:
    """Documents at one of the places or anywhere within them."""
    from sillok.vocab.models import Place

    paths = list(Place.objects.filter(pk__in=set(place_ids)).values_list("path", flat=True))
    if not paths:
        return Q(pk__in=[])
    within = Q()
    for path in paths:
        within |= Q(path__startswith=path)
    return Q(place_id__in=Place.objects.filter(within).values("pk"))


def year_range(years: Iterable[str]) -> Q:
    """Documents whose start date falls in one of `years` (the period facet)."""
    condition = Q(pk__in=[])
    for year in years:
        if year.isdigit() and 1 <= int(year) <= 9999:
            y = int(year)
            condition |= Q(date_start__gte=date(y, 1, 1), date_start__lte=date(y, 12, 31))
    return condition
