"""Importing spreadsheets of records (records/importing.py): every importable kind, the
encodings and delimiters Korean spreadsheets come in, XLSX, column mappings, dry runs, and
row- and column-specific errors that stop the whole file unless bad rows are skipped."""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

import pytest
from openpyxl import Workbook

from sillok.custody.models import AuditEntry
from sillok.records import models as record_models
from sillok.records.access import RecordActionRefused
from sillok.records.importing import RowError, import_file
from sillok.records.mappings import MappingError, do_save_mapping
from sillok.records.models import (
    Act,
    Event,
    ImportMapping,
    Link,
    Organization,
    Person,
    RecordVersion,
    Source,
)
from sillok.records.names import persons_named

pytestmark = pytest.mark.django_db

PERSON_HEADER = ["name", "name_hangul", "aliases", "sex", "birth_year", "origin", "status"]
PERSONS = [
    ["Kim Chol-su", "김철수", "Chol; 철이", "male", "1968..1970", "회령시", "detained"],
    ["Ri Yong-hui", "리영희", "", "female", "1975", "KP-09", "missing"],
    ["Pak Myong-nam", "박명남", "", "male", "", "", "released"],
]


def write_csv(path: Path, rows: list[list[str]], *, encoding="utf-8", delimiter=",") -> Path:
    with path.open("w", encoding=encoding, newline="") as handle:
        csv.writer(handle, delimiter=delimiter).writerows(rows)
    return path


def write_xlsx(path: Path, rows: list[list], *, title: str = "Sheet") -> Path:
    book = Workbook()
    sheet = book.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


@pytest.fixture
def persons_csv(tmp_path):
    return write_csv(tmp_path / "persons.csv", [PERSON_HEADER, *PERSONS])


def test_persons_are_imported_with_names_places_and_years(analyst, persons_csv, vocabularies):
    report = import_file(analyst, "persons", persons_csv)
    assert report.errors == []
    assert (report.imported, report.rows, report.valid, report.skipped) == (3, 3, 3, 0)
    kim = Person.objects.get(name="Kim Chol-su")
    assert kim.aliases == ["Chol", "철이"]
    assert (kim.birth_year_from, kim.birth_year_to) == (1968, 1970)
    assert kim.origin.label_ko == "회령시" and kim.status == "detained"
    assert Person.objects.get(name="Ri Yong-hui").origin.code == "KP-09"
    assert Person.objects.get(name="Pak Myong-nam").sex == "male"
    assert sorted(report.record_ids) == sorted(Person.objects.values_list("pk", flat=True))
    assert persons_named(Person.objects.all(), "Kim Cheol-su").get() == kim
    assert persons_named(Person.objects.all(), "Chol").get() == kim
    versions = RecordVersion.objects.filter(kind="person", action="imported")
    assert versions.count() == 3 and versions.first().actor == analyst
    entry = AuditEntry.objects.get(action="record.imported")
    assert entry.details["name"] == "persons.csv" and len(entry.details["sha256"]) == 64
    assert entry.details["rows"] == 3


@pytest.mark.parametrize(
    ("encoding", "delimiter"),
    [("utf-8", ","), ("utf-8-sig", ","), ("cp949", ","), ("euc-kr", ";"), ("utf-8", "\t")],
)
def test_korean_csv_in_any_usual_encoding_and_delimiter(
    analyst, tmp_path, vocabularies, encoding, delimiter
):
    rows = [
        ["name", "name_hangul", "sex", "status", "notes"],
        ["Choe Song-il", "최성일", "male", "detained", "함경북도 회령시 출신; 2010년 탈북"],
        ["Han Kum-sun", "한금순", "female", "missing", "요덕 수용소"],
    ]
    path = write_csv(tmp_path / "명단.csv", rows, encoding=encoding, delimiter=delimiter)
    report = import_file(analyst, "persons", path)
    assert report.errors == [] and report.imported == 2
    assert set(Person.objects.values_list("name_hangul", flat=True)) == {"최성일", "한금순"}


