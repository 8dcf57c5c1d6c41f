"""The proof matrix operations of the API (assessment/api_matrix.py) in the access matrix
(tests/test_access_matrix.py).

Eight cases of their own, one per sensitivity × membership (the rule `may_see_case` of
cases_access.py): a persona that may not see a case gets 404 from every operation, and the
case is unchanged; one that sees it reads the matrix, gaps, profile, paths and patterns, but
only a legal expert changes anything (others: 403, unchanged). Each case's matrix cites three
items (public; strictly confidential; public in a compartment no persona is in): an item
appears in a persona's matrix exactly when the persona is cleared for it.
"""

from __future__ import annotations

import itertools
from typing import Any

from tests.assessment.cases_access import (
    CASE_CHANGERS,
    CASE_READERS,
    SENSITIVITIES,
    _call,
    _fill,
    _state,
    may_see_case,
)

MATRIX_READ = {
    "case_matrix": "/api/v1/cases/{case}/matrix",
    "case_gaps": "/api/v1/cases/{case}/gaps",
    "suspect_profile": "/api/v1/cases/{case}/suspects/{case_suspect}/profile",
    "superior_paths": "/api/v1/cases/{case}/suspects/{case_suspect}/superior-paths",
    "list_patterns": "/api/v1/cases/{case}/patterns",
}
# In this order: each legal expert's call finds the state the previous one left.
MATRIX_WRITE = {
    "assess_element": (
        "/api/v1/cases/{case}/charges/{case_charge}/elements/art7-1-f.2/assess",
        {"override_status": "충족", "override_reason": "mx reason"},
        200,
    ),
    "submit_assessment": ("/api/v1/cases/{case}/assessments/{draft}/submit", {}, 200),
    "confirm_assessment": (
        "/api/v1/cases/{case}/assessments/{to_confirm}/confirm",
        {"comment": "mx ok"},
        200,
    ),
    "return_assessment": (
        "/api/v1/cases/{case}/assessments/{to_return}/return",
        {"comment": "mx redo"},
        200,
    ),
    "task_from_gap": ("/api/v1/cases/{case}/gaps/task", {"key": "{gap}"}, 201),
    "run_pattern": (
        "/api/v1/cases/{case}/patterns",
        {"element": "art7-context.widespread-systematic", "title": "mx pattern", "query": {}},
        201,
    ),
    "rerun_pattern": ("/api/v1/cases/{case}/patterns/{case_pattern}/rerun", {}, 200),
}
MATRIX_OPS = {*MATRIX_READ, *MATRIX_WRITE}
# The items each matrix cites: (sensitivity, compartment) of the world's items.
CITED = [("public", "none"), ("strictly_confidential", "none"), ("public", "other")]


def item_visible(persona: str, sensitivity: str, compartment: str) -> bool:
    level = CASE_READERS.get(persona)
    return (
        level is not None and SENSITIVITIES.index(sensitivity) <= level and compartment != "other"
    )


def _case(owner: Any, rome: Any, sensitivity: str, membership: str, world: dict) -> dict:
    from sillok.accounts.compartments import do_grant
    from sillok.assessment.elements import find_element
    from sillok.assessment.models import EvidenceLink
    from sillok.assessment.patterns import do_run_pattern
    from sillok.assessment.review import do_assess_element, do_submit_assessment
    from sillok.assessment.services import do_add_charge, do_add_suspect, do_create_case

    title = f"mxmatrix-{sensitivity}-{membership}-end"
    case = do_create_case(
        owner, title, framework=rome, standard=find_element("standard-rgb", rome),
        sensitivity=sensitivity,
    )  # fmt: skip
    suspect = do_add_suspect(owner, case, organization=world["unit"])
    charge = do_add_charge(
        owner, case, crime=find_element("art7-1-f", rome), suspect=suspect,
        mode=find_element("art25-3-a", rome),
    )  # fmt: skip
    for cell in CITED:
        # Made with the model: the owner could not cite what it may not see itself.
        EvidenceLink.objects.create(
            case=case, charge=charge, element=find_element("art7-1-f.1", rome),
            evidence_kind="item", evidence_id=world["items"][(*cell, "")]["item"],
            assessor=owner, created_by=owner,
        )  # fmt: skip
    assessments = {}
    for name, code in (("draft", "art7-1-f.3"), ("to_confirm", "art25-3-a.2"),
                       ("to_return", "art25-3-a.1")):  # fmt: skip
        row = do_assess_element(owner, charge, find_element(code, rome))
        if name != "draft":
            row = do_submit_assessment(owner, row)
        assessments[name] = row.pk
    pattern = do_run_pattern(
        owner, case, find_element("art7-context.widespread-systematic", rome), title="mx first",
        query={"dimensions": ["year"]},
    )  # fmt: skip
    if membership == "member":
        for persona in world["personas"]:
            do_grant(None, case.compartment.code, persona)
    return {
        "case": case.pk, "case_charge": charge.pk, "case_suspect": suspect.pk,
        "case_pattern": pattern.pk, "gap": f"{charge.pk}:art7-context.attack:no_evidence",
        "title": title, **assessments,
    }  # fmt: skip


