"""The case file API: every operation for every persona, stale revisions, bad input."""

from __future__ import annotations

import pytest

from sillok.assessment.models import AssessmentVersion, CaseFile, EvidenceLink
from sillok.custody.models import AuditEntry

pytestmark = pytest.mark.django_db


def _send(client, method: str, path: str, body: dict | None = None):
    if method == "get":
        return client.get(path)
    return getattr(client, method)(path, data=body or {}, content_type="application/json")


def _state() -> tuple:
    return (
        list(CaseFile.objects.values_list("pk", "revision", "title", "strategy")),
        EvidenceLink.objects.count(),
        AssessmentVersion.objects.count(),
        AuditEntry.objects.exclude(action="access.denied").count(),
    )


@pytest.fixture
def built(
    torture_charge, suspect_unit, legal_expert, manager, element, make_item, make_record,
    documentation_officer,
):  # fmt: skip
    """The case with a link and a task; the manager is a member too."""
    from sillok.assessment.services import do_add_member, do_create_task, do_link_evidence

    case = torture_charge.case
    do_add_member(legal_expert, case, manager)
    item = make_item(legal_expert, pages=3)
    link = do_link_evidence(
        legal_expert, torture_charge, element("art7-1-f.1"), evidence_kind="item",
        evidence_id=item.pk,
    )  # fmt: skip
    task = do_create_task(legal_expert, case, title="Interview")
    person = make_record(documentation_officer, "person", name="Commander Ri")
    return {
        "case": case.pk,
        "link": link.pk,
        "task": task.pk,
        "item": f"X-{item.pk}",
        "unit": f"O-{suspect_unit.organization_id}",
        "person": f"P-{person.pk}",
    }


OPERATIONS = {
    "get_case": ("get", "/api/v1/cases/{case}", None),
    "case_versions": ("get", "/api/v1/cases/{case}/versions", None),
    "update_case": ("patch", "/api/v1/cases/{case}", {"revision": 1, "strategy": "plan"}),
    "add_case_member": (
        "post",
        "/api/v1/cases/{case}/members",
        {"username": "second_legal_expert"},
    ),
    "add_suspect": ("post", "/api/v1/cases/{case}/suspects", {"ref": "{person}"}),
    "add_charge": (
        "post",
        "/api/v1/cases/{case}/charges",
        {"crime": "art7-1-h", "suspect": "{unit}", "mode": "art28-a"},
    ),
    "link_evidence": (
        "post",
        "/api/v1/cases/{case}/links",
        {"element": "art7-1-f.2", "evidence": "{item}", "passage": "p2"},
    ),
    "reassess_link": (
        "patch",
        "/api/v1/cases/{case}/links/{link}",
        {"revision": 1, "weight": "낮음"},
    ),
    "create_task": ("post", "/api/v1/cases/{case}/tasks", {"title": "Find a witness"}),
    "update_task": (
        "patch",
        "/api/v1/cases/{case}/tasks/{task}",
        {"revision": 1, "status": "done"},
    ),
    "withdraw_case_row": ("post", "/api/v1/cases/{case}/links/{link}/withdraw", {"reason": "dup"}),
}
READS = {"get_case", "case_versions"}
# persona -> what every operation on the case answers (a write by a member legal expert
# succeeds; the manager member reads only; everyone else gets "not found").
EXPECTED = {
    "legal_expert": "ok",
    "manager": "read only",
    "second_legal_expert": 404,
    "analyst": 404,
    "documentation_officer": 404,
    "vault_keeper": 404,
    "partner": 404,
    "auditor": 404,
    "admin": 404,
    "outsider": 404,
}


def _fill(value, ids):
    if isinstance(value, str):
        return value.format(**ids)
    if isinstance(value, dict):
        return {key: _fill(inner, ids) for key, inner in value.items()}
    return value


@pytest.mark.parametrize("operation", sorted(OPERATIONS))
@pytest.mark.parametrize("persona", sorted(EXPECTED))
def test_every_case_operation_for_every_persona(
    operation, persona, built, request, client_for, second_legal_expert
):
    user = request.getfixturevalue(persona)
    method, path, body = OPERATIONS[operation]
    client = client_for(user)  # signing in may write audit entries of its own
    before = _state()
    response = _send(client, method, path.format(**built), _fill(body, built))
    expected = EXPECTED[persona]
    if expected == "ok":
        assert response.status_code in (200, 201), response.content
        if operation not in READS:
            assert _state() != before
    elif expected == "read only":
        assert response.status_code == (200 if operation in READS else 403), response.content
    else:
        assert response.status_code == 404, response.content
        assert "Detention" not in response.content.decode()
    if expected != "ok" and operation not in READS:
        assert _state() == before


