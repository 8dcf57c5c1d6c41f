"""The case pages: list, case page, suspect profile, matrix and "add to case", as a member
legal expert (in English and Korean), and refused to everyone the rules refuse: a non-member
legal expert gets 404 (a case they may not see is a missing one), a persona without
view_cases 403 on the list and 404 on a case, a manager (view only) 403 on every change."""

from __future__ import annotations

import pytest
from django.urls import reverse

from sillok.assessment.models import CaseFile, CaseTask, Charge, EvidenceLink, Suspect

pytestmark = pytest.mark.django_db


def case_pages(case: CaseFile, suspect: Suspect) -> dict[str, str]:
    return {
        "list": reverse("assessment:cases"),
        "case": reverse("assessment:case", args=[case.pk]),
        "matrix": reverse("assessment:matrix", args=[case.pk]),
        "suspect": reverse("assessment:suspect", args=[case.pk, suspect.pk]),
    }


def test_a_member_legal_expert_sees_every_page(client_for, legal_expert, torture_charge):
    case, client = torture_charge.case, client_for(legal_expert)
    for name, url in case_pages(case, torture_charge.suspect).items():
        response = client.get(url)
        assert response.status_code == 200, name
        assert "Detention facility 14" in response.content.decode(), name
    matrix = client.get(reverse("assessment:matrix", args=[case.pk])).content.decode()
    # Each element of torture × commission, with its status in words (not only a colour).
    assert 'data-element="art7-1-f.1"' in matrix
    assert 'data-element="art7-context.attack"' in matrix
    assert 'data-element="art25-3-a.1"' in matrix
    assert "No evidence" in matrix


def test_the_pages_speak_korean(client_for, legal_expert, torture_charge):
    case, client = torture_charge.case, client_for(legal_expert)
    pages = case_pages(case, torture_charge.suspect)
    expected = {
        "list": ["사건", "새 사건 열기"],
        "case": ["피의자", "혐의", "수사 과제", "구성원"],
        "matrix": ["구성요건 한눈에 보기", "범죄의 구성요건", "증거 연결"],
        "suspect": ["지휘 계통", "상급자 책임"],
    }
    for name, words in expected.items():
        html = client.get(pages[name], HTTP_ACCEPT_LANGUAGE="ko").content.decode()
        missing = [word for word in words if word not in html]
        assert not missing, (name, missing)


def test_a_legal_expert_who_is_not_a_member_finds_no_such_case(
    client_for, second_legal_expert, torture_charge
):
    client = client_for(second_legal_expert)
    pages = case_pages(torture_charge.case, torture_charge.suspect)
    listing = client.get(pages.pop("list"))
    assert listing.status_code == 200
    assert "Detention facility 14" not in listing.content.decode()
    for name, url in pages.items():
        response = client.get(url)
        assert response.status_code == 404, name
        assert "Detention facility 14" not in response.content.decode()


@pytest.mark.parametrize("persona", ["analyst", "documentation_officer", "partner", "outsider"])
def test_personas_without_view_cases_are_refused(request, client_for, persona, torture_charge):
    client = client_for(request.getfixturevalue(persona))
    pages = case_pages(torture_charge.case, torture_charge.suspect)
    assert client.get(pages.pop("list")).status_code == 403
    for name, url in pages.items():
        assert client.get(url).status_code == 404, name
    assert client.get(reverse("assessment:add")).status_code == 403


def test_the_navigation_and_home_link_cases_only_for_those_who_may_see_them(
    client_for, legal_expert, analyst
):
    url = reverse("assessment:cases")
    html = client_for(legal_expert).get("/").content.decode()
    nav = html.split('<nav class="nav"', 1)[1].split("</nav>", 1)[0]
    assert f'href="{url}"' in nav and 'data-shortcut="cases"' in html
    html = client_for(analyst).get("/").content.decode()
    assert f'href="{url}"' not in html and 'data-shortcut="cases"' not in html


# --- opening a case and changing its parts ---------------------------------------------------


