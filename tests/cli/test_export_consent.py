"""`sillok export --purpose P [--recipient R]`: the purpose is required, what consent leaves
out is told on stderr (text) or stdout (--json) and noted beside a CSV file."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from sillok.custody.models import AuditEntry
from sillok.testing.cli import run_sillok

pytestmark = pytest.mark.django_db(transaction=True)

ICC = "ICC Office of the Prosecutor"


@pytest.fixture
def witnesses(vocabularies, documentation_officer, make_record):
    officer = documentation_officer
    a = make_record(officer, "person", name="Witness A")
    b = make_record(officer, "person", name="Witness B")
    make_record(officer, "person", name="Victim V")
    make_record(
        officer, "testimony", title="Interview A", witness=f"P-{a.pk}", consent_given="yes",
        consent_scope="un_reporting; prosecution", consent_recipients=ICC,
    )  # fmt: skip
    make_record(officer, "testimony", title="Interview B", witness=f"P-{b.pk}")
    return {"a": a, "b": b}


def export(out: Path, *args: str):
    return run_sillok(
        "export", "persons", "--out", str(out), "--as", "documentation_officer", *args
    )


@pytest.mark.parametrize(
    "args, message",
    [
        ((), "say what the export is for (purpose: internal_analysis, un_reporting"),
        (("--purpose", "press"), "unknown purpose 'press'"),
        (("--purpose", "prosecution"), "needs a recipient"),
        (("--purpose", "un_reporting", "--recipient", ICC), "only when sharing with prosecutors"),
    ],
)
def test_export_without_a_clear_purpose_exits_2_and_writes_nothing(
    witnesses, tmp_path, args, message
):
    folder = tmp_path / "out"
    folder.mkdir()
    run = export(folder / "persons.csv", *args)
    assert run.returncode == 2 and message in run.stderr, run.stderr
    assert list(folder.iterdir()) == []
    assert not AuditEntry.objects.filter(action="record.exported").exists()


def test_export_tells_what_was_left_out_on_stderr_and_beside_the_csv(witnesses, tmp_path):
    out = tmp_path / "persons.csv"
    run = export(out, "--purpose", "un_reporting")
    assert run.returncode == 0, run.stderr
    assert "exported 2 persons" in run.stdout
    b = witnesses["b"].pk
    assert "left out 1 without consent to un reporting:" in run.stderr
    assert f"P-{b} Witness B: a witness, and none of their testimonies has consent" in run.stderr
    names = [r["name"] for r in csv.DictReader(out.read_text("utf-8-sig").splitlines())]
    assert names == ["Witness A", "Victim V"]
    note = tmp_path / "persons.left-out.csv"
    assert f"the list is in {note}" in run.stderr
    rows = list(csv.DictReader(note.read_text("utf-8-sig").splitlines()))
    assert rows == [{"reference": f"P-{b}", "kind": "person", "reason": "witness_without_consent"}]
    entry = AuditEntry.objects.get(action="record.exported")
    assert entry.details["purpose"] == "un_reporting" and entry.details["left_out"] == 1


def test_export_json_summary_lists_everything_left_out(witnesses, tmp_path):
    out = tmp_path / "persons.json"
    run = export(out, "--purpose", "prosecution", "--recipient", "Seoul prosecutors", "--json")
    assert run.returncode == 0, run.stderr
    summary = json.loads(run.stdout)
    assert summary["exported"] == 1 and summary["purpose"] == "prosecution"
    assert summary["recipient"] == "Seoul prosecutors"
    left = {e["reference"]: e for e in summary["left_out"]}
    assert set(left) == {f"P-{witnesses['a'].pk}", f"P-{witnesses['b'].pk}"}
    assert left[f"P-{witnesses['a'].pk}"]["title"] == "Witness A"
    assert left[f"P-{witnesses['a'].pk}"]["reason"] == "witness_without_consent"
    document = json.loads(out.read_text("utf-8"))
    assert [r["name"] for r in document["records"]] == ["Victim V"]
    assert len(document["left_out"]) == 2 and "Witness" not in out.read_text("utf-8")
    assert not (tmp_path / "persons.left-out.csv").exists()
    as_named = export(out, "--purpose", "prosecution", "--recipient", ICC.lower(), "--json")
    assert json.loads(as_named.stdout)["exported"] == 2


def test_ingest_records_the_consent_of_new_items(repo_home, documentation_officer, tmp_path):
    from sillok.evidence.models import Item
    from sillok.workspace.services import do_initialise_repository

    do_initialise_repository()
    letter = tmp_path / "letter.txt"
    letter.write_text("a letter", encoding="utf-8")
    unnamed = run_sillok("ingest", str(letter), "--consent-scope", "prosecution")
    assert unnamed.returncode == 2 and "name the prosecutors" in unnamed.stderr
    assert not Item.objects.exists()
    run = run_sillok(
        "ingest", str(letter), "--consent-scope", "un_reporting", "--consent-scope",
        "prosecution", "--consent-recipient", ICC, "--consent-date", "2021-04-05",
        "--consent-form", "written", "--as", "documentation_officer",
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    item = Item.objects.get()
    assert item.consent_scope == ["un_reporting", "prosecution"]
    assert item.consent_recipients == [ICC] and item.consent_form == "written"
    assert str(item.consent_date) == "2021-04-05"
