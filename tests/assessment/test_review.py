"""Element assessments and the four-eyes review (assessment/review.py): the computed status,
overrides that need a reason, history and audit, who may confirm, and what sends a confirmed
assessment back to draft; the home page's "waiting for you" line."""

from __future__ import annotations

import pytest

from sillok.assessment.access import CaseActionRefused, CaseNotFound
from sillok.assessment.case_input import CaseInputError
from sillok.assessment.history import versions_of
from sillok.assessment.matrix import build_matrix
from sillok.assessment.models import ElementAssessment, EvidenceLink
from sillok.assessment.review import (
    do_assess_element,
    do_confirm_assessment,
    do_return_assessment,
    do_submit_assessment,
)
from sillok.assessment.services import do_add_member, do_link_evidence
from sillok.core.waiting import waiting_for
from sillok.custody.models import AuditEntry

pytestmark = pytest.mark.django_db

CODE = "art7-1-f.1"


@pytest.fixture
def colleague(legal_expert, second_legal_expert, case_file):
    do_add_member(legal_expert, case_file, second_legal_expert)
    return second_legal_expert


@pytest.fixture
def eyewitness(documentation_officer, make_record):
    """Information from a new eyewitness about one act of torture, per call."""
    event = make_record(documentation_officer, "event", title="Interrogation")
    act = make_record(documentation_officer, "act", event=f"E-{event.pk}", violation_type="torture")

    def make(name: str):
        source = make_record(documentation_officer, "source", name=name)
        return make_record(
            documentation_officer, "information", source=f"S-{source.pk}", act=f"A-{act.pk}",
            connection="eyewitness",
        )  # fmt: skip

    return make


@pytest.fixture
def link(legal_expert, torture_charge, element):
    def make(info):
        return do_link_evidence(
            legal_expert, torture_charge, element(CODE), evidence_kind="information",
            evidence_id=info.pk,
        )  # fmt: skip

    return make


def assess(user, charge, element, **options) -> ElementAssessment:
    return do_assess_element(user, charge, element(CODE), **options)


def actions(row: ElementAssessment) -> list[str]:
    return [version.action for version in versions_of("assessment", row.pk)]


def test_an_assessment_stores_the_status_the_rule_gives_now(
    legal_expert, torture_charge, element, eyewitness, link
):
    link(eyewitness("Witness A"))
    first = assess(legal_expert, torture_charge, element)
    assert (first.computed_status, first.status, first.review_state) == (
        "insufficient",
        "insufficient",
        "draft",
    )
    link(eyewitness("Witness B"))
    again = assess(legal_expert, torture_charge, element, comment="two eyewitnesses now")
    assert (again.pk, again.computed_status, again.comment) == (
        first.pk,
        "met",
        "two eyewitnesses now",
    )
    assert actions(again) == ["created", "edited"]


def test_an_override_needs_a_reason_and_changes_nothing_without_one(
    legal_expert, torture_charge, element
):
    with pytest.raises(CaseInputError) as refused:
        assess(legal_expert, torture_charge, element, override_status="met")
    assert refused.value.field == "override_reason"
    with pytest.raises(CaseInputError):
        assess(legal_expert, torture_charge, element, override_status="proven", override_reason="x")
    assert not ElementAssessment.objects.exists()


def test_an_override_with_a_reason_is_kept_in_history_and_audited(
    legal_expert, case_file, torture_charge, element
):
    row = assess(
        legal_expert, torture_charge, element, override_status="충족",
        override_reason="Satellite images show the interrogation block.",
    )  # fmt: skip
    assert (row.computed_status, row.override_status, row.status) == ("no_evidence", "met", "met")
    version = versions_of("assessment", row.pk).get()
    assert version.reason == "Satellite images show the interrogation block."
    assert version.snapshot["override_status"] == "met"
    entry = AuditEntry.objects.get(seq=version.audit_seq)
    assert (entry.action, entry.actor_id) == ("assessment.assessment.created", legal_expert.pk)
    element_row = next(
        e for e in build_matrix(legal_expert, case_file)["charges"][0]["elements"]
        if e["code"] == CODE
    )  # fmt: skip
    assert (element_row["status"], element_row["computed_status"]) == ("met", "no_evidence")
    assert element_row["override_reason"].startswith("Satellite images")


def test_a_second_legal_expert_confirms_and_the_assessor_cannot(
    legal_expert, colleague, torture_charge, element
):
    row = do_submit_assessment(legal_expert, assess(legal_expert, torture_charge, element))
    with pytest.raises(CaseActionRefused, match="four eyes"):
        do_confirm_assessment(legal_expert, row)
    confirmed = do_confirm_assessment(colleague, row, comment="Agreed.")
    assert (confirmed.review_state, confirmed.reviewer, confirmed.review_comment) == (
        "confirmed",
        colleague,
        "Agreed.",
    )
    assert actions(confirmed) == ["created", "submitted", "confirmed"]
    assert AuditEntry.objects.filter(action="assessment.assessment.confirmed").count() == 1


