"""The proof matrix operations of the API (assessment/api_matrix.py) for the legal experts who
use them: the matrix, assessing, the four-eyes review, gaps into tasks, suspects' chains and
pattern evidence. Who may call them is tested in tests/assessment/matrix_access.py."""

from __future__ import annotations

import pytest

from sillok.assessment.models import CaseTask, ElementAssessment
from sillok.assessment.services import do_add_member

pytestmark = pytest.mark.django_db

JSON = "application/json"


@pytest.fixture
def api(client_for):
    def call(user, method: str, path: str, body: dict | None = None):
        client = client_for(user)
        if method == "get":
            return client.get(f"/api/v1/cases/{path}")
        return client.post(f"/api/v1/cases/{path}", data=body or {}, content_type=JSON)

    return call


def test_the_matrix_answers_the_contract_shape(api, legal_expert, case_file, torture_charge):
    response = api(legal_expert, "get", f"{case_file.pk}/matrix")
    assert response.status_code == 200
    data = response.json()
    assert set(data) == {"case", "generated_at", "charges", "withheld"}
    assert data["case"]["standard"]["rule_ko"] != data["case"]["standard"]["rule_en"]
    assert data["charges"][0]["id"] == torture_charge.pk


def test_assess_submit_and_confirm_through_the_api(
    api, legal_expert, second_legal_expert, case_file, torture_charge
):
    do_add_member(legal_expert, case_file, second_legal_expert)
    path = f"{case_file.pk}/charges/{torture_charge.pk}/elements/art7-1-f.1/assess"
    refused = api(legal_expert, "post", path, {"override_status": "met"})
    assert refused.status_code == 422
    assert set(refused.json()["errors"]) == {"override_reason"}
    assert not ElementAssessment.objects.exists()
    unknown = api(
        legal_expert, "post", f"{case_file.pk}/charges/{torture_charge.pk}/elements/nope/assess"
    )
    assert unknown.status_code == 422
    made = api(legal_expert, "post", path, {"override_status": "met", "override_reason": "근거"})
    assert (made.status_code, made.json()["status"], made.json()["review_state"]) == (
        200,
        "met",
        "draft",
    )
    row = made.json()["id"]
    assert api(legal_expert, "post", f"{case_file.pk}/assessments/{row}/submit").status_code == 200
    own = api(legal_expert, "post", f"{case_file.pk}/assessments/{row}/confirm", {"comment": ""})
    assert own.status_code == 403 and "four eyes" in own.json()["detail"]
    done = api(second_legal_expert, "post", f"{case_file.pk}/assessments/{row}/confirm",
               {"comment": "확인"})  # fmt: skip
    assert (done.status_code, done.json()["review_state"], done.json()["reviewer"]) == (
        200,
        "confirmed",
        "second_legal_expert",
    )
    assert api(legal_expert, "post", f"{case_file.pk}/assessments/999999/submit").status_code == 404


def test_a_gap_becomes_a_task_through_the_api(api, legal_expert, case_file, torture_charge):
    gaps = api(legal_expert, "get", f"{case_file.pk}/gaps").json()
    key = next(gap["key"] for gap in gaps if gap["element"] == "art7-1-f.2")
    made = api(legal_expert, "post", f"{case_file.pk}/gaps/task",
               {"key": key, "due_date": "2027-01-31"})  # fmt: skip
    assert made.status_code == 201
    assert (made.json()["gap"], made.json()["elements"]) == ("no_evidence", ["art7-1-f.2"])
    gone = api(legal_expert, "post", f"{case_file.pk}/gaps/task", {"key": "1:x:no_evidence"})
    assert gone.status_code == 404
    assert CaseTask.objects.count() == 1


def test_suspect_profile_paths_and_patterns_through_the_api(
    api, legal_expert, case_file, suspect_unit
):
    profile = api(legal_expert, "get", f"{case_file.pk}/suspects/{suspect_unit.pk}/profile")
    assert (profile.status_code, profile.json()["suspect"]["label"]) == (200, "Unit 7")
    paths = api(legal_expert, "get", f"{case_file.pk}/suspects/{suspect_unit.pk}/superior-paths")
    assert (paths.status_code, paths.json()) == (200, [])
    body = {"element": "art7-context.widespread-systematic", "title": "Torture by year",
            "query": {"violations": ["torture"], "dimensions": ["year"]}}  # fmt: skip
    made = api(legal_expert, "post", f"{case_file.pk}/patterns", body)
    assert (made.status_code, made.json()["result"]["total"]) == (201, 0)
    bad = api(legal_expert, "post", f"{case_file.pk}/patterns", {**body, "query": {"x": 1}})
    assert (bad.status_code, set(bad.json()["errors"])) == (422, {"query"})
    pattern = made.json()["id"]
    again = api(legal_expert, "post", f"{case_file.pk}/patterns/{pattern}/rerun")
    assert (again.status_code, again.json()["revision"]) == (200, 2)
    listed = api(legal_expert, "get", f"{case_file.pk}/patterns").json()
    assert [row["title"] for row in listed] == ["Torture by year"]
