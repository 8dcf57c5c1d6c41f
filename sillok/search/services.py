"""Search: one box over items and records, for one user, with facets, snippets and a map.

`search()` is the one entry point of the pages, the API, the CLI and saved-search alerts.
Everything it returns (hits, totals, facet counts, snippets, map points) comes from the
documents `user` may see (access.py) and facet values read from records they are cleared
for, so no count or highlight reveals what they may not see. Titles are those the records'
own pages show the user (records/titles.py).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from sillok.records.dates import DateError, parse_fuzzy_date
from sillok.records.kinds import KINDS, KINDS_BY_NAME
from sillok.records.models import ReviewStatus
from sillok.records.titles import visible_titles
from sillok.search import engine
from sillok.search.access import OPERATOR, searchable_documents, visible_facet_values
from sillok.search.facets import (
    FACET_KEYS,
    ROW_FACETS,
    VOCABULARY_OF,
    FacetCount,
    build_facets,
    has_value,
    in_places,
    places_with_ancestors,
    year_range,
)
from sillok.search.highlight import Snippet, make_snippet
from sillok.search.models import IndexQueue, SearchDocument
from sillok.search.query import ParsedQuery, QueryError, parse_query, to_fts5, to_tsquery

__all__ = ["FacetCount", "Hit", "QueryError", "SearchResults", "SemanticUnavailable", "search"]

MAX_LIMIT = 100
# How many keyword and semantic candidates hybrid ranking fuses.
HYBRID_CANDIDATES = 200


class SemanticUnavailable(RuntimeError):
    """Semantic search was asked for but the embedding model or vector index is missing."""


@dataclass
class Hit:
    kind: str
    id: int
    title: str
    snippet: Snippet
    score: float
    part: int
    place_id: int | None
    date_start: date | None
    date_end: date | None
    via: str = "keyword"  # "keyword", "semantic" or "both"

    @property
    def url(self) -> str:
        return object_url(self.kind, self.id)


@dataclass
class SearchResults:
    total: int
    hits: list[Hit]
    facets: dict[str, list[FacetCount]]
    query: ParsedQuery
    places: list[dict] = field(default_factory=list)
    pending: int = 0
    # True when the many-valued facets (violation, institution, victim, source type) were
    # estimated from a sample of the matches (more than SILLOK_SEARCH_FACET_EXACT_LIMIT).
    facets_approximate: bool = False


def object_url(kind: str, object_id: int) -> str:
    """The page a hit opens (which checks access again)."""
    try:
        if kind == "item":
            return reverse("evidence:item", args=[object_id])
        return reverse("records:record", args=[KINDS_BY_NAME[kind].plural, object_id])
    except (KeyError, NoReverseMatch):
        return ""


# --- filters ------------------------------------------------------------------------------


def _kinds(values: Iterable[str]) -> set[str]:
    known: dict[str, str] = {"item": "item", "items": "item"}
    for kind in KINDS:
        for name in (kind.name, kind.plural, str(kind.label), str(kind.label_plural)):
            known[name.lower()] = kind.name
    known[_("Item").lower()] = "item"
    found = set()
    for value in values:
        kind = known.get(value.strip().lower())
        if kind is None:
            names = ", ".join(["item", *(k.name for k in KINDS)])
            raise QueryError(_("Unknown type %(type)s; choose one of: %(names)s") % {
                "type": value, "names": names})  # fmt: skip
        found.add(kind)
    return found


def _statuses(values: Iterable[str]) -> set[str]:
    known = {}
    for choice in ReviewStatus:
        for name in (choice.value, str(choice.label), choice.value.replace("_", "-")):
            known[name.lower()] = choice.value
    found = set()
    for value in values:
        status = known.get(value.strip().lower())
        if status is None:
            names = ", ".join(ReviewStatus.values)
            raise QueryError(_("Unknown status %(status)s; choose one of: %(names)s") % {
                "status": value, "names": names})  # fmt: skip
        found.add(status)
    return found


def _place_ids(values: Iterable[str]) -> set[int]:
    """Places named by id (facet values), code or any name (`place:회령`)."""
    from sillok.records.listing import find_place

    found = set()
    for value in values:
        place = find_place(value)
        if place is None:
            raise QueryError(_("No such place in the gazetteer: %(place)s") % {"place": value})
        found.add(place.pk)
    return found


def _term_codes(facet: str, values: Iterable[str]) -> set[str]:
    """Codes of the terms named (by code or label, either language) and of their narrower
    terms: `violation:torture` finds every kind of torture."""
    from sillok.vocab.models import Term

    terms = Term.objects.filter(vocabulary__slug=VOCABULARY_OF[facet])
    found = set()
    for value in values:
        text = value.strip()
        term = (
            terms.filter(code=text).first()
            or terms.filter(label_en__iexact=text).first()
            or terms.filter(label_ko=text).first()
        )
        if term is None:
            raise QueryError(_("No such term for %(facet)s: %(value)s") % {
                "facet": facet, "value": value})  # fmt: skip
        found |= set(terms.filter(path__startswith=term.path).values_list("code", flat=True))
        found.add(term.code)
    return found


def _date_overlap(text: str) -> Q:
    """Documents whose dates overlap the period typed (`2015`, `2015..2019`, `2015-03`)."""
    try:
        period = parse_fuzzy_date(text)
    except DateError as exc:
        raise QueryError(str(exc)) from None
    if period.start is None and period.end is None:
        raise QueryError(_("A date filter needs a date, like date:2015..2019"))
    condition = Q(date_start__isnull=False)
    if period.end is not None:
        condition &= Q(date_start__lte=period.end)
    if period.start is not None:
        condition &= Q(date_end__gte=period.start) | Q(
            date_end__isnull=True, date_start__gte=period.start
        )
    return condition


def filter_condition(user: Any, parsed: ParsedQuery, filters: dict[str, list[str]]) -> Q:
    """The documents the field filters of the query and the facet selections allow: values
    of one filter are alternatives, different filters all apply."""
    wanted: dict[str, list[str]] = defaultdict(list)
    for field_filter in parsed.filters:
        wanted[field_filter.field].append(field_filter.value)
    condition = Q()
    if wanted.get("type") or filters.get("kind"):
        condition &= Q(kind__in=sorted(_kinds([*wanted["type"], *filters.get("kind", [])])))
    if wanted.get("status") or filters.get("review_status"):
        statuses = _statuses([*wanted["status"], *filters.get("review_status", [])])
        condition &= Q(review_status__in=sorted(statuses))
    for text in wanted.get("date", []):
        condition &= _date_overlap(text)
    if filters.get("period"):
        condition &= year_range(filters["period"])
    for text in wanted.get("place", []):
        condition &= in_places(_place_ids([text]))
    if filters.get("place"):
        condition &= in_places(_place_ids(filters["place"]))
    for text in wanted.get("violation", []):
        condition &= has_value(user, "violation", _term_codes("violation", [text]))
    for key in ROW_FACETS:
        if filters.get(key):
            condition &= has_value(user, key, filters[key])
    return condition


# --- the search -----------------------------------------------------------------------------


def match_expression(parsed: ParsedQuery) -> str | None:
    """The backend's full-text query for the parsed expression (None: filters only)."""
    if parsed.expression is None:
        return None
    from django.db import connection

    if connection.vendor == "postgresql":
        return to_tsquery(parsed.expression)
    return to_fts5(parsed.expression)