def test_a_legal_expert_opens_a_case_with_korean_input(client_for, legal_expert, rome, element):
    response = client_for(legal_expert).post(
        reverse("assessment:cases"),
        {
            "title": "제14호 구금시설",
            "framework": rome.pk,
            "standard": element("standard-cc").pk,
            "sensitivity": "제한",  # "restricted", typed in Korean
            "strategy": "고문부터 시작",
        },
    )
    case = CaseFile.objects.get(title="제14호 구금시설")
    assert response.status_code == 302 and response["Location"] == f"/cases/{case.pk}/"
    assert case.sensitivity == "restricted" and case.standard.code == "standard-cc"
    assert case.compartment.members.filter(pk=legal_expert.pk).exists()


def test_a_case_without_a_title_is_refused_and_nothing_is_made(
    client_for, legal_expert, rome, element
):
    before = CaseFile.objects.count()
    response = client_for(legal_expert).post(
        reverse("assessment:cases"),
        {"title": "  ", "framework": rome.pk, "standard": element("standard-rgb").pk},
    )
    assert response.status_code == 400
    assert "Give the case a title." in response.content.decode()
    assert CaseFile.objects.count() == before


def test_a_bad_sensitivity_is_named_in_the_error(client_for, legal_expert, rome, element):
    response = client_for(legal_expert).post(
        reverse("assessment:cases"),
        {
            "title": "Case",
            "framework": rome.pk,
            "standard": element("standard-rgb").pk,
            "sensitivity": "very secret",
        },
    )
    assert response.status_code == 400
    assert "very secret is not one of" in response.content.decode()
    assert not CaseFile.objects.filter(title="Case").exists()


def test_a_manager_sees_a_case_but_may_not_change_it(client_for, manager, legal_expert, case_file):
    from sillok.assessment.services import do_add_member

    do_add_member(legal_expert, case_file, manager)
    client = client_for(manager)
    page = client.get(reverse("assessment:case", args=[case_file.pk]))
    assert page.status_code == 200
    assert f'action="/cases/{case_file.pk}/suspects/add/"' not in page.content.decode()
    response = client.post(
        reverse("assessment:task_add", args=[case_file.pk]), {"title": "Find witnesses"}
    )
    assert response.status_code == 403
    assert not CaseTask.objects.filter(case=case_file).exists()
    assert client.post(reverse("assessment:cases"), {"title": "x"}).status_code == 403


def test_a_non_member_cannot_post_to_a_case(client_for, second_legal_expert, case_file):
    response = client_for(second_legal_expert).post(
        reverse("assessment:task_add", args=[case_file.pk]), {"title": "Find witnesses"}
    )
    assert response.status_code == 404
    assert not CaseTask.objects.filter(case=case_file).exists()


def test_members_suspects_charges_and_tasks_are_added_from_the_case_page(
    client_for, legal_expert, second_legal_expert, case_file, make_record, documentation_officer
):
    client = client_for(legal_expert)
    unit = make_record(
        documentation_officer, "organization", name="보위부 7과", sensitivity="internal"
    )
    url = lambda name: reverse(f"assessment:{name}", args=[case_file.pk])  # noqa: E731
    assert client.post(url("member_add"), {"username": "second_legal_expert"}).status_code == 302
    assert case_file.compartment.members.filter(pk=second_legal_expert.pk).exists()
    # By name: the one organization called so.
    assert client.post(url("suspect_add"), {"record": "보위부 7과"}).status_code == 302
    suspect = Suspect.objects.get(case=case_file)
    assert suspect.organization_id == unit.pk
    response = client.post(
        url("charge_add"), {"crime": "art7-1-e", "suspect": suspect.pk, "mode": "art25-3-b"}
    )
    assert response.status_code == 302
    charge = Charge.objects.get(case=case_file)
    assert (charge.crime.code, charge.mode.code) == ("art7-1-e", "art25-3-b")
    response = client.post(
        url("task_add"),
        {
            "title": "Interview former guards",
            "assignee": second_legal_expert.pk,
            "due_date": "2027년 1월 15일",
            "charge": charge.pk,
            "elements": "art7-1-e.1, art7-context.attack",
        },
    )
    assert response.status_code == 302
    task = CaseTask.objects.get(case=case_file)
    assert str(task.due_date) == "2027-01-15" and task.assignee == second_legal_expert
    assert sorted(task.elements.values_list("code", flat=True)) == [
        "art7-1-e.1",
        "art7-context.attack",
    ]
    response = client.post(
        reverse("assessment:task_update", args=[case_file.pk, task.pk]),
        {"revision": task.revision, "status": "진행 중", "assignee": "", "due_date": ""},
    )
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.status == "in_progress" and task.assignee is None and task.due_date is None
    page = client.get(reverse("assessment:case", args=[case_file.pk])).content.decode()
    assert "Interview former guards" in page and "보위부 7과" in page
    # The charge form names the suspect, the task form the charge (never "object (1)").
    assert f"O-{unit.pk} 보위부 7과</option>" in page and "object (" not in page


