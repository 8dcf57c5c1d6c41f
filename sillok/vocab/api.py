"""Vocabularies and gazetteer API: read-only (administrators change them in the UI).

Vocabularies and places are not sensitive, so any user who holds a role (any permission at
all) may read them, partners included; a signed-in user without a role gets 403, as they
do everywhere else.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Field, P, QueryEx, Router, Schema
from ninja.errors import HttpError

from sillok.vocab.models import Place, PlaceKind
from sillok.vocab.queries import (
    UnknownVocabulary,
    place_as_dict,
    search_places,
    search_terms,
    term_as_dict,
    terms_of,
    vocabularies_with_counts,
)

router = Router(tags=["vocabularies"])
MAX_PLACES = 200
MAX_TERMS = 500


class ErrorOut(Schema):
    detail: str = Field(..., examples=["no vocabulary 'colours'; known: violations, ..."])


class VocabularyOut(Schema):
    slug: str = Field(..., examples=["violations"])
    label_en: str = Field(..., examples=["Violation types"])
    label_ko: str = Field(..., examples=["인권침해 유형"])
    description_en: str
    description_ko: str
    origin: str = Field(..., description="shipped or local", examples=["shipped"])
    terms: int = Field(..., description="active terms", examples=[120])


class LegalOut(Schema):
    rights: list[str] = Field(..., examples=[["ICCPR art. 7", "CAT art. 1"]])
    rome_statute: list[str] = Field(
        ..., description="Rome Statute art. 7(1) acts", examples=[["7(1)(f)"]]
    )


class TermOut(Schema):
    id: int
    code: str = Field(..., description="stable identifier", examples=["torture.beating"])
    label_en: str = Field(..., examples=["Beating"])
    label_ko: str = Field(..., examples=["구타"])
    parent: str | None = Field(None, description="the parent's code", examples=["torture"])
    depth: int = Field(..., examples=[1])
    active: bool = Field(..., description="false: retired, kept for the records using it")
    origin: str
    data: dict[str, Any] = Field(..., description="vocabulary-specific facts")
    legal: LegalOut = Field(..., description="violation types: what they map to in law")


class PlaceOut(Schema):
    id: int
    code: str = Field(..., examples=["geonames:2044757"])
    kind: str = Field(..., examples=["city"])
    name_en: str = Field(..., examples=["Hoeryong City"])
    name_ko: str = Field(..., examples=["회령시"])
    romanization_rr: str = Field(..., examples=["Hoeryeong-si"])
    romanization_mr: str = Field(..., examples=["Hoeryŏng-si"])
    aliases: list[str]
    parent: str | None = Field(None, description="the parent's code", examples=["KP-09"])
    parent_name_en: str | None = Field(None, examples=["North Hamgyong"])
    country: str = Field(..., description="ISO 3166-1 alpha-2", examples=["KP"])
    latitude: float | None = None
    longitude: float | None = None
    facility_status: str | None = None


class PlaceBriefOut(Schema):
    code: str
    kind: str
    name_en: str
    name_ko: str


class PlaceDetailOut(PlaceOut):
    children: list[PlaceBriefOut] = Field(..., description="the places directly below it")


def _reader(request: HttpRequest) -> Any:
    user = request.auth  # type: ignore[attr-defined]
    if not (user.is_superuser or user.get_all_permissions()):
        raise HttpError(403, "reading vocabularies and the gazetteer needs a role")
    return user


@router.get(
    "/vocab",
    response={200: list[VocabularyOut], 403: ErrorOut},
    summary="Vocabularies",
    operation_id="list_vocabularies",
)
def list_vocabularies(request: HttpRequest) -> list[dict[str, Any]]:
    _reader(request)
    return [
        {
            "slug": v.slug,
            "label_en": v.label_en,
            "label_ko": v.label_ko,
            "description_en": v.description_en,
            "description_ko": v.description_ko,
            "origin": v.origin,
            "terms": v.active_terms,
        }
        for v in vocabularies_with_counts()
    ]


@router.get(
    "/vocab/{slug}/terms",
    response={200: list[TermOut], 403: ErrorOut, 404: ErrorOut},
    summary="Terms of a vocabulary, in tree order",
    operation_id="list_terms",
)
def list_terms(
    request: HttpRequest, slug: str, q: str = "", include_retired: bool = False
) -> list[dict[str, Any]]:
    """Parents before their children. `q` (for autocomplete) finds active terms whose code or
    English or Korean label contains it, at most 500."""
    _reader(request)
    try:
        if q.strip():
            terms = search_terms(slug, q, limit=MAX_TERMS)
        else:
            terms = list(terms_of(slug, include_retired=include_retired))
    except UnknownVocabulary as exc:
        raise HttpError(404, str(exc)) from None
    return [term_as_dict(term) for term in terms]


@router.get(
    "/places",
    response={200: list[PlaceOut], 403: ErrorOut, 422: ErrorOut},
    summary="Search the gazetteer",
    operation_id="search_places",
)
def list_places(
    request: HttpRequest,
    q: str = "",
    kind: str = "",
    limit: QueryEx[int, P(ge=1, le=MAX_PLACES, description=f"at most {MAX_PLACES}")] = 20,
) -> Any:
    """`q` matches the beginning of any name in Hangul, English or either romanization
    (회령, Hoeryong and Hoeryŏng find the same city). Without `q`: the places of `kind`
    (e.g. all provinces) in gazetteer order."""
    _reader(request)
    if kind and kind not in PlaceKind.values:
        raise HttpError(422, f"kind must be one of {', '.join(PlaceKind.values)}")
    if q.strip():
        places = search_places(q, limit=limit, kinds=[kind] if kind else None)
    else:
        query = Place.objects.filter(active=True).select_related("parent")
        places = list((query.filter(kind=kind) if kind else query).order_by("path")[:limit])
    return [place_as_dict(place) for place in places]


@router.get(
    "/places/{code}",
    response={200: PlaceDetailOut, 403: ErrorOut, 404: ErrorOut},
    summary="One place and the places below it",
    operation_id="get_place",
)
def get_place(request: HttpRequest, code: str) -> dict[str, Any]:
    _reader(request)
    place = Place.objects.select_related("parent").filter(code=code).first()
    if place is None:
        raise HttpError(404, f"no place with the code {code!r}")
    children = place.children.filter(active=True).order_by("label_en")
    return {
        **place_as_dict(place),
        "children": [
            {"code": c.code, "kind": c.kind, "name_en": c.label_en, "name_ko": c.label_ko}
            for c in children
        ],
    }