def test_columns_match_the_english_or_korean_label_of_a_field(analyst, tmp_path, vocabularies):
    path = write_csv(
        tmp_path / "labels.csv",
        [
            ["Name or pseudonym", "Name in Hangul", "Year of birth", "Place of origin"],
            ["Kang Chol-hwan", "강철환", "1968", "회령시"],
        ],
    )
    report = import_file(analyst, "persons", path)
    assert report.errors == [] and report.imported == 1
    person = Person.objects.get()
    assert person.birth_year_from == 1968 and person.origin.label_ko == "회령시"


def test_an_xlsx_workbook_is_read_from_its_first_sheet_or_the_one_named(
    analyst, tmp_path, vocabularies
):
    import datetime as dt

    path = tmp_path / "events.xlsx"
    book = Workbook()
    first = book.active
    first.title = "events"
    first.append(["title", "date", "place", "sensitivity"])
    first.append(["Public execution in Hoeryong", dt.datetime(2014, 3, 12), "회령시", "internal"])
    first.append(["Round-up at the market", 2016, "KP-09", "internal"])
    first.append([None, None, None, None])  # an empty row with formatting is skipped
    other = book.create_sheet("more")
    other.append(["title"])
    other.append(["From the second sheet"])
    book.save(path)
    report = import_file(analyst, "events", path)
    assert report.errors == [] and report.imported == 2
    execution = Event.objects.get(title="Public execution in Hoeryong")
    assert execution.date_start == dt.date(2014, 3, 12) and execution.date_precision == "day"
    assert Event.objects.get(title="Round-up at the market").date_precision == "year"
    second = import_file(analyst, "events", path, sheet="more")
    assert second.imported == 1 and Event.objects.filter(title="From the second sheet").exists()
    missing = import_file(analyst, "events", path, sheet="nope")
    assert missing.imported == 0 and "no sheet 'nope'" in missing.errors[0].message


def test_acts_refer_to_events_and_persons_by_reference(analyst, make_record, tmp_path):
    event = make_record(analyst, "event", title="Arrest in Onsong", date="2015-03")
    victim = make_record(analyst, "person", name="Kim Yong-nam")
    path = write_csv(
        tmp_path / "acts.csv",
        [
            ["event", "victim", "violation_type", "date", "place", "victim_status"],
            [f"E-{event.pk}", f"P-{victim.pk}", "torture.beating", "~2015", "온성군", "detained"],
            [f"E-{event.pk}", "", "torture", "2015-03..2015-06", "", ""],
        ],
    )
    report = import_file(analyst, "acts", path)
    assert report.errors == [] and report.imported == 2
    beating = Act.objects.get(violation_type__code="torture.beating")
    assert beating.event == event and beating.victim == victim
    assert beating.place.label_ko == "온성군" and beating.date_precision == "approximate"
    assert Act.objects.get(victim=None).date_precision == "range"


def test_testimonies_name_their_witness_interviewer_and_consent(
    analyst, documentation_officer, make_record, tmp_path
):
    witness = make_record(analyst, "person", name="Witness 17", roles="witness")
    path = write_csv(
        tmp_path / "testimonies.csv",
        [
            [
                "title",
                "witness",
                "interviewer",
                "date",
                "language",
                "consent_given",
                "consent_scope",
                "consent_recipients",
                "summary",
            ],
            [
                "Interview 17",
                f"P-{witness.pk}",
                "documentation_officer",
                "2019-05-02",
                "ko",
                "yes",
                "internal_analysis; prosecution",
                "ICC",
                "보위부 구류장에서의 경험",
            ],
        ],
    )
    report = import_file(analyst, "testimonies", path)
    assert report.errors == [], report.errors
    testimony = record_models.Testimony.objects.get()
    assert testimony.witness == witness and testimony.interviewer == documentation_officer
    assert testimony.consent_given is True
    assert testimony.consent_scope == ["internal_analysis", "prosecution"]
    assert testimony.consent_recipients == ["ICC"]


