"""The search page: ranked results with highlighted, escaped snippets, facets that add and
remove filters, active filters as chips, a map of hits by place, pagination, a query error
as a message, the "index catching up" notice, and no trace of what the user may not see.
Also the map's projection math (search/mapping.py)."""

from __future__ import annotations

import re
from html import unescape

import pytest

from sillok.search.mapping import (
    CITIES,
    DEFAULT_BOX,
    HEIGHT,
    MARGIN,
    OUTLINE,
    WIDTH,
    Box,
    MapPoint,
    fit_box,
    hits_map_svg,
    project,
    radius,
    reference_cities,
)

# --- the map's math (no database) ---------------------------------------------------------


def test_projection_puts_north_up_and_the_box_inside_the_frame():
    box = Box(*DEFAULT_BOX)
    west_north = project(box.north, box.west, box)
    east_south = project(box.south, box.east, box)
    assert west_north == (MARGIN, MARGIN)
    assert east_south[0] <= WIDTH - MARGIN + 0.1 and east_south[1] <= HEIGHT - MARGIN + 0.1
    # One of the two axes fills the frame (the other keeps the aspect ratio).
    assert (
        abs(east_south[0] - (WIDTH - MARGIN)) < 0.2 or abs(east_south[1] - (HEIGHT - MARGIN)) < 0.2
    )
    pyongyang, hoeryong = project(39.03, 125.75, box), project(42.44, 129.75, box)
    assert hoeryong[0] > pyongyang[0] and hoeryong[1] < pyongyang[1]  # east and north
    # Equal steps in latitude are equal steps on the map; a degree of longitude is shorter.
    a, b, c = project(38.0, 126.0, box), project(39.0, 126.0, box), project(38.0, 127.0, box)
    assert b[0] == a[0] and c[1] == a[1]
    assert 0.7 < (c[0] - a[0]) / (a[1] - b[1]) < 0.8  # cos(40°) ≈ 0.77


def test_the_box_widens_to_fit_points_outside_the_peninsula():
    assert fit_box([]) == Box(*DEFAULT_BOX)
    assert fit_box([(40.0, 127.0)]) == Box(*DEFAULT_BOX)
    box = fit_box([(45.75, 126.65), (35.1, 129.0)])  # Harbin, Busan
    assert box.north > 45.75 and box.south < 35.1 and box.west == DEFAULT_BOX[0]
    for lat, lon in [(45.75, 126.65), (35.1, 129.0)]:
        x, y = project(lat, lon, box)
        assert 0 < x < WIDTH and 0 < y < HEIGHT


def test_circle_area_follows_the_count():
    assert radius(0, 10) == radius(1, 0) == 5.0
    assert radius(1, 100) < radius(25, 100) < radius(100, 100) == 22.0


def test_the_map_links_each_place_and_escapes_labels():
    points = [
        MapPoint(7, "회령 <b>", 42.44, 129.75, 3),
        MapPoint(8, "Pyongyang", 39.03, 125.75, 1),
        MapPoint(9, "Nowhere", None, None, 5),  # no coordinates: not drawn
    ]
    svg = str(hits_map_svg(points, lambda p: f"/search/?q=x&place={p.id}"))
    assert svg.startswith("<svg") and svg.count("<circle") == 2
    assert 'href="/search/?q=x&amp;place=7"' in svg and "place=9" not in svg
    assert "회령 &lt;b&gt;: 3 results" in svg and "<b>" not in svg
    assert '<polygon class="m-land"' in svg  # the outline, for orientation
    assert hits_map_svg([], lambda p: "") == ""
    with_cities = str(hits_map_svg(points, lambda p: "/", reference_cities(korean=True)))
    assert with_cities.count('class="m-hit"') == 2 and ">평양</text>" in with_cities


def test_the_outline_and_cities_fit_the_default_box():
    box = Box(*DEFAULT_BOX)
    for lat, lon in [*OUTLINE, *((c[0], c[1]) for c in CITIES)]:
        assert box.west <= lon <= box.east and box.south <= lat <= box.north


# --- the page -----------------------------------------------------------------------------


def index_everything() -> None:
    from sillok.search.indexing import process_queue

    process_queue()


@pytest.fixture
def world(analyst, documentation_officer, make_record):
    """An event in Hoeryong with an act of torture, an event whose text is markup, and a
    strictly confidential event the analyst may not see, all indexed."""
    event = make_record(
        analyst,
        "event",
        title="회령 보위부 구류장 구금",
        description="구류장에서 고문을 당했다고 증언했다.",
        place="kwanliso_16",
        date="2015-03",
    )
    act = make_record(
        analyst,
        "act",
        event=f"E-{event.pk}",
        violation_type="torture.beating",
        date="2015-03-14",
        description="보위부 지도원이 고문하였다.",
    )
    hostile = make_record(
        analyst,
        "event",
        title="Markup event",
        description="<script>alert(1)</script> 고문 <img src=x onerror=alert(2)>",
        date="2018",
    )
    secret = make_record(
        documentation_officer,
        "event",
        title="Secretevent 고문 기밀",
        description="고문 기밀 자료",
        sensitivity="strictly_confidential",
    )
    index_everything()
    return {"event": event, "act": act, "hostile": hostile, "secret": secret}