def test_bad_input_on_the_case_page_names_the_problem_and_changes_nothing(
    client_for, legal_expert, case_file, suspect_unit
):
    client = client_for(legal_expert)
    url = lambda name: reverse(f"assessment:{name}", args=[case_file.pk])  # noqa: E731
    cases = [
        ("member_add", {"username": "nobody-here"}, "There is no active user called nobody-here."),
        ("suspect_add", {"record": "P-999999"}, "No person or unit you may see matches P-999999."),
        (
            "charge_add",
            {"crime": "art99", "suspect": suspect_unit.pk, "mode": "art25-3-a"},
            "No Crime with the code art99 in this framework.",
        ),  # fmt: skip
        ("task_add", {"title": "Check", "due_date": "next week"}, "next week is not a date"),
        (
            "task_add",
            {"title": "Check", "elements": "art7-1-z.9"},
            "No element with the code art7-1-z.9 in this framework.",
        ),  # fmt: skip
    ]
    for name, data, message in cases:
        response = client.post(url(name), data)
        assert response.status_code == 400, name
        assert message in response.content.decode(), name
    assert not Charge.objects.filter(case=case_file).exists()
    assert not CaseTask.objects.filter(case=case_file).exists()
    assert case_file.compartment.members.count() == 1


def test_a_stale_task_edit_is_refused_with_409(client_for, legal_expert, case_file):
    from sillok.assessment.services import do_create_task, do_update_task

    task = do_create_task(legal_expert, case_file, title="Find the logbook")
    do_update_task(legal_expert, task, revision=1, status="done")
    response = client_for(legal_expert).post(
        reverse("assessment:task_update", args=[case_file.pk, task.pk]),
        {"revision": 1, "status": "cancelled"},
    )
    assert response.status_code == 409
    task.refresh_from_db()
    assert task.status == "done"


# --- the matrix ------------------------------------------------------------------------------


def matrix_url(case: CaseFile, name: str, *args) -> str:
    return reverse(f"assessment:{name}", args=[case.pk, *args])


def test_evidence_is_linked_reassessed_and_shown_with_its_passage(
    client_for, legal_expert, torture_charge, make_item
):
    case, client = torture_charge.case, client_for(legal_expert)
    item = make_item(legal_expert, title="Interview 3", text="The guards beat the detainees.")
    url = matrix_url(case, "link_add", torture_charge.pk, "art7-1-f.1")
    response = client.post(
        url,
        {"evidence": f"X-{item.pk}", "passage": "c4-10", "assessment": "지지", "weight": "높음"},
    )
    assert response.status_code == 302
    link = EvidenceLink.objects.get(charge=torture_charge)
    assert (link.assessment, link.weight, link.passage["start"]) == ("supports", "high", 4)
    html = client.get(matrix_url(case, "matrix")).content.decode()
    assert "Interview 3" in html and "chars 4–10" in html
    response = client.post(
        matrix_url(case, "link_reassess", link.pk),
        {"revision": link.revision, "assessment": "context", "weight": "low", "comment": "vague"},
    )
    assert response.status_code == 302
    link.refresh_from_db()
    assert (link.assessment, link.weight, link.comment) == ("context", "low", "vague")