def test_links_join_records_with_a_relation(analyst, make_record, tmp_path):
    camp = make_record(analyst, "organization", name="Camp 15 administration")
    guard = make_record(analyst, "person", name="Guard A")
    first = make_record(analyst, "event", title="Arrest")
    second = make_record(analyst, "event", title="Transfer to camp")
    path = write_csv(
        tmp_path / "links.csv",
        [
            ["from", "to", "relation", "certainty", "comment"],
            [f"P-{guard.pk}", f"O-{camp.pk}", "member_of", "likely", "seen in uniform"],
            [f"E-{first.pk}", f"event:{second.pk}", "precedes", "certain", ""],
        ],
    )
    report = import_file(analyst, "links", path)
    assert report.errors == [], report.errors
    assert report.imported == 2
    link = Link.objects.get(relation__code="member_of")
    assert (link.from_kind, link.from_id, link.to_kind, link.to_id) == (
        "person",
        guard.pk,
        "organization",
        camp.pk,
    )
    assert link.certainty == "likely"


def test_the_other_kinds_import_too(analyst, make_record, tmp_path):
    event = make_record(analyst, "event", title="Detention")
    act = make_record(analyst, "act", event=f"E-{event.pk}", violation_type="torture")
    units = write_csv(tmp_path / "units.csv", [["name", "kind"], ["MSS Hoeryong", "county_office"]])
    assert import_file(analyst, "organizations", units).imported == 1
    unit = f"O-{Organization.objects.get().pk}"
    involvements = write_csv(tmp_path / "inv.csv", [["act", "organization"], [f"A-{act.pk}", unit]])
    assert import_file(analyst, "involvements", involvements).errors == []
    sources = write_csv(tmp_path / "src.csv", [["name", "reliability"], ["NGO report", "B"]])
    assert import_file(analyst, "sources", sources).imported == 1
    info = write_csv(
        tmp_path / "info.csv",
        [
            ["source", "event", "credibility"],
            [f"S-{Source.objects.get().pk}", f"E-{event.pk}", "2"],
        ],
    )
    assert import_file(analyst, "information", info).imported == 1


def test_a_saved_mapping_and_a_mapping_file_rename_columns(analyst, tmp_path, vocabularies):
    path = write_csv(
        tmp_path / "ngo.csv",
        [["성명", "한글", "출생", "비고"], ["Jo Myong-chol", "조명철", "1980", "ignore me"]],
    )
    columns = {"성명": "name", "한글": "name_hangul", "출생": "birth_year", "비고": ""}
    saved = do_save_mapping(analyst, "persons", "NGO roster", columns)
    assert saved.kind == "person" and saved.created_by == analyst
    entry = AuditEntry.objects.get(action="import_mapping.saved")
    assert entry.details["name"] == "NGO roster" and entry.details["kind"] == "person"
    report = import_file(analyst, "persons", path, mapping="NGO roster")
    assert report.errors == [] and report.imported == 1
    assert report.columns == columns
    mapping_file = tmp_path / "mapping.yaml"
    mapping_file.write_text(
        "성명: name\n한글: name_hangul\n출생: birth_year\n비고: ''\n", encoding="utf-8"
    )
    again = import_file(analyst, "persons", path, mapping=str(mapping_file), dry_run=True)
    assert again.errors == [] and again.valid == 1
    json_file = tmp_path / "mapping.json"
    json_file.write_text('{"성명": "name", "비고": null, "한글": "", "출생": ""}', "utf-8")
    assert import_file(analyst, "persons", path, mapping=str(json_file), dry_run=True).ok


def test_saving_a_mapping_again_replaces_it_and_bad_mappings_are_refused(analyst, manager):
    do_save_mapping(analyst, "events", "m", {"a": "title"})
    do_save_mapping(analyst, "events", "m", {"b": "title"})
    assert ImportMapping.objects.get().columns == {"b": "title"}
    with pytest.raises(MappingError, match="not a field"):
        do_save_mapping(analyst, "events", "m", {"a": "victim"})
    with pytest.raises(MappingError, match="name"):
        do_save_mapping(analyst, "events", " ", {"a": "title"})
    with pytest.raises(RecordActionRefused):
        do_save_mapping(manager, "events", "m2", {"a": "title"})


def test_an_unknown_mapping_is_a_file_error(analyst, persons_csv):
    report = import_file(analyst, "persons", persons_csv, mapping="no such mapping")
    assert report.imported == 0
    assert report.errors[0].row == 0 and "no saved mapping" in report.errors[0].message


def test_a_dry_run_checks_everything_and_imports_nothing(analyst, persons_csv, vocabularies):
    report = import_file(analyst, "persons", persons_csv, dry_run=True)
    assert report.ok and report.dry_run
    assert (report.rows, report.valid, report.imported) == (3, 3, 0)
    assert Person.objects.count() == 0
    assert not AuditEntry.objects.filter(action="record.imported").exists()