@pytest.mark.django_db
def test_results_are_ranked_highlighted_and_faceted(world, analyst, client_for):
    client = client_for(analyst)
    response = client.get("/search/", {"q": "고문"})
    assert response.status_code == 200
    page = response.content.decode()
    results = response.context["results"]
    assert results.total == 3  # the event, the act, the markup event; not the secret one
    assert f'href="/records/events/{world["event"].pk}/"' in page
    assert f'href="/records/acts/{world["act"].pk}/"' in page
    assert re.search(r"<mark>고문[^<]*</mark>", page)
    assert "Secretevent" not in page
    # Facets with counts, each a link that adds its filter.
    kinds = {row["value"]: row for f in response.context["facets"] if f["key"] == "kind"
             for row in f["rows"]}  # fmt: skip
    assert kinds["event"]["count"] == 2 and kinds["act"]["count"] == 1
    violation = next(f for f in response.context["facets"] if f["key"] == "violation")
    beating = next(row for row in violation["rows"] if row["value"] == "torture.beating")
    assert beating["count"] >= 1 and not beating["on"]
    assert unescape(beating["url"]) in unescape(page)

    # Following the facet link keeps only the act, shows the filter as a chip whose link
    # removes it again.
    filtered = client.get(beating["url"])
    assert filtered.status_code == 200
    assert filtered.context["results"].total == beating["count"] < 3
    kept = {(row["hit"].kind, row["hit"].id) for row in filtered.context["hits"]}
    assert ("act", world["act"].pk) in kept and ("event", world["hostile"].pk) not in kept
    assert filtered.context["filters"] == {"violation": ["torture.beating"]}
    chip = filtered.context["chips"][0]
    assert chip["label"] == "Beating" and "violation=" not in chip["url"]
    assert client.get(chip["url"]).context["results"].total == 3
    on = next(f for f in filtered.context["facets"] if f["key"] == "violation")["rows"]
    assert any(row["on"] and "violation=" not in row["url"] for row in on)


@pytest.mark.django_db
def test_snippets_are_escaped(world, analyst, client_for):
    page = client_for(analyst).get("/search/", {"q": "Markup 고문"}).content.decode()
    assert "Markup event" in page
    assert "<script>alert(1)" not in page and "<img src=x" not in page
    assert "&lt;script&gt;" in page


@pytest.mark.django_db
def test_a_query_error_is_a_clear_message(world, analyst, client_for):
    response = client_for(analyst).get("/search/", {"q": '"unclosed phrase'})
    assert response.status_code == 400
    page = response.content.decode()
    assert "The search could not be understood" in page
    assert response.context["error"]
    assert 'value="&quot;unclosed phrase"' in page  # the box keeps the query to fix it


@pytest.mark.django_db
def test_pages_of_results(world, analyst, client_for, monkeypatch):
    from sillok.search import views

    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    client = client_for(analyst)
    first = client.get("/search/", {"q": "고문"})
    assert len(first.context["hits"]) == 2 and "Page 1 of 2" in first.content.decode()
    second = client.get(first.context["pages"]["next"])
    assert len(second.context["hits"]) == 1 and "Page 2 of 2" in second.content.decode()
    ids = {(r["hit"].kind, r["hit"].id) for r in first.context["hits"] + second.context["hits"]}
    assert len(ids) == 3


@pytest.mark.django_db
def test_the_map_shows_hits_by_place_and_links_the_place_filter(world, analyst, client_for):
    response = client_for(analyst).get("/search/", {"q": "구류장"})
    places = response.context["results"].places
    located = [p for p in places if p["lat"] is not None]
    assert located, places  # Camp 16 has published coordinates
    page = response.content.decode()
    assert '<svg class="hits-map"' in page
    assert f"place={located[0]['id']}" in page


@pytest.mark.django_db
def test_the_partner_sees_no_trace(world, partner, client_for):
    response = client_for(partner).get("/search/", {"q": "고문"})
    assert response.status_code == 200
    page = response.content.decode()
    assert response.context["results"].total == 0
    hidden = ("회령 보위부 구류장 구금", "Markup", "Secretevent", "Beating", "torture.beating")
    for text in (*hidden, "hits-map", 'class="hit"'):
        assert text not in page, text
    # A filter on a value from hidden records matches nothing and counts nothing.
    filtered = client_for(partner).get("/search/", {"q": "고문", "violation": "torture.beating"})
    assert filtered.context["results"].total == 0


@pytest.mark.django_db
def test_the_index_catching_up_notice(world, analyst, client_for):
    from sillok.search.models import IndexQueue

    IndexQueue.objects.create(kind="event", object_id=world["event"].pk)
    page = client_for(analyst).get("/search/", {"q": "고문"}).content.decode()
    assert "Index catching up: 1 change not yet indexed." in page


@pytest.mark.django_db
def test_signing_in_is_required(client):
    response = client.get("/search/?q=x")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.django_db
def test_the_empty_page_has_the_box_and_the_syntax_help(analyst, client_for):
    page = client_for(analyst).get("/search/").content.decode()
    assert 'name="q"' in page and "date:2015..2019" in page and 'name="semantic"' in page
    assert 'class="result-count"' not in page and "Save this search" not in page


@pytest.mark.django_db
def test_a_user_without_a_role_is_told_there_is_nothing_to_search(outsider, client_for):
    response = client_for(outsider).get("/search/", {"q": "고문"})
    assert response.status_code == 200 and "results" not in response.context
    assert "nothing to search" in response.content.decode()


@pytest.mark.django_db
def test_without_the_semantic_model_the_page_says_so_and_keeps_word_matches(
    world, analyst, client_for, monkeypatch
):
    from sillok.search import services

    real = services.search

    def no_model(*args, semantic=False, **kwargs):
        if semantic:
            raise services.SemanticUnavailable("Semantic search is not available: no model")
        return real(*args, semantic=semantic, **kwargs)

    monkeypatch.setattr(services, "search", no_model)
    response = client_for(analyst).get("/search/", {"q": "고문", "semantic": "1"})
    assert response.status_code == 200 and response.context["results"].total == 3
    assert "Semantic search is not available" in response.content.decode()
    assert 'name="semantic" value="1" checked' in response.content.decode()