def test_a_passage_beyond_the_text_is_refused_on_its_field(
    client_for, legal_expert, torture_charge, make_item
):
    item = make_item(legal_expert, text="short text")
    client = client_for(legal_expert)
    url = matrix_url(torture_charge.case, "link_add", torture_charge.pk, "art7-1-f.1")
    for passage, message in [
        ("c0-500", "the text of this item has 10 characters"),
        ("page three", "page three is not a passage"),
        ("p2", "this item has no known page count"),
    ]:
        response = client.post(url, {"evidence": f"X-{item.pk}", "passage": passage})
        assert response.status_code == 400, passage
        assert message in response.content.decode(), passage
    response = client.post(url, {"evidence": "Q-1"})
    assert response.status_code == 400 and "Q-1" in response.content.decode()
    assert not EvidenceLink.objects.filter(case=torture_charge.case).exists()


def test_an_element_is_assessed_sent_for_review_and_confirmed_by_a_colleague(
    client_for, legal_expert, second_legal_expert, torture_charge
):
    from sillok.assessment.models import ElementAssessment
    from sillok.assessment.services import do_add_member

    case = torture_charge.case
    do_add_member(legal_expert, case, second_legal_expert)
    client = client_for(legal_expert)
    url = matrix_url(case, "element_assess", torture_charge.pk, "art7-1-f.1")
    # An override without its reason is refused.
    response = client.post(url, {"override_status": "met"})
    assert response.status_code == 400
    assert "Say why you override the status the rule gives." in response.content.decode()
    assert not ElementAssessment.objects.filter(charge=torture_charge).exists()
    response = client.post(url, {"override_status": "met", "override_reason": "Admitted in court"})
    assert response.status_code == 302
    assessment = ElementAssessment.objects.get(charge=torture_charge)
    assert assessment.status == "met"
    assert client.post(matrix_url(case, "assessment_submit", assessment.pk)).status_code == 302
    # The assessor is not offered the review, and is refused it.
    html = client.get(matrix_url(case, "matrix")).content.decode()
    assert "Confirm the assessment" not in html
    review_url = matrix_url(case, "assessment_review", assessment.pk)
    assert client.post(review_url, {"decision": "confirm"}).status_code == 403
    colleague = client_for(second_legal_expert)
    assert "Confirm the assessment" in colleague.get(matrix_url(case, "matrix")).content.decode()
    response = colleague.post(review_url, {"decision": "return"})
    assert response.status_code == 400
    assert "Say what needs to change" in response.content.decode()
    assert colleague.post(review_url, {"decision": "confirm", "comment": "ok"}).status_code == 302
    assessment.refresh_from_db()
    assert assessment.review_state == "confirmed" and assessment.reviewer == second_legal_expert


def test_a_gap_becomes_a_task(client_for, legal_expert, torture_charge):
    case, client = torture_charge.case, client_for(legal_expert)
    html = client.get(matrix_url(case, "matrix")).content.decode()
    key = f"{torture_charge.pk}:art7-1-f.1:no_evidence"
    assert f'value="{key}"' in html
    response = client.post(matrix_url(case, "gap_task"), {"gap": key, "due_date": "2027-02-01"})
    assert response.status_code == 302
    task = CaseTask.objects.get(case=case)
    assert task.gap == "no_evidence" and str(task.due_date) == "2027-02-01"
    assert [e.code for e in task.elements.all()] == ["art7-1-f.1"]
    response = client.post(matrix_url(case, "gap_task"), {"gap": "999:art7-1-f.1:no_evidence"})
    assert response.status_code == 400
    assert CaseTask.objects.filter(case=case).count() == 1