@pytest.mark.parametrize("persona", sorted(EXPECTED))
def test_who_may_list_and_open_cases(persona, built, request, client_for, second_legal_expert):
    client = client_for(request.getfixturevalue(persona))
    listed = client.get("/api/v1/cases")
    created = _send(client, "post", "/api/v1/cases", {"title": f"Case of {persona}"})
    if persona in {"legal_expert", "second_legal_expert"}:
        assert created.status_code == 201, created.content
        assert created.json()["compartment"].startswith("case-case-of-")
        assert created.json()["members"] == [persona]
    else:
        assert created.status_code == 403
    if persona in {"analyst", "documentation_officer", "vault_keeper", "partner", "auditor",
                   "admin", "outsider"}:  # fmt: skip
        assert listed.status_code == 403
        return
    titles = [row["title"] for row in listed.json()]
    assert ("Detention facility 14" in titles) == (persona != "second_legal_expert")


def test_a_stale_edit_answers_409_and_changes_nothing(built, client_for, legal_expert):
    client = client_for(legal_expert)
    path = f"/api/v1/cases/{built['case']}"
    assert _send(client, "patch", path, {"revision": 1, "title": "Facility 14"}).status_code == 200
    before = _state()
    stale = _send(client, "patch", path, {"revision": 1, "title": "Other"})
    assert stale.status_code == 409 and "changed by someone else" in stale.json()["detail"]
    assert _state() == before


@pytest.mark.parametrize(
    ("operation", "body", "field"),
    [
        ("update_case", {"revision": 1, "sensitivity": "secret"}, "sensitivity"),
        ("add_suspect", {"ref": "A-1"}, "ref"),
        ("add_charge", {"crime": "art25-3-a", "suspect": "{unit}", "mode": "art25-3-a"}, "crime"),
        (
            "add_charge",
            {"crime": "no-such-crime", "suspect": "{unit}", "mode": "art25-3-a"},
            "crime",
        ),
        (
            "link_evidence",
            {"element": "art7-1-f.1", "evidence": "{item}", "passage": "p7"},
            "passage",
        ),
        ("link_evidence", {"element": "art7-1-f.1", "evidence": "P-1"}, "evidence"),
        ("link_evidence", {"element": "art7-1-f.1", "evidence": "X-999999"}, "evidence"),
        ("link_evidence", {"element": "art7-1-f.1", "evidence": "{item}", "weight": "x"}, "weight"),
        ("create_task", {"title": "t", "assignee": "analyst"}, "assignee"),
        ("create_task", {"title": "t", "due_date": "tomorrow"}, "due_date"),
        ("update_task", {"revision": 1, "status": "finished"}, "status"),
    ],
)
def test_bad_input_answers_422_naming_the_field(
    operation, body, field, built, client_for, legal_expert, analyst, second_legal_expert
):
    method, path, _ = OPERATIONS[operation]
    client = client_for(legal_expert)
    before = _state()
    response = _send(client, method, path.format(**built), _fill(body, built))
    assert response.status_code == 422, response.content
    assert field in response.json()["errors"], response.json()
    assert _state() == before


def test_the_case_answer_leaves_out_evidence_its_reader_may_not_see(
    built, client_for, legal_expert, manager
):
    """The manager (cleared up to restricted) is a member; an item marked strictly
    confidential linked by the legal expert is left out of the manager's answer."""
    from sillok.evidence.models import Item

    link = EvidenceLink.objects.get(pk=built["link"])
    Item.objects.filter(pk=link.evidence_id).update(sensitivity="strictly_confidential")
    expert = client_for(legal_expert).get(f"/api/v1/cases/{built['case']}").json()
    seen = client_for(manager).get(f"/api/v1/cases/{built['case']}").json()
    assert [row["id"] for row in expert["evidence_links"]] == [link.pk]
    assert seen["evidence_links"] == []


def test_versions_list_every_change_of_the_case(built, client_for, legal_expert):
    versions = client_for(legal_expert).get(f"/api/v1/cases/{built['case']}/versions").json()
    assert [(v["kind"], v["action"]) for v in versions] == [
        ("case", "created"),
        ("suspect", "created"),
        ("charge", "created"),
        ("case", "member_added"),
        ("link", "created"),
        ("task", "created"),
    ]
    assert all(v["audit_seq"] for v in versions)
