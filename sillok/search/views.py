"""The search page (one box, facets as filters, a map of hits by place, ranked results with
highlighted snippets) and the saved-search pages. Thin: parameters in, services.search() as
the signed-in user, render. Everything shown comes from the results, which only ever reflect
what the user may see (services.py and access.py decide that, not this module).
"""

from __future__ import annotations

from functools import partial
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from sillok.search import facets
from sillok.search import saved as saved_searches
from sillok.search.access import may_search
from sillok.search.facets import FACET_KEYS
from sillok.search.forms import (
    SaveSearchForm,
    page_number,
    query_text,
    selected_filters,
    wants_semantic,
)
from sillok.search.mapping import MapPoint, hits_map_svg, reference_cities
from sillok.search.models import SavedSearch
from sillok.search.services import object_url

PAGE_SIZE = 20


def _url(q: str, semantic: bool, filters: dict[str, list[str]]) -> str:
    params: list[tuple[str, str]] = [("q", q)] if q else []
    if semantic:
        params.append(("semantic", "1"))
    params += [(key, value) for key in FACET_KEYS for value in filters.get(key, [])]
    return reverse("search:search") + ("?" + urlencode(params) if params else "")


def _toggled(filters: dict[str, list[str]], key: str, value: str) -> dict[str, list[str]]:
    """The filters with (key, value) added, or removed when it was there."""
    changed = {k: list(v) for k, v in filters.items()}
    values = changed.setdefault(key, [])
    if value in values:
        values.remove(value)
    else:
        values.append(value)
    return changed


def _facet_rows(facet: str, counts: list, filters: dict, q: str, semantic: bool) -> list[dict]:
    """Sidebar rows: label, count, the link that toggles it, whether it is on, and (places) a
    depth, children listed under their parent as returned."""
    active = set(filters.get(facet, []))
    depth: dict[str, int] = {}
    rows = []
    values = {c.value for c in counts}
    ordered = _hierarchy(counts) if facet == "place" else counts
    for count in ordered:
        parent = getattr(count, "parent", None)
        level = depth.get(parent, -1) + 1 if parent in values else 0
        depth[count.value] = level
        rows.append(
            {
                "value": count.value,
                "label": count.label,
                "count": count.count,
                "on": count.value in active,
                "depth": min(level, 5),
                "url": _url(q, semantic, _toggled(filters, facet, count.value)),
            }
        )
    return rows


def _hierarchy(counts: list) -> list:
    """Places in tree order (each parent followed by its children); roots are places whose
    parent is not among the values."""
    values = {c.value for c in counts}
    children: dict[str | None, list] = {}
    for count in counts:
        parent = count.parent if count.parent in values else None
        children.setdefault(parent, []).append(count)
    ordered: list = []

    def walk(parent: str | None) -> None:
        for count in children.get(parent, []):
            ordered.append(count)
            if count.value != parent:
                walk(count.value)

    walk(None)
    return ordered


def _chips(filters: dict, counts_by_facet: dict, q: str, semantic: bool) -> list[dict]:
    """Active filters as removable chips, labelled from the facet counts where present."""
    labels = {(key, c.value): c.label for key, counts in counts_by_facet.items() for c in counts}
    chips = []
    for key in FACET_KEYS:
        for value in filters.get(key, []):
            chips.append(
                {
                    "facet": facets.facet_title(key),
                    "label": labels.get((key, value)) or _fallback_label(key, value),
                    "url": _url(q, semantic, _toggled(filters, key, value)),
                }
            )
    return chips


def _fallback_label(key: str, value: str) -> str:
    """A label for a selected value the counts do not show (nothing left matches it):
    gazetteer and vocabulary labels are reference data, not records."""
    if key == "place" and value.isdigit():
        place = facets.place_info([int(value)]).get(int(value))
        return place.label if place is not None else value
    if key in facets.VOCABULARY_OF:
        return facets.term_labels(facets.VOCABULARY_OF[key], [value]).get(value, value)
    if key == "kind":
        return facets.kind_label(value)
    if key == "review_status":
        return facets.status_label(value)
    return value


def _landmarks() -> list[MapPoint]:
    """Orientation points: a few cities, and gazetteer provinces that have coordinates."""
    from django.utils.translation import get_language

    from sillok.vocab.models import Place

    korean = (get_language() or "").startswith("ko")
    rows = Place.objects.filter(
        kind="province", latitude__isnull=False, longitude__isnull=False, active=True
    ).values_list("pk", "label_en", "label_ko", "latitude", "longitude")
    provinces = [
        MapPoint(pk, (ko if korean and ko else en), lat, lon) for pk, en, ko, lat, lon in rows
    ]
    return reference_cities(korean) + provinces


def _map(results: Any, filters: dict, q: str, semantic: bool) -> str:
    points = [
        MapPoint(int(p["id"]), str(p["label"]), p["lat"], p["lon"], int(p["count"]))
        for p in results.places
        if p.get("lat") is not None and p.get("lon") is not None
    ]
    if not points:
        return ""
    active = set(filters.get("place", []))

    def link(point: MapPoint) -> str:
        if str(point.id) in active:
            return _url(q, semantic, filters)
        return _url(q, semantic, _toggled(filters, "place", str(point.id)))

    return hits_map_svg(points, link, _landmarks())


def _hits(results: Any) -> list[dict]:
    return [
        {
            "hit": hit,
            "kind_label": facets.kind_label(hit.kind),
            "url": object_url(hit.kind, hit.id),
            "snippet": hit.snippet.html() if hit.snippet is not None else "",
        }
        for hit in results.hits
    ]


