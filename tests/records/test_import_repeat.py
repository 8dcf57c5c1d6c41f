"""Importing a file that was imported before (the same SHA-256, as the same kind) is refused
unless the user confirms it, so that a retry after a crash does not create every record a
second time; the report says when and by whom it was imported, and a dry run says so too."""

from __future__ import annotations

import csv

import pytest
from openpyxl import Workbook

from sillok.custody.models import AuditEntry
from sillok.records.importing import import_file
from sillok.records.models import Organization, Person
from sillok.records.services import ImportedBefore, do_import_records

pytestmark = pytest.mark.django_db

ROWS = [
    ["name", "name_hangul", "sex"],
    ["Kim Chol-su", "김철수", "male"],
    ["Ri Yong-hui", "리영희", "female"],
]


@pytest.fixture
def roster(tmp_path):
    path = tmp_path / "명단.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle).writerows(ROWS)
    return path


def test_the_same_file_again_is_refused_and_names_the_earlier_import(
    analyst, documentation_officer, roster, vocabularies
):
    first = import_file(analyst, "persons", roster)
    assert first.imported == 2 and first.earlier == []
    again = import_file(documentation_officer, "persons", roster, name="copy.csv")
    assert again.imported == 0 and Person.objects.count() == 2
    assert len(again.errors) == 1 and again.errors[0].row == 0
    message = again.errors[0].message
    assert "already imported" in message and "analyst" in message and "명단.csv" in message
    assert [(e.by, e.records, e.file) for e in again.earlier] == [("analyst", 2, "명단.csv")]
    assert again.as_json()["imported_before"][0]["by"] == "analyst"
    # Skipping bad rows is no way around it.
    skipping = import_file(documentation_officer, "persons", roster, skip_bad_rows=True)
    assert skipping.imported == 0 and Person.objects.count() == 2


def test_a_dry_run_of_an_imported_file_says_so_without_failing(analyst, roster, vocabularies):
    import_file(analyst, "persons", roster)
    dry = import_file(analyst, "persons", roster, dry_run=True)
    assert dry.ok and dry.valid == 2 and dry.earlier[0].by == "analyst"
    assert dry.as_json()["imported_before"][0]["records"] == 2


def test_confirming_imports_it_again_and_the_audit_entry_says_so(analyst, roster, vocabularies):
    import_file(analyst, "persons", roster)
    first = AuditEntry.objects.get(action="record.imported")
    again = import_file(analyst, "persons", roster, again=True)
    assert again.ok and again.imported == 2 and Person.objects.count() == 4
    second = AuditEntry.objects.filter(action="record.imported").last()
    assert second.details["sha256"] == first.details["sha256"]
    assert second.details["imported_before"] == [first.seq]
    assert "imported_before" not in first.details


def test_a_file_imported_as_another_kind_or_another_sheet_is_not_a_repeat(
    analyst, tmp_path, vocabularies
):
    path = tmp_path / "names.xlsx"
    book = Workbook()
    book.active.append(["name"])
    book.active.append(["Camp 15 administration"])
    book.create_sheet("second").append(["name"])
    book["second"].append(["Another"])
    book.save(path)
    assert import_file(analyst, "organizations", path).imported == 1
    assert import_file(analyst, "persons", path).imported == 1
    assert import_file(analyst, "organizations", path, sheet="second").imported == 1
    # The first sheet named is the first sheet: a repeat.
    repeat = import_file(analyst, "organizations", path, sheet="Sheet")
    assert repeat.imported == 0 and "already imported" in repeat.errors[0].message
    assert Organization.objects.count() == 2


def test_the_service_refuses_a_repeat_inside_its_transaction(analyst, vocabularies):
    # Two imports of one file that both passed the check before the transaction (a double
    # submit): the second finds the first's audit entry once it holds the audit lock.
    source = {"name": "x.csv", "sha256": "a" * 64, "rows": 1}
    do_import_records(analyst, "person", [{"name": "A"}], source=source)
    with pytest.raises(ImportedBefore) as refused:
        do_import_records(analyst, "person", [{"name": "A"}], source=source)
    assert refused.value.earlier[0].actor_name == "analyst"
    assert Person.objects.count() == 1
    assert AuditEntry.objects.filter(action="record.imported").count() == 1
    do_import_records(analyst, "person", [{"name": "A"}], source=source, again=True)
    assert Person.objects.count() == 2