def _semantic(
    allowed: QuerySet, matches: engine.MatchSet, parsed: ParsedQuery, want: int
) -> tuple[list[tuple[int, float, str]], int]:
    """Hybrid ranking: (document id, fused score, via) best first, and how many objects the
    semantic side adds to the keyword total."""
    try:
        from sillok.search import semantic
    except ImportError as exc:
        message = _("Semantic search is not available: %(e)s") % {"e": exc}
        raise SemanticUnavailable(message) from None
    keyword = matches.best_passages(max(want, HYBRID_CANDIDATES)) if matches.ranked else []
    try:
        nearest = semantic.semantic_hits(allowed, parsed.text, max(want, HYBRID_CANDIDATES))
    except ImportError as exc:
        message = _("Semantic search is not available: %(e)s") % {"e": exc}
        raise SemanticUnavailable(message) from None
    fused = semantic.fuse(keyword, nearest)
    semantic_only = [doc for doc, _score, via in fused if via == "semantic"]
    rows = SearchDocument.objects.filter(pk__in=semantic_only).values_list("kind", "object_id")
    new = set(rows)
    if matches.ranked:
        new -= matches.objects_of(semantic_only)
    return fused, len(new)


def _page_from_fused(
    fused: list[tuple[int, float, str]], limit: int, offset: int
) -> list[tuple[engine.Match, str]]:
    """One entry per object (its best-ranked passage), the page asked for."""
    rows = {
        row["id"]: row
        for row in SearchDocument.objects.filter(pk__in=[d for d, _s, _v in fused]).values(
            "id", "kind", "object_id", "part", "place_id", "date_start", "date_end"
        )
    }
    seen: dict[tuple[str, int], tuple[engine.Match, str]] = {}
    for document_id, score, via in fused:
        row = rows.get(document_id)
        if row is None:
            continue
        key = (row["kind"], row["object_id"])
        if key in seen:
            match, first_via = seen[key]
            if first_via != via and "both" not in (first_via, via):
                seen[key] = (match, "both")
            continue
        seen[key] = (
            engine.Match(
                document_id=document_id,
                kind=row["kind"],
                object_id=row["object_id"],
                part=row["part"],
                place_id=row["place_id"],
                date_start=row["date_start"],
                date_end=row["date_end"],
                score=score,
            ),
            via,
        )
    return list(seen.values())[offset : offset + limit]