@pytest.fixture
def secret_person(documentation_officer, make_record):
    """A strictly confidential person: the documentation officer sees it, the analyst not."""
    return make_record(
        documentation_officer,
        "person",
        name="Protected witness",
        sensitivity="strictly_confidential",
    )


def test_bad_rows_are_named_by_row_and_column_and_nothing_is_imported(
    analyst, make_record, secret_person, tmp_path
):
    event = make_record(analyst, "event", title="Detention")
    path = write_csv(
        tmp_path / "acts.csv",
        [
            ["event", "victim", "violation_type", "date", "place"],
            [f"E-{event.pk}", "", "torture", "2015", "회령시"],  # row 2: good
            [f"E-{event.pk}", "", "torture", "2015-13", ""],  # row 3: bad date
            [f"E-{event.pk}", "", "not_a_violation", "", ""],  # row 4: unknown term
            [f"E-{event.pk}", "", "torture", "", "Atlantis"],  # row 5: unknown place
            ["", "", "torture", "", ""],  # row 6: missing required event
            [f"E-{event.pk}", f"P-{secret_person.pk}", "torture", "", ""],  # row 7: invisible
            # Row 8 repeats row 2: a warning, not an error (two unnamed victims).
            [f"E-{event.pk}", "", "torture", "2015", "회령시"],
        ],
    )
    report = import_file(analyst, "acts", path)
    assert report.imported == 0 and Act.objects.count() == 0
    by_row = {error.row: error for error in report.errors}
    assert set(by_row) == {3, 4, 5, 6, 7}
    assert by_row[3].column == "date" and "not a real date" in by_row[3].message
    assert by_row[4].column == "violation_type" and "not_a_violation" in by_row[4].message
    assert by_row[5].column == "place" and "gazetteer" in by_row[5].message
    assert by_row[6] == RowError(6, "event", "is required")
    assert by_row[7].column == "victim" and "not one you may see" in by_row[7].message
    assert [(w.row, w.column) for w in report.warnings] == [(8, "")]
    assert "repeats row 2" in report.warnings[0].message
    assert (report.rows, report.valid, report.bad_rows) == (7, 2, 5)
    # The same file, skipping bad rows: the good rows go in, the rest are reported.
    skipped = import_file(analyst, "acts", path, skip_bad_rows=True)
    assert (skipped.imported, skipped.skipped) == (2, 5)
    assert len(skipped.errors) == 5
    assert {act.place.label_ko for act in Act.objects.all()} == {"회령시"}


def test_the_documentation_officer_may_refer_to_the_confidential_person(
    documentation_officer, make_record, secret_person, tmp_path
):
    event = make_record(documentation_officer, "event", title="Detention")
    path = write_csv(
        tmp_path / "acts.csv",
        [
            ["event", "victim", "violation_type"],
            [f"E-{event.pk}", f"P-{secret_person.pk}", "torture"],
        ],
    )
    assert import_file(documentation_officer, "acts", path).imported == 1


def test_header_problems_are_errors_of_row_1(analyst, tmp_path, vocabularies):
    path = write_csv(
        tmp_path / "bad-header.csv",
        [["name_hangul", "favourite colour", "sex", "sex"], ["김철수", "blue", "male", "male"]],
    )
    report = import_file(analyst, "persons", path)
    assert report.imported == 0
    assert {(e.row, e.column) for e in report.errors} == {
        (1, "favourite colour"),
        (1, "sex"),
        (1, ""),
    }
    missing = next(e for e in report.errors if e.column == "")
    assert "required field 'name'" in missing.message
    ignored = import_file(
        analyst, "persons", path, mapping={"favourite colour": "", "name_hangul": "name"}
    )
    assert [e.column for e in ignored.errors] == ["sex"]


def test_values_outside_the_titled_columns_are_row_errors(analyst, tmp_path, vocabularies):
    path = write_csv(
        tmp_path / "extra.csv",
        [["name", "", "sex"], ["A", "", "male"], ["B", "stray", "male"], ["C", "", "male", "x"]],
    )
    report = import_file(analyst, "persons", path)
    assert [(e.row, e.column) for e in report.errors] == [(3, ""), (4, "")]
    assert report.valid == 1


