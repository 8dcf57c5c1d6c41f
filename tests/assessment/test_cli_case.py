"""`sillok case ...`: the interface of issue 15, as USER, in English and Korean."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from sillok.assessment.models import AssessmentVersion, CaseFile, Charge, EvidenceLink, Suspect

pytestmark = pytest.mark.django_db


def run(*argv: str) -> tuple[int, str]:
    """(exit status, everything printed) of one `sillok case` run in-process."""
    out, err = StringIO(), StringIO()
    try:
        call_command("case", *argv, stdout=out, stderr=err)
    except CommandError as exc:
        return exc.returncode, f"{out.getvalue()}{err.getvalue()}{exc}"
    return 0, out.getvalue() + err.getvalue()


def run_json(*argv: str):
    status, printed = run(*argv, "--json")
    assert status == 0, printed
    return json.loads(printed)


def _counts() -> tuple:
    return (
        CaseFile.objects.count(),
        Suspect.objects.count(),
        Charge.objects.count(),
        EvidenceLink.objects.count(),
        AssessmentVersion.objects.count(),
    )


@pytest.fixture
def unit(make_record, documentation_officer):
    return make_record(documentation_officer, "organization", name="Unit 7", sensitivity="internal")


@pytest.fixture
def opened(frameworks, legal_expert, unit) -> dict:
    """A case opened and charged from the command line: {"case", "charge"}."""
    case = run_json("create", "Detention facility 14", "--as", "legal_expert")
    charge = run_json(
        "charge", str(case["id"]), "--crime", "art7-1-f", "--suspect", f"O-{unit.pk}",
        "--mode", "art25-3-a", "--as", "legal_expert",
    )  # fmt: skip
    return {"case": case, "charge": charge}


def test_create_prints_the_case_with_its_compartment(frameworks, legal_expert):
    case = run_json("create", "요덕 수용소", "--as", "legal_expert")
    assert set(case) >= {"id", "compartment", "title", "framework", "standard"}
    assert (case["title"], case["framework"], case["standard"]) == (
        "요덕 수용소", "rome-statute", "standard-rgb",
    )  # fmt: skip
    assert CaseFile.objects.get(pk=case["id"]).compartment.code == case["compartment"]
    listed = run_json("list", "--as", "legal_expert")
    assert [row["id"] for row in listed] == [case["id"]]


def test_charge_adds_the_suspect_and_names_crime_and_mode(opened, unit):
    charge = opened["charge"]
    assert (charge["crime"]["code"], charge["mode"]["code"]) == ("art7-1-f", "art25-3-a")
    suspect = Suspect.objects.get(pk=charge["suspect"])
    assert suspect.organization_id == unit.pk
    shown = run_json("show", str(opened["case"]["id"]), "--as", "legal_expert")
    assert shown["suspects"][0]["ref"] == f"O-{unit.pk}"
    assert shown["suspects"][0]["label"] == "Unit 7"
    assert shown["members"] == ["legal_expert"]


def test_link_takes_korean_choices_and_a_passage(opened, legal_expert, make_item):
    item = make_item(legal_expert, pages=4)
    link = run_json(
        "link", str(opened["case"]["id"]), "--element", "art7-1-f.1", "--evidence",
        f"X-{item.pk}", "--passage", "2-3쪽", "--assessment", "지지", "--weight", "높음",
        "--as", "legal_expert",
    )  # fmt: skip
    assert (link["assessment"], link["weight"], link["passage"]) == (
        "supports", "high", {"pages": [2, 3]},
    )  # fmt: skip
    assert (link["ref"], link["passage_label"]) == (f"X-{item.pk}", "pp. 2–3")


def test_link_asks_which_charge_when_several_hold_the_element(
    opened, unit, make_item, legal_expert
):
    case_id = str(opened["case"]["id"])
    run_json(
        "charge", case_id, "--crime", "art7-1-e", "--suspect", f"O-{unit.pk}",
        "--mode", "art25-3-a", "--as", "legal_expert",
    )  # fmt: skip
    item = make_item(legal_expert)
    argv = ["link", case_id, "--element", "art7-context.attack", "--evidence", f"X-{item.pk}",
            "--assessment", "context", "--weight", "low", "--as", "legal_expert"]  # fmt: skip
    before = _counts()
    status, printed = run(*argv)
    assert status == 2 and "--charge" in printed and "several charges" in printed
    assert _counts() == before
    link = run_json(*argv, "--charge", str(opened["charge"]["id"]))
    assert link["charge"] == opened["charge"]["id"]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--passage", "p9"], "page 9 is not in it"),
        (["--assessment", "maybe"], "assessment"),
        (["--weight", "huge"], "weight"),
        (["--element", "art7-1-a.1"], "no charge of this case has the element"),
    ],
)
def test_bad_link_input_exits_2_and_changes_nothing(
    opened, legal_expert, make_item, extra, message
):
    item = make_item(legal_expert, pages=3)
    argv = ["link", str(opened["case"]["id"]), "--element", "art7-1-f.1",
            "--evidence", f"X-{item.pk}", "--as", "legal_expert"]  # fmt: skip
    before = _counts()
    status, printed = run(*argv, *extra)
    assert status == 2 and message in printed, printed
    assert _counts() == before


def test_a_case_you_may_not_see_reads_like_a_missing_one(opened, second_legal_expert, analyst):
    case_id = str(opened["case"]["id"])
    hidden = run("show", case_id, "--as", "second_legal_expert")
    missing = run("show", "999999", "--as", "second_legal_expert")
    assert hidden == (2, f"no case {case_id}")
    assert missing == (2, "no case 999999")
    assert "Detention" not in run("list", "--as", "second_legal_expert")[1]
    assert run("list", "--as", "analyst")[0] == 2
    assert run("show", case_id, "--as", "analyst") == (2, f"no case {case_id}")


def test_members_tasks_and_withdrawal(opened, second_legal_expert):
    case_id = str(opened["case"]["id"])
    assert run("member", case_id, "second_legal_expert", "--as", "legal_expert")[0] == 0
    task = run_json(
        "task", case_id, "Interview the second guard", "--assignee", "second_legal_expert",
        "--due", "2027-02-01", "--element", "art7-1-f.2", "--charge",
        str(opened["charge"]["id"]), "--as", "legal_expert",
    )  # fmt: skip
    assert (task["assignee"], task["due_date"], task["elements"]) == (
        "second_legal_expert", "2027-02-01", ["art7-1-f.2"],
    )  # fmt: skip
    done = run_json(
        "task", case_id, "--id", str(task["id"]), "--revision", "1", "--status", "완료",
        "--as", "second_legal_expert",
    )  # fmt: skip
    assert done["status"] == "done"
    stale = run("task", case_id, "--id", str(task["id"]), "--revision", "1", "--status",
                "open", "--as", "legal_expert")  # fmt: skip
    assert stale[0] == 2 and "changed by someone else" in stale[1]
    status, printed = run("withdraw", case_id, "task", str(task["id"]), "--reason", "done twice",
                          "--as", "legal_expert")  # fmt: skip
    assert status == 0, printed


def test_assess_submit_and_confirm_by_a_colleague(
    opened, legal_expert, second_legal_expert, make_item
):
    case_id = str(opened["case"]["id"])
    run("member", case_id, "second_legal_expert", "--as", "legal_expert")
    item = make_item(legal_expert)
    run_json("link", case_id, "--element", "art7-1-f.1", "--evidence", f"X-{item.pk}",
             "--as", "legal_expert")  # fmt: skip
    element = ["--element", "art7-1-f.1"]
    assessed = run_json("assess", case_id, *element, "--as", "legal_expert")
    assert assessed["review_state"] == "draft"
    assert run_json("submit", case_id, *element, "--as", "legal_expert")["review_state"] == (
        "in_review"
    )
    own = run("confirm", case_id, *element, "--as", "legal_expert")
    assert own[0] == 2
    confirmed = run_json("confirm", case_id, *element, "--as", "second_legal_expert")
    assert (confirmed["review_state"], confirmed["reviewer"]) == (
        "confirmed", "second_legal_expert",
    )  # fmt: skip


def test_gaps_and_the_matrix(opened, tmp_path):
    case_id = str(opened["case"]["id"])
    gaps = run_json("gaps", case_id, "--as", "legal_expert")
    assert gaps and {gap["kind"] for gap in gaps} == {"no_evidence"}
    task = run_json("gaps", case_id, "--task", gaps[0]["key"], "--as", "legal_expert")
    assert task["gap"] == "no_evidence"
    status, printed = run("matrix", case_id, "--as", "legal_expert")
    assert status == 0
    matrix = json.loads(printed)
    assert matrix["case"]["id"] == int(case_id)
    assert [c["crime"]["code"] for c in matrix["charges"]] == ["art7-1-f"]
    out = tmp_path / "matrix.json"
    written = run_json("matrix", case_id, "--format", "json", "--out", str(out),
                       "--recipient", "ICC Office of the Prosecutor",
                       "--as", "legal_expert")  # fmt: skip
    assert written["path"] == str(out) and out.exists()
    assert run("matrix", case_id, "--format", "pdf", "--as", "legal_expert")[0] == 2


def test_show_without_json_reads_as_lines(opened, legal_expert, make_item):
    case_id = str(opened["case"]["id"])
    item = make_item(legal_expert, pages=2)
    run_json("link", case_id, "--element", "art7-1-f.1", "--evidence", f"X-{item.pk}",
             "--passage", "p2", "--as", "legal_expert")  # fmt: skip
    status, printed = run("show", case_id, "--as", "legal_expert")
    assert status == 0
    assert "Detention facility 14" in printed
    assert "art7-1-f × suspect" in printed
    assert f"art7-1-f.1 ← X-{item.pk} p. 2 supports, medium" in printed
