"""The vocabulary and gazetteer pages: term trees with legal mappings and reverse labels,
administrators adding and correcting terms and places, and everyone else refused."""

from __future__ import annotations

import pytest

from sillok.custody.models import AuditEntry
from sillok.vocab.models import Origin, Place, Term

pytestmark = pytest.mark.django_db


def term(slug: str, code: str) -> Term:
    return Term.objects.get(vocabulary__slug=slug, code=code)


def test_the_analyst_sees_the_vocabularies_and_the_violation_tree(client_for, analyst):
    client = client_for(analyst)
    index = client.get("/vocab/")
    assert index.status_code == 200
    slugs = [v.slug for v in index.context["vocabularies"]]
    assert {"violations", "relation_types", "songbun", "institutions"} <= set(slugs)
    page = client.get("/vocab/violations/")
    html = page.content.decode()
    assert "Torture and other cruel" in html and "고문" in html and "torture.beating" in html
    assert "ICCPR art. 7" in html and "7(1)(f)" in html
    torture = next(node for node in page.context["tree"] if node.obj.code == "torture")
    assert "torture.beating" in {child.obj.code for child in torture.children}
    assert 'action="/vocab/violations/terms/add/"' not in html  # not an administrator


def test_relation_types_show_their_reverse_labels(client_for, analyst):
    html = client_for(analyst).get("/vocab/relation_types/").content.decode()
    assert "superior of" in html and "subordinate of" in html and "하급자" in html


def test_a_term_page_shows_its_facts_and_a_retired_term_is_marked(client_for, analyst, admin):
    from sillok.vocab.services import do_change_term

    water = term("violations", "torture.water")
    do_change_term(admin, water, label_en=water.label_en, label_ko=water.label_ko, active=False)
    client = client_for(analyst)
    page = client.get(f"/vocab/violations/terms/{water.pk}/")
    assert page.status_code == 200 and "retired" in page.content.decode()
    tree = client.get("/vocab/violations/").content.decode()
    assert 'class="retired"' in tree
    assert client.get(f"/vocab/songbun/terms/{water.pk}/").status_code == 404
    assert client.get("/vocab/nonsense/").status_code == 404


@pytest.mark.parametrize("persona", ["outsider", "partner"])
def test_those_who_see_no_records_see_no_vocabularies(request, client_for, persona):
    client = client_for(request.getfixturevalue(persona))
    torture = term("violations", "torture")
    for path in (
        "/vocab/",
        "/vocab/violations/",
        f"/vocab/violations/terms/{torture.pk}/",
        "/vocab/places/",
    ):
        assert client.get(path).status_code == 403, path
    assert (
        client.post("/vocab/violations/terms/add/", {"code": "x", "label_en": "X"}).status_code
        == 403
    )
    assert client.post("/vocab/places/add/", {"label_en": "X", "kind": "town"}).status_code == 403


def test_an_analyst_may_not_change_vocabularies(client_for, analyst):
    client = client_for(analyst)
    torture = term("violations", "torture")
    added = client.post("/vocab/violations/terms/add/", {"code": "new_one", "label_en": "New"})
    assert added.status_code == 403 and "vocab.add_term" in added.content.decode()
    changed = client.post(
        f"/vocab/violations/terms/{torture.pk}/", {"label_en": "Renamed", "active": "1"}
    )
    assert changed.status_code == 403
    place = client.post("/vocab/places/add/", {"label_en": "Village", "kind": "town"})
    assert place.status_code == 403
    assert not Term.objects.filter(code="new_one").exists()
    assert term("violations", "torture").label_en != "Renamed"


def test_an_admin_adds_a_sub_type_that_record_forms_then_offer(client_for, admin, analyst):
    client = client_for(admin)
    page = client.get("/vocab/violations/")
    assert 'action="/vocab/violations/terms/add/"' in page.content.decode()
    response = client.post(
        "/vocab/violations/terms/add/",
        {
            "parent": "torture.beating",
            "code": "torture.beating.with_rifle_butts",
            "label_en": "Beating with rifle butts",
            "label_ko": "총대 구타",
            "rights": "ICCPR art. 7; CAT art. 1",
            "rome_statute": "7(1)(f)",
        },
    )
    assert response.status_code == 302
    added = term("violations", "torture.beating.with_rifle_butts")
    assert added.parent == term("violations", "torture.beating") and added.depth == 2
    assert added.origin == Origin.LOCAL
    assert added.data == {"rights": ["ICCPR art. 7", "CAT art. 1"], "rome_statute": ["7(1)(f)"]}
    assert AuditEntry.objects.filter(action="vocab.term_added").exists()
    form = client_for(analyst).get("/records/acts/new/")
    options = {o.value: o.label for o in form.context["fields"][2].options}
    assert options["torture.beating.with_rifle_butts"].startswith(
        "\u2003\u2003Beating with rifle butts"
    )


def test_an_admin_adds_a_relation_type_with_its_reverse_label(client_for, admin):
    response = client_for(admin).post(
        "/vocab/relation_types/terms/add/",
        {
            "code": "interrogated",
            "label_en": "interrogated",
            "label_ko": "신문함",
            "reverse_en": "interrogated by",
            "reverse_ko": "신문 받음",
        },
    )
    assert response.status_code == 302
    assert term("relation_types", "interrogated").data == {
        "reverse": {"en": "interrogated by", "ko": "신문 받음"}
    }