def _pages(total: int, page: int, params: QueryDict) -> dict | None:
    last = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    if last <= 1:
        return None

    def url(number: int) -> str:
        copy = params.copy()
        copy["page"] = str(number)
        return reverse("search:search") + "?" + copy.urlencode()

    return {
        "number": page,
        "last": last,
        "previous": url(page - 1) if page > 1 else "",
        "next": url(page + 1) if page < last else "",
    }


def _results_context(
    results: Any, filters: dict, q: str, semantic: bool, page: int, params: QueryDict
) -> dict[str, Any]:
    facet_rows = [
        {"key": key, "title": facets.facet_title(key), "rows": rows}
        for key in FACET_KEYS
        if (rows := _facet_rows(key, results.facets.get(key, []), filters, q, semantic))
    ]
    return {
        "results": results,
        "hits": _hits(results),
        "facets": facet_rows,
        "chips": _chips(filters, results.facets, q, semantic),
        "hits_map": _map(results, filters, q, semantic),
        "pages": _pages(results.total, page, params),
        "clear_url": _url(q, semantic, {}),
    }


@never_cache
@login_required
@require_GET
def search_page(request: HttpRequest) -> HttpResponse:
    from sillok.search.query import QueryError
    from sillok.search.services import SemanticUnavailable, search

    q = query_text(request.GET)
    semantic = wants_semantic(request.GET)
    filters = selected_filters(request.GET)
    page = page_number(request.GET)
    context: dict[str, Any] = {
        "q": q,
        "semantic": semantic,
        "filters": filters,
        "searched": bool(q or filters),
        "save_form": SaveSearchForm(owner=request.user),
    }
    status = 200
    if not may_search(request.user):
        # No role that sees items or records: nothing to search, and no query is run.
        context.update(searched=False, no_access=True)
    elif context["searched"]:
        run = partial(
            search, request.user, q, filters=filters, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE
        )
        try:
            try:
                results = run(semantic=semantic)
            except SemanticUnavailable as exc:
                # Keyword results still help: say why meaning-based matches are missing.
                messages.warning(request, str(exc))
                results = run(semantic=False)
        except QueryError as exc:
            # The page with the message (and the box to fix the query), as a client error.
            context["error"] = str(exc)
            status = 400
        else:
            context.update(_results_context(results, filters, q, semantic, page, request.GET))
    return render(request, "search/search.html", context, status=status)


@login_required
@require_POST
def save_search(request: HttpRequest) -> HttpResponse:
    q = query_text(request.POST)
    semantic = wants_semantic(request.POST)
    filters = selected_filters(request.POST)
    back = _url(q, semantic, filters)
    form = SaveSearchForm(request.POST, owner=request.user)
    if not (q or filters):
        messages.error(request, _("There is nothing to save: type a search first."))
        return redirect(back)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(back)
    try:
        saved_searches.do_save_search(
            request.user,
            form.cleaned_data["name"],
            q,
            filters,
            semantic=semantic,
            alert=form.cleaned_data["alert"],
        )
    except saved_searches.SavedSearchError:
        messages.error(request, _("You already have a saved search with this name."))
        return redirect(back)
    messages.success(request, _("The search is saved."))
    return redirect("search:saved")


def _saved_or_404(request: HttpRequest, saved_id: int) -> SavedSearch:
    """The signed-in user's own saved search; anyone else's is "not found", like a missing one."""
    try:
        return saved_searches.own_saved_search(request.user, saved_id)
    except SavedSearch.DoesNotExist:
        raise Http404("No such saved search.") from None


def _saved_url(saved: SavedSearch) -> str:
    filters = {k: [str(v) for v in vs] for k, vs in (saved.filters or {}).items()}
    return _url(saved.query, saved.semantic, filters)


@never_cache
@login_required
@require_GET
def saved_list(request: HttpRequest) -> HttpResponse:
    rows = [
        {"saved": saved, "url": _saved_url(saved)}
        for saved in saved_searches.saved_searches_of(request.user)
    ]
    return render(request, "search/saved_list.html", {"rows": rows})


@never_cache
@login_required
@require_GET
def saved_detail(request: HttpRequest, saved_id: int) -> HttpResponse:
    saved = _saved_or_404(request, saved_id)
    alerts = []
    for alert in saved.alerts.all()[:50]:
        matches = [
            {
                "match": match,
                "kind_label": facets.kind_label(match.kind),
                "url": object_url(match.kind, match.id),
            }
            for match in saved_searches.alert_matches(request.user, alert)
        ]
        alerts.append({"alert": alert, "matches": matches})
    context = {
        "saved": saved,
        "alerts": alerts,
        "url": _saved_url(saved),
        "unseen": any(a["alert"].seen_at is None for a in alerts),
    }
    return render(request, "search/saved_detail.html", context)


@login_required
@require_POST
def saved_seen(request: HttpRequest, saved_id: int) -> HttpResponse:
    saved = _saved_or_404(request, saved_id)
    saved_searches.do_mark_alerts_seen(request.user, saved.pk)
    return redirect("search:saved_detail", saved_id=saved.pk)


@login_required
@require_POST
def saved_delete(request: HttpRequest, saved_id: int) -> HttpResponse:
    saved = _saved_or_404(request, saved_id)
    saved_searches.do_delete_saved_search(request.user, saved.pk)
    messages.success(request, _("The saved search is deleted."))
    return redirect("search:saved")
