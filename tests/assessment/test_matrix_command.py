"""Superior responsibility (assessment/command.py) and suspect profiles (profile.py): paths
from a suspect through the organization hierarchy, membership and superior links to the acts
of subordinates, only through records the viewer may see."""

from __future__ import annotations

import pytest

from sillok.assessment.command import superior_paths
from sillok.assessment.profile import suspect_profile
from sillok.assessment.services import do_add_member, do_add_suspect

pytestmark = pytest.mark.django_db


@pytest.fixture
def hierarchy(documentation_officer, admin, make_record):
    """Ministry > Unit 7 > interrogation section (and a section in a compartment); Colonel Ri
    is a member of Unit 7, Guard Pak of the section; three acts of torture."""
    from sillok.accounts.clearance import forget_compartments
    from sillok.accounts.compartments import do_create_compartment, do_grant

    officer = documentation_officer
    do_create_compartment(admin, "unit-7-sources", name="Unit 7 protected sources")
    do_grant(admin, "unit-7-sources", officer.username)
    forget_compartments(officer)

    def org(name, **raw):
        return make_record(officer, "organization", name=name, **raw)

    def person(name):
        return make_record(officer, "person", name=name)

    def relation(a, b, code):
        return make_record(officer, "link", **{"from": a, "to": b, "relation": code})

    ministry = org("Ministry of State Security")
    unit = org("Unit 7", parent=f"O-{ministry.pk}")
    section = org("Interrogation section", parent=f"O-{unit.pk}")
    hidden = org("Special section", parent=f"O-{unit.pk}", compartment="unit-7-sources")
    colonel, guard = person("Colonel Ri"), person("Guard Pak")
    relation(f"P-{colonel.pk}", f"O-{unit.pk}", "member_of")
    relation(f"P-{guard.pk}", f"O-{section.pk}", "member_of")
    event = make_record(officer, "event", title="Interrogations in 2016")
    acts = [
        make_record(officer, "act", event=f"E-{event.pk}", violation_type="torture")
        for _ in range(3)
    ]
    by_guard = make_record(
        officer, "involvement", act=f"A-{acts[0].pk}", perpetrator=f"P-{guard.pk}"
    )
    by_section = make_record(
        officer, "involvement", act=f"A-{acts[1].pk}", organization=f"O-{section.pk}"
    )
    make_record(officer, "involvement", act=f"A-{acts[2].pk}", organization=f"O-{hidden.pk}")
    return {
        "ministry": ministry, "unit": unit, "section": section, "colonel": colonel,
        "guard": guard, "acts": acts, "by_guard": by_guard, "by_section": by_section,
    }  # fmt: skip


def refs(path: dict) -> list[str]:
    return [step["ref"] for step in path["steps"]]


def test_a_commander_reaches_the_acts_of_his_units_subordinates(legal_expert, case_file, hierarchy):
    h = hierarchy
    suspect = do_add_suspect(legal_expert, case_file, person=h["colonel"])
    paths = superior_paths(legal_expert, suspect)
    assert [(p["act"]["id"], refs(p)) for p in paths] == [
        (h["acts"][1].pk, [f"P-{h['colonel'].pk}", f"O-{h['unit'].pk}", f"O-{h['section'].pk}"]),
        (
            h["acts"][0].pk,
            [f"P-{h['colonel'].pk}", f"O-{h['unit'].pk}", f"O-{h['section'].pk}",
             f"P-{h['guard'].pk}"],
        ),
    ]  # fmt: skip
    relations = [step["relation"] for step in paths[1]["steps"]]
    assert relations == ["", "member_of", "part_of", "has_member"]
    assert paths[1]["steps"][-1]["label"] == "Guard Pak"
    assert paths[1]["involvement"]["ref"] == f"V-{h['by_guard'].pk}"


def test_a_unit_reaches_the_acts_of_its_sub_units_and_can_be_narrowed(
    legal_expert, case_file, hierarchy
):
    h = hierarchy
    suspect = do_add_suspect(legal_expert, case_file, organization=h["unit"])
    assert {p["act"]["id"] for p in superior_paths(legal_expert, suspect)} == {
        h["acts"][0].pk,
        h["acts"][1].pk,
    }
    only = superior_paths(legal_expert, suspect, acts=[h["acts"][0]])
    assert [p["act"]["id"] for p in only] == [h["acts"][0].pk]


def test_a_unit_the_viewer_may_not_see_breaks_the_path(
    legal_expert, documentation_officer, case_file, hierarchy
):
    """The special section is in a compartment the legal expert is not in: its act is not
    reached, and nothing names it; the officer who is in it would reach it."""
    suspect = do_add_suspect(legal_expert, case_file, organization=hierarchy["unit"])
    shown = str(superior_paths(legal_expert, suspect))
    assert "Special section" not in shown
    assert str(hierarchy["acts"][2].pk) not in {
        str(p["act"]["id"]) for p in superior_paths(legal_expert, suspect)
    }
    reached = {p["act"]["id"] for p in superior_paths(documentation_officer, suspect)}
    assert hierarchy["acts"][2].pk in reached


def test_a_suspect_profile_gathers_involvements_units_and_chain_of_command(
    legal_expert, case_file, hierarchy
):
    h = hierarchy
    suspect = do_add_suspect(legal_expert, case_file, person=h["colonel"])
    profile = suspect_profile(legal_expert, suspect)
    assert profile["suspect"]["label"] == "Colonel Ri"
    assert [unit["label"] for unit in profile["units"]] == ["Unit 7"]
    chain = [(c["superior"]["label"], c["relation"], c["of"]["label"])
             for c in profile["chain_of_command"]]  # fmt: skip
    assert ("Ministry of State Security", "parent", "Unit 7") in chain
    assert profile["involvements"] == []  # he is not named in any act himself
    assert profile["subordinate_acts"] == 2
    guard = do_add_suspect(legal_expert, case_file, person=h["guard"])
    own = suspect_profile(legal_expert, guard)
    assert [i["act"]["id"] for i in own["involvements"]] == [h["acts"][0].pk]


def test_a_suspect_the_viewer_may_not_see_leads_nowhere(
    legal_expert, manager, case_file, hierarchy
):
    """A manager member of the case, not cleared for strictly confidential records."""
    from sillok.records.models import Organization

    do_add_member(legal_expert, case_file, manager)
    suspect = do_add_suspect(legal_expert, case_file, organization=hierarchy["unit"])
    assert superior_paths(manager, suspect)
    Organization.objects.filter(pk=hierarchy["unit"].pk).update(sensitivity="strictly_confidential")
    assert superior_paths(legal_expert, suspect)  # cleared for it
    assert superior_paths(manager, suspect) == []
    profile = suspect_profile(manager, suspect)
    assert profile["suspect"]["label"] == f"O-{hierarchy['unit'].pk}"
    assert profile["superior_paths"] == [] and profile["involvements"] == []
