"""Gap analysis (assessment/gaps.py): elements with no evidence, a single source, hearsay
only or only contradicted evidence, with stable keys, and a gap turned into a task."""

from __future__ import annotations

import datetime as dt

import pytest

from sillok.assessment.gaps import GapNotFound, do_task_from_gap, gaps_of
from sillok.assessment.history import versions_of
from sillok.assessment.models import CaseTask
from sillok.assessment.services import do_add_member, do_link_evidence

pytestmark = pytest.mark.django_db


@pytest.fixture
def records(documentation_officer, make_record):
    officer = documentation_officer
    event = make_record(officer, "event", title="Beatings in cell block 3")
    act = make_record(officer, "act", event=f"E-{event.pk}", violation_type="torture")

    def info(name: str, connection: str = "eyewitness", **raw):
        source = make_record(officer, "source", name=name, **raw)
        return make_record(
            officer, "information", source=f"S-{source.pk}", act=f"A-{act.pk}",
            connection=connection,
        )  # fmt: skip

    def link(a, b, relation: str):
        return make_record(officer, "link", **{"from": f"I-{a.pk}", "to": f"I-{b.pk}",
                                               "relation": relation})  # fmt: skip

    return {"info": info, "link": link}


@pytest.fixture
def cite(legal_expert, torture_charge, element):
    def make(code: str, info, assessment: str = "supports"):
        return do_link_evidence(
            legal_expert, torture_charge, element(code), evidence_kind="information",
            evidence_id=info.pk, assessment=assessment,
        )  # fmt: skip

    return make


def kinds_by_element(user, case) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for gap in gaps_of(user, case):
        found.setdefault(gap.element.code, set()).add(gap.kind)
    return found


def test_every_element_without_evidence_is_a_gap(legal_expert, case_file, torture_charge):
    gaps = gaps_of(legal_expert, case_file)
    assert gaps and {gap.kind for gap in gaps} == {"no_evidence"}
    assert gaps[0].key == f"{torture_charge.pk}:{gaps[0].element.code}:no_evidence"
    # Contextual, crime and mode elements alike.
    assert {gap.section for gap in gaps} == {"contextual", "crime", "mode"}


def test_each_kind_of_gap_is_found(legal_expert, case_file, records, cite):
    # Single source: two statements by one source.
    a = records["info"]("Witness A")
    cite("art7-1-f.1", a)
    # Hearsay only: two neighbours who heard it.
    cite("art7-1-f.2", records["info"]("Neighbour 1", connection="hearsay"))
    cite("art7-1-f.2", records["info"]("Neighbour 2", connection="hearsay"))
    # Only contradicting evidence.
    cite("art7-1-f.3", records["info"]("Guard"), assessment="contradicts")
    # Supporting evidence that the records mark as contradicted.
    b, c = records["info"]("Witness B"), records["info"]("Witness C")
    records["link"](b, c, "contradicts")
    cite("art25-3-a.1", b)
    gaps = kinds_by_element(legal_expert, case_file)
    assert gaps["art7-1-f.1"] == {"single_source"}
    assert gaps["art7-1-f.2"] == {"hearsay_only"}
    assert gaps["art7-1-f.3"] == {"contradicted_only"}
    assert gaps["art25-3-a.1"] == {"single_source", "contradicted_only"}
    assert gaps["art7-context.attack"] == {"no_evidence"}


def test_two_independent_first_hand_sources_close_the_gap(legal_expert, case_file, records, cite):
    cite("art7-1-f.1", records["info"]("Witness A"))
    cite("art7-1-f.1", records["info"]("Witness B"))
    assert "art7-1-f.1" not in kinds_by_element(legal_expert, case_file)


def test_gap_keys_are_stable_between_runs(legal_expert, case_file, torture_charge):
    first = [gap.key for gap in gaps_of(legal_expert, case_file)]
    assert first == [gap.key for gap in gaps_of(legal_expert, case_file)]
    assert len(set(first)) == len(first)


def test_a_gap_becomes_a_task_with_its_element_and_kind(
    legal_expert, second_legal_expert, case_file, torture_charge, records, cite, element
):
    do_add_member(legal_expert, case_file, second_legal_expert)
    cite("art7-1-f.1", records["info"]("Witness A"))
    key = f"{torture_charge.pk}:art7-1-f.1:single_source"
    task = do_task_from_gap(
        legal_expert, case_file, key, assignee=second_legal_expert, due_date=dt.date(2027, 3, 31)
    )
    assert (task.gap, task.charge, task.assignee, task.due_date) == (
        "single_source",
        torture_charge,
        second_legal_expert,
        dt.date(2027, 3, 31),
    )
    assert list(task.elements.all()) == [element("art7-1-f.1")]
    assert "independent second source" in task.title
    assert [v.action for v in versions_of("task", task.pk)] == ["created"]


def test_an_unknown_or_closed_gap_makes_no_task(legal_expert, case_file, torture_charge):
    with pytest.raises(GapNotFound):
        do_task_from_gap(legal_expert, case_file, f"{torture_charge.pk}:art7-1-f.1:hearsay_only")
    assert not CaseTask.objects.exists()
