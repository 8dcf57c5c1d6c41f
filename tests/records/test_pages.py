"""The record pages through the test client: the home, lists with their filters, create, edit
and view for every kind, validation errors, stale revisions, refusals, and the Korean UI."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sillok.records.kinds import KINDS
from sillok.records.models import Act, Event, Person, RecordVersion
from sillok.vocab.queries import search_places

pytestmark = pytest.mark.django_db


def hoeryong():
    """The city of Hoeryong (회령시), North Hamgyong, from the packaged gazetteer."""
    place = search_places("회령")[0]
    assert place.label_ko == "회령시"
    return place


@pytest.fixture
def world(analyst, make_record):
    """An event in Hoeryong with a torture act against 김철수 and a perpetrator."""
    victim = make_record(
        analyst, "person", name="김철수", name_hangul="김철수", roles="victim", birth_year="1975"
    )
    guard = make_record(analyst, "person", name="Guard Pak", roles="perpetrator")
    event = make_record(
        analyst, "event", title="회령 보위부 구류장 구금", date="2015-03", place=hoeryong().code
    )
    act = make_record(
        analyst,
        "act",
        event=f"E-{event.pk}",
        victim=f"P-{victim.pk}",
        violation_type="torture.beating",
        date="2015-03-14",
        place=hoeryong().code,
    )
    involvement = make_record(
        analyst, "involvement", act=f"A-{act.pk}", perpetrator=f"P-{guard.pk}", degree="direct"
    )
    return {"victim": victim, "guard": guard, "event": event, "act": act, "inv": involvement}


# --- home and lists --------------------------------------------------------------------


def test_the_analyst_sees_the_home_with_counts_and_create_links(client_for, analyst, world):
    page = client_for(analyst).get("/records/")
    assert page.status_code == 200
    counts = {entry["kind"].name: entry["count"] for entry in page.context["counts"]}
    assert counts["person"] == 2 and counts["act"] == 1 and counts["link"] == 0
    html = page.content.decode()
    assert 'href="/records/persons/new/"' in html and 'href="/records/acts/"' in html


def test_a_manager_sees_counts_but_no_create_links(client_for, manager, world):
    html = client_for(manager).get("/records/").content.decode()
    assert "/records/persons/" in html and "/records/persons/new/" not in html


@pytest.mark.parametrize("persona", ["outsider", "partner"])
def test_the_outsider_and_the_partner_see_no_records(request, client_for, persona, world):
    client = client_for(request.getfixturevalue(persona))
    assert client.get("/records/").status_code == 403
    for kind in KINDS:
        assert client.get(f"/records/{kind.plural}/").status_code == 403
    assert client.get(f"/records/persons/{world['victim'].pk}/").status_code == 404
    assert client.get(f"/records/persons/{world['victim'].pk}/edit/").status_code == 404
    assert client.get("/records/lookup/persons/?q=김").status_code == 403


@pytest.mark.parametrize("kind", [k.plural for k in KINDS])
def test_every_list_renders_for_the_analyst(client_for, analyst, world, kind):
    page = client_for(analyst).get(f"/records/{kind}/")
    assert page.status_code == 200, kind


def test_the_person_list_finds_a_name_in_any_spelling(client_for, analyst, world):
    client = client_for(analyst)
    for spelling in ("김철수", "Kim Cheolsu", "Kim Ch'ŏlsu", "kim chol"):
        rows = client.get("/records/persons/", {"q": spelling}).context["rows"]
        assert [r["record"].pk for r in rows] == [world["victim"].pk], spelling
    assert client.get("/records/persons/", {"q": "Pak"}).context["rows"][0]["record"].pk == (
        world["guard"].pk
    )


def test_the_act_list_filters_by_violation_type_including_sub_types(
    client_for, analyst, world, make_record
):
    other = make_record(
        analyst, "act", event=f"E-{world['event'].pk}", violation_type="life.execution.public"
    )
    client = client_for(analyst)

    def listed(**query):
        return {r["record"].pk for r in client.get("/records/acts/", query).context["rows"]}

    assert listed(violation_type="torture") == {world["act"].pk}
    assert listed(violation_type="life.execution") == {other.pk}
    assert listed() == {world["act"].pk, other.pk}
    events = client.get("/records/events/", {"violation_type": "torture"}).context["rows"]
    assert [r["record"].pk for r in events] == [world["event"].pk]


def test_lists_filter_by_a_place_and_the_places_within_it(client_for, analyst, world, make_record):
    elsewhere = make_record(analyst, "event", title="Pyongyang arrest", place="KP-01")
    client = client_for(analyst)
    province = hoeryong().parent
    rows = client.get("/records/events/", {"place": province.code}).context["rows"]
    assert [r["record"].pk for r in rows] == [world["event"].pk]
    rows = client.get("/records/events/", {"place": "평양"}).context["rows"]
    assert [r["record"].pk for r in rows] == [elsewhere.pk]
    page = client.get("/records/events/", {"place": "Atlantis"})
    assert "No such place" in page.content.decode()


def test_lists_filter_by_a_date_range_that_overlaps(client_for, analyst, world, make_record):
    make_record(analyst, "event", title="Later", date="2019")
    client = client_for(analyst)

    def titles(**query):
        return [r["record"].title for r in client.get("/records/events/", query).context["rows"]]

    assert titles(date_from="2015", date_to="2015") == ["회령 보위부 구류장 구금"]
    assert titles(date_from="2016") == ["Later"]
    garbled = client.get("/records/events/", {"date_from": "soon"})
    errors = {f["name"]: f["error"] for f in garbled.context["filters"]}
    assert errors["date_from"] and len(garbled.context["rows"]) == 2  # reported, not applied


def test_lists_filter_by_review_status_and_sensitivity_and_hide_withdrawn(
    client_for, analyst, world, make_record
):
    from sillok.records.services import do_withdraw_record

    secret = make_record(analyst, "person", name="Confidential Kim", sensitivity="internal")
    do_withdraw_record(analyst, world["guard"], reason="duplicate of another person")
    client = client_for(analyst)

    def names(**query):
        return {r["record"].name for r in client.get("/records/persons/", query).context["rows"]}

    assert names() == {"김철수", "Confidential Kim"}
    assert names(withdrawn="1") == {"김철수", "Confidential Kim", "Guard Pak"}
    assert names(sensitivity="internal") == {"Confidential Kim"}
    assert names(review_status="reviewed") == set()
    assert secret.review_status == "draft"


def test_a_list_hides_records_above_the_viewers_clearance(
    client_for, analyst, documentation_officer, make_record
):
    make_record(
        documentation_officer, "person", name="Witness X", sensitivity="strictly_confidential"
    )
    officer = client_for(documentation_officer).get("/records/persons/").context["rows"]
    assert [r["record"].name for r in officer] == ["Witness X"]
    assert client_for(analyst).get("/records/persons/").context["rows"] == []


def test_an_act_list_never_names_a_victim_the_viewer_may_not_see(
    client_for, analyst, documentation_officer, make_record
):
    hidden = make_record(
        documentation_officer, "person", name="비밀 증인", sensitivity="strictly_confidential"
    )
    event = make_record(documentation_officer, "event", title="Arrest")
    make_record(
        documentation_officer,
        "act",
        event=f"E-{event.pk}",
        victim=f"P-{hidden.pk}",
        violation_type="torture",
    )
    client = client_for(analyst)
    html = client.get("/records/acts/").content.decode()
    assert "비밀 증인" not in html and "someone you may not see" in html
    assert client.get("/records/acts/", {"q": "비밀"}).context["rows"] == []


def test_list_pages_use_a_fixed_number_of_queries(client_for, analyst, world, make_record):
    client = client_for(analyst)
    for kind in ("acts", "involvements", "persons", "events"):
        with CaptureQueriesContext(connection) as few:
            assert client.get(f"/records/{kind}/").status_code == 200
        for i in range(6):
            victim = make_record(analyst, "person", name=f"Victim {kind} {i}", origin="KP-09")
            act = make_record(
                analyst,
                "act",
                event=f"E-{world['event'].pk}",
                victim=f"P-{victim.pk}",
                violation_type="torture",
                place="KP-09",
            )
            make_record(
                analyst,
                "involvement",
                act=f"A-{act.pk}",
                perpetrator=f"P-{world['guard'].pk}",
                degree="ordering",
            )
        with CaptureQueriesContext(connection) as many:
            assert client.get(f"/records/{kind}/").status_code == 200
        assert len(many) == len(few), (kind, [q["sql"] for q in many.captured_queries])


def test_the_list_paginates_and_keeps_the_filters(client_for, analyst, make_record):
    from sillok.records.services import do_import_records

    do_import_records(analyst, "person", [{"name": f"Lee {i}"} for i in range(60)], source={})
    client = client_for(analyst)
    first = client.get("/records/persons/", {"q": "Lee"})
    assert len(first.context["rows"]) == 50
    html = first.content.decode()
    assert "?q=Lee&amp;page=2" in html
    assert len(client.get("/records/persons/", {"q": "Lee", "page": 2}).context["rows"]) == 10


# --- create, view, edit -----------------------------------------------------------------


def form_fields(page) -> dict:
    return {f.name: f for f in page.context["fields"]}


def test_the_create_form_is_generated_from_the_fields_with_a_term_tree(client_for, analyst):
    page = client_for(analyst).get("/records/acts/new/")
    assert page.status_code == 200
    fields = form_fields(page)
    assert list(fields) == [
        "event",
        "victim",
        "violation_type",
        "date",
        "place",
        "victim_status",
        "description",
        "sensitivity",
        "compartment",
    ]
    options = {o.value: o.label for o in fields["violation_type"].options}
    assert "고문" in options["torture"] and options["torture"].startswith("Torture")
    assert (
        options["torture.beating"].startswith("\u2003Beating")
        and "구타" in options["torture.beating"]
    )
    assert fields["victim"].lookup == "/records/lookup/persons/"
    assert fields["place"].lookup == "/records/lookup/places/"
    assert fields["sensitivity"].value == "restricted"
    html = page.content.decode()
    assert 'data-lookup="/records/lookup/persons/"' in html
    assert '<script src="/static/records/autocomplete.js"' in html
    assert "style=" not in html and "<script>" not in html


def test_an_analyst_creates_a_person_with_a_hangul_name(client_for, analyst):
    client = client_for(analyst)
    response = client.post(
        "/records/persons/new/",
        {
            "name": "박영희",
            "name_hangul": "박영희",
            "aliases": "Young-hee; 영희 엄마",
            "roles": ["victim", "witness"],
            "sex": "female",
            "birth_year": "1970..1972",
            "origin": "회령",
            "status": "detained",
            "songbun": "core",
            "sensitivity": "internal",
        },
    )
    person = Person.objects.get(name="박영희")
    assert response.status_code == 302 and response["Location"] == f"/records/persons/{person.pk}/"
    assert person.aliases == ["Young-hee", "영희 엄마"] and person.roles == ["victim", "witness"]
    assert (person.birth_year_from, person.birth_year_to) == (1970, 1972)
    assert person.origin == hoeryong() and person.songbun.code == "core"
    page = client.get(response["Location"])
    html = page.content.decode()
    assert "Bak Yeonghui" in html or "Pak Yŏnghŭi" in html or "박영희" in html
    assert hoeryong().label_en in html and "회령시" in html
    assert "1970–1972" in html
    assert RecordVersion.objects.get(kind="person", record_id=person.pk).action == "created"


def test_validation_errors_show_beside_their_fields_and_nothing_is_saved(
    client_for, analyst, world
):
    client = client_for(analyst)
    response = client.post(
        "/records/acts/new/",
        {
            "event": "E-999999",
            "victim": f"P-{world['victim'].pk}",
            "violation_type": "not a type",
            "date": "sometime",
            "place": "Atlantis",
            "sensitivity": "restricted",
        },
    )
    assert response.status_code == 400
    fields = form_fields(response)
    assert "no event 999999" in fields["event"].error
    assert "not a term" in fields["violation_type"].error
    assert fields["date"].error and "not in the gazetteer" in fields["place"].error
    assert fields["victim"].error == "" and fields["victim"].picked == "김철수"
    assert fields["place"].value == "Atlantis"
    html = response.content.decode()
    assert 'aria-invalid="true"' in html and 'id="e-event"' in html
    assert Act.objects.count() == 1


def test_a_required_field_left_empty_is_named(client_for, analyst):
    response = client_for(analyst).post("/records/events/new/", {"title": ""})
    assert response.status_code == 400
    assert form_fields(response)["title"].error == "is required"
    assert Event.objects.count() == 0


RAW = {
    "testimonies": lambda w: {
        "title": "면담 2019-04",
        "witness": f"P-{w['victim'].pk}",
        "interviewer": "analyst",
        "date": "2019-04",
        "place": "Seoul",
        "language": "ko",
        "consent_given": "1",
        "consent_scope": ["internal_analysis", "un_reporting"],
        "consent_form": "written",
        "summary": "구류장에서 구타를 당했다고 진술.",
        "sensitivity": "restricted",
    },
    "events": lambda w: {"title": "Arrest at the border", "date": "~2014", "place": "KP-09"},
    "acts": lambda w: {
        "event": f"E-{w['event'].pk}",
        "victim": f"P-{w['victim'].pk}",
        "violation_type": "torture.water",
        "date": "2015..2016",
        "victim_status": "released",
    },
    "involvements": lambda w: {
        "act": f"A-{w['act'].pk}",
        "perpetrator": f"P-{w['guard'].pk}",
        "degree": "ordering",
    },
    "persons": lambda w: {"name": "Ri Myong-su", "sex": "male", "status": "unknown"},
    "organizations": lambda w: {
        "name": "Hoeryong City State Security Department",
        "name_ko": "회령시 보위부",
        "kind": "county_office",
        "institution": "state_security.county",
        "place": hoeryong().code,
        "active_from": "1990",
    },
    "sources": lambda w: {
        "name": "Witness 17",
        "source_type": "testimonial.victim",
        "reliability": "B",
    },
    "information": lambda w: {
        "source": f"S-{w['source'].pk}",
        "event": f"E-{w['event'].pk}",
        "connection": "eyewitness",
        "credibility": "2",
        "date": "2019-04-02",
    },
    "links": lambda w: {
        "from": f"P-{w['guard'].pk}",
        "to": f"P-{w['victim'].pk}",
        "relation": "associate_of",
        "certainty": "likely",
    },
}


@pytest.fixture
def full_world(world, analyst, make_record):
    world["source"] = make_record(analyst, "source", name="Witness 9")
    return world


@pytest.mark.parametrize("plural", list(RAW))
def test_every_kind_is_created_viewed_listed_and_edited_through_the_pages(
    client_for, analyst, full_world, plural
):
    client = client_for(analyst)
    kind = next(k for k in KINDS if k.plural == plural)
    assert client.get(f"/records/{plural}/new/").status_code == 200
    created = client.post(f"/records/{plural}/new/", RAW[plural](full_world))
    assert created.status_code == 302, form_errors(created)
    record = kind.model.objects.order_by("-pk").first()
    assert created["Location"] == f"/records/{plural}/{record.pk}/"
    page = client.get(created["Location"])
    assert page.status_code == 200 and page.context["reference"] == f"{kind.prefix}-{record.pk}"
    listed = client.get(f"/records/{plural}/").context["rows"]
    assert record.pk in {row["record"].pk for row in listed}

    edit = client.get(f"/records/{plural}/{record.pk}/edit/")
    assert edit.status_code == 200
    values = {f.name: f.value for f in edit.context["fields"]}
    values = {k: v for k, v in values.items() if v not in ("", None, False, [])}
    values["revision"] = record.revision
    values["sensitivity"] = "internal"
    saved = client.post(f"/records/{plural}/{record.pk}/edit/", values)
    assert saved.status_code == 302, form_errors(saved)
    record.refresh_from_db()
    assert record.sensitivity == "internal" and record.revision == 2
    version = RecordVersion.objects.get(kind=kind.name, record_id=record.pk, number=2)
    assert version.action == "edited" and version.actor == analyst


def form_errors(response) -> dict:
    if response.context is None or "fields" not in response.context:
        return {"status": response.status_code}
    return {f.name: f.error for f in response.context["fields"] if f.error} | {
        "problem": response.context.get("problem")
    }


def test_the_edit_form_prefills_the_values_as_typed_text(client_for, analyst, world):
    fields = form_fields(client_for(analyst).get(f"/records/acts/{world['act'].pk}/edit/"))
    assert fields["event"].value == f"E-{world['event'].pk}"
    assert (
        fields["victim"].value == f"P-{world['victim'].pk}" and fields["victim"].picked == "김철수"
    )
    assert fields["violation_type"].value == "torture.beating"
    assert fields["date"].value == "2015-03-14"
    assert fields["place"].value == hoeryong().code and "회령시" in fields["place"].picked


def test_an_edit_against_a_stale_revision_is_refused(
    client_for, analyst, documentation_officer, world
):
    from sillok.records.fields import clean_values
    from sillok.records.resolve import Resolver
    from sillok.records.services import do_update_record

    event = world["event"]
    values = clean_values("event", {"title": "Changed meanwhile"}, Resolver(analyst), partial=True)
    do_update_record(documentation_officer, event, values, expected_revision=1)
    response = client_for(analyst).post(
        f"/records/events/{event.pk}/edit/",
        {"title": "My change", "revision": "1", "sensitivity": "restricted"},
    )
    assert response.status_code == 409
    assert "changed by someone else" in response.context["problem"]
    event.refresh_from_db()
    assert event.title == "Changed meanwhile" and event.revision == 2


def test_an_edit_without_its_revision_is_refused(client_for, analyst, world):
    response = client_for(analyst).post(
        f"/records/events/{world['event'].pk}/edit/", {"title": "No revision"}
    )
    assert response.status_code == 400 and "reload" in response.context["problem"]


def test_editing_a_reviewed_record_needs_a_reason_and_sends_it_back_to_draft(
    client_for, analyst, legal_expert, documentation_officer, make_record
):
    from sillok.records.services import do_complete_review, do_submit_for_review

    event = make_record(documentation_officer, "event", title="Reviewed event")
    do_submit_for_review(documentation_officer, event, legal_expert)
    event = do_complete_review(legal_expert, event)
    client = client_for(analyst)
    edit = client.get(f"/records/events/{event.pk}/edit/")
    assert edit.context["reason_required"] and 'name="reason"' in edit.content.decode()
    data = {"title": "Corrected title", "revision": event.revision, "sensitivity": "restricted"}
    refused = client.post(f"/records/events/{event.pk}/edit/", data)
    assert refused.status_code == 400 and "say why" in refused.context["reason_error"]
    event.refresh_from_db()
    assert event.title == "Reviewed event"
    done = client.post(f"/records/events/{event.pk}/edit/", data | {"reason": "typo in the title"})
    assert done.status_code == 302
    event.refresh_from_db()
    assert (event.title, event.review_status) == ("Corrected title", "draft")
    assert RecordVersion.objects.get(
        kind="event", record_id=event.pk, number=event.revision
    ).reason == ("typo in the title")


@pytest.mark.parametrize("persona", ["manager", "auditor", "legal_expert", "vault_keeper"])
def test_those_who_may_only_read_cannot_create_or_edit(request, client_for, persona, world):
    client = client_for(request.getfixturevalue(persona))
    event = world["event"]
    assert client.get(f"/records/events/{event.pk}/").status_code == 200
    for path in ("/records/events/new/", f"/records/events/{event.pk}/edit/"):
        refused = client.get(path)
        assert refused.status_code == 403 and "change_record" in refused.content.decode()
        assert client.post(path, {"title": "x", "revision": "1"}).status_code == 403
    assert Event.objects.get().title == event.title


def test_a_record_above_the_viewers_clearance_is_not_found_on_every_page(
    client_for, analyst, documentation_officer, make_record
):
    hidden = make_record(
        documentation_officer, "person", name="X", sensitivity="strictly_confidential"
    )
    client = client_for(analyst)
    base = f"/records/persons/{hidden.pk}"
    for path in (f"{base}/", f"{base}/edit/", f"{base}/history/", f"{base}/versions/1/"):
        assert client.get(path).status_code == 404, path
    for action in ("withdraw/", "reinstate/", "review/send/", "links/add/", "versions/1/restore/"):
        assert client.post(f"{base}/{action}", {"reason": "x"}).status_code == 404, action
    assert client.get("/records/persons/999999/").status_code == 404
    assert client.get("/records/unicorns/").status_code == 404


@pytest.mark.parametrize(
    "action",
    [
        "withdraw/",
        "reinstate/",
        "review/send/",
        "review/complete/",
        "review/return/",
        "links/add/",
        "versions/1/restore/",
    ],
)
def test_post_only_actions_refuse_get(client_for, analyst, world, action):
    response = client_for(analyst).get(f"/records/persons/{world['victim'].pk}/{action}")
    assert response.status_code == 405


# --- the record page --------------------------------------------------------------------


def test_the_record_page_shows_fields_with_labels_in_both_languages(client_for, analyst, world):
    page = client_for(analyst).get(f"/records/acts/{world['act'].pk}/")
    html = page.content.decode()
    assert "Violation type" in html and "Beating" in html and "구타" in html
    assert (
        f'href="/records/events/{world["event"].pk}/"' in html and "회령 보위부 구류장 구금" in html
    )
    assert f'href="/records/persons/{world["victim"].pk}/"' in html
    assert hoeryong().label_en in html and "회령시" in html
    assert "2015-03-14" in html
    related = page.context["related"][0]
    assert (
        related["rows"][0].ref == f"V-{world['inv'].pk}" and "Guard Pak" in related["rows"][0].text
    )


def test_a_person_page_lists_acts_involvements_and_testimonies(
    client_for, analyst, world, make_record
):
    testimony = make_record(analyst, "testimony", title="증언 1", witness=f"P-{world['victim'].pk}")
    client = client_for(analyst)
    victim = client.get(f"/records/persons/{world['victim'].pk}/").context["related"]
    by_heading = {str(s["heading"]): [r.ref for r in s["rows"]] for s in victim}
    assert by_heading["Acts suffered as victim"] == [f"A-{world['act'].pk}"]
    assert by_heading["Testimonies given as witness"] == [f"T-{testimony.pk}"]
    guard = client.get(f"/records/persons/{world['guard'].pk}/").context["related"]
    by_heading = {str(s["heading"]): [r.ref for r in s["rows"]] for s in guard}
    assert by_heading["Involvements as perpetrator"] == [f"V-{world['inv'].pk}"]


def test_a_testimony_page_links_its_items(
    client_for, documentation_officer, repo_home, world, make_record
):
    from sillok.evidence.models import Item

    item = Item.objects.create(
        title="녹음 파일", sensitivity="internal", created_by=documentation_officer
    )
    testimony = make_record(
        documentation_officer,
        "testimony",
        title="면담",
        witness=f"P-{world['victim'].pk}",
        items=str(item.pk),
    )
    html = (
        client_for(documentation_officer)
        .get(f"/records/testimonies/{testimony.pk}/")
        .content.decode()
    )
    assert f'href="/items/{item.pk}/"' in html and "녹음 파일" in html


def test_the_related_list_offers_to_add_a_record_prefilled(client_for, analyst, world):
    client = client_for(analyst)
    html = client.get(f"/records/events/{world['event'].pk}/").content.decode()
    assert f'href="/records/acts/new/?event=E-{world["event"].pk}"' in html
    form = client.get("/records/acts/new/", {"event": f"E-{world['event'].pk}"})
    assert form_fields(form)["event"].value == f"E-{world['event'].pk}"
    assert form_fields(form)["event"].picked == "회령 보위부 구류장 구금"


def test_the_korean_ui_renders_the_record_pages(client_for, analyst, world):
    client = client_for(analyst)
    page = client.get(f"/records/acts/{world['act'].pk}/", HTTP_ACCEPT_LANGUAGE="ko")
    html = page.content.decode()
    assert '<html lang="ko">' in html
    # Terms and places in Korean first, English beside them.
    assert "구타" in html and "회령시" in html
    assert html.index("구타") < html.index("Beating")
    client.cookies["django_language"] = "ko"
    for path in ("/records/", "/records/acts/", "/records/acts/new/", "/vocab/"):
        response = client.get(path)
        assert response.status_code == 200 and '<html lang="ko">' in response.content.decode()
    options = {
        o.value: o.label
        for o in form_fields(client.get("/records/acts/new/"))["violation_type"].options
    }
    assert options["torture.beating"].startswith("\u2003구타")
