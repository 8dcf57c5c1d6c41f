"""The case file operations of the API in the access matrix (tests/test_access_matrix.py).

Eight cases, one per sensitivity × membership: "member" cases have every persona as a member
of their compartment, "other" cases only their owner (a legal expert who is no persona). The
rule, stated independently of sillok/: a persona sees a case when its role grants
`view_cases` (legal experts, managers), it is a member, and its clearance covers the case's
sensitivity; only legal experts change cases. A case a persona may not see answers exactly
like a missing one (404) and stays unchanged; a visible case a persona may not change
answers 403 and stays unchanged.
"""

from __future__ import annotations

import itertools
from typing import Any

SENSITIVITIES = ["public", "internal", "restricted", "strictly_confidential"]
# Highest sensitivity each case reader is cleared for (index into SENSITIVITIES).
CASE_READERS = {"legal_expert": 3, "manager": 2}
CASE_CHANGERS = {"legal_expert"}

CASE_READ = {
    "get_case": "/api/v1/cases/{case}",
    "case_versions": "/api/v1/cases/{case}/versions",
}
CASE_WRITE = {
    "update_case": ("patch", "/api/v1/cases/{case}", {"revision": 1, "strategy": "mx plan"}),
    "add_case_member": ("post", "/api/v1/cases/{case}/members", {"username": "manager"}),
    "add_suspect": ("post", "/api/v1/cases/{case}/suspects", {"ref": "{person}"}),
    "add_charge": (
        "post",
        "/api/v1/cases/{case}/charges",
        {"crime": "art7-1-e", "suspect": "{unit}", "mode": "art25-3-b"},
    ),
    "link_evidence": (
        "post",
        "/api/v1/cases/{case}/links",
        {"element": "art7-1-f.2", "evidence": "{item}", "weight": "높음"},
    ),
    "reassess_link": (
        "patch",
        "/api/v1/cases/{case}/links/{case_link}",
        {"revision": 1, "assessment": "context"},
    ),
    "create_task": ("post", "/api/v1/cases/{case}/tasks", {"title": "mx task"}),
    "update_task": (
        "patch",
        "/api/v1/cases/{case}/tasks/{case_task}",
        {"revision": 1, "status": "완료"},
    ),
    "withdraw_case_row": (
        "post",
        "/api/v1/cases/{case}/links/{case_link}/withdraw",
        {"reason": "mx withdrawn"},
    ),
}
CASE_OPS = {"list_cases", "create_case", *CASE_READ, *CASE_WRITE}


def may_see_case(persona: str, sensitivity: str, membership: str) -> bool:
    level = CASE_READERS.get(persona)
    return (
        level is not None and SENSITIVITIES.index(sensitivity) <= level and membership == "member"
    )


def _owner() -> Any:
    from django.contrib.auth.models import Group

    from sillok.accounts.models import User

    owner = User.objects.create(username="mx_case_owner")
    owner.groups.add(Group.objects.get(name="legal-expert"))
    return User.objects.get(pk=owner.pk)


def build_cases(world: dict) -> dict:
    """{(sensitivity, membership): ids and title} for the eight cases."""
    from sillok.accounts.compartments import do_grant
    from sillok.assessment.elements import find_element
    from sillok.assessment.models import Framework
    from sillok.assessment.services import (
        do_add_charge,
        do_add_suspect,
        do_create_case,
        do_create_task,
        do_link_evidence,
    )
    from sillok.records.services import do_create_record

    owner = _owner()
    rome = Framework.objects.get(code="rome-statute")
    officer = world["personas"]["documentation_officer"]
    unit = do_create_record(officer, "organization", {"name": "mx unit", "sensitivity": "public"})
    person = do_create_record(officer, "person", {"name": "mx suspect", "sensitivity": "public"})
    item = world["items"][("public", "none", "")]["item"]
    cases = {}
    for sensitivity, membership in itertools.product(SENSITIVITIES, ["member", "other"]):
        title = f"mxcase-{sensitivity}-{membership}-end"
        case = do_create_case(
            owner,
            title,
            framework=rome,
            standard=find_element("standard-rgb", rome),
            sensitivity=sensitivity,
        )
        suspect = do_add_suspect(owner, case, organization=unit)
        charge = do_add_charge(
            owner,
            case,
            crime=find_element("art7-1-f", rome),
            suspect=suspect,
            mode=find_element("art25-3-a", rome),
        )
        link = do_link_evidence(
            owner, charge, find_element("art7-1-f.1", rome), evidence_kind="item", evidence_id=item
        )
        task = do_create_task(owner, case, title="mx first task")
        if membership == "member":
            for name in world["personas"]:
                do_grant(None, case.compartment.code, name)
        cases[(sensitivity, membership)] = {
            "case": case.pk,
            "case_link": link.pk,
            "case_task": task.pk,
            "title": title,
            "person": f"P-{person.pk}",
            "unit": f"O-{unit.pk}",
            "item": f"X-{item}",
        }
    return cases


