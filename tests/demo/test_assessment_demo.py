"""The demo's legal case file (sillok/demo/assessment_case.py): after `sillok demo` a legal
expert finds a case against a unit whose proof matrix has real gaps, one assessment confirmed
by a second legal expert, one waiting for review and one overridden with a reason; read
through the same functions the pages, the CLI and the API use."""

from __future__ import annotations

import pytest

from sillok.accounts.models import User
from sillok.custody.models import AuditEntry

pytestmark = pytest.mark.django_db

EXPERT, COLLEAGUE = "demo-legal-expert", "demo-legal-expert-2"
CRIMES = {"art7-1-e", "art7-1-f", "art7-1-h"}


def _user(username: str) -> User:
    return User.objects.get(username=username)


@pytest.fixture
def demo(roles, vocabularies, repo_home):
    """The demo as `sillok init` (vocabularies, legal frameworks) and `sillok demo` leave it."""
    from sillok.demo.services import do_load_demo

    return do_load_demo()


@pytest.fixture
def case(demo):
    from sillok.assessment.access import access_case

    return access_case(_user(EXPERT), demo.assessment_case.case_id)


def _element(matrix: dict, crime: str, code: str, suspect_ref: str | None = None) -> dict:
    for charge in matrix["charges"]:
        if charge["crime"]["code"] != crime:
            continue
        if suspect_ref is not None and charge["suspect"]["ref"] != suspect_ref:
            continue
        for element in charge["elements"]:
            if element["code"] == code:
                return element
    raise AssertionError(f"no element {code} of {crime} in the matrix")


def test_the_demo_case_is_against_a_unit_with_imprisonment_torture_and_persecution(demo, case):
    from sillok.assessment.matrix import build_matrix

    assert demo.assessment_case.loaded_now and not demo.already_loaded
    assert "fictional" in case.title and "가상" in case.title
    matrix = build_matrix(_user(EXPERT), case)
    unit_charges = [c for c in matrix["charges"] if c["suspect"]["ref"].startswith("O-")]
    assert {c["crime"]["code"] for c in unit_charges} == CRIMES
    assert all(c["mode"]["code"] == "art25-3-a" for c in unit_charges)
    assert "fictional" in unit_charges[0]["suspect"]["label"]
    # The warden is charged too, as a superior (art. 28(b)).
    assert any(c["mode"]["code"] == "art28-b" for c in matrix["charges"])
    # Contextual, crime and mode elements for each charge, Korean labels included.
    sections = {e["section"] for c in unit_charges for e in c["elements"]}
    assert sections == {"contextual", "crime", "mode"}


def test_the_matrix_shows_strength_and_independence_and_the_confirmed_assessment(case):
    from sillok.assessment.matrix import build_matrix

    matrix = build_matrix(_user(EXPERT), case)
    torture = _element(matrix, "art7-1-f", "art7-1-f.1", None)
    # The victim and a former guard are two independent first-hand origins; the mother's
    # hearsay traces back to the victim, so it adds no third; the state media contradicts.
    assert torture["independent_sources"] == 2
    assert torture["first_hand"] >= 2
    assert torture["contradicting"] == 1
    assert torture["status"] == "met"
    assert (torture["review_state"], torture["assessor"], torture["reviewer"]) == (
        "confirmed",
        EXPERT,
        COLLEAGUE,
    )
    kinds = {e["kind"] for e in torture["evidence"]}
    assert {"information", "item"} <= kinds
    cited = [e for e in torture["evidence"] if e["kind"] == "item"]
    assert cited and cited[0]["passage_label"]  # down to a passage of the interview notes
    assert {e["weight"] for e in torture["evidence"]} == {"high", "medium", "low"}

    waiting = _element(matrix, "art7-1-e", "art7-1-e.1")
    assert waiting["review_state"] == "in_review" and waiting["reviewer"] in ("", None)
    assert waiting["independent_sources"] == 3

    overridden = _element(matrix, "art7-1-h", "art7-1-h.1")
    assert overridden["override_status"] == "met" and overridden["override_reason"]
    assert overridden["computed_status"] != "met" and overridden["review_state"] == "draft"
    assert "single_source" in overridden["gaps"]  # two statements, one person


