"""The proof matrix (assessment/matrix.py) on real records: what each kind of evidence rests
on, independence through the same person, hearsay, the JSON shape others read, evidence the
viewer may not see left out entirely, and a bounded number of queries."""

from __future__ import annotations

import pytest

from sillok.assessment.matrix import build_matrix
from sillok.assessment.models import EvidenceLink
from sillok.assessment.services import do_add_charge, do_add_member, do_link_evidence

pytestmark = pytest.mark.django_db

ELEMENT = "art7-1-f.1"  # torture: severe pain or suffering inflicted


@pytest.fixture
def world(documentation_officer, make_record):
    """An act of torture and helpers for persons, sources and information about it."""
    officer = documentation_officer
    event = make_record(officer, "event", title="Night interrogations at facility 14")
    act = make_record(officer, "act", event=f"E-{event.pk}", violation_type="torture")

    def person(name: str, **raw):
        return make_record(officer, "person", name=name, **raw)

    def source(name: str, **raw):
        return make_record(officer, "source", name=name, **raw)

    def info(src, connection: str = "eyewitness", **raw):
        raw.setdefault("act", f"A-{act.pk}")
        return make_record(
            officer, "information", source=f"S-{src.pk}", connection=connection, **raw
        )

    def link(a: str, b: str, relation: str):
        return make_record(officer, "link", **{"from": a, "to": b, "relation": relation})

    return {"event": event, "act": act, "person": person, "source": source, "info": info,
            "link": link}  # fmt: skip


@pytest.fixture
def link_to(legal_expert, torture_charge, element):
    def link(kind: str, obj, code: str = ELEMENT, user=None, **options):
        return do_link_evidence(
            user or legal_expert,
            torture_charge,
            element(code),
            evidence_kind=kind,
            evidence_id=obj.pk,
            **options,
        )

    return link


def element_row(matrix: dict, code: str = ELEMENT, charge: int = 0) -> dict:
    return next(e for e in matrix["charges"][charge]["elements"] if e["code"] == code)


def test_the_matrix_lists_every_element_of_the_charge_with_the_contract_shape(
    legal_expert, case_file, torture_charge
):
    matrix = build_matrix(legal_expert, case_file)
    assert set(matrix) == {"case", "generated_at", "charges", "withheld"}
    assert matrix["case"]["standard"]["code"] == "standard-rgb"
    assert matrix["case"]["standard"]["rule_en"].startswith("at least 2 independent sources")
    assert matrix["case"]["compartment"] == case_file.compartment.code
    charge = matrix["charges"][0]
    assert charge["crime"]["code"] == "art7-1-f"
    assert charge["suspect"]["label"] == "Unit 7"
    assert charge["suspect"]["ref"] == f"O-{torture_charge.suspect.organization_id}"
    sections = [e["section"] for e in charge["elements"]]
    assert sections == sorted(sections, key=["contextual", "crime", "mode"].index)
    assert "art7-context.widespread-systematic" in [e["code"] for e in charge["elements"]]
    row = element_row(matrix)
    assert (row["status"], row["review_state"], row["evidence"], row["gaps"]) == (
        "no_evidence",
        "none",
        [],
        ["no_evidence"],
    )


def test_two_sources_of_one_witness_are_one_origin(legal_expert, case_file, world, link_to):
    kim = world["person"]("Kim")
    first = world["info"](world["source"]("Interview 2015", person=f"P-{kim.pk}"))
    second = world["info"](world["source"]("Interview 2018", person=f"P-{kim.pk}"))
    link_to("information", first)
    link_to("information", second, weight="high")
    row = element_row(build_matrix(legal_expert, case_file))
    assert (row["status"], row["independent_sources"], row["first_hand"], row["supporting"]) == (
        "insufficient",
        1,
        1,
        2,
    )
    assert row["gaps"] == ["single_source"]
    assert {key for e in row["evidence"] for key in e["origin_keys"]} == {f"person:{kim.pk}"}
    evidence = row["evidence"][0]
    assert evidence["ref"] == f"I-{first.pk}"
    assert evidence["grading"] == {"reliability": "F", "credibility": "6"}
    assert (evidence["assessor"], evidence["weight"], evidence["first_hand"]) == (
        "legal_expert",
        "medium",
        True,
    )


def test_two_independent_eyewitnesses_meet_reasonable_grounds(
    legal_expert, case_file, world, link_to
):
    link_to("information", world["info"](world["source"]("Witness A")))
    link_to("information", world["info"](world["source"]("Witness B"), connection="victim"))
    row = element_row(build_matrix(legal_expert, case_file))
    assert (row["status"], row["independent_sources"], row["first_hand"], row["gaps"]) == (
        "met",
        2,
        2,
        [],
    )


def test_hearsay_traced_to_a_linked_witness_is_not_independent(
    legal_expert, case_file, world, link_to
):
    direct = world["info"](world["source"]("Witness A", person=f"P-{world['person']('Lee').pk}"))
    heard = world["info"](world["source"]("Neighbour"), connection="hearsay")
    world["link"](f"I-{heard.pk}", f"I-{direct.pk}", "heard_from")
    link_to("information", heard)
    row = element_row(build_matrix(legal_expert, case_file))
    assert (row["status"], row["first_hand"]) == ("insufficient", 0)
    assert set(row["gaps"]) == {"single_source", "hearsay_only"}
    link_to("information", direct)
    row = element_row(build_matrix(legal_expert, case_file))
    assert (row["independent_sources"], row["first_hand"], row["gaps"]) == (1, 1, ["single_source"])


