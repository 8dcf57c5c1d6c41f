"""The vocabularies and gazetteer API: any user with a role reads them (partners too), the
outsider is refused; places are found by Hangul and by any romanization."""

from __future__ import annotations

import pytest

from sillok.vocab.models import Place, Term

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(client_for, vocabularies):
    return client_for


def test_the_vocabularies_are_listed_with_their_labels_and_sizes(api, partner):
    response = api(partner).get("/api/v1/vocab")
    assert response.status_code == 200
    by_slug = {v["slug"]: v for v in response.json()}
    assert {"violations", "relation_types", "songbun", "facility_types"} <= set(by_slug)
    violations = by_slug["violations"]
    assert violations["label_ko"] and violations["origin"] == "shipped"
    assert (
        violations["terms"]
        == Term.objects.filter(vocabulary__slug="violations", active=True).count()
    )


def test_terms_come_in_tree_order_with_parents_and_legal_mappings(api, legal_expert):
    response = api(legal_expert).get("/api/v1/vocab/violations/terms")
    assert response.status_code == 200
    terms = response.json()
    codes = [t["code"] for t in terms]
    beating = terms[codes.index("torture.beating")]
    assert codes.index("torture") < codes.index("torture.beating")
    assert (beating["parent"], beating["depth"], beating["label_ko"]) == ("torture", 1, "구타")
    assert "ICCPR art. 7" in beating["legal"]["rights"]
    assert beating["legal"]["rome_statute"] == ["7(1)(f)"]


def test_terms_can_be_searched_and_retired_ones_asked_for(api, analyst, admin):
    from sillok.vocab.services import do_change_term

    client = api(analyst)
    found = client.get("/api/v1/vocab/violations/terms", {"q": "구타"}).json()
    assert "torture.beating" in [t["code"] for t in found]
    assert all("구타" in t["label_ko"] or "구타" in t["label_en"] for t in found)
    term = Term.objects.get(vocabulary__slug="violations", code="torture.beating")
    do_change_term(admin, term, label_en=term.label_en, label_ko=term.label_ko, active=False)
    url = "/api/v1/vocab/violations/terms"
    assert "torture.beating" not in {t["code"] for t in client.get(url).json()}
    retired = client.get(url, {"include_retired": True}).json()
    assert {"code": "torture.beating", "active": False}.items() <= next(
        t for t in retired if t["code"] == "torture.beating"
    ).items()
    missing = client.get("/api/v1/vocab/colours/terms")
    assert missing.status_code == 404 and "violations" in missing.json()["detail"]


@pytest.mark.parametrize("text", ["회령", "Hoeryong", "Hoeryŏng", "hoeryeong"])
def test_places_are_found_by_hangul_and_by_any_romanization(api, analyst, text):
    response = api(analyst).get("/api/v1/places", {"q": text})
    assert response.status_code == 200, response.content
    cities = [p for p in response.json() if p["kind"] == "city"]
    assert cities[0]["name_en"].startswith("Hoeryong"), response.json()
    assert cities[0]["name_ko"].startswith("회령")


def test_place_search_filters_by_kind_and_lists_a_kind_without_text(api, analyst):
    client = api(analyst)
    facilities = client.get("/api/v1/places", {"q": "Hoeryong", "kind": "facility"}).json()
    assert facilities and {p["kind"] for p in facilities} == {"facility"}
    provinces = client.get("/api/v1/places", {"kind": "province", "limit": 200}).json()
    assert "KP-09" in {p["code"] for p in provinces}
    assert len(client.get("/api/v1/places", {"q": "a", "limit": 3}).json()) <= 3
    bad = client.get("/api/v1/places", {"q": "x", "kind": "planet"})
    assert bad.status_code == 422 and "province" in bad.json()["detail"]


def test_a_place_shows_its_parent_and_the_places_below_it(api, manager):
    client = api(manager)
    province = client.get("/api/v1/places/KP-09")
    assert province.status_code == 200
    body = province.json()
    assert body["name_ko"] and body["country"] == "KP"
    children = {c["code"] for c in body["children"]}
    assert children == set(
        Place.objects.filter(parent__code="KP-09", active=True).values_list("code", flat=True)
    )
    assert children
    child = client.get(f"/api/v1/places/{sorted(children)[0]}").json()
    assert child["parent"] == "KP-09"
    assert client.get("/api/v1/places/nowhere").status_code == 404


def test_the_outsider_may_not_read_vocabularies_or_places(api, outsider):
    client = api(outsider)
    for path in (
        "/api/v1/vocab",
        "/api/v1/vocab/violations/terms",
        "/api/v1/places?q=회령",
        "/api/v1/places/KP-09",
    ):
        response = client.get(path)
        assert response.status_code == 403, path
        assert "role" in response.json()["detail"]
