"""Links on the record pages (added from either end, read both ways, as a list and a graph),
the autocomplete JSON (Hangul and romanized input, never a record the user may not see), and
the cost of a record page with many links."""

from __future__ import annotations

import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sillok.records.models import Link
from sillok.records.services import do_import_records

pytestmark = pytest.mark.django_db


@pytest.fixture
def chief_and_guard(analyst, make_record):
    chief = make_record(analyst, "person", name="Officer Ri", name_hangul="리명수")
    guard = make_record(analyst, "person", name="Guard Pak", name_hangul="박영철")
    return chief, guard


def test_an_analyst_links_two_persons_and_both_pages_read_it_their_way(
    client_for, analyst, chief_and_guard
):
    chief, guard = chief_and_guard
    client = client_for(analyst)
    page = client.get(f"/records/persons/{chief.pk}/")
    relations = {o.value: o.label for o in page.context["link_form"]["relations"]}
    assert relations["superior_of"].strip() == "superior of"
    assert relations["~superior_of"].strip() == "subordinate of"
    assert "detained_at" in relations and "~detained_at" not in relations  # person → place only
    response = client.post(
        f"/records/persons/{guard.pk}/links/add/",
        {
            "relation": "~superior_of",
            "other": f"P-{chief.pk}",
            "certainty": "likely",
            "comment": "named by two witnesses",
        },
    )
    assert response.status_code == 302 and response["Location"] == f"/records/persons/{guard.pk}/"
    link = Link.objects.get()
    assert (link.from_kind, link.from_id, link.to_id) == ("person", chief.pk, guard.pk)
    assert (link.relation.code, link.certainty, link.created_by) == (
        "superior_of",
        "likely",
        analyst,
    )

    from_chief = client.get(f"/records/persons/{chief.pk}/")
    [row] = from_chief.context["links"]
    assert (row.view.label, row.other.ref, row.other.text, row.author) == (
        "superior of",
        f"P-{guard.pk}",
        "Guard Pak",
        "analyst",
    )
    assert row.certainty == "Likely"
    html = from_chief.content.decode()
    assert "named by two witnesses" in html and '<svg class="link-graph"' in html
    assert f'href="/records/persons/{guard.pk}/"' in str(from_chief.context["graph"])
    [row] = client.get(f"/records/persons/{guard.pk}/").context["links"]
    assert (row.view.label, row.other.text) == ("subordinate of", "Officer Ri")


def test_the_reverse_label_is_korean_in_the_korean_ui(
    client_for, analyst, chief_and_guard, make_record
):
    chief, guard = chief_and_guard
    make_record(
        analyst,
        "link",
        **{"from": f"P-{chief.pk}", "to": f"P-{guard.pk}", "relation": "superior_of"},
    )
    page = client_for(analyst).get(f"/records/persons/{guard.pk}/", HTTP_ACCEPT_LANGUAGE="ko")
    [row] = page.context["links"]
    assert row.view.label == "하급자" and "하급자" in page.content.decode()


def test_a_bad_link_shows_its_errors_on_the_record_page(client_for, analyst, chief_and_guard):
    chief, _ = chief_and_guard
    client = client_for(analyst)
    response = client.post(
        f"/records/persons/{chief.pk}/links/add/", {"relation": "superior_of", "other": "P-999999"}
    )
    assert response.status_code == 400
    assert "no person 999999" in response.context["link_form"]["errors"]["other"]
    itself = client.post(
        f"/records/persons/{chief.pk}/links/add/",
        {"relation": "superior_of", "other": f"P-{chief.pk}"},
    )
    assert (
        itself.status_code == 409 and "itself" in itself.context["link_form"]["errors"]["relation"]
    )
    wrong_kinds = client.post(
        f"/records/persons/{chief.pk}/links/add/", {"relation": "superior_of", "other": "place:1"}
    )
    assert wrong_kinds.status_code == 409
    assert Link.objects.count() == 0


