"""Autocomplete for record forms: small JSON answers for places (gazetteer, Hangul or any
romanization), vocabulary terms, and records. Records come only from `visible_records` (and
their titles from `safe_title`), so a suggestion never reveals a record the user may not see.

Each answer is {"results": [{"value", "label", "other"}]}: `value` is what the form field
posts (a place code, a term code, a reference like P-12), `label` what the user reads.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from sillok.records.access import can_view_records, visible_records
from sillok.records.dates import format_fuzzy_date
from sillok.records.kinds import KINDS_BY_PLURAL, get_kind, reference_of
from sillok.records.listing import text_search
from sillok.records.titles import TITLE_RELATED, safe_title, viewer_levels
from sillok.records.views_display import with_related
from sillok.vocab.queries import UnknownVocabulary, get_vocabulary, search_places, search_terms

LIMIT = 15
MAX_QUERY = 100
# What "any" searches (the other end of a link): the kinds people look up by name, and places.
ANY_KINDS = ("person", "event", "organization", "testimony", "source", "act")


def _refused() -> JsonResponse:
    return JsonResponse(
        {"detail": "documentation records need the view_record permission"}, status=403
    )


def _query(request: HttpRequest) -> str:
    return request.GET.get("q", "").strip()[:MAX_QUERY]


@never_cache
@login_required
@require_GET
def lookup_places(request: HttpRequest) -> JsonResponse:
    if not can_view_records(request.user):
        return _refused()
    results = []
    for place in search_places(_query(request), limit=LIMIT):
        parent = place.parent.label if place.parent_id else ""
        results.append(
            {
                "value": place.code,
                "label": place.label,
                "other": " · ".join(p for p in (place.other_label, parent) if p),
            }
        )
    return JsonResponse({"results": results})


@never_cache
@login_required
@require_GET
def lookup_terms(request: HttpRequest, slug: str) -> JsonResponse:
    if not can_view_records(request.user):
        return _refused()
    try:
        get_vocabulary(slug)
    except UnknownVocabulary as exc:
        return JsonResponse({"detail": str(exc)}, status=404)
    results = [
        {"value": term.code, "label": term.label, "other": term.other_label}
        for term in search_terms(slug, _query(request), limit=LIMIT)
    ]
    return JsonResponse({"results": results})


def _other(kind: str, record: Any) -> str:
    """A second line that tells records of the same name apart."""
    if kind == "person":
        born = record.birth_year_from
        parts = [record.name_hangul, record.name_latin, str(born) if born else ""]
        return " · ".join(p for p in parts if p and p != record.name)
    if hasattr(record, "date_precision"):
        return format_fuzzy_date(record.date_start, record.date_end, record.date_precision)
    return ""


def _search(user: Any, kind: str, text: str, limit: int) -> list[dict]:
    query = visible_records(user, kind).filter(withdrawn_at__isnull=True)
    query = with_related(text_search(user, kind, query, text), TITLE_RELATED.get(kind, ()))
    levels = viewer_levels(user)
    return [
        {
            "value": reference_of(kind, record.pk),
            "label": safe_title(record, levels),
            "other": _other(kind, record),
            "kind": kind,
        }
        for record in query.order_by("-pk")[:limit]
    ]


@never_cache
@login_required
@require_GET
def lookup_records(request: HttpRequest, kind: str) -> JsonResponse:
    """Records of one kind (plural in the URL), or of the usual kinds for "any"."""
    if not can_view_records(request.user):
        return _refused()
    if kind != "any" and kind not in KINDS_BY_PLURAL:
        return JsonResponse({"detail": f"unknown record kind {kind!r}"}, status=404)
    text = _query(request)
    if not text:
        return JsonResponse({"results": []})
    if kind != "any":
        return JsonResponse({"results": _search(request.user, get_kind(kind).name, text, LIMIT)})
    results: list[dict] = []
    for name in ANY_KINDS:
        results += _search(request.user, name, text, 5)
    # Places are link ends too (a person detained at a facility).
    results += [
        {
            "value": reference_of("place", place.pk),
            "label": place.label,
            "other": place.other_label,
            "kind": "place",
        }
        for place in search_places(text, limit=5)
    ]
    return JsonResponse({"results": results[: LIMIT * 2]})
