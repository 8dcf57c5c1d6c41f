"""Corroboration of acts and events: independence through persons and organizations, hearsay
chains (with cycles), contradictions, withdrawn records, and what a viewer may see."""

from __future__ import annotations

import pytest

from sillok.records.corroboration import corroboration_of, origin_keys
from sillok.records.corroboration_store import rebuild
from sillok.records.models import CorroborationSummary
from sillok.records.services import do_update_record, do_withdraw_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(analyst, make_record):
    """An event with one act of torture, and a helper that adds information about the act."""
    event = make_record(analyst, "event", title="Interrogations at the county jail")
    act = make_record(analyst, "act", event=f"E-{event.pk}", violation_type="torture")

    def source(name: str, **raw):
        return make_record(analyst, "source", name=name, **raw)

    def info(src, connection: str = "eyewitness", about: str = "", **raw):
        target = about or f"A-{act.pk}"
        field = "act" if target.startswith("A-") else "event"
        return make_record(
            analyst,
            "information",
            source=f"S-{src.pk}",
            connection=connection,
            **{field: target},
            **raw,
        )

    def link(a: str, b: str, relation: str, **raw):
        return make_record(analyst, "link", **{"from": a, "to": b, "relation": relation}, **raw)

    return {"event": event, "act": act, "source": source, "info": info, "link": link}


def summary(kind: str, pk: int, tier: str = "full") -> CorroborationSummary:
    return CorroborationSummary.objects.get(kind=kind, record_id=pk, tier=tier)


def test_an_act_without_information_rests_on_no_source(analyst, world):
    result = corroboration_of(analyst, "act", world["act"])
    assert result.as_dict() == {
        "ref": f"A-{world['act'].pk}",
        "independent_sources": 0,
        "first_hand": 0,
        "single_source": True,
        "contradicted": False,
        "information": [],
        "hearsay_chains": [],
    }
    assert summary("act", world["act"].pk).bucket == "none"


def test_two_unrelated_eyewitnesses_are_two_independent_first_hand_sources(analyst, world):
    a = world["info"](world["source"]("Witness A"))
    b = world["info"](world["source"]("Witness B"), connection="victim")
    result = corroboration_of(analyst, "act", world["act"])
    data = result.as_dict()
    assert (data["independent_sources"], data["first_hand"], data["single_source"]) == (2, 2, False)
    assert {i["ref"] for i in data["information"]} == {f"I-{a.pk}", f"I-{b.pk}"}
    assert all(i["first_hand"] for i in data["information"])
    assert summary("act", world["act"].pk).bucket == "corroborated"
    # The event counts the information about its acts too.
    assert summary("event", world["event"].pk).independent_sources == 2


def test_two_sources_of_one_person_are_one_source(analyst, make_record, world):
    witness = make_record(analyst, "person", name="Kim")
    world["info"](world["source"]("Interview 2015", person=f"P-{witness.pk}"))
    world["info"](world["source"]("Interview 2018", person=f"P-{witness.pk}"))
    result = corroboration_of(analyst, "act", world["act"])
    assert (result.independent_sources, result.single_source) == (1, True)
    assert {k for i in result.information for k in i.origin_keys} == {f"person:{witness.pk}"}
    assert summary("act", world["act"].pk).bucket == "single_source"


def test_two_reports_of_one_organization_are_one_source(analyst, make_record, world):
    ngo = make_record(analyst, "organization", name="Watch Group")
    world["info"](world["source"]("Report 2019", organization=f"O-{ngo.pk}"), connection="document")
    world["info"](world["source"]("Report 2020", organization=f"O-{ngo.pk}"), connection="document")
    world["info"](world["source"]("Escapee"), connection="eyewitness")
    result = corroboration_of(analyst, "act", world["act"])
    assert (result.independent_sources, result.first_hand) == (2, 2)


def test_hearsay_traced_to_what_it_was_heard_from_is_not_independent(analyst, world):
    direct = world["info"](world["source"]("Cellmate"))
    retold = world["info"](world["source"]("Neighbour"), connection="hearsay")
    world["link"](f"I-{retold.pk}", f"I-{direct.pk}", "heard_from")
    result = corroboration_of(analyst, "act", world["act"])
    data = result.as_dict()
    assert (data["independent_sources"], data["first_hand"], data["single_source"]) == (1, 1, True)
    entry = next(i for i in data["information"] if i["ref"] == f"I-{retold.pk}")
    assert entry["heard_from"] == [f"I-{direct.pk}"] and entry["first_hand"] is False
    assert entry["origin_keys"] == [f"source:{direct.source_id}"]
    assert data["hearsay_chains"] == [[f"I-{retold.pk}", f"I-{direct.pk}"]]
    assert summary("act", world["act"].pk).bucket == "single_source"