def _state(case_id: int) -> tuple:
    from sillok.assessment.models import AssessmentVersion, CaseFile

    case = CaseFile.objects.values_list("revision", "title").get(pk=case_id)
    return (*case, AssessmentVersion.objects.filter(case_id=case_id).count())


def _fill(value: Any, ids: dict) -> Any:
    if isinstance(value, str):
        return value.format(**ids)
    if isinstance(value, dict):
        return {key: _fill(inner, ids) for key, inner in value.items()}
    return value


def _call(client: Any, method: str, path: str, body: Any = None) -> Any:
    if method == "get":
        return client.get(path)
    return getattr(client, method)(path, data=body or {}, content_type="application/json")


def check_cases(world: dict, clients: dict) -> tuple[list[str], int]:
    """Every case operation for every persona on every case: (wrong cells, cells checked)."""
    cases = build_cases(world)
    missing_ids = {"case": 999999, "case_link": 999999, "case_task": 999999}
    wrong, cells = [], 0
    for persona, client in clients.items():
        response = client.get("/api/v1/cases")
        if persona not in CASE_READERS:
            cells += 1
            if response.status_code != 403:
                wrong.append(f"list_cases {persona}: {response.status_code}")
        else:
            listed = {row["title"] for row in response.json()}
            for (sensitivity, membership), ids in cases.items():
                cells += 1
                if (ids["title"] in listed) != may_see_case(persona, sensitivity, membership):
                    wrong.append(f"list_cases {persona} {sensitivity}/{membership}")
        created = _call(client, "post", "/api/v1/cases", {"title": f"mx new {persona}"})
        cells += 1
        if created.status_code != (201 if persona in CASE_CHANGERS else 403):
            wrong.append(f"create_case {persona}: {created.status_code}")
        for (sensitivity, membership), ids in cases.items():
            visible = may_see_case(persona, sensitivity, membership)
            for name, template in CASE_READ.items():
                cells += 1
                status = client.get(template.format(**ids)).status_code
                if status != (200 if visible else 404):
                    wrong.append(f"{name} {persona} {sensitivity}/{membership}: {status}")
        wrong += _check_writes(persona, client, cases, missing_ids)
        cells += len(CASE_WRITE) * (len(cases) + 1)
    return wrong, cells


def _check_writes(persona: str, client: Any, cases: dict, missing_ids: dict) -> list[str]:
    wrong = []
    for name, (method, template, body) in CASE_WRITE.items():
        some = next(iter(cases.values()))
        missing = _call(client, method, template.format(**missing_ids), _fill(body, some))
        if missing.status_code != 404:
            wrong.append(f"{name} {persona} missing case: {missing.status_code}")
        for (sensitivity, membership), ids in cases.items():
            visible = may_see_case(persona, sensitivity, membership)
            before = _state(ids["case"])
            status = _call(client, method, template.format(**ids), _fill(body, ids)).status_code
            unchanged = _state(ids["case"]) == before
            cell = f"{name} {persona} {sensitivity}/{membership}: {status}"
            if not visible and (status != 404 or not unchanged):
                wrong.append(f"{cell}, expected 404 and unchanged (hidden)")
            elif visible and persona not in CASE_CHANGERS and (status != 403 or not unchanged):
                wrong.append(f"{cell}, expected 403 and unchanged (read only)")
            elif visible and persona in CASE_CHANGERS and status not in (200, 201):
                wrong.append(f"{cell}, expected the change to be made")
    return wrong