def test_an_analyst_or_an_outsider_cannot_confirm(
    legal_expert, analyst, outsider, torture_charge, element
):
    row = do_submit_assessment(legal_expert, assess(legal_expert, torture_charge, element))
    for user in (analyst, outsider):
        with pytest.raises(CaseNotFound):
            do_confirm_assessment(user, row)
    assert ElementAssessment.objects.get(pk=row.pk).review_state == "in_review"


def test_a_manager_member_sees_the_case_but_may_not_confirm(
    legal_expert, manager, torture_charge, element, case_file
):
    do_add_member(legal_expert, case_file, manager)
    row = do_submit_assessment(legal_expert, assess(legal_expert, torture_charge, element))
    with pytest.raises(CaseActionRefused, match="review_assessment"):
        do_confirm_assessment(manager, row)


def test_only_an_assessment_in_review_can_be_confirmed(
    legal_expert, colleague, torture_charge, element
):
    draft = assess(legal_expert, torture_charge, element)
    with pytest.raises(CaseActionRefused, match="sent for review"):
        do_confirm_assessment(colleague, draft)


def test_returning_needs_a_comment_and_goes_back_to_draft(
    legal_expert, colleague, torture_charge, element
):
    row = do_submit_assessment(legal_expert, assess(legal_expert, torture_charge, element))
    with pytest.raises(CaseInputError):
        do_return_assessment(colleague, row, comment="  ")
    returned = do_return_assessment(colleague, row, comment="Link the register first.")
    assert (returned.review_state, returned.review_comment) == ("draft", "Link the register first.")
    assert actions(returned) == ["created", "submitted", "returned"]


def test_a_confirmed_assessment_edited_again_goes_back_to_draft(
    legal_expert, colleague, torture_charge, element
):
    row = do_submit_assessment(legal_expert, assess(legal_expert, torture_charge, element))
    do_confirm_assessment(colleague, row)
    edited = assess(
        legal_expert, torture_charge, element, override_status="insufficient",
        override_reason="The witness retracted.",
    )  # fmt: skip
    assert (edited.review_state, edited.reviewer, edited.override_status) == (
        "draft",
        None,
        "insufficient",
    )
    assert actions(edited)[-1] == "reopened"


def test_new_evidence_sends_a_confirmed_assessment_back_to_draft(
    legal_expert, colleague, torture_charge, element, eyewitness, link
):
    row = do_submit_assessment(legal_expert, assess(legal_expert, torture_charge, element))
    do_confirm_assessment(colleague, row)
    link(eyewitness("Witness C"))
    reopened = ElementAssessment.objects.get(pk=row.pk)
    assert (reopened.review_state, reopened.reviewer_id) == ("draft", None)
    assert actions(reopened)[-1] == "reopened"
    assert "evidence" in versions_of("assessment", row.pk).last().reason


def test_evidence_changed_behind_the_services_still_blocks_confirmation(
    legal_expert, colleague, torture_charge, element, eyewitness
):
    """The second lock: a link written without the link services (which reopen the
    assessment) is still noticed when the reviewer confirms."""
    row = do_submit_assessment(legal_expert, assess(legal_expert, torture_charge, element))
    EvidenceLink.objects.create(
        case=torture_charge.case, charge=torture_charge, element=element(CODE),
        evidence_kind="information", evidence_id=eyewitness("Witness D").pk,
        assessor=legal_expert, created_by=legal_expert,
    )  # fmt: skip
    with pytest.raises(CaseActionRefused, match="assessed again"):
        do_confirm_assessment(colleague, row)
    assert ElementAssessment.objects.get(pk=row.pk).review_state == "in_review"


def test_the_waiting_count_shows_assessments_to_review_to_others_only(
    legal_expert, colleague, analyst, torture_charge, element
):
    def line(user):
        return next((w for w in waiting_for(user) if w.key == "assessment.review"), None)

    assert line(colleague).count == 0  # shown at zero: a reviewer learns where reviews appear
    assert line(analyst) is None
    row = do_submit_assessment(legal_expert, assess(legal_expert, torture_charge, element))
    assert line(legal_expert).count == 0  # their own is someone else's work
    waiting = line(colleague)
    assert (waiting.count, len(waiting.entries)) == (1, 1)
    assert waiting.url.endswith(f"/cases/{torture_charge.case_id}/matrix/")
    do_confirm_assessment(colleague, row)
    assert line(colleague).count == 0


def test_a_reviewer_who_is_not_a_member_sees_no_waiting_assessment(
    legal_expert, second_legal_expert, torture_charge, element
):
    do_submit_assessment(legal_expert, assess(legal_expert, torture_charge, element))
    waiting = [w for w in waiting_for(second_legal_expert) if w.key == "assessment.review"]
    assert waiting[0].count == 0