def test_hearsay_without_a_link_follows_its_sources_heard_from_chain(analyst, world):
    origin = world["source"]("Guard who talked")
    relay = world["source"]("Relative")
    world["link"](f"S-{relay.pk}", f"S-{origin.pk}", "heard_from")
    world["info"](origin, connection="eyewitness")
    retold = world["info"](relay, connection="hearsay")
    result = corroboration_of(analyst, "act", world["act"])
    assert (result.independent_sources, result.first_hand) == (1, 1)
    assert result.as_dict()["hearsay_chains"] == [
        [f"I-{retold.pk}", f"S-{relay.pk}", f"S-{origin.pk}"]
    ]


def test_hearsay_told_by_a_source_of_other_facts_is_still_independent(analyst, world):
    alice, bob = world["source"]("Alice"), world["source"]("Bob")
    alice_saw = world["info"](alice)
    bob_heard = world["info"](bob, connection="hearsay")
    world["link"](f"I-{bob_heard.pk}", f"I-{alice_saw.pk}", "heard_from")
    world["info"](bob, connection="eyewitness")
    result = corroboration_of(analyst, "act", world["act"])
    # Alice's account and Bob's own: two origins; Bob's retelling adds none.
    assert (result.independent_sources, result.first_hand) == (2, 2)


def test_a_hearsay_cycle_ends_and_rests_on_every_source_in_it(analyst, world):
    one = world["info"](world["source"]("One"), connection="hearsay")
    two = world["info"](world["source"]("Two"), connection="hearsay")
    world["link"](f"I-{one.pk}", f"I-{two.pk}", "heard_from")
    world["link"](f"I-{two.pk}", f"I-{one.pk}", "heard_from")
    keys = origin_keys([one.pk, two.pk])
    assert keys[one.pk] == keys[two.pk] == {f"source:{one.source_id}", f"source:{two.source_id}"}
    result = corroboration_of(analyst, "act", world["act"])
    assert (result.independent_sources, result.first_hand) == (1, 0)
    assert sorted(result.as_dict()["hearsay_chains"]) == sorted(
        [
            [f"I-{one.pk}", f"I-{two.pk}", f"I-{one.pk}"],
            [f"I-{two.pk}", f"I-{one.pk}", f"I-{two.pk}"],
        ]
    )


def test_contradicting_information_is_listed_side_by_side(analyst, make_record, world):
    a = world["info"](world["source"]("A"))
    b = world["info"](world["source"]("B"))
    world["link"](f"I-{a.pk}", f"I-{b.pk}", "contradicts")
    result = corroboration_of(analyst, "act", world["act"])
    data = result.as_dict()
    assert data["contradicted"] is True
    by_ref = {i["ref"]: i for i in data["information"]}
    assert by_ref[f"I-{a.pk}"]["contradicts"] == [f"I-{b.pk}"]
    assert by_ref[f"I-{b.pk}"]["contradicts"] == [f"I-{a.pk}"]
    assert [(x.pk, y.pk) for x, y in result.contradiction_pairs()] == [
        (min(a.pk, b.pk), max(a.pk, b.pk))
    ]
    assert summary("act", world["act"].pk).contradicted is True


def test_contradicting_testimonies_mark_their_information(analyst, make_record, world):
    witness = make_record(analyst, "person", name="W")
    t1 = make_record(analyst, "testimony", title="First", witness=f"P-{witness.pk}")
    t2 = make_record(analyst, "testimony", title="Second", witness=f"P-{witness.pk}")
    a = world["info"](world["source"]("A"), testimony=f"T-{t1.pk}")
    b = world["info"](world["source"]("B"), testimony=f"T-{t2.pk}")
    assert summary("act", world["act"].pk).contradicted is False
    world["link"](f"T-{t1.pk}", f"T-{t2.pk}", "contradicts")
    by_pk = {i.pk: i for i in corroboration_of(analyst, "act", world["act"]).information}
    assert by_pk[a.pk].contradicts == [b.pk] and by_pk[b.pk].contradicts == [a.pk]
    assert summary("act", world["act"].pk).contradicted is True