def test_the_demo_case_has_every_kind_of_gap_and_tasks_made_from_two(case):
    from sillok.assessment.gaps import gaps_of
    from sillok.assessment.models import CaseTask

    gaps = gaps_of(_user(EXPERT), case)
    kinds = {gap.kind for gap in gaps}
    assert kinds == {"no_evidence", "single_source", "hearsay_only", "contradicted_only"}
    hearsay = [g for g in gaps if g.kind == "hearsay_only"]
    assert [g.element.code for g in hearsay] == ["art7-1-f.3"]
    contradicted = {g.element.code for g in gaps if g.kind == "contradicted_only"}
    assert "art7-1-h.2" in contradicted

    tasks = list(CaseTask.objects.filter(case=case).order_by("pk"))
    assert [task.gap for task in tasks] == ["single_source", "no_evidence"]
    assert tasks[0].assignee == _user(COLLEAGUE) and tasks[0].due_date is not None
    assert [e.code for e in tasks[1].elements.all()] == ["art7-1-e.3"]


def test_a_pattern_query_backs_widespread_or_systematic(case):
    from sillok.assessment.models import PatternQuery

    pattern = PatternQuery.objects.get(case=case)
    assert pattern.element.code == "art7-context.widespread-systematic"
    assert pattern.query and pattern.result  # the filters kept, the counts of the last run


def test_the_case_corroboration_sees_the_shared_person_and_the_hearsay_chain(case):
    from sillok.records.corroboration import corroboration_of
    from sillok.records.models import Act, Information

    analyst = _user("demo-analyst")  # the records are documentation, not the case's secret
    beating = Act.objects.get(violation_type__code="torture.beating", description__contains="clubs")
    found = corroboration_of(analyst, "act", beating).as_dict()
    # The victim, the former guard and the state media's denial are three origins; the
    # mother heard it from the victim (a hearsay chain), so she is not a fourth; the denial
    # stays beside the victim's account, marked as contradicting it.
    assert found["independent_sources"] == 3 and found["contradicted"]
    assert any(len(chain) >= 2 for chain in found["hearsay_chains"])
    mother = next(i for i in found["information"] if i["connection"] == "hearsay")
    assert mother["heard_from"] and not mother["first_hand"]
    religion = Act.objects.get(violation_type__code="freedoms.religion.possession")
    assert corroboration_of(analyst, "act", religion).as_dict()["single_source"] is True
    assert Information.objects.filter(act=religion).count() == 2  # two sources, one person


def test_only_the_case_members_see_the_demo_case(demo):
    from sillok.assessment.access import visible_cases

    case_id = demo.assessment_case.case_id
    for member in (EXPERT, COLLEAGUE, "demo-manager"):
        assert visible_cases(_user(member)).filter(pk=case_id).exists(), member
    for other in ("demo-analyst", "demo-documentation-officer", "demo-partner"):
        assert not visible_cases(_user(other)).filter(pk=case_id).exists(), other


def test_loading_the_demo_again_adds_nothing(demo):
    from sillok.assessment.models import AssessmentVersion, CaseFile
    from sillok.demo.services import do_load_demo

    audited, versions = AuditEntry.objects.count(), AssessmentVersion.objects.count()
    second = do_load_demo()
    assert second.already_loaded and second.assessment_case is not None
    assert second.assessment_case.case_id == demo.assessment_case.case_id
    assert CaseFile.objects.count() == 1
    assert AuditEntry.objects.count() == audited
    assert AssessmentVersion.objects.count() == versions


def test_without_the_second_legal_expert_the_case_is_refused_and_nothing_is_written(
    roles, vocabularies, repo_home
):
    from sillok.demo.assessment_case import do_load_demo_assessment_case
    from sillok.demo.casework import CaseworkError
    from sillok.demo.services import load_demo_users

    load_demo_users()
    User.objects.filter(username=COLLEAGUE).update(is_active=False)
    audited = AuditEntry.objects.count()
    with pytest.raises(CaseworkError, match=COLLEAGUE):
        do_load_demo_assessment_case()
    assert AuditEntry.objects.count() == audited