@pytest.mark.parametrize(
    ("name", "content", "row", "message"),
    [
        ("empty.csv", b"", 0, "is empty"),
        ("blank.csv", b"\n\n", 0, "no header row"),
        ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, 0, ".xls"),
        ("notes.docx", b"hello", 0, "only CSV and XLSX"),
        ("fake.xlsx", b"name\nKim\n", 0, "not an XLSX"),
        ("binary.csv", b"name\n\x00\x01\x02", 2, "binary"),  # the row of the NUL byte
        ("broken.xlsx", b"PK\x03\x04garbage", 0, "not a readable XLSX"),
    ],
)
def test_files_that_are_not_spreadsheets_are_refused(
    analyst, tmp_path, vocabularies, name, content, row, message
):
    path = tmp_path / name
    path.write_bytes(content)
    report = import_file(analyst, "persons", path)
    assert report.imported == 0 and len(report.errors) == 1
    assert report.errors[0].row == row and message in report.errors[0].message


def test_a_file_over_the_size_limit_is_refused(analyst, persons_csv, settings, vocabularies):
    settings.SILLOK_MAX_UPLOAD_BYTES = 10
    report = import_file(analyst, "persons", persons_csv)
    assert "cannot be imported" in report.errors[0].message and report.imported == 0


def test_too_many_rows_are_refused(analyst, persons_csv, monkeypatch, vocabularies):
    monkeypatch.setattr("sillok.records.spreadsheets.MAX_ROWS", 2)
    report = import_file(analyst, "persons", persons_csv)
    assert "more than 2 rows" in report.errors[0].message


def test_formulas_are_read_as_values_and_never_evaluated(analyst, tmp_path, vocabularies):
    path = tmp_path / "formula.xlsx"
    write_xlsx(path, [["name", "notes"], ["Formula person", "=1+1"]])
    report = import_file(analyst, "persons", path)
    # openpyxl stores no computed value: the cell reads as empty, never as 2 or as "=1+1".
    assert report.imported == 1 and Person.objects.get().notes == ""


def test_users_without_the_import_permission_are_refused(
    manager, partner, outsider, persons_csv, vocabularies
):
    for user in (manager, partner, outsider):
        with pytest.raises(RecordActionRefused):
            import_file(user, "persons", persons_csv)
    assert Person.objects.count() == 0


def test_duplicate_links_in_the_file_or_with_existing_links_are_row_errors(
    analyst, make_record, tmp_path
):
    a = make_record(analyst, "person", name="A")
    b = make_record(analyst, "person", name="B")
    make_record(
        analyst, "link", **{"from": f"P-{a.pk}", "to": f"P-{b.pk}", "relation": "sibling_of"}
    )
    path = write_csv(
        tmp_path / "links.csv",
        [
            ["from", "to", "relation", "comment"],
            [f"P-{a.pk}", f"P-{b.pk}", "sibling_of", ""],
            [f"P-{b.pk}", f"P-{a.pk}", "associate_of", "one"],
            [f"P-{b.pk}", f"P-{a.pk}", "associate_of", "two"],
            [f"P-{a.pk}", f"P-{a.pk}", "associate_of", ""],
        ],
    )
    report = import_file(analyst, "links", path)
    messages = {e.row: (e.column, e.message) for e in report.errors}
    assert messages[2] == ("relation", "this link already exists")
    assert "row 3 makes the same link" in messages[4][1]
    assert "itself" in messages[5][1]
    assert report.valid == 1 and report.imported == 0


def test_a_header_without_rows_imports_nothing_and_is_no_error(analyst, tmp_path, vocabularies):
    path = write_csv(tmp_path / "header.csv", [PERSON_HEADER, ["", "", "", "", "", "", ""]])
    report = import_file(analyst, "persons", path)
    assert report.ok and (report.rows, report.imported) == (0, 0)
    assert report.as_json() == {
        "imported": 0,
        "errors": [],
        "warnings": [],
        "kind": "person",
        "file": "header.csv",
        "rows": 0,
        "valid": 0,
        "skipped": 0,
        "dry_run": False,
        "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
        "imported_before": [],
    }