def test_withdrawn_information_sources_and_links_never_count(analyst, world):
    a = world["info"](world["source"]("A"))
    b_source = world["source"]("B")
    b = world["info"](b_source)
    assert summary("act", world["act"].pk).bucket == "corroborated"
    link = world["link"](f"I-{b.pk}", f"I-{a.pk}", "heard_from")
    assert summary("act", world["act"].pk).bucket == "single_source"
    do_withdraw_record(analyst, link, reason="misread the interview")
    assert summary("act", world["act"].pk).bucket == "corroborated"
    do_withdraw_record(analyst, b_source, reason="fabricated")
    assert corroboration_of(analyst, "act", world["act"]).independent_sources == 1
    assert summary("act", world["act"].pk).bucket == "single_source"
    do_withdraw_record(analyst, a, reason="duplicate")
    assert corroboration_of(analyst, "act", world["act"]).information == []
    assert summary("act", world["act"].pk).bucket == "none"


def test_moving_information_to_another_act_updates_both(analyst, make_record, world):
    other = make_record(analyst, "act", event=f"E-{world['event'].pk}", violation_type="torture")
    info = world["info"](world["source"]("A"))
    assert summary("act", world["act"].pk).bucket == "single_source"
    do_update_record(analyst, info, {"act": other}, expected_revision=info.revision)
    assert summary("act", world["act"].pk).bucket == "none"
    assert summary("act", other.pk).bucket == "single_source"


def test_information_a_viewer_may_not_see_is_not_counted(analyst, reader, world):
    world["info"](world["source"]("Public witness"), sensitivity="internal")
    world["info"](world["source"]("Protected witness"), sensitivity="restricted")
    do_update_record(analyst, world["act"], {"sensitivity": "internal"}, expected_revision=1)
    assert corroboration_of(analyst, "act", world["act"]).independent_sources == 2
    as_reader = corroboration_of(reader, "act", world["act"])
    assert (as_reader.independent_sources, len(as_reader.information)) == (1, 1)
    assert summary("act", world["act"].pk, "base").bucket == "single_source"
    assert summary("act", world["act"].pk, "restricted").bucket == "corroborated"


def test_a_hidden_heard_from_link_is_not_followed_for_a_viewer_without_clearance(
    analyst, reader, world
):
    a = world["info"](world["source"]("A"), sensitivity="internal")
    b = world["info"](world["source"]("B"), sensitivity="internal")
    world["link"](f"I-{b.pk}", f"I-{a.pk}", "heard_from", sensitivity="restricted")
    assert corroboration_of(analyst, "act", world["act"]).independent_sources == 1
    assert corroboration_of(reader, "act", world["act"]).independent_sources == 2
    assert summary("act", world["act"].pk, "base").bucket == "corroborated"
    assert summary("act", world["act"].pk, "restricted").bucket == "single_source"


def test_a_hidden_person_behind_a_source_is_withheld_from_the_origin_keys(
    analyst, reader, make_record, world
):
    secret = make_record(analyst, "person", name="Secret", sensitivity="restricted")
    src = world["source"]("Interview", person=f"P-{secret.pk}", sensitivity="internal")
    world["info"](src, sensitivity="internal")
    world["info"](src, sensitivity="internal", connection="victim")
    data = corroboration_of(reader, "act", world["act"]).as_dict()
    assert data["independent_sources"] == 1
    assert [i["origin_keys"] for i in data["information"]] == [["withheld:1"], ["withheld:1"]]
    assert f"person:{secret.pk}" in str(corroboration_of(analyst, "act", world["act"]).as_dict())


def test_rebuild_recomputes_every_summary(analyst, world):
    world["info"](world["source"]("A"))
    CorroborationSummary.objects.all().delete()
    counts = rebuild()
    assert counts["act"] >= 1 and counts["event"] >= 1
    assert summary("act", world["act"].pk).bucket == "single_source"
    # Records are restricted unless marked otherwise: the base tier counts none of it.
    assert summary("event", world["event"].pk, "base").information == 0


def test_sillok_init_computes_the_stored_corroboration_of_an_upgraded_repository(world):
    from sillok.workspace.services import do_initialise_repository

    src = world["source"]("A former guard")
    world["info"](src, "eyewitness")
    # As a repository from before corroboration was stored: acts, but no summary rows.
    CorroborationSummary.objects.all().delete()
    summary_text = do_initialise_repository()
    assert "corroboration computed for 2 acts and events" in summary_text
    assert summary("act", world["act"].pk).bucket == "single_source"
    # Once stored, a later `sillok init` leaves it to the writers that keep it current.
    assert "corroboration" not in do_initialise_repository()
