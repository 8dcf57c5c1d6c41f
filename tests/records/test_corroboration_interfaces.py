"""Corroboration where people meet it: the list filter, the search facet, the act and event
pages (English and Korean), `sillok corroboration`, and the API, each counting only what the
viewer may see."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command

from sillok.accounts import tokens
from sillok.records.kinds import get_kind
from sillok.records.listing import FilterError, RecordFilters, filter_records

pytestmark = pytest.mark.django_db


@pytest.fixture
def acts(analyst, make_record):
    """Three internal acts of one internal event: A without information, B resting on one
    witness told twice (two interviews of one person), C on two independent witnesses, one
    of them restricted."""
    event = make_record(analyst, "event", title="Camp 15 transfers", sensitivity="internal")

    def act():
        return make_record(
            analyst, "act", event=f"E-{event.pk}", violation_type="torture", sensitivity="internal"
        )

    def info(act, source, **raw):
        return make_record(
            analyst,
            "information",
            source=f"S-{source.pk}",
            act=f"A-{act.pk}",
            connection="eyewitness",
            sensitivity=raw.pop("sensitivity", "internal"),
            **raw,
        )

    a, b, c = act(), act(), act()
    kim = make_record(analyst, "person", name="김영호", sensitivity="internal")
    first = make_record(
        analyst, "source", name="Interview 1", person=f"P-{kim.pk}", sensitivity="internal"
    )
    second = make_record(
        analyst, "source", name="Interview 2", person=f"P-{kim.pk}", sensitivity="internal"
    )
    info(b, first)
    info(b, second, description="맞은 날은 겨울이었다")
    lee = make_record(analyst, "source", name="이순자 면담", sensitivity="internal")
    park = make_record(analyst, "source", name="Protected witness", sensitivity="restricted")
    info(c, lee, description="He was beaten in the cell")
    hidden = info(c, park, sensitivity="restricted", description="He was not beaten")
    return {"event": event, "none": a, "single": b, "corroborated": c, "hidden": hidden}


def _bucket(user, bucket: str) -> set[int]:
    query = filter_records(user, get_kind("act"), RecordFilters(corroboration=bucket))
    return set(query.values_list("pk", flat=True))


def test_the_list_filter_counts_only_what_the_viewer_may_see(analyst, reader, acts):
    a, b, c = acts["none"].pk, acts["single"].pk, acts["corroborated"].pk
    assert (_bucket(analyst, "none"), _bucket(analyst, "single_source")) == ({a}, {b})
    assert _bucket(analyst, "corroborated") == {c}
    # The reader may not see the restricted witness: C rests on one source for them.
    assert _bucket(reader, "single_source") == {b, c}
    assert _bucket(reader, "corroborated") == set()


def test_a_bad_filter_value_is_refused_by_name(analyst, acts):
    with pytest.raises(FilterError) as refused:
        filter_records(analyst, get_kind("act"), RecordFilters(corroboration="strong"))
    assert refused.value.field == "corroboration"
    with pytest.raises(FilterError):
        filter_records(analyst, get_kind("person"), RecordFilters(corroboration="none"))


def test_compartment_members_get_compartmented_information_counted(
    analyst, documentation_officer, make_record, acts
):
    from sillok.accounts.clearance import forget_compartments
    from sillok.accounts.compartments import do_create_compartment, do_grant

    do_create_compartment(None, "case-x", name="Case X")
    do_grant(None, "case-x", documentation_officer.username)
    forget_compartments(documentation_officer)
    source = make_record(documentation_officer, "source", name="Case X witness")
    make_record(
        documentation_officer,
        "information",
        source=f"S-{source.pk}",
        act=f"A-{acts['single'].pk}",
        connection="victim",
        compartment="case-x",
    )
    single, corroborated = acts["single"].pk, acts["corroborated"].pk
    assert _bucket(documentation_officer, "corroborated") == {single, corroborated}
    # The analyst is not a member: the compartmented information does not exist for them.
    assert _bucket(analyst, "corroborated") == {corroborated}
    assert _bucket(analyst, "single_source") == {single}


def test_records_without_a_stored_summary_are_counted_live(analyst, reader, acts):
    from sillok.records.models import CorroborationSummary

    CorroborationSummary.objects.all().delete()
    assert _bucket(analyst, "corroborated") == {acts["corroborated"].pk}
    assert _bucket(reader, "single_source") == {acts["single"].pk, acts["corroborated"].pk}


def test_the_act_list_page_filters_with_korean_labels(client_for, analyst, acts):
    client = client_for(analyst)
    page = client.get(
        "/records/acts/", {"corroboration": "single_source"}, HTTP_ACCEPT_LANGUAGE="ko"
    )
    html = page.content.decode()
    assert page.status_code == 200
    assert "교차 확인" in html and "단일 출처" in html
    assert f"/records/acts/{acts['single'].pk}/" in html
    assert f"/records/acts/{acts['corroborated'].pk}/" not in html


def _search(client_for, user, **params):
    # Signed in (the reader has no role, so no token): the API takes the session too.
    response = client_for(user).get("/api/v1/search", params)
    assert response.status_code == 200, response.content
    return response.json()


def test_the_search_facet_never_counts_a_value_read_from_hidden_information(
    client_for, analyst, reader, acts
):
    from sillok.search.indexing import reindex

    reindex()
    counts = {
        c["value"]: c["count"]
        for c in _search(client_for, analyst, type="act")["facets"]["corroboration"]
    }
    assert counts == {"none": 1, "single_source": 1, "corroborated": 1}
    for_reader = _search(client_for, reader, type="act")["facets"]["corroboration"]
    # C's value was read from restricted information: the reader gets none for C at all.
    assert {c["value"]: c["count"] for c in for_reader} == {"none": 1, "single_source": 1}
    found = _search(client_for, analyst, type="act", corroboration="corroborated")["results"]
    assert [(r["kind"], r["id"]) for r in found] == [("act", acts["corroborated"].pk)]
    assert _search(client_for, reader, type="act", corroboration="corroborated")["results"] == []
    events = _search(client_for, analyst, type="event", corroboration="corroborated")["results"]
    assert [r["id"] for r in events] == [acts["event"].pk]


def test_the_search_facet_follows_a_change_to_the_information(analyst, acts):
    from sillok.records.services import do_withdraw_record
    from sillok.search.indexing import process_queue, reindex
    from sillok.search.models import SearchFacetValue

    reindex()
    facet = SearchFacetValue.objects.filter(
        facet="corroboration", document__kind="act", document__object_id=acts["corroborated"].pk
    )
    assert set(facet.values_list("value", "sensitivity")) == {("corroborated", "restricted")}
    do_withdraw_record(analyst, acts["hidden"], reason="retracted")
    assert not facet.exists()  # dropped in the transaction of the change
    process_queue()
    assert set(facet.values_list("value", "sensitivity")) == {("single_source", "internal")}


def test_the_act_page_shows_sources_flag_and_contradictions_in_korean(
    client_for, analyst, make_record, acts
):
    [lee_info, park_info] = sorted(acts["corroborated"].information.all(), key=lambda i: i.pk)
    make_record(
        analyst,
        "link",
        **{"from": f"I-{lee_info.pk}", "to": f"I-{park_info.pk}"},
        relation="contradicts",
    )
    page = client_for(analyst).get(
        f"/records/acts/{acts['corroborated'].pk}/", HTTP_ACCEPT_LANGUAGE="ko"
    )
    html = page.content.decode()
    assert page.status_code == 200
    assert "교차 확인" in html and "독립 출처 2개로 교차 확인됨" in html and "직접 출처" in html
    assert "상충하는 정보" in html
    assert "He was beaten in the cell" in html and "He was not beaten" in html
    assert 'data-count="independent">2<' in html


def test_the_act_page_flags_a_single_source_and_a_hearsay_chain(
    client_for, analyst, make_record, acts
):
    source = make_record(analyst, "source", name="Neighbour", sensitivity="internal")
    told = make_record(
        analyst,
        "information",
        source=f"S-{source.pk}",
        act=f"A-{acts['single'].pk}",
        connection="hearsay",
        sensitivity="internal",
    )
    first = acts["single"].information.order_by("pk").first()
    make_record(
        analyst, "link", **{"from": f"I-{told.pk}", "to": f"I-{first.pk}"}, relation="heard_from"
    )
    html = client_for(analyst).get(f"/records/acts/{acts['single'].pk}/").content.decode()
    assert "Single source" in html and "Hearsay chains" in html
    assert f"I-{told.pk}" in html and 'data-count="independent">1<' in html
    korean = client_for(analyst).get(
        f"/records/events/{acts['event'].pk}/", HTTP_ACCEPT_LANGUAGE="ko"
    )
    assert "전문(傳聞) 경로" in korean.content.decode()


def test_the_cli_prints_the_contracted_json(analyst, reader, acts):
    out = io.StringIO()
    ref = f"A-{acts['corroborated'].pk}"
    call_command("corroboration", ref, "--as", "analyst", "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert set(data) >= {"ref", "independent_sources", "first_hand", "single_source", "information"}
    assert (data["ref"], data["independent_sources"], data["single_source"]) == (ref, 2, False)
    assert set(data["information"][0]) == {
        "ref", "source", "connection", "credibility", "reliability", "first_hand",
        "origin_keys", "heard_from", "contradicts",
    }  # fmt: skip
    out = io.StringIO()
    call_command("corroboration", ref, "--as", "reader", stdout=out)
    assert out.getvalue().startswith(f"{ref}: 1 independent sources, 1 first-hand (single source)")


def test_the_cli_answers_a_hidden_act_like_a_missing_one(analyst, reader, make_record, acts):
    secret = make_record(
        analyst, "act", event=f"E-{acts['event'].pk}", violation_type="torture",
        sensitivity="restricted",
    )  # fmt: skip
    with pytest.raises(CommandError) as hidden:
        call_command("corroboration", f"A-{secret.pk}", "--as", "reader", "--json")
    with pytest.raises(CommandError) as missing:
        call_command("corroboration", "A-999999", "--as", "reader", "--json")
    assert str(hidden.value) == f"no such record A-{secret.pk}"
    assert str(missing.value) == "no such record A-999999"
    with pytest.raises(CommandError, match="acts"):
        call_command("corroboration", "P-1", "--as", "reader")


def test_the_cli_rebuilds_every_summary(analyst, acts):
    out = io.StringIO()
    call_command("corroboration", "--rebuild", "--json", stdout=out)
    assert json.loads(out.getvalue())["act"] >= 3


def test_the_api_answers_for_acts_and_events_as_the_caller_may_see(
    client, client_for, analyst, reader, acts
):
    def get(user, path):
        if user is analyst:  # with a token, as scripts call it
            _, secret = tokens.do_create_token(user, "corroboration api")
            return client.get(path, HTTP_AUTHORIZATION=f"Bearer {secret}")
        return client_for(user).get(path)

    path = f"/api/v1/records/acts/{acts['corroborated'].pk}/corroboration"
    assert get(analyst, path).json()["independent_sources"] == 2
    assert get(reader, path).json()["independent_sources"] == 1
    event = get(analyst, f"/api/v1/records/events/{acts['event'].pk}/corroboration").json()
    assert event["ref"] == f"E-{acts['event'].pk}" and event["independent_sources"] == 3
    assert get(analyst, "/api/v1/records/persons/1/corroboration").status_code == 404
    assert get(reader, "/api/v1/records/acts/999999/corroboration").status_code == 404


def test_the_api_list_filter_takes_the_korean_label(client_for, analyst, acts):
    client = client_for(analyst)
    korean = client.get("/api/v1/records/acts", {"corroboration": "단일 출처"})
    assert korean.status_code == 200, korean.content
    assert [row["id"] for row in korean.json()["items"]] == [acts["single"].pk]
    refused = client.get("/api/v1/records/acts", {"corroboration": "strong"})
    assert refused.status_code == 400 and "corroboration" in refused.json()["errors"]
