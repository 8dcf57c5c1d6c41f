"""Case files through their services: opening a case in its own compartment, members,
suspects, charges, evidence links and tasks; every change versioned and audited in one
transaction; stale edits and bad input refused with nothing changed; versions append-only."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction

from sillok.accounts.clearance import may_see_compartment
from sillok.assessment.access import CaseActionRefused, CaseNotFound, access_case, visible_cases
from sillok.assessment.case_input import CaseInputError
from sillok.assessment.history import versions_of
from sillok.assessment.models import (
    AssessmentVersion,
    CaseFile,
    CaseTask,
    Charge,
    EvidenceLink,
    Suspect,
)
from sillok.assessment.services import (
    StaleRevision,
    do_add_charge,
    do_add_member,
    do_add_suspect,
    do_create_case,
    do_create_task,
    do_link_evidence,
    do_reassess_link,
    do_update_case,
    do_update_task,
    do_withdraw,
)
from sillok.custody.models import AuditEntry

pytestmark = pytest.mark.django_db


def _state() -> tuple:
    """Everything a refused change must leave as it was."""
    return (
        CaseFile.objects.count(),
        Suspect.objects.count(),
        Charge.objects.count(),
        EvidenceLink.objects.count(),
        CaseTask.objects.count(),
        AssessmentVersion.objects.count(),
        AuditEntry.objects.count(),
        list(CaseFile.objects.values_list("revision", "title", "status")),
    )


def test_a_new_case_gets_its_own_compartment_and_its_creator_as_member(case_file, legal_expert):
    assert case_file.compartment.code == "case-detention-facility-14"
    assert list(case_file.compartment.members.all()) == [legal_expert]
    assert may_see_compartment(legal_expert, case_file.compartment_id)
    assert access_case(legal_expert, case_file.pk) == case_file
    [version] = versions_of("case", case_file.pk)
    assert (version.action, version.number, version.actor) == ("created", 1, legal_expert)
    assert version.snapshot["members"] == [legal_expert.pk]
    entry = AuditEntry.objects.get(seq=version.audit_seq)
    assert (entry.action, entry.object_type, entry.object_id) == (
        "assessment.case.created",
        "assessment.case",
        str(case_file.pk),
    )


def test_two_cases_with_one_title_get_distinct_compartments(legal_expert, rome, element):
    codes = {
        do_create_case(
            legal_expert, "Camp 16", framework=rome, standard=element("standard-cc")
        ).compartment.code
        for _ in range(2)
    }
    assert codes == {"case-camp-16", "case-camp-16-2"}


def test_a_korean_title_gets_a_compartment_code_too(legal_expert, rome, element):
    case = do_create_case(
        legal_expert, "요덕 수용소 사건", framework=rome, standard=element("standard-rgb")
    )
    assert case.compartment.code.startswith("case-")
    assert case.title == "요덕 수용소 사건"


def test_a_legal_expert_who_is_not_a_member_does_not_see_the_case(case_file, second_legal_expert):
    assert case_file not in visible_cases(second_legal_expert)
    with pytest.raises(CaseNotFound):
        access_case(second_legal_expert, case_file.pk)
    denied = AuditEntry.objects.filter(action="access.denied").last()
    assert (denied.object_type, denied.object_id) == ("case", str(case_file.pk))
    assert denied.details["reason"] == "compartment"


def test_a_missing_case_is_not_found_like_a_hidden_one_without_an_alert(legal_expert):
    before = AuditEntry.objects.count()
    with pytest.raises(CaseNotFound) as missing:
        access_case(legal_expert, 999999)
    assert str(missing.value) == "no case 999999"
    assert AuditEntry.objects.count() == before


@pytest.mark.parametrize("persona", ["analyst", "documentation_officer", "outsider", "partner"])
def test_roles_without_case_permissions_may_not_open_a_case(persona, request, rome, element):
    user = request.getfixturevalue(persona)
    before = _state()
    with pytest.raises(CaseActionRefused):
        do_create_case(user, "Mine", framework=rome, standard=element("standard-rgb"))
    assert _state() == before


def test_a_manager_member_reads_the_case_but_changes_nothing(
    case_file, legal_expert, manager, rome
):
    do_add_member(legal_expert, case_file, manager)
    manager.refresh_from_db()
    assert access_case(manager, case_file.pk) == case_file
    before = _state()
    with pytest.raises(CaseActionRefused):
        do_update_case(manager, case_file, revision=case_file.revision, title="Renamed")
    assert _state() == before


def test_an_analyst_cannot_be_made_a_member(case_file, legal_expert, analyst):
    before = _state()
    with pytest.raises(CaseInputError) as refused:
        do_add_member(legal_expert, case_file, analyst)
    assert refused.value.field == "member"
    assert _state() == before


def test_adding_a_member_is_a_version_of_the_case(case_file, legal_expert, second_legal_expert):
    assert do_add_member(legal_expert, case_file, "second_legal_expert") is True
    assert do_add_member(legal_expert, case_file, second_legal_expert) is False
    versions = list(versions_of("case", case_file.pk))
    assert [v.action for v in versions] == ["created", "member_added"]
    assert versions[-1].snapshot["members"] == sorted([legal_expert.pk, second_legal_expert.pk])
    assert access_case(second_legal_expert, case_file.pk) == case_file


def test_a_stale_edit_is_refused_and_changes_nothing(case_file, legal_expert):
    do_update_case(legal_expert, case_file, revision=1, strategy="Focus on torture")
    before = _state()
    with pytest.raises(StaleRevision):
        do_update_case(legal_expert, case_file, revision=1, title="Another title")
    assert _state() == before
    case_file.refresh_from_db()
    assert (case_file.revision, case_file.strategy) == (2, "Focus on torture")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": "  "}, "title"),
        ({"title": "x" * 501}, "title"),
        ({"sensitivity": "top secret"}, "sensitivity"),
        ({"status": "archived"}, "status"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_case_input_names_the_field_and_changes_nothing(
    case_file, legal_expert, changes, field
):
    before = _state()
    with pytest.raises(CaseInputError) as refused:
        do_update_case(legal_expert, case_file, revision=1, **changes)
    assert refused.value.field == field
    assert _state() == before


def test_a_closed_case_takes_no_changes_until_reopened(case_file, legal_expert):
    case = do_update_case(legal_expert, case_file, revision=1, status="closed", reason="done")
    with pytest.raises(CaseActionRefused):
        do_update_case(legal_expert, case, revision=2, strategy="more")
    case = do_update_case(legal_expert, case, revision=2, status="open")
    actions = [v.action for v in versions_of("case", case.pk)]
    assert actions == ["created", "closed", "reopened"]


def test_a_suspect_must_be_a_record_the_expert_may_see(
    case_file, legal_expert, documentation_officer, make_record
):
    hidden = make_record(
        documentation_officer, "person", name="Hidden commander", sensitivity="internal"
    )
    from sillok.accounts.compartments import do_create_compartment

    other = do_create_compartment(None, "other-case", name="Other")
    from sillok.records.models import Person

    Person.objects.filter(pk=hidden.pk).update(compartment=other)
    before = _state()
    with pytest.raises(CaseInputError) as refused:
        do_add_suspect(legal_expert, case_file, person=hidden)
    assert refused.value.field == "person"
    assert _state() == before


def test_a_suspect_is_a_person_or_an_organization_not_both(case_file, legal_expert, suspect_unit):
    with pytest.raises(CaseInputError):
        do_add_suspect(legal_expert, case_file)
    with pytest.raises(CaseInputError):  # already a suspect
        do_add_suspect(legal_expert, case_file, organization=suspect_unit.organization)


def test_a_charge_needs_a_crime_and_a_mode_of_the_case_framework(
    case_file, legal_expert, suspect_unit, element
):
    before = _state()
    for crime, mode, field in (
        (element("art25-3-a"), element("art25-3-a"), "crime"),  # a mode is not a crime
        (element("art7-1-f"), element("art7-1-f"), "mode"),
        (element("art7-1-f.1"), element("art25-3-a"), "crime"),  # an element, not a crime
    ):
        with pytest.raises(CaseInputError) as refused:
            do_add_charge(legal_expert, case_file, crime=crime, suspect=suspect_unit, mode=mode)
        assert refused.value.field == field
    assert _state() == before


def test_a_charge_needs_a_suspect_of_this_case(
    legal_expert, rome, element, suspect_unit, case_file
):
    other = do_create_case(legal_expert, "Other", framework=rome, standard=element("standard-rgb"))
    with pytest.raises(CaseInputError) as refused:
        do_add_charge(
            legal_expert,
            other,
            crime=element("art7-1-f"),
            suspect=suspect_unit,
            mode=element("art25-3-a"),
        )
    assert refused.value.field == "suspect"


def test_evidence_is_linked_to_an_element_of_the_charge_with_a_passage(
    torture_charge, legal_expert, element, make_item
):
    item = make_item(legal_expert, pages=5)
    link = do_link_evidence(
        legal_expert,
        torture_charge,
        element("art7-1-f.1"),
        evidence_kind="item",
        evidence_id=item.pk,
        passage="p3-4",
        assessment="지지",
        weight="높음",
        comment="Detainee describes beatings",
    )
    assert (link.assessment, link.weight, link.passage) == ("supports", "high", {"pages": [3, 4]})
    assert (link.case_id, link.assessor) == (torture_charge.case_id, legal_expert)
    [version] = versions_of("link", link.pk)
    assert version.snapshot["passage"] == {"pages": [3, 4]}
    assert AuditEntry.objects.get(seq=version.audit_seq).action == "assessment.link.created"


def test_a_contextual_element_can_be_linked_too(
    torture_charge, legal_expert, element, make_record, analyst
):
    event = make_record(analyst, "event", title="Beatings at the facility", date="2016-04")
    act = make_record(
        analyst, "act", event=f"E-{event.pk}", violation_type="torture", sensitivity="internal"
    )
    link = do_link_evidence(
        legal_expert,
        torture_charge,
        element("art7-context.attack"),
        evidence_kind="act",
        evidence_id=act.pk,
        assessment="context",
    )
    assert link.evidence_kind == "act"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"element": "art7-1-a.1"}, "element"),  # murder's element, not torture's
        ({"evidence_id": 999999}, "evidence"),
        ({"passage": "p9"}, "passage"),  # the item has 5 pages
        ({"passage": "c0-99999"}, "passage"),
        ({"passage": "t1-2"}, "passage"),  # no duration: not audio or video
        ({"passage": "page three"}, "passage"),
        ({"assessment": "maybe"}, "assessment"),
        ({"weight": "enormous"}, "weight"),
    ],
)
def test_bad_evidence_links_name_the_field_and_change_nothing(
    torture_charge, legal_expert, element, make_item, overrides, field
):
    item = make_item(legal_expert, pages=5)
    values = {
        "element": "art7-1-f.1",
        "evidence_kind": "item",
        "evidence_id": item.pk,
        "passage": None,
    } | overrides
    before = _state()
    with pytest.raises(CaseInputError) as refused:
        do_link_evidence(
            legal_expert,
            torture_charge,
            element(values.pop("element")),
            **values,
        )
    assert refused.value.field == field
    assert _state() == before


def test_evidence_the_expert_may_not_see_is_refused_like_missing_evidence(
    torture_charge, legal_expert, element, make_item, documentation_officer
):
    from sillok.accounts.compartments import do_create_compartment

    other = do_create_compartment(None, "elsewhere", name="Elsewhere")
    hidden = make_item(documentation_officer, compartment=other)
    with pytest.raises(CaseInputError) as refused:
        do_link_evidence(
            legal_expert,
            torture_charge,
            element("art7-1-f.1"),
            evidence_kind="item",
            evidence_id=hidden.pk,
        )
    with pytest.raises(CaseInputError) as missing:
        do_link_evidence(
            legal_expert,
            torture_charge,
            element("art7-1-f.1"),
            evidence_kind="item",
            evidence_id=999999,
        )
    assert str(refused.value).replace(str(hidden.pk), "N") == str(missing.value).replace(
        "999999", "N"
    )


def test_reassessing_a_link_checks_its_revision(
    torture_charge, legal_expert, element, make_item, second_legal_expert
):
    item = make_item(legal_expert, pages=2)
    link = do_link_evidence(
        legal_expert, torture_charge, element("art7-1-f.2"), evidence_kind="item",
        evidence_id=item.pk,
    )  # fmt: skip
    do_add_member(legal_expert, torture_charge.case, second_legal_expert)
    link = do_reassess_link(second_legal_expert, link, revision=1, assessment="상충", weight="low")
    assert (link.assessment, link.weight, link.assessor, link.revision) == (
        "contradicts", "low", second_legal_expert, 2,
    )  # fmt: skip
    with pytest.raises(StaleRevision):
        do_reassess_link(legal_expert, link, revision=1, weight="high")
    assert [v.action for v in versions_of("link", link.pk)] == ["created", "reassessed"]


def test_tasks_go_to_members_of_the_case_only(
    case_file, torture_charge, legal_expert, second_legal_expert, element
):
    before = _state()
    with pytest.raises(CaseInputError) as refused:
        do_create_task(legal_expert, case_file, title="Interview", assignee=second_legal_expert)
    assert refused.value.field == "assignee"
    assert _state() == before
    do_add_member(legal_expert, case_file, second_legal_expert)
    task = do_create_task(
        legal_expert,
        case_file,
        title="Find a second witness",
        assignee=second_legal_expert,
        due_date="2027-01-31",
        charge=torture_charge,
        elements=[element("art7-1-f.1")],
    )
    assert (task.assignee, str(task.due_date), task.status) == (
        second_legal_expert, "2027-01-31", "open",
    )  # fmt: skip
    task = do_update_task(second_legal_expert, task, revision=1, status="진행 중")
    assert task.status == "in_progress"
    with pytest.raises(CaseInputError) as bad:
        do_update_task(legal_expert, task, revision=2, due_date="next week")
    assert bad.value.field == "due_date"
    with pytest.raises(CaseInputError):
        do_update_task(legal_expert, task, revision=2, elements=[element("art7-1-a.1")])


def test_withdrawing_keeps_the_row_with_its_reason(
    torture_charge, legal_expert, element, make_item
):
    item = make_item(legal_expert)
    link = do_link_evidence(
        legal_expert, torture_charge, element("art7-1-f.1"), evidence_kind="item",
        evidence_id=item.pk,
    )  # fmt: skip
    with pytest.raises(CaseActionRefused):  # evidence still linked to the charge
        do_withdraw(legal_expert, torture_charge, reason="wrong mode")
    with pytest.raises(CaseInputError) as no_reason:
        do_withdraw(legal_expert, link, reason=" ")
    assert no_reason.value.field == "reason"
    do_withdraw(legal_expert, link, reason="misread the passage")
    do_withdraw(legal_expert, torture_charge, reason="wrong mode")
    link.refresh_from_db()
    assert (link.withdrawn_reason, link.withdrawn_at is not None) == ("misread the passage", True)
    assert [v.action for v in versions_of("charge", torture_charge.pk)] == [
        "created",
        "withdrawn",
    ]
    with pytest.raises(CaseActionRefused):
        do_withdraw(legal_expert, link, reason="again")


def test_a_refused_write_leaves_no_version_and_no_audit_entry(
    torture_charge, legal_expert, element, make_item
):
    """The version and the entry are written in the change's transaction: a failure after
    them (here the passage check of a second link in the same atomic block) takes all back."""
    item = make_item(legal_expert, pages=1)
    before = _state()
    with pytest.raises(CaseInputError), transaction.atomic():
        do_link_evidence(
            legal_expert, torture_charge, element("art7-1-f.1"), evidence_kind="item",
            evidence_id=item.pk,
        )  # fmt: skip
        do_link_evidence(
            legal_expert, torture_charge, element("art7-1-f.2"), evidence_kind="item",
            evidence_id=item.pk, passage="p2",
        )  # fmt: skip
    assert _state() == before


def test_versions_are_append_only_in_the_database(case_file):
    version = AssessmentVersion.objects.filter(case=case_file).first()
    for statement in (
        "UPDATE assessment_assessmentversion SET reason = 'forged' WHERE id = %s",
        "DELETE FROM assessment_assessmentversion WHERE id = %s",
        "DELETE FROM assessment_casefile WHERE id = %s",
    ):
        params = [case_file.pk if "casefile" in statement else version.pk]
        with (
            pytest.raises(IntegrityError)
            if connection.vendor == "sqlite"
            else pytest.raises(Exception),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement, params)
    version.refresh_from_db()
    assert version.reason == ""


def test_refusals_of_case_changes_speak_the_users_language(case_file, analyst):
    from django.utils import translation

    from sillok.assessment.access import check_can_change_case

    with translation.override("ko"), pytest.raises(CaseActionRefused) as refused:
        check_can_change_case(analyst, case_file)
    assert "change_cases 권한" in str(refused.value)
