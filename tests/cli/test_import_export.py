"""`sillok import` and `sillok export`: JSON reports, exit codes, acting as a user."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from openpyxl import load_workbook

from sillok.records.models import Person
from sillok.testing.cli import run_sillok

pytestmark = pytest.mark.django_db(transaction=True)

GOOD = [
    ["name", "name_hangul", "aliases", "birth_year", "origin"],
    ["Kim Chol-su", "김철수", "Chol; 철이", "1968", "회령시"],
    ["Ri Yong-hui", "리영희", "", "1975..1977", "KP-09"],
]


def write_csv(path: Path, rows: list[list[str]], encoding: str = "utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


def import_json(*args: str) -> tuple[int, dict, str]:
    run = run_sillok("import", *args, "--json")
    return run.returncode, json.loads(run.stdout) if run.stdout.strip() else {}, run.stderr


@pytest.fixture
def users(vocabularies, analyst, documentation_officer, manager, partner):
    return {"analyst": analyst, "officer": documentation_officer}


def test_import_prints_the_json_report_and_exits_0(users, tmp_path):
    path = write_csv(tmp_path / "명단.csv", GOOD, encoding="cp949")
    code, report, stderr = import_json("persons", str(path), "--as", "analyst")
    assert code == 0, stderr
    assert report["imported"] == 2 and report["errors"] == []
    kim = Person.objects.get(name="Kim Chol-su")
    assert kim.aliases == ["Chol", "철이"] and kim.created_by == users["analyst"]


def test_a_file_with_errors_exits_2_and_imports_nothing_unless_bad_rows_are_skipped(
    users, tmp_path
):
    path = write_csv(tmp_path / "bad.csv", [*GOOD, ["Pak", "", "", "19x5", "Atlantis"]])
    code, report, _ = import_json("persons", str(path), "--as", "analyst")
    assert code == 2 and report["imported"] == 0 and Person.objects.count() == 0
    assert {(e["row"], e["column"]) for e in report["errors"]} == {(4, "birth_year"), (4, "origin")}
    assert all(e["message"] for e in report["errors"])
    code, report, _ = import_json("persons", str(path), "--as", "analyst", "--dry-run")
    assert code == 2 and report["dry_run"] is True
    code, report, _ = import_json("persons", str(path), "--as", "analyst", "--skip-bad-rows")
    assert code == 0 and report["imported"] == 2 and report["skipped"] == 1
    assert Person.objects.count() == 2


def test_a_clean_dry_run_exits_0_and_imports_nothing(users, tmp_path):
    path = write_csv(tmp_path / "good.csv", GOOD)
    code, report, _ = import_json("persons", str(path), "--as", "analyst", "--dry-run")
    assert code == 0 and report["imported"] == 0 and report["valid"] == 2
    assert Person.objects.count() == 0
    human = run_sillok("import", "persons", str(path), "--as", "analyst", "--dry-run")
    assert human.returncode == 0 and "no errors; nothing imported" in human.stdout


def test_a_mapping_file_or_a_saved_mapping_names_the_columns(users, tmp_path):
    from sillok.records.mappings import do_save_mapping

    path = write_csv(tmp_path / "ngo.csv", [["성명", "출생"], ["Jo Myong-chol", "1980"]])
    mapping = tmp_path / "mapping.json"
    mapping.write_text(json.dumps({"성명": "name", "출생": "birth_year"}), encoding="utf-8")
    code, report, _ = import_json(
        "persons", str(path), "--as", "analyst", "--mapping", str(mapping)
    )
    assert code == 0 and report["imported"] == 1
    do_save_mapping(users["analyst"], "person", "ngo", {"성명": "name", "출생": ""})
    code, report, _ = import_json(
        "persons", str(path), "--as", "analyst", "--mapping", "ngo", "--dry-run"
    )
    assert code == 0 and report["valid"] == 1
    code, report, _ = import_json("persons", str(path), "--as", "analyst", "--mapping", "nope")
    assert code == 2 and "no saved mapping" in report["errors"][0]["message"]


def test_bad_usage_and_refused_users_exit_2(users, tmp_path):
    path = write_csv(tmp_path / "good.csv", GOOD)
    no_user = run_sillok("import", "persons", str(path), "--json")
    assert no_user.returncode == 2 and "--as" in no_user.stderr
    unknown = run_sillok("import", "persons", str(path), "--as", "nobody", "--json")
    assert unknown.returncode == 2 and "no user" in unknown.stderr
    refused = run_sillok("import", "persons", str(path), "--as", "manager", "--json")
    assert refused.returncode == 2 and "import_records" in refused.stderr
    kind = run_sillok("import", "spaceships", str(path), "--as", "analyst")
    assert kind.returncode == 2 and "unknown record kind" in kind.stderr
    missing = run_sillok("import", "persons", str(tmp_path / "none.csv"), "--as", "analyst")
    assert missing.returncode == 2 and "no such file" in missing.stdout
    assert Person.objects.count() == 0


@pytest.mark.parametrize(
    ("content", "row"),
    [
        (b'name,sex\n"Kim Chol-su,male\nRi Yong-hui",female\n', 2),  # a quote left open
        (b'name,notes\nKim,"never closed\nRi,x\n', 2),
        (b"name,sex\nKim,male\n\xff\xfe\xc3\x28 Person,male\n", 3),  # not UTF-8
        (b"name,sex\nKim,male\nRi,female,extra\n", 3),  # more cells than the header
        (b"name,aliases\nKim,Chol\x00\n", 2),  # a NUL byte
    ],
    ids=["joined rows", "quote never closed", "invalid utf-8", "extra cells", "nul"],
)
def test_a_damaged_csv_exits_2_naming_its_row_and_imports_nothing(users, tmp_path, content, row):
    path = tmp_path / "damaged.csv"
    path.write_bytes(content)
    code, report, _ = import_json("persons", str(path), "--as", "analyst")
    assert code == 2 and report["imported"] == 0 and Person.objects.count() == 0
    assert [e["row"] for e in report["errors"]] == [row], report["errors"]


def test_a_damaged_csv_fails_the_dry_run_too_with_a_one_line_reason(users, tmp_path):
    path = tmp_path / "damaged.csv"
    path.write_bytes(b"name,sex\nKim,male\n\xff\xfe\xc3\x28 Person,male\n")
    code, report, _ = import_json("persons", str(path), "--as", "analyst", "--dry-run")
    assert code == 2 and report["errors"][0]["row"] == 3
    human = run_sillok("import", "persons", str(path), "--as", "analyst", "--dry-run")
    assert human.returncode == 2 and human.stdout.startswith("row 3: not valid UTF-8")
    assert len(human.stdout.splitlines()) == 2  # the reason, then "nothing imported"


def test_importing_a_file_again_needs_again_and_says_who_imported_it(users, tmp_path):
    path = write_csv(tmp_path / "good.csv", GOOD)
    assert import_json("persons", str(path), "--as", "analyst")[0] == 0
    code, report, _ = import_json("persons", str(path), "--as", "documentation_officer")
    assert code == 2 and report["imported"] == 0 and Person.objects.count() == 2
    assert "already imported" in report["errors"][0]["message"]
    assert [e["by"] for e in report["imported_before"]] == ["analyst"]
    human = run_sillok("import", "persons", str(path), "--as", "analyst")
    assert human.returncode == 2 and "by analyst" in human.stdout and "--again" in human.stdout
    dry = run_sillok("import", "persons", str(path), "--as", "analyst", "--dry-run")
    assert dry.returncode == 0 and "imported before: on " in dry.stdout
    assert "--again" in dry.stdout
    code, report, _ = import_json("persons", str(path), "--as", "analyst", "--again")
    assert code == 0 and report["imported"] == 2 and Person.objects.count() == 4


def test_export_writes_each_format_and_reimports(users, tmp_path, make_record):
    officer = users["officer"]
    for name, sensitivity in [("Kim Chol-su", "internal"), ("Secret", "strictly_confidential")]:
        make_record(
            officer,
            "person",
            name=name,
            name_hangul="김철수",
            origin="회령시",
            sensitivity=sensitivity,
        )
    out = tmp_path / "persons.csv"
    run = run_sillok(
        "export",
        "persons",
        "--format",
        "csv",
        "--out",
        str(out),
        "--as",
        "documentation_officer",
        "--purpose",
        "internal_analysis",
        "--json",
    )
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["exported"] == 2
    rows = list(csv.DictReader(out.read_text(encoding="utf-8-sig").splitlines()))
    assert [r["name"] for r in rows] == ["Kim Chol-su", "Secret"]
    # The analyst is not cleared for the strictly confidential person.
    as_analyst = tmp_path / "analyst.json"
    run = run_sillok(
        "export", "persons", "--out", str(as_analyst), "--as", "analyst", "--purpose", "publication"
    )
    assert run.returncode == 0 and "exported 1 persons" in run.stdout
    exported = json.loads(as_analyst.read_text("utf-8"))["records"]
    assert [r["name"] for r in exported] == ["Kim Chol-su"]
    workbook = tmp_path / "persons.xlsx"
    assert (
        run_sillok(
            "export",
            "persons",
            "--format",
            "xlsx",
            "--out",
            str(workbook),
            "--as",
            "analyst",
            "--purpose",
            "un_reporting",
        ).returncode
        == 0
    )
    sheet = load_workbook(workbook, read_only=True).worksheets[0]
    assert next(sheet.iter_rows(values_only=True))[0] == "reference"
    code, report, _ = import_json("persons", str(out), "--as", "documentation_officer")
    assert code == 0 and report["imported"] == 2


def test_export_refuses_the_partner_and_bad_usage(users, tmp_path):
    out = tmp_path / "x.csv"
    partner = run_sillok(
        "export", "persons", "--out", str(out), "--as", "partner", "--purpose", "publication"
    )
    assert partner.returncode == 2 and "export_records" in partner.stderr
    assert not out.exists() and not list(tmp_path.glob(".x.csv*"))
    no_format = run_sillok(
        "export",
        "persons",
        "--out",
        str(tmp_path / "x.pdf"),
        "--as",
        "analyst",
        "--purpose",
        "publication",
    )
    assert no_format.returncode == 2