def _titles(user: Any, matches: list[engine.Match]) -> dict[tuple[str, int], str]:
    if user is OPERATOR:
        ids = [m.document_id for m in matches]
        rows = SearchDocument.objects.filter(pk__in=ids).values_list("kind", "object_id", "title")
        return {(kind, pk): title or f"{kind} {pk}" for kind, pk, title in rows}
    by_kind: dict[str, set[int]] = defaultdict(set)
    for match in matches:
        by_kind[match.kind].add(match.object_id)
    titles: dict[tuple[str, int], str] = {}
    for kind, ids in by_kind.items():
        if kind != "item" and kind not in KINDS_BY_NAME:
            continue
        for pk, title in visible_titles(user, kind, ids).items():
            titles[(kind, pk)] = title or _("Item %(id)s") % {"id": pk}
    return titles


def _hits(user: Any, page: list[tuple[engine.Match, str]], parsed: ParsedQuery) -> list[Hit]:
    matches = [match for match, _via in page]
    titles = _titles(user, matches)
    texts = dict(
        SearchDocument.objects.filter(pk__in=[m.document_id for m in matches]).values_list(
            "pk", "text"
        )
    )
    hits = []
    for match, via in page:
        title = titles.get((match.kind, match.object_id))
        if title is None:
            # The object changed since it was indexed (its queue entry is pending) and the
            # user may no longer see it: leave it out rather than show the stale entry.
            continue
        hits.append(
            Hit(
                kind=match.kind,
                id=match.object_id,
                title=title,
                snippet=make_snippet(texts.get(match.document_id, ""), parsed.highlight_terms),
                score=match.score,
                part=match.part,
                place_id=match.place_id,
                date_start=match.date_start,
                date_end=match.date_end,
                via=via,
            )
        )
    return hits


def map_places(counts: dict[int, int]) -> list[dict]:
    """Map points: hits counted at their place, or at the nearest enclosing place that has
    coordinates (a village without any is shown at its county)."""
    places = places_with_ancestors(counts)
    by_code = {place.code: place for place in places.values()}
    points: dict[int, dict] = {}
    for place_id, count in counts.items():
        place = places.get(place_id)
        if place is None:
            continue
        chain = [by_code[c] for c in place.path.strip("/").split("/") if c in by_code]
        located = [p for p in [*chain, place] if p.latitude is not None and p.longitude is not None]
        if not located:
            continue
        where = located[-1]
        point = points.setdefault(
            where.pk,
            {"id": where.pk, "label": where.label, "lat": where.latitude,
             "lon": where.longitude, "count": 0},
        )  # fmt: skip
        point["count"] += count
    return sorted(points.values(), key=lambda p: (-p["count"], p["label"]))


def pending_for(user: Any) -> int:
    """Objects `user` may see that are queued for re-indexing (their entries may be stale):
    counted through the objects' own access rules, so the queue reveals nothing hidden."""
    from sillok.evidence.access import visible_items
    from sillok.records.access import visible_records

    if user is OPERATOR:
        return IndexQueue.objects.count()
    pending = 0
    queued = IndexQueue.objects.values_list("kind", flat=True).distinct()
    for kind in sorted(set(queued)):
        ids = IndexQueue.objects.filter(kind=kind).values("object_id")
        if kind == "item":
            pending += visible_items(user).filter(pk__in=ids).count()
        elif kind in KINDS_BY_NAME:
            pending += visible_records(user, kind).filter(pk__in=ids).count()
    return pending


def search(
    user: Any,
    text: str,
    *,
    filters: dict[str, list[str]] | None = None,
    semantic: bool = False,
    limit: int = 20,
    offset: int = 0,
    facets: bool = True,
) -> SearchResults:
    """The objects matching `text` (words, "phrases", AND/OR/NOT, field filters such as
    type:act place:Hoeryong date:2015..2019) and the facet selections in `filters`, as
    `user` may see them: best first (without words: newest first). QueryError says what is
    wrong with the text."""
    parsed = parse_query(text or "")
    filters = {k: [v for v in vs if v] for k, vs in (filters or {}).items() if k in FACET_KEYS}
    limit = max(0, min(int(limit), MAX_LIMIT))
    offset = max(0, int(offset))
    allowed = searchable_documents(user).filter(filter_condition(user, parsed, filters))
    matches = engine.MatchSet(allowed, match_expression(parsed))
    # One pass over the match set counts everything (without facets: only the total).
    summary = matches.summary(
        visible_facet_values(user) if facets else None,
        exact_limit=settings.SILLOK_SEARCH_FACET_EXACT_LIMIT,
    )
    total = summary.columns.total
    if semantic and parsed.text.strip():
        fused, extra = _semantic(allowed, matches, parsed, offset + limit)
        page = _page_from_fused(fused, limit, offset)
        total += extra
    else:
        page = [(match, "keyword") for match in matches.page(limit, offset)]
    hits = _hits(user, page, parsed)
    facet_counts: dict[str, list[FacetCount]] = {}
    places: list[dict] = []
    if facets:
        facet_counts = build_facets(summary.columns, summary.facets, summary.places)
        places = map_places(summary.places)
    return SearchResults(
        total=total,
        hits=hits,
        facets=facet_counts,
        query=parsed,
        places=places,
        pending=pending_for(user),
        facets_approximate=facets and summary.facet_stride > 1,
    )
