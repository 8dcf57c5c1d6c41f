"""`GET /api/v1/search`: the search box over items and records, as the caller may see them.

Thin: parameters in, services.search() with the caller's permissions, results out. A query
the parser cannot read answers 400 with what is wrong; a user with no role gets an empty
answer (as the lists of items and records give), never a count of what they may not see.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from sillok.search.access import NO_SEARCH, may_search
from sillok.search.facets import FACET_KEYS
from sillok.search.services import MAX_LIMIT, QueryError, SemanticUnavailable, search

router = Router(tags=["search"])


class ErrorOut(Schema):
    detail: str = Field(..., examples=["unclosed quote"])


class SearchIn(Schema):
    q: str = Field("", description="words, \"phrases\", AND/OR/NOT, field filters such as "
                   "type:act place:Hoeryong date:2015..2019 status:reviewed violation:torture",
                   max_length=1000)  # fmt: skip
    type: list[str] = Field([], description="kinds: item, testimony, event, act, person...")
    status: list[str] = Field([], description="review status: draft, in_review, reviewed")
    place: list[str] = Field([], description="place ids (facet values); places within count")
    violation: list[str] = Field([], description="violation type codes (facet values)")
    institution: list[str] = Field([], description="perpetrator institution codes")
    victim_sex: list[str] = Field([], description="female, male...")
    victim_age: list[str] = Field([], description="child, adult...")
    source_type: list[str] = Field([], description="source type codes")
    corroboration: list[str] = Field(
        [], description="acts and events: none, single_source, corroborated"
    )
    period: list[str] = Field([], description="years of the start date, e.g. 2015")
    date: str = Field("", description="dates overlapping, e.g. 2015..2019", max_length=100)
    semantic: bool = Field(False, description="add semantic, cross-lingual matches")
    limit: int = Field(20, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0, le=10_000)


class SnippetOut(Schema):
    text: str
    highlights: list[list[int]] = Field(..., description="[start, end) offsets into text")


class HitOut(Schema):
    kind: str = Field(..., examples=["act"])
    id: int
    title: str
    snippet: str = Field(..., description="the best passage, plain text")
    snippet_html: str = Field(..., description="the passage escaped, matches in <mark>")
    highlights: list[list[int]] = Field(..., description="[start, end) offsets into snippet")
    score: float
    via: str = Field(..., description="keyword, semantic or both")
    url: str = Field(..., description="the page of the object")


class FacetCountOut(Schema):
    value: str
    label: str
    count: int = Field(..., description="matching objects with this value")
    parent: str | None = Field(None, description="places: the enclosing place's value")


class PlacePointOut(Schema):
    id: int
    label: str
    lat: float
    lon: float
    count: int


class SearchOut(Schema):
    total: int = Field(..., description="matching objects you may see")
    results: list[HitOut]
    facets: dict[str, list[FacetCountOut]] = Field(
        ..., description=f"counts over all matches: {', '.join(FACET_KEYS)}"
    )
    places: list[PlacePointOut] = Field(..., description="matches by place, for a map")
    pending: int = Field(..., description="objects you may see that await re-indexing")
    facets_approximate: bool = Field(
        ...,
        description="violation, institution, victim and source-type counts were estimated "
        "from a sample of the matches (very large result sets)",
    )


FACET_PARAMETERS = {
    "type": "kind",
    "status": "review_status",
    "place": "place",
    "violation": "violation",
    "institution": "institution",
    "victim_sex": "victim_sex",
    "victim_age": "victim_age",
    "source_type": "source_type",
    "corroboration": "corroboration",
    "period": "period",
}


def results_as_dict(results: Any) -> dict[str, Any]:
    """The JSON shape of SearchResults (the API and `sillok search --json`)."""
    return {
        "total": results.total,
        "results": [
            {
                "kind": hit.kind,
                "id": hit.id,
                "title": hit.title,
                "snippet": hit.snippet.text,
                "snippet_html": str(hit.snippet.html()),
                "highlights": [list(span) for span in hit.snippet.highlights],
                "score": round(hit.score, 6),
                "via": hit.via,
                "url": hit.url,
            }
            for hit in results.hits
        ],
        "facets": {
            key: [
                {"value": c.value, "label": c.label, "count": c.count, "parent": c.parent}
                for c in counts
            ]
            for key, counts in results.facets.items()
        },
        "places": results.places,
        "pending": results.pending,
        "facets_approximate": results.facets_approximate,
    }


@router.get(
    "/search",
    response={200: SearchOut, 400: ErrorOut, 403: ErrorOut, 503: ErrorOut},
    summary="Search items and records",
    description=(
        "One search over the items and records you may see: totals, facet counts, snippets "
        "and map points reflect only those. Words match their inflected forms (고문, 고문을, "
        "고문당했다) and romanized names their Hangul. 400 says what is wrong with `q`; 503: "
        "semantic search was asked for but is not available; 403: your role may see neither "
        "items nor records."
    ),
    operation_id="search",
)
def search_api(request: HttpRequest, params: Query[SearchIn]) -> Status:
    user = request.auth  # type: ignore[attr-defined]
    if not may_search(user):
        return Status(403, {"detail": str(NO_SEARCH)})
    filters = {key: list(getattr(params, name)) for name, key in FACET_PARAMETERS.items()}
    text = params.q
    if params.date.strip():
        # The same filter as typing date:... in the box (no spaces inside a filter value).
        text = f"{text} date:{params.date.strip().replace(' ', '')}"
    try:
        results = search(
            user,
            text,
            filters=filters,
            semantic=params.semantic,
            limit=params.limit,
            offset=params.offset,
        )
    except QueryError as exc:
        return Status(400, {"detail": str(exc)})
    except SemanticUnavailable as exc:
        return Status(503, {"detail": str(exc)})
    return Status(200, results_as_dict(results))