def test_a_person_is_linked_to_a_facility_found_by_its_korean_name(
    client_for, analyst, chief_and_guard
):
    chief, _ = chief_and_guard
    client = client_for(analyst)
    found = client.get("/records/lookup/any/", {"q": "22호 관리소"}).json()["results"]
    camp = next(r for r in found if r["kind"] == "place")
    assert camp["value"].startswith("place:") and "22" in camp["label"]
    response = client.post(
        f"/records/persons/{chief.pk}/links/add/",
        {"relation": "detained_at", "other": camp["value"]},
    )
    assert response.status_code == 302
    [row] = client.get(f"/records/persons/{chief.pk}/").context["links"]
    assert row.view.other_kind == "place" and "22" in row.other.text


def test_who_may_not_change_records_cannot_add_links(client_for, manager, chief_and_guard):
    chief, guard = chief_and_guard
    client = client_for(manager)
    assert client.get(f"/records/persons/{chief.pk}/").context["link_form"] is None
    response = client.post(
        f"/records/persons/{chief.pk}/links/add/",
        {"relation": "superior_of", "other": f"P-{guard.pk}"},
    )
    assert response.status_code == 403 and Link.objects.count() == 0


def test_a_link_to_a_record_the_viewer_may_not_see_is_hidden_everywhere(
    client_for, analyst, documentation_officer, make_record
):
    hidden = make_record(
        documentation_officer, "person", name="비밀 증인", sensitivity="strictly_confidential"
    )
    known = make_record(documentation_officer, "person", name="Known", sensitivity="internal")
    link = make_record(
        documentation_officer,
        "link",
        **{
            "from": f"P-{known.pk}",
            "to": f"P-{hidden.pk}",
            "relation": "relative_of",
            "sensitivity": "internal",
        },
    )
    client = client_for(analyst)
    assert client.get(f"/records/persons/{known.pk}/").context["links"] == []
    assert client.get("/records/links/").context["rows"] == []
    assert client.get(f"/records/links/{link.pk}/").status_code == 404
    officer = client_for(documentation_officer)
    assert [r["record"].pk for r in officer.get("/records/links/").context["rows"]] == [link.pk]
    assert officer.get(f"/records/links/{link.pk}/").status_code == 200


# --- autocomplete ---------------------------------------------------------------------


def test_place_lookup_matches_hangul_and_romanized_names(client_for, analyst):
    client = client_for(analyst)
    for text in ("회령", "Hoeryong", "Hoeryŏng", "hoer"):
        results = client.get("/records/lookup/places/", {"q": text}).json()["results"]
        assert results and results[0]["label"].startswith("Hoeryong"), text
        assert "회령시" in results[0]["other"]
    korean = client.get("/records/lookup/places/", {"q": "회령"}, HTTP_ACCEPT_LANGUAGE="ko").json()
    assert korean["results"][0]["label"] == "회령시"
    assert client.get("/records/lookup/places/", {"q": ""}).json() == {"results": []}


def test_term_lookup_matches_english_and_korean_labels(client_for, analyst):
    client = client_for(analyst)
    english = client.get("/records/lookup/terms/violations/", {"q": "beating"}).json()["results"]
    assert [r["value"] for r in english][0] == "torture.beating"
    korean = client.get("/records/lookup/terms/violations/", {"q": "공개처형"}).json()["results"]
    assert [r["value"] for r in korean][0] == "life.execution.public"
    assert client.get("/records/lookup/terms/nonsense/", {"q": "x"}).status_code == 404


def test_person_lookup_matches_any_spelling_and_hides_what_the_user_may_not_see(
    client_for, analyst, documentation_officer, make_record
):
    visible = make_record(
        documentation_officer, "person", name="김철수", name_hangul="김철수", sensitivity="internal"
    )
    make_record(
        documentation_officer,
        "person",
        name="김철민",
        name_hangul="김철민",
        sensitivity="strictly_confidential",
    )
    client = client_for(analyst)
    for text in ("김철", "Kim Cheol", "Kim Ch'ŏl", f"P-{visible.pk}"):
        results = client.get("/records/lookup/persons/", {"q": text}).json()["results"]
        assert [r["value"] for r in results] == [f"P-{visible.pk}"], text
    assert client.get("/records/lookup/persons/", {"q": "김철민"}).json()["results"] == []
    officer = (
        client_for(documentation_officer).get("/records/lookup/persons/", {"q": "김철"}).json()
    )
    assert len(officer["results"]) == 2
    assert client.get("/records/lookup/unicorns/", {"q": "x"}).status_code == 404


