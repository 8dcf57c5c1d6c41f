"""The records API with personas: create and edit (analysts, documentation officers), review
(someone other than the author), history and restore, withdrawal, links, list filters, and
what each persona may see (nothing for the outsider and the partner; nothing above one's
clearance through lists, reads, links or history)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sillok.evidence.custody_log import HandlingContext
from sillok.evidence.intake import do_ingest_paths
from sillok.evidence.metadata import ItemMetadata
from sillok.records.models import Person, RecordVersion
from sillok.vocab.models import Place
from sillok.vocab.queries import search_places

pytestmark = pytest.mark.django_db

JSON = "application/json"
PERSONS = "/api/v1/records/persons"


def post(client, path, data):
    return client.post(path, data, content_type=JSON)


def patch(client, path, data):
    return client.patch(path, data, content_type=JSON)


@pytest.fixture
def api(client_for, vocabularies):
    """api(user) -> a signed-in client (the shipped vocabularies are loaded)."""
    return client_for


@pytest.fixture
def reader(make_user):
    """May see records, but holds no clearance for restricted ones."""
    user = make_user("reader")
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="records", codename="view_record")
    )
    return user


def hoeryong() -> Place:
    return next(p for p in search_places("회령") if p.kind == "city")


def test_an_analyst_creates_a_person_and_reads_it_back_in_the_raw_form(api, analyst):
    client = api(analyst)
    created = post(
        client,
        PERSONS,
        {
            "values": {
                "name": "Kim Young-hee",
                "name_hangul": "김영희",
                "sex": "female",
                "birth_year": "1975..1978",
                "origin": "회령",
                "status": "detained",
                "roles": "victim, witness",
                "songbun": "wavering",
                "sensitivity": "internal",
            },
            "reason": "from testimony T-1",
        },
    )
    assert created.status_code == 201, created.content
    body = created.json()
    person = Person.objects.get(pk=body["id"])
    assert body["reference"] == f"P-{person.pk}" and body["kind"] == "person"
    assert body["title"] == "Kim Young-hee"
    assert (body["revision"], body["review_status"], body["created_by"]) == (1, "draft", "analyst")
    values = body["values"]
    assert values["birth_year"] == "1975..1978" and values["sex"] == "female"
    assert values["roles"] == ["victim", "witness"]
    assert values["origin"] == {
        "code": hoeryong().code,
        "name_en": hoeryong().label_en,
        "name_ko": hoeryong().label_ko,
    }
    assert values["songbun"]["code"] == "wavering" and values["songbun"]["label_ko"]
    assert client.get(f"{PERSONS}/{person.pk}").json() == body
    version = RecordVersion.objects.get(kind="person", record_id=person.pk)
    assert (version.reason, version.actor) == ("from testimony T-1", analyst)


def test_bad_values_are_refused_with_every_field_named(api, documentation_officer):
    response = post(
        api(documentation_officer),
        PERSONS,
        {"values": {"birth_year": "soon", "sex": "robot", "origin": "Atlantis", "colour": "b"}},
    )
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert set(errors) == {"name", "birth_year", "sex", "origin", "colour"}
    assert "required" in errors["name"] and "gazetteer" in errors["origin"]
    assert response.json()["detail"]
    assert not Person.objects.exists()


def test_an_act_shows_the_records_terms_and_places_it_names(api, analyst, make_record):
    event = make_record(analyst, "event", title="Public execution in Hoeryong", date="2015-03")
    victim = make_record(analyst, "person", name="Victim A", sensitivity="internal")
    response = post(
        api(analyst),
        "/api/v1/records/acts",
        {
            "values": {
                "event": f"E-{event.pk}",
                "victim": str(victim.pk),
                "violation_type": "Beating",
                "date": "~2015",
                "place": "KP-09",
            }
        },
    )
    assert response.status_code == 201, response.content
    values = response.json()["values"]
    assert values["event"] == {
        "reference": f"E-{event.pk}",
        "id": event.pk,
        "title": "Public execution in Hoeryong",
    }
    assert values["victim"]["title"] == "Victim A"
    assert values["violation_type"]["code"] == "torture.beating"
    assert values["date"] == "~2015" and values["place"]["code"] == "KP-09"


def test_what_a_read_returns_can_be_sent_back_unchanged(api, analyst, make_record):
    event = make_record(analyst, "event", title="Arrest", date="2016-05-02", place="KP-09")
    client = api(analyst)
    act = post(
        client,
        "/api/v1/records/acts",
        {"values": {"event": f"E-{event.pk}", "violation_type": "torture", "place": "회령"}},
    ).json()
    again = patch(
        client,
        f"/api/v1/records/acts/{act['id']}",
        {"values": act["values"], "revision": act["revision"]},
    )
    assert again.status_code == 200, again.content
    assert again.json()["revision"] == act["revision"]  # nothing changed, no new version
    assert RecordVersion.objects.filter(kind="act", record_id=act["id"]).count() == 1


def test_an_edit_changes_only_the_fields_given_and_a_stale_revision_gets_409(
    api, analyst, make_record
):
    person = make_record(analyst, "person", name="Pak", sex="male", status="missing")
    client = api(analyst)
    url = f"{PERSONS}/{person.pk}"
    changed = patch(client, url, {"values": {"status": "released"}, "revision": 1})
    assert changed.status_code == 200, changed.content
    assert changed.json()["revision"] == 2
    assert changed.json()["values"]["sex"] == "male"
    assert changed.json()["values"]["status"] == "released"
    stale = patch(client, url, {"values": {"status": "deceased"}, "revision": 1})
    assert stale.status_code == 409 and "revision 2" in stale.json()["detail"]
    bad = patch(client, url, {"values": {"status": "asleep"}, "revision": 2})
    assert bad.status_code == 422 and set(bad.json()["errors"]) == {"status"}
    assert Person.objects.get(pk=person.pk).status == "released"


def test_a_legal_expert_reads_records_but_may_not_create_or_edit_them(
    api, analyst, legal_expert, make_record
):
    person = make_record(analyst, "person", name="Ri")
    client = api(legal_expert)
    assert client.get(f"{PERSONS}/{person.pk}").status_code == 200
    edit = patch(client, f"{PERSONS}/{person.pk}", {"values": {"name": "X"}, "revision": 1})
    assert edit.status_code == 403 and "change_record" in edit.json()["detail"]
    assert post(client, PERSONS, {"values": {"name": "X"}}).status_code == 403


@pytest.mark.parametrize("persona", ["outsider", "partner"])
def test_the_outsider_and_the_partner_see_no_records(persona, request, api, analyst, make_record):
    person = make_record(analyst, "person", name="Choi", sensitivity="public")
    client = api(request.getfixturevalue(persona))
    assert client.get(PERSONS).json() == {"total": 0, "items": []}
    for suffix in ("", "/history", "/history/1", "/links"):
        assert client.get(f"{PERSONS}/{person.pk}{suffix}").status_code == 404
    withdraw = post(client, f"{PERSONS}/{person.pk}/withdraw", {"reason": "mine"})
    assert withdraw.status_code == 404
    assert withdraw.json() == {"detail": f"no person {person.pk}"}


def test_a_user_without_clearance_cannot_see_a_restricted_record_anywhere(
    api, analyst, reader, make_record
):
    open_person = make_record(analyst, "person", name="Open", sensitivity="internal")
    hidden = make_record(
        analyst, "person", name="Hidden Kim", name_hangul="김숨은", sensitivity="restricted"
    )
    link = make_record(
        analyst,
        "link",
        **{
            "from": f"P-{open_person.pk}",
            "to": f"P-{hidden.pk}",
            "relation": "superior_of",
            "sensitivity": "internal",
        },
    )
    event = make_record(analyst, "event", title="Arrest", sensitivity="internal")
    act = make_record(
        analyst,
        "act",
        event=f"E-{event.pk}",
        victim=f"P-{hidden.pk}",
        violation_type="torture",
        sensitivity="internal",
    )
    client = api(reader)
    listed = client.get(PERSONS).json()
    assert [p["id"] for p in listed["items"]] == [open_person.pk] and listed["total"] == 1
    assert client.get(PERSONS, {"q": "김숨은"}).json()["total"] == 0
    for suffix in ("", "/history", "/history/1", "/links"):
        assert client.get(f"{PERSONS}/{hidden.pk}{suffix}").status_code == 404
    assert client.get(f"{PERSONS}/{open_person.pk}/links").json() == []
    shown = client.get(f"/api/v1/records/acts/{act.pk}").json()
    assert shown["values"]["victim"] == {
        "reference": f"P-{hidden.pk}",
        "id": hidden.pk,
        "title": None,
    }
    assert "Hidden Kim" not in str(shown)  # not even in the act's title
    assert client.get("/api/v1/records/links").json()["total"] == 0
    assert client.get(f"/api/v1/records/links/{link.pk}").status_code == 404
    # The analyst, cleared for restricted records, sees all of it.
    assert api(analyst).get(PERSONS).json()["total"] == 2
    assert len(api(analyst).get(f"{PERSONS}/{open_person.pk}/links").json()) == 1
    assert api(analyst).get("/api/v1/records/links").json()["total"] == 1
    assert "Hidden Kim" in api(analyst).get(f"/api/v1/records/acts/{act.pk}").json()["title"]


def test_persons_are_found_by_any_spelling_of_their_name(api, analyst, make_record):
    kim = make_record(
        analyst, "person", name="Witness 7", name_hangul="김영희", aliases="Young-hee Kim"
    )
    make_record(analyst, "person", name="Somebody else", name_hangul="박철수")
    client = api(analyst)
    for text in ("김영희", "Kim Yeonghui", "Kim Yŏnghŭi", "Young-hee", "witness 7"):
        found = client.get(PERSONS, {"q": text}).json()
        assert [p["id"] for p in found["items"]] == [kim.pk], text


def test_lists_filter_by_violation_type_place_dates_status_and_sensitivity(
    api, analyst, make_record
):
    city = hoeryong()
    province = city.parent
    while province.kind != "province":
        province = province.parent
    early = make_record(analyst, "event", title="Early", date="2010-05", place=city.code)
    late = make_record(
        analyst, "event", title="Late", date="2016..2017", place="KP-01", sensitivity="internal"
    )
    beaten = make_record(analyst, "act", event=f"E-{early.pk}", violation_type="torture.beating")
    make_record(analyst, "act", event=f"E-{late.pk}", violation_type="executions")
    client = api(analyst)

    def ids(path, **params):
        response = client.get(path, params)
        assert response.status_code == 200, response.content
        return {record["id"] for record in response.json()["items"]}

    events = "/api/v1/records/events"
    assert ids("/api/v1/records/acts", violation_type="torture") == {beaten.pk}
    assert ids(events, violation_type="torture") == {early.pk}
    assert ids(events, place=province.code) == {early.pk}
    assert ids(events, date_from="2015", date_to="2016-01") == {late.pk}
    assert ids(events, date_to="2012") == {early.pk}
    assert ids(events, sensitivity="internal") == {late.pk}
    assert ids(events, review_status="reviewed") == set()
    assert ids(events, q="earl") == {early.pk}
    bad = client.get(events, {"violation_type": "colour", "limit": 1})
    assert bad.status_code == 400 and set(bad.json()["errors"]) == {"violation_type"}
    paged = client.get(events, {"limit": 1, "offset": 1}).json()
    assert paged["total"] == 2 and [e["id"] for e in paged["items"]] == [early.pk]
    assert client.get("/api/v1/records/colours").status_code == 404


def test_a_list_costs_the_same_queries_for_two_records_as_for_twelve(api, analyst, make_record):
    client = api(analyst)
    victim = make_record(analyst, "person", name="V", origin="KP-09", songbun="core")

    def add_acts(count):
        for n in range(count):
            event = make_record(analyst, "event", title=f"E{n}", place="KP-01")
            make_record(
                analyst,
                "act",
                event=f"E-{event.pk}",
                victim=f"P-{victim.pk}",
                violation_type="torture",
                place="KP-09",
            )

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/api/v1/records/acts").status_code == 200
        return len(captured)

    add_acts(2)
    few = queries()
    add_acts(10)
    assert queries() == few


def test_the_review_flow_is_peer_review_enforced_by_the_server(
    api, analyst, legal_expert, make_user, make_record
):
    event = make_record(analyst, "event", title="Detention at Camp 15")
    url = f"/api/v1/records/events/{event.pk}"
    author, reviewer = api(analyst), api(legal_expert)
    assert post(author, f"{url}/review", {"action": "submit"}).status_code == 422
    nobody = post(author, f"{url}/review", {"action": "submit", "reviewer": "nobody"})
    assert nobody.status_code == 422 and "reviewer" in nobody.json()["errors"]
    itself = post(author, f"{url}/review", {"action": "submit", "reviewer": "analyst"})
    assert itself.status_code == 403 and "peer review" in itself.json()["detail"]

    sent = post(author, f"{url}/review", {"action": "submit", "reviewer": "legal_expert"})
    assert sent.status_code == 200, sent.content
    assert (sent.json()["review_status"], sent.json()["reviewer"]) == ("in_review", "legal_expert")
    locked = patch(author, url, {"values": {"title": "X"}, "revision": 2})
    assert locked.status_code == 403 and "in review" in locked.json()["detail"]
    own = post(author, f"{url}/review", {"action": "complete"})
    assert own.status_code == 403
    silent = post(reviewer, f"{url}/review", {"action": "return"})
    assert silent.status_code == 403 and "say what" in silent.json()["detail"]
    returned = post(reviewer, f"{url}/review", {"action": "return", "comment": "date?"})
    assert returned.json()["review_status"] == "draft" and returned.json()["reviewer"] is None

    post(author, f"{url}/review", {"action": "submit", "reviewer": "legal_expert"})
    done = post(reviewer, f"{url}/review", {"action": "complete", "comment": "checked"})
    assert done.status_code == 200 and done.json()["review_status"] == "reviewed"
    revision = done.json()["revision"]
    no_reason = patch(author, url, {"values": {"title": "Y"}, "revision": revision})
    assert no_reason.status_code == 403 and "reason" in no_reason.json()["detail"]
    edited = patch(
        author, url, {"values": {"title": "Y"}, "revision": revision, "reason": "new testimony"}
    )
    assert edited.status_code == 200 and edited.json()["review_status"] == "draft"


def test_history_lists_every_version_and_a_version_shows_what_changed(api, analyst, make_record):
    person = make_record(analyst, "person", name="Han", status="missing")
    client = api(analyst)
    url = f"{PERSONS}/{person.pk}"
    patch(client, url, {"values": {"status": "detained"}, "revision": 1, "reason": "T-3 says"})
    patch(client, url, {"values": {"name": "Han Mi-ra"}, "revision": 2})
    history = client.get(f"{url}/history").json()
    assert [(v["number"], v["action"], v["actor"]) for v in history] == [
        (1, "created", "analyst"),
        (2, "edited", "analyst"),
        (3, "edited", "analyst"),
    ]
    assert history[1]["reason"] == "T-3 says" and history[0]["created_at"]
    second = client.get(f"{url}/history/2").json()
    assert second["snapshot"]["status"] == "detained" and not second["previous_withheld"]
    assert {"field": "status", "before": "missing", "after": "detained"} in second["changes"]
    assert client.get(f"{url}/history/9").status_code == 404

    restored = post(client, f"{url}/restore/1", {"revision": 3, "reason": "wrong person"})
    assert restored.status_code == 200, restored.content
    body = restored.json()
    assert (body["revision"], body["values"]["status"], body["title"]) == (4, "missing", "Han")
    last = client.get(f"{url}/history").json()[-1]
    assert last["action"] == "restored" and "wrong person" in last["reason"]
    assert post(client, f"{url}/restore/1", {"revision": 3}).status_code == 409
    assert post(client, f"{url}/restore/9", {}).status_code == 404


def test_earlier_versions_above_the_readers_clearance_stay_hidden(
    api, documentation_officer, analyst, make_record
):
    person = make_record(
        documentation_officer, "person", name="Real Name", sensitivity="strictly_confidential"
    )
    officer = api(documentation_officer)
    url = f"{PERSONS}/{person.pk}"
    patch(
        officer,
        url,
        {
            "values": {"name": "Witness 12", "sensitivity": "restricted"},
            "revision": 1,
            "reason": "pseudonymised",
        },
    )
    client = api(analyst)
    assert [v["number"] for v in client.get(f"{url}/history").json()] == [1, 2]
    assert client.get(f"{url}/history/1").status_code == 404
    second = client.get(f"{url}/history/2").json()
    assert second["previous_withheld"] is True
    assert "Real Name" not in str(second)
    assert post(client, f"{url}/restore/1", {}).status_code == 404
    assert officer.get(f"{url}/history/2").json()["previous_withheld"] is False


def test_a_withdrawn_record_leaves_the_list_and_can_be_reinstated(api, analyst, make_record):
    person = make_record(analyst, "person", name="Duplicate")
    client = api(analyst)
    url = f"{PERSONS}/{person.pk}"
    no_reason = post(client, f"{url}/withdraw", {"reason": " "})
    assert no_reason.status_code == 403 and "why" in no_reason.json()["detail"]
    withdrawn = post(client, f"{url}/withdraw", {"reason": "duplicate of P-1", "revision": 1})
    assert withdrawn.status_code == 200
    assert withdrawn.json()["withdrawn"]["reason"] == "duplicate of P-1"
    assert client.get(PERSONS).json()["total"] == 0
    assert client.get(PERSONS, {"include_withdrawn": True}).json()["total"] == 1
    assert client.get(url).status_code == 200  # still there, with its history
    refused = patch(client, url, {"values": {"name": "X"}, "revision": 2})
    assert refused.status_code == 403 and "withdrawn" in refused.json()["detail"]
    back = post(client, f"{url}/reinstate", {})
    assert back.status_code == 200 and back.json()["withdrawn"] is None


@pytest.fixture
def items(repo_home: Path, tmp_path: Path, documentation_officer):
    """Two evidence items: one restricted, one strictly confidential."""
    made = {}
    for level in ("restricted", "strictly_confidential"):
        path = tmp_path / f"{level}.txt"
        path.write_text(f"statement ({level})", encoding="utf-8")
        work = tmp_path / f"work-{level}"
        work.mkdir()
        [result] = do_ingest_paths(
            documentation_officer,
            [path],
            metadata=ItemMetadata(title=level, sensitivity=level),
            context=HandlingContext(channel="cli", place="test", reason="test"),
            workdir=work,
        )
        made[level] = result.item
    return made


def test_links_are_read_from_each_side_with_the_items_the_reader_may_see(
    api, documentation_officer, analyst, make_record, items
):
    boss = make_record(analyst, "person", name="Officer Ri")
    clerk = make_record(analyst, "person", name="Guard Pak")
    link = make_record(
        documentation_officer,
        "link",
        **{
            "from": f"P-{boss.pk}",
            "to": f"P-{clerk.pk}",
            "relation": "superior_of",
            "certainty": "likely",
            "comment": "same unit 2014",
            "items": f"{items['restricted']},{items['strictly_confidential']}",
        },
    )
    client = api(analyst)
    [down] = client.get(f"{PERSONS}/{boss.pk}/links").json()
    assert down["label"] == "superior of" and down["direction"] == "outgoing"
    assert down["other"] == {
        "reference": f"P-{clerk.pk}",
        "kind": "person",
        "id": clerk.pk,
        "title": "Guard Pak",
    }
    assert (down["certainty"], down["comment"], down["reference"]) == (
        "likely",
        "same unit 2014",
        f"L-{link.pk}",
    )
    assert down["items"] == [items["restricted"]]  # the analyst is not cleared for the other
    [up] = client.get(f"{PERSONS}/{clerk.pk}/links").json()
    assert up["label"] == "subordinate of" and up["direction"] == "incoming"
    assert up["other"]["title"] == "Officer Ri"
    officer_view = api(documentation_officer).get(f"{PERSONS}/{boss.pk}/links").json()
    assert len(officer_view[0]["items"]) == 2


def test_a_testimony_names_its_witness_interviewer_and_items(
    api, documentation_officer, make_record, items
):
    witness = make_record(documentation_officer, "person", name="Witness 3")
    created = post(
        api(documentation_officer),
        "/api/v1/records/testimonies",
        {
            "values": {
                "title": "증언: 회령 구류장",
                "witness": f"P-{witness.pk}",
                "interviewer": "documentation_officer",
                "date": "2019-06-12",
                "place": "Seoul",
                "language": "ko",
                "consent_given": "yes",
                "items": [items["restricted"]],
            }
        },
    )
    assert created.status_code == 201, created.content
    values = created.json()["values"]
    assert values["interviewer"] == "documentation_officer"
    assert values["witness"]["title"] == "Witness 3"
    assert (values["date"], values["consent_given"], values["items"]) == (
        "2019-06-12",
        True,
        [items["restricted"]],
    )
