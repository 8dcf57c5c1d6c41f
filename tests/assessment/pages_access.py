"""The case pages in the access matrix (tests/test_access_matrix.py), under the rule stated in
tests/assessment/cases_access.py: a persona sees a case when its role grants `view_cases`
(legal experts, managers), it is a member of the case's compartment and its clearance covers
the case's sensitivity; only legal experts change cases.

Eight cases of their own (owner "mx_pages_owner", no persona), one per sensitivity ×
membership. For every persona and case: the list shows the case exactly when it is visible;
the case, matrix and suspect pages answer 200 when visible and 404 otherwise (a hidden case
is a missing one, and its title never appears); every form posted to a case answers 404 and
changes nothing when the case is hidden, 403 and changes nothing when it is visible but the
persona may not change it, and is carried out (302) for a legal expert member. The "add to
case" form offers exactly the cases the persona may change.
"""

from __future__ import annotations

import itertools
from typing import Any

from tests.assessment.cases_access import CASE_CHANGERS, CASE_READERS, SENSITIVITIES, may_see_case

CASE_PAGES = {
    "assessment:case": "/cases/{case}/",
    "assessment:matrix": "/cases/{case}/matrix/",
    "assessment:suspect": "/cases/{case}/suspects/{suspect}/",
}
# In this order: a change must not make a later one meaningless (reassess before withdraw).
CASE_FORMS = {
    "assessment:case_edit": (
        "/cases/{case}/edit/",
        {"revision": "1", "title": "{title}", "strategy": "mx plan"},
    ),
    "assessment:member_add": ("/cases/{case}/members/add/", {"username": "manager"}),
    "assessment:suspect_add": ("/cases/{case}/suspects/add/", {"record": "{person}"}),
    "assessment:charge_add": (
        "/cases/{case}/charges/add/",
        {"crime": "art7-1-e", "suspect": "{suspect}", "mode": "art25-3-b"},
    ),
    "assessment:task_add": ("/cases/{case}/tasks/add/", {"title": "mx page task"}),
    "assessment:task_update": ("/cases/{case}/tasks/{task}/", {"revision": "1", "status": "done"}),
    "assessment:link_add": (
        "/cases/{case}/charges/{charge}/elements/art7-1-f.2/link/",
        {"evidence": "{item}", "weight": "높음"},
    ),
    "assessment:link_reassess": (
        "/cases/{case}/links/{link}/reassess/",
        {"revision": "1", "assessment": "context", "weight": "low"},
    ),
    "assessment:link_withdraw": ("/cases/{case}/links/{link}/withdraw/", {"reason": "mx"}),
    "assessment:element_assess": (
        "/cases/{case}/charges/{charge}/elements/art7-1-f.1/assess/",
        {"comment": "mx"},
    ),
    "assessment:assessment_submit": ("/cases/{case}/assessments/{draft}/submit/", {}),
    "assessment:assessment_review": (
        "/cases/{case}/assessments/{in_review}/review/",
        {"decision": "confirm"},
    ),
    "assessment:gap_task": (
        "/cases/{case}/gaps/task/",
        {"gap": "{charge}:art25-3-a.1:no_evidence"},
    ),
}
CASE_PAGE_NAMES = {"assessment:cases", "assessment:add", *CASE_PAGES, *CASE_FORMS}
MISSING = {
    "case": 999999,
    "suspect": 999999,
    "task": 999999,
    "charge": 999999,
    "link": 999999,
    "draft": 999999,
    "in_review": 999999,
}


def _owner() -> Any:
    from django.contrib.auth.models import Group

    from sillok.accounts.models import User

    owner = User.objects.create(username="mx_pages_owner")
    owner.groups.add(Group.objects.get(name="legal-expert"))
    return User.objects.get(pk=owner.pk)