def test_any_lookup_finds_events_and_acts_without_naming_hidden_victims(
    client_for, analyst, documentation_officer, make_record
):
    hidden = make_record(
        documentation_officer, "person", name="숨은 피해자", sensitivity="strictly_confidential"
    )
    event = make_record(
        documentation_officer, "event", title="무산 공개처형", sensitivity="internal"
    )
    act = make_record(
        documentation_officer,
        "act",
        event=f"E-{event.pk}",
        victim=f"P-{hidden.pk}",
        violation_type="life.execution.public",
        sensitivity="internal",
    )
    results = client_for(analyst).get("/records/lookup/any/", {"q": "공개처형"}).json()["results"]
    values = {r["value"] for r in results}
    assert f"E-{event.pk}" in values and f"A-{act.pk}" in values
    assert all("숨은" not in r["label"] for r in results)


@pytest.mark.parametrize("persona", ["outsider", "partner"])
def test_lookups_refuse_those_who_see_no_records(request, client_for, persona):
    client = client_for(request.getfixturevalue(persona))
    for path in (
        "/records/lookup/places/",
        "/records/lookup/terms/violations/",
        "/records/lookup/any/",
    ):
        assert client.get(path, {"q": "회령"}).status_code == 403


# --- a record with many links -----------------------------------------------------------


def many_links(user, centre, count: int, *, start: int = 0) -> None:
    """`count` persons linked with `centre`, in both directions, in bulk."""
    from sillok.records.fields import clean_values
    from sillok.records.resolve import Resolver

    persons = do_import_records(
        user, "person", [{"name": f"Person {start + i}"} for i in range(count)], source={}
    )
    resolver = Resolver(user)
    rows = []
    for i, person in enumerate(persons):
        ends = (
            (f"P-{centre.pk}", f"P-{person.pk}") if i % 2 else (f"P-{person.pk}", f"P-{centre.pk}")
        )
        rows.append(
            clean_values(
                "link",
                {"from": ends[0], "to": ends[1], "relation": "associate_of", "certainty": "likely"},
                resolver,
            )
        )
    do_import_records(user, "link", rows, source={})


def test_a_record_page_with_many_links_uses_a_fixed_number_of_queries(
    client_for, analyst, chief_and_guard, make_record
):
    chief, guard = chief_and_guard
    event = make_record(analyst, "event", title="Arrest")
    make_record(
        analyst, "link", **{"from": f"P-{chief.pk}", "to": f"E-{event.pk}", "relation": "witnessed"}
    )
    many_links(analyst, chief, 5)
    client = client_for(analyst)
    with CaptureQueriesContext(connection) as few:
        assert client.get(f"/records/persons/{chief.pk}/").status_code == 200
    many_links(analyst, chief, 60, start=5)
    with CaptureQueriesContext(connection) as many:
        page = client.get(f"/records/persons/{chief.pk}/")
    assert len(page.context["links"]) == 66
    assert len(many) == len(few), [q["sql"][:120] for q in many.captured_queries]


def test_a_record_page_with_a_thousand_links_renders_in_time(client_for, analyst, chief_and_guard):
    chief, _ = chief_and_guard
    many_links(analyst, chief, 1000)
    client = client_for(analyst)
    client.get(f"/records/persons/{chief.pk}/")  # warm the template and URL caches
    started = time.perf_counter()
    page = client.get(f"/records/persons/{chief.pk}/")
    elapsed = time.perf_counter() - started
    assert page.status_code == 200 and len(page.context["links"]) == 1000
    graph = str(page.context["graph"])
    assert graph.count("<circle") == 41 and "and 960 more" in graph
    # The target is 300 ms; the test leaves room for slow, shared CI machines.
    assert elapsed < 1.5, f"{elapsed * 1000:.0f} ms"