def test_a_bad_term_is_refused_beside_its_field(client_for, admin):
    client = client_for(admin)
    bad_code = client.post("/vocab/violations/terms/add/", {"code": "Bad Code!", "label_en": "X"})
    assert bad_code.status_code == 400 and "a-z" in bad_code.context["form"]["errors"]["code"]
    taken = client.post("/vocab/violations/terms/add/", {"code": "torture", "label_en": "X"})
    assert taken.status_code == 400 and "already used" in taken.context["form"]["errors"]["code"]
    no_label = client.post("/vocab/violations/terms/add/", {"code": "fine_code", "label_en": ""})
    assert "English label" in no_label.context["form"]["errors"]["label_en"]
    orphan = client.post(
        "/vocab/violations/terms/add/", {"code": "fine_code", "label_en": "X", "parent": "nope"}
    )
    assert orphan.status_code == 400 and orphan.context["form"]["errors"]["parent"]
    assert not Term.objects.filter(code="fine_code").exists()
    assert client.get("/vocab/violations/terms/add/").status_code == 405


def test_an_admin_corrects_labels_and_retires_a_term(client_for, admin, analyst):
    water = term("violations", "torture.water")
    client = client_for(admin)
    page = client.get(f"/vocab/violations/terms/{water.pk}/")
    assert 'name="label_en"' in page.content.decode()
    response = client.post(
        f"/vocab/violations/terms/{water.pk}/",
        {"label_en": "Water torture (forced drinking, immersion)", "label_ko": "물고문"},
    )
    assert response.status_code == 302
    water.refresh_from_db()
    assert water.label_en.startswith("Water torture (forced") and water.active is False
    form = client_for(analyst).get("/records/acts/new/")
    assert "torture.water" not in {o.value for o in form.context["fields"][2].options}
    empty = client.post(f"/vocab/violations/terms/{water.pk}/", {"label_en": "", "active": "1"})
    assert empty.status_code == 400 and empty.context["errors"]["label_en"]


def test_the_gazetteer_finds_places_in_hangul_and_romanized(client_for, analyst):
    client = client_for(analyst)
    for text in ("회령", "Hoeryong", "Hoeryŏng"):
        page = client.get("/vocab/places/", {"q": text})
        assert page.status_code == 200
        assert page.context["results"][0].label_ko == "회령시", text
    tree = client.get("/vocab/places/")
    html = tree.content.decode()
    assert "North Hamgyong Province" in html and "함경북도" in html and "<details>" in html
    assert tree.context["count"] > 200


def test_an_admin_adds_a_village_under_a_county(client_for, admin, analyst):
    county = client_for(analyst).get("/records/lookup/places/", {"q": "회령"}).json()["results"][0]
    client = client_for(admin)
    response = client.post(
        "/vocab/places/add/",
        {
            "label_en": "Yuseon-dong",
            "label_ko": "유선동",
            "kind": "town",
            "parent": county["value"],
            "aliases": "Yusŏn-dong; 유선",
            "latitude": "42.45",
            "longitude": "129.75",
        },
    )
    assert response.status_code == 302 and "/vocab/places/?q=Yuseon-dong" in response["Location"]
    place = Place.objects.get(label_ko="유선동")
    assert place.parent.code == county["value"] and place.origin == Origin.LOCAL
    assert place.country == "KP" and place.latitude == 42.45
    found = client_for(analyst).get("/records/lookup/places/", {"q": "유선"}).json()["results"]
    assert found[0]["value"] == place.code


def test_a_bad_place_is_refused_beside_its_field(client_for, admin):
    client = client_for(admin)
    no_parent = client.post(
        "/vocab/places/add/", {"label_en": "X", "kind": "town", "parent": "nowhere"}
    )
    assert no_parent.status_code == 400 and no_parent.context["form"]["errors"]["parent"]
    bad_kind = client.post("/vocab/places/add/", {"label_en": "X", "kind": "planet"})
    assert (
        bad_kind.status_code == 400
        and "kind must be one of" in bad_kind.context["form"]["errors"]["kind"]
    )
    half = client.post("/vocab/places/add/", {"label_en": "X", "kind": "town", "latitude": "42"})
    assert half.status_code == 400 and half.context["form"]["errors"]["latitude"]
    words = client.post(
        "/vocab/places/add/", {"label_en": "X", "kind": "town", "latitude": "north"}
    )
    assert words.status_code == 400
    assert client.get("/vocab/places/add/").status_code == 405
    assert not Place.objects.filter(label_en="X").exists()


def test_the_vocabulary_pages_render_in_korean(client_for, analyst):
    client = client_for(analyst)
    page = client.get("/vocab/violations/", HTTP_ACCEPT_LANGUAGE="ko")
    html = page.content.decode()
    assert '<html lang="ko">' in html and "인권침해 유형" in html
    assert html.index("구타") < html.index("Beating")
    places = client.get(
        "/vocab/places/", {"q": "Hoeryong"}, HTTP_ACCEPT_LANGUAGE="ko"
    ).content.decode()
    assert "회령시" in places