def build_cases(world: dict) -> dict:
    """{(sensitivity, membership): the ids the paths and bodies name}."""
    from sillok.accounts.compartments import do_grant
    from sillok.assessment import review, services
    from sillok.assessment.elements import find_element
    from sillok.assessment.models import Framework
    from sillok.records.services import do_create_record

    owner = _owner()
    rome = Framework.objects.get(code="rome-statute")
    officer = world["personas"]["documentation_officer"]
    unit = do_create_record(
        officer, "organization", {"name": "mx page unit", "sensitivity": "public"}
    )
    person = do_create_record(
        officer, "person", {"name": "mx page suspect", "sensitivity": "public"}
    )
    item = world["items"][("public", "none", "")]["item"]
    cases = {}
    for sensitivity, membership in itertools.product(SENSITIVITIES, ["member", "other"]):
        title = f"mxpagecase-{sensitivity}-{membership}-end"
        case = services.do_create_case(
            owner, title, framework=rome, standard=find_element("standard-rgb", rome),
            sensitivity=sensitivity,
        )  # fmt: skip
        suspect = services.do_add_suspect(owner, case, organization=unit)
        charge = services.do_add_charge(
            owner, case, crime=find_element("art7-1-f", rome), suspect=suspect,
            mode=find_element("art25-3-a", rome),
        )  # fmt: skip
        link = services.do_link_evidence(
            owner, charge, find_element("art7-1-f.1", rome), evidence_kind="item", evidence_id=item
        )
        draft = review.do_assess_element(owner, charge, find_element("art7-context.policy", rome))
        in_review = review.do_assess_element(
            owner, charge, find_element("art7-context.attack", rome)
        )
        review.do_submit_assessment(owner, in_review)
        task = services.do_create_task(owner, case, title="mx first task")
        if membership == "member":
            for name in world["personas"]:
                do_grant(None, case.compartment.code, name)
        cases[(sensitivity, membership)] = {
            "case": case.pk, "suspect": suspect.pk, "charge": charge.pk, "link": link.pk,
            "task": task.pk, "draft": draft.pk, "in_review": in_review.pk, "title": title,
            "person": f"P-{person.pk}", "item": f"X-{item}",
        }  # fmt: skip
    return cases


def _state(case_id: int) -> tuple:
    from sillok.assessment.models import AssessmentVersion, CaseFile

    case = CaseFile.objects.values_list("revision", "title").get(pk=case_id)
    return (*case, AssessmentVersion.objects.filter(case_id=case_id).count())


def _check_reads(persona: str, client: Any, cases: dict) -> tuple[list[str], int]:
    wrong, cells = [], 0
    listing = client.get("/cases/")
    cells += 1
    if listing.status_code != (200 if persona in CASE_READERS else 403):
        wrong.append(f"assessment:cases {persona}: {listing.status_code}")
    body = listing.content.decode()
    for (sensitivity, membership), ids in cases.items():
        visible = may_see_case(persona, sensitivity, membership)
        cells += 1
        if (ids["title"] in body) != visible:
            wrong.append(f"assessment:cases {persona} {sensitivity}/{membership}: listed")
        for name, template in CASE_PAGES.items():
            cells += 1
            response = client.get(template.format(**ids))
            shown = ids["title"] in response.content.decode()
            if response.status_code != (200 if visible else 404) or shown != visible:
                cell = f"{sensitivity}/{membership}: {response.status_code} shown={shown}"
                wrong.append(f"{name} {persona} {cell}")
    add = client.get("/cases/add/")
    cells += 1
    offered = {ids["title"] for ids in cases.values() if ids["title"] in add.content.decode()}
    may_add = {
        ids["title"]
        for (sensitivity, membership), ids in cases.items()
        if persona in CASE_CHANGERS and may_see_case(persona, sensitivity, membership)
    }
    if add.status_code != (200 if persona in CASE_CHANGERS else 403) or offered != may_add:
        wrong.append(f"assessment:add {persona}: {add.status_code} offers {sorted(offered)}")
    return wrong, cells


def _check_forms(persona: str, client: Any, cases: dict) -> tuple[list[str], int]:
    wrong, cells = [], 0
    for name, (template, body) in CASE_FORMS.items():
        some = next(iter(cases.values()))
        filled = {key: value.format(**some) for key, value in body.items()}
        cells += 1
        status = client.post(template.format(**MISSING), filled).status_code
        if status != 404:
            wrong.append(f"{name} {persona} missing case: {status}")
        for (sensitivity, membership), ids in cases.items():
            visible = may_see_case(persona, sensitivity, membership)
            filled = {key: value.format(**ids) for key, value in body.items()}
            before = _state(ids["case"])
            status = client.post(template.format(**ids), filled).status_code
            unchanged = _state(ids["case"]) == before
            cells += 1
            cell = f"{name} {persona} {sensitivity}/{membership}: {status}"
            if not visible and (status != 404 or not unchanged):
                wrong.append(f"{cell}, expected 404 and unchanged (hidden)")
            elif visible and persona not in CASE_CHANGERS and (status != 403 or not unchanged):
                wrong.append(f"{cell}, expected 403 and unchanged (read only)")
            elif visible and persona in CASE_CHANGERS and status != 302:
                wrong.append(f"{cell}, expected the change to be made")
    return wrong, cells


def check_case_pages(world: dict, clients: dict) -> tuple[list[str], int]:
    """Every case page and form for every persona on every case: (wrong cells, cells)."""
    cases = build_cases(world)
    wrong, cells = [], 0
    for persona, client in clients.items():
        for check in (_check_reads, _check_forms):
            found, counted = check(persona, client, cases)
            wrong += found
            cells += counted
    return wrong, cells