def test_a_testimony_rests_on_its_witness_and_an_item_on_its_testimony(
    legal_expert, documentation_officer, case_file, world, link_to, make_record, make_item
):
    witness = world["person"]("Park")
    testimony = make_record(
        documentation_officer, "testimony", title="Interview with Park", witness=f"P-{witness.pk}"
    )
    world["info"](world["source"]("Park", person=f"P-{witness.pk}"), testimony=f"T-{testimony.pk}")
    item = make_item(documentation_officer, title="Park interview transcript", pages=4)
    testimony.items.add(item)
    link_to("testimony", testimony)
    link_to("item", item, passage="p2-3")
    row = element_row(build_matrix(legal_expert, case_file))
    assert row["independent_sources"] == 1  # the witness, however many times cited
    assert [e["origin_keys"] for e in row["evidence"]] == [[f"person:{witness.pk}"]] * 2
    assert row["evidence"][1]["passage_label"] == "pp. 2–3"
    assert row["evidence"][1]["first_hand"] is True
    # A document that belongs to no testimony or source is its own origin.
    link_to("item", make_item(documentation_officer, title="Detention register"))
    row = element_row(build_matrix(legal_expert, case_file))
    assert (row["status"], row["independent_sources"]) == ("met", 2)


def test_evidence_the_viewer_may_not_see_is_left_out_with_its_counts(
    legal_expert, second_legal_expert, documentation_officer, admin, case_file, world, link_to,
    make_record,
):  # fmt: skip
    from sillok.accounts.clearance import forget_compartments
    from sillok.accounts.compartments import do_create_compartment, do_grant

    do_create_compartment(admin, "defectors-2019", name="Defector interviews 2019")
    for user in (legal_expert, documentation_officer):
        do_grant(admin, "defectors-2019", user.username)
        forget_compartments(user)
    open_info = world["info"](world["source"]("Witness A"))
    secret_source = make_record(
        documentation_officer, "source", name="Protected witness", compartment="defectors-2019"
    )
    secret = make_record(
        documentation_officer,
        "information",
        source=f"S-{secret_source.pk}",
        act=f"A-{world['act'].pk}",
        connection="victim",
        compartment="defectors-2019",
    )
    link_to("information", open_info)
    link_to("information", secret)
    do_add_member(legal_expert, case_file, second_legal_expert)

    full = element_row(build_matrix(legal_expert, case_file))
    assert (full["status"], full["supporting"], len(full["evidence"])) == ("met", 2, 2)
    narrow = element_row(build_matrix(second_legal_expert, case_file))
    assert (narrow["status"], narrow["supporting"], narrow["independent_sources"]) == (
        "insufficient",
        1,
        1,
    )
    assert [e["ref"] for e in narrow["evidence"]] == [f"I-{open_info.pk}"]
    assert "Protected witness" not in str(build_matrix(second_legal_expert, case_file))
    # An act the viewer sees, resting on information they do not: only what they see counts.
    link_to("act", world["act"], code="art7-1-f.2")
    act_row = element_row(build_matrix(second_legal_expert, case_file), "art7-1-f.2")
    assert act_row["evidence"][0]["origin_keys"] == [f"source:{open_info.source_id}"]


def test_the_matrix_costs_a_bounded_number_of_queries(
    legal_expert, case_file, suspect_unit, element, world, make_record,
    documentation_officer, make_item, django_assert_max_num_queries,
):  # fmt: skip
    """3 charges × their ~12 elements × 5 links each (185 links): 31 queries measured, the
    bound leaves room; none of them is per link (the count does not grow with the links)."""
    charges = [
        do_add_charge(
            legal_expert,
            case_file,
            crime=element(crime),
            suspect=suspect_unit,
            mode=element("art25-3-a"),
        )  # fmt: skip
        for crime in ("art7-1-f", "art7-1-e", "art7-1-h")
    ]
    witness = world["person"]("Choi")
    testimony = make_record(
        documentation_officer, "testimony", title="Choi", witness=f"P-{witness.pk}"
    )
    infos = [world["info"](world["source"](f"Witness {n}")) for n in range(3)]
    item = make_item(documentation_officer, title="Register")
    evidence = [("information", i.pk) for i in infos] + [
        ("testimony", testimony.pk),
        ("item", item.pk),
    ]
    from sillok.assessment.elements import elements_for_charge

    rows = []
    for charge in charges:
        for entry in elements_for_charge(charge.crime, charge.mode):
            for kind, pk in evidence:
                rows.append(
                    EvidenceLink(
                        case=case_file,
                        charge=charge,
                        element=entry.element,
                        evidence_kind=kind,
                        evidence_id=pk,
                        assessor=legal_expert,
                        created_by=legal_expert,
                    )  # fmt: skip
                )
    EvidenceLink.objects.bulk_create(rows)
    assert len(rows) >= 3 * 12 * 5
    with django_assert_max_num_queries(40) as counted:
        matrix = build_matrix(legal_expert, case_file)
    assert sum(len(e["evidence"]) for c in matrix["charges"] for e in c["elements"]) == len(rows)
    assert element_row(matrix)["status"] == "met"
    print(f"matrix of {len(rows)} links: {len(counted.captured_queries)} queries")


def test_an_act_without_information_rests_on_itself(
    legal_expert, documentation_officer, case_file, link_to, make_record
):
    event = make_record(documentation_officer, "event", title="Undocumented beating")
    act = make_record(documentation_officer, "act", event=f"E-{event.pk}", violation_type="torture")
    link_to("act", act)
    row = element_row(build_matrix(legal_expert, case_file))
    assert (row["independent_sources"], row["first_hand"], row["gaps"]) == (1, 0, ["single_source"])
    assert row["evidence"][0]["origin_keys"] == [f"act:{act.pk}"]