def test_the_matrix_links_to_the_exports(client_for, legal_expert, torture_charge):
    html = client_for(legal_expert).get(matrix_url(torture_charge.case, "matrix")).content.decode()
    export = reverse("assessment:matrix-export", args=[torture_charge.case.pk])
    assert f'href="{export}?format=pdf"' in html and f'href="{export}?format=xlsx"' in html


# --- "add to case" from item and record pages ------------------------------------------------


def test_an_act_page_offers_add_to_case_and_the_form_links_it(
    client_for, legal_expert, torture_charge, make_record, documentation_officer, element
):
    event = make_record(documentation_officer, "event", title="Beatings at facility 14")
    act = make_record(documentation_officer, "act", event=f"E-{event.pk}", violation_type="torture")
    client = client_for(legal_expert)
    page = client.get(reverse("records:record", args=["acts", act.pk])).content.decode()
    add_url = reverse("assessment:add") + f"?evidence=A-{act.pk}"
    assert 'data-action="assessment.add_to_case"' in page and f'href="{add_url}"' in page
    form = client.get(add_url)
    assert form.status_code == 200
    target = f"{torture_charge.pk}:{element('art7-1-f.2').pk}"
    assert f'value="{target}"' in form.content.decode()
    response = client.post(
        reverse("assessment:add"),
        {"target": target, "evidence": f"A-{act.pk}", "assessment": "supports", "weight": "medium"},
    )
    assert response.status_code == 302
    assert response["Location"].startswith(f"/cases/{torture_charge.case.pk}/matrix/#")
    link = EvidenceLink.objects.get(charge=torture_charge)
    assert (link.evidence_kind, link.evidence_id, link.element.code) == (
        "act",
        act.pk,
        "art7-1-f.2",
    )


def test_add_to_case_refuses_a_target_outside_the_users_cases(
    client_for, legal_expert, second_legal_expert, torture_charge, make_item, element
):
    item = make_item(legal_expert)
    target = f"{torture_charge.pk}:{element('art7-1-f.1').pk}"
    response = client_for(second_legal_expert).post(
        reverse("assessment:add"), {"target": target, "evidence": f"X-{item.pk}"}
    )
    assert response.status_code == 400
    assert "Choose an element of a charge in your cases." in response.content.decode()
    assert not EvidenceLink.objects.exists()


def test_the_item_page_offers_passage_selection_to_a_legal_expert(
    client_for, legal_expert, analyst, torture_charge, make_item
):
    item = make_item(legal_expert, text="\nThe guards beat the detainees.")
    html = client_for(legal_expert).get(reverse("evidence:item", args=[item.pk])).content.decode()
    assert "data-takes-passage" in html and "data-passage-file=" in html
    assert "sillok/passage.js" in html
    # The newline that starts the text survives the HTML parser (offsets stay right).
    assert ">\n\nThe guards beat" in html
    html = client_for(analyst).get(reverse("evidence:item", args=[item.pk])).content.decode()
    assert 'data-action="assessment.add_to_case"' not in html


def test_a_passage_selected_in_the_viewer_is_accepted_by_the_add_form(
    client_for, legal_expert, torture_charge, make_item, element
):
    item = make_item(legal_expert, text="The guards beat the detainees every night.")
    derivative = item.files.get(kind="text")
    client = client_for(legal_expert)
    spec = f"c{derivative.pk}:4-10"
    form = client.get(reverse("assessment:add") + f"?evidence=X-{item.pk}&passage={spec}")
    assert f'value="{spec}"' in form.content.decode()
    target = f"{torture_charge.pk}:{element('art7-1-f.1').pk}"
    response = client.post(
        reverse("assessment:add"), {"target": target, "evidence": f"X-{item.pk}", "passage": spec}
    )
    assert response.status_code == 302
    link = EvidenceLink.objects.get(charge=torture_charge)
    assert link.passage == {"derivative": derivative.pk, "start": 4, "end": 10}