def build_matrix_cases(world: dict) -> dict:
    from django.contrib.auth.models import Group

    from sillok.accounts.models import User
    from sillok.assessment.models import Framework
    from sillok.records.services import do_create_record

    owner = User.objects.create(username="mx_matrix_owner")
    owner.groups.add(Group.objects.get(name="legal-expert"))
    owner = User.objects.get(pk=owner.pk)
    officer = world["personas"]["documentation_officer"]
    unit = do_create_record(officer, "organization", {"name": "mx unit 2", "sensitivity": "public"})
    rome = Framework.objects.get(code="rome-statute")
    world = {**world, "unit": unit}
    return {
        (sensitivity, membership): _case(owner, rome, sensitivity, membership, world)
        for sensitivity, membership in itertools.product(SENSITIVITIES, ["member", "other"])
    }


def _check_reads(persona: str, client: Any, cases: dict, world: dict) -> tuple[list[str], int]:
    wrong, cells = [], 0
    for name, template in MATRIX_READ.items():
        cells += 1
        status = client.get(template.format(**_missing())).status_code
        if status != 404:
            wrong.append(f"{name} {persona} missing case: {status}")
        for (sensitivity, membership), ids in cases.items():
            visible = may_see_case(persona, sensitivity, membership)
            response = client.get(template.format(**ids))
            cells += 1
            if response.status_code != (200 if visible else 404) or (
                not visible and ids["title"] in response.content.decode()
            ):
                wrong.append(f"{name} {persona} {sensitivity}/{membership}: {response.status_code}")
            if name == "case_matrix" and visible:
                body = response.content.decode()
                for cell in CITED:
                    cells += 1
                    title = world["items"][(*cell, "")]["title"]
                    if (title in body) != item_visible(persona, *cell):
                        wrong.append(f"case_matrix {persona} cites item {cell}: {title in body}")
    return wrong, cells


def _missing() -> dict:
    ids = ("case", "case_charge", "case_suspect", "case_pattern", "draft", "to_confirm",
           "to_return")  # fmt: skip
    return {name: 999999 for name in ids} | {"gap": "1:art7-1-f.1:no_evidence"}


def _check_writes(persona: str, client: Any, cases: dict) -> tuple[list[str], int]:
    wrong, cells = [], 0
    for name, (template, body, success) in MATRIX_WRITE.items():
        cells += 1
        missing = _call(client, "post", template.format(**_missing()), _fill(body, _missing()))
        if missing.status_code != 404:
            wrong.append(f"{name} {persona} missing case: {missing.status_code}")
        for (sensitivity, membership), ids in cases.items():
            cells += 1
            visible = may_see_case(persona, sensitivity, membership)
            before = _state(ids["case"])
            status = _call(client, "post", template.format(**ids), _fill(body, ids)).status_code
            unchanged = _state(ids["case"]) == before
            cell = f"{name} {persona} {sensitivity}/{membership}: {status}"
            if not visible and (status != 404 or not unchanged):
                wrong.append(f"{cell}, expected 404 and unchanged (hidden)")
            elif visible and persona not in CASE_CHANGERS and (status != 403 or not unchanged):
                wrong.append(f"{cell}, expected 403 and unchanged (read only)")
            elif visible and persona in CASE_CHANGERS and (status != success or unchanged):
                wrong.append(f"{cell}, expected {success} and the change made")
    return wrong, cells


def check_matrix_operations(world: dict, clients: dict[str, Any]) -> tuple[list[str], int]:
    """(wrong cells, cells checked) for every operation of api_matrix.py."""
    cases = build_matrix_cases(world)
    wrong, cells = [], 0
    for persona, client in clients.items():
        for found, counted in (
            _check_reads(persona, client, cases, world),
            _check_writes(persona, client, cases),
        ):
            wrong += found
            cells += counted
    return wrong, cells
