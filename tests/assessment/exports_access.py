"""The proof matrix export page in the access matrix (tests/test_access_matrix.py).

Eight cases of their own (one per sensitivity × membership, as in cases_access.py, whose rule
`may_see_case` this reuses): a persona that may not see a case gets 404 and never its title;
one that sees it gets the export form when its role may also export evidence
(records.export_records: legal experts and managers), else 403.
"""

from __future__ import annotations

import itertools
from typing import Any

from tests.assessment.cases_access import SENSITIVITIES, may_see_case

EXPORTERS = {"legal_expert", "manager"}
PATH = "/cases/{case}/matrix/export/?format=pdf"


def _cases(world: dict) -> dict[tuple[str, str], tuple[int, str]]:
    from django.contrib.auth.models import Group

    from sillok.accounts.compartments import do_grant
    from sillok.accounts.models import User
    from sillok.assessment.elements import find_element
    from sillok.assessment.models import Framework
    from sillok.assessment.services import do_create_case

    owner = User.objects.create(username="mx_export_owner")
    owner.groups.add(Group.objects.get(name="legal-expert"))
    owner = User.objects.get(pk=owner.pk)
    rome = Framework.objects.get(code="rome-statute")
    cases = {}
    for sensitivity, membership in itertools.product(SENSITIVITIES, ["member", "other"]):
        title = f"mxexport-{sensitivity}-{membership}-end"
        case = do_create_case(
            owner,
            title,
            framework=rome,
            standard=find_element("standard-rgb", rome),
            sensitivity=sensitivity,
        )
        if membership == "member":
            for name in world["personas"]:
                do_grant(None, case.compartment.code, name)
        cases[(sensitivity, membership)] = (case.pk, title)
    return cases


def check_matrix_exports(world: dict, clients: dict[str, Any]) -> tuple[list[str], int]:
    """(wrong cells, cells checked) for assessment:matrix-export."""
    cases = _cases(world)
    wrong, cells = [], 0
    for persona, client in clients.items():
        status = client.get(PATH.format(case=999999)).status_code
        cells += 1
        if status != 404:
            wrong.append(f"matrix-export {persona} missing case: {status}")
        for (sensitivity, membership), (case_id, title) in cases.items():
            cells += 1
            response = client.get(PATH.format(case=case_id))
            visible = may_see_case(persona, sensitivity, membership)
            expected = (200 if persona in EXPORTERS else 403) if visible else 404
            shown = title in response.content.decode()
            if response.status_code != expected or (shown and not visible):
                wrong.append(
                    f"matrix-export {persona} {sensitivity}/{membership}: "
                    f"{response.status_code} (expected {expected}), title shown: {shown}"
                )
    return wrong, cells
