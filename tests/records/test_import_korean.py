"""A Korean team's spreadsheet imports without a mapping: Korean column titles (성명, 성별,
출생연도, 출신지, 상태 …, with hints such as "성별 (남/여)" and a 번호 column), Korean values
(남/여, 구금, 사망 …), full-width letters and Korean dates, in XLSX and CSV; rows that repeat
another or may be the same person are warnings and both go in; the summary counts agree
with their nouns, in English and Korean; the CLI takes the same sheet."""

from __future__ import annotations

import csv
import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import translation
from openpyxl import Workbook

from sillok.records.importing import import_file
from sillok.records.importing import summary_line as summary
from sillok.records.kinds import get_kind
from sillok.records.mappings import match_columns, suggested_mapping
from sillok.records.models import Act, Event, Person

pytestmark = pytest.mark.django_db

HEADER = ["번호", "성명", "한글 이름", "성별 (남/여)", "출생연도", "출신지", "상태", "비고"]
ROWS = [
    ["1", "Kim Chol-su", "김철수", "남", "1968", "회령", "구금", ""],
    ["2", "Ri Yong-hui", "리영희", "여", "1975년생", "KP-09", "행방불명", "탈북 후 송환"],
    ["3", "Pak Myong-nam", "박명남", "남성", "1970~1972", "", "사망", ""],
    ["4", "Choe Sun-ok", "최순옥", "여성", "", "Hoeryong", "석방", ""],
    ["5", "Jo Myong-chol", "조명철", "M", "１９８０", "", "미상", ""],
    ["6", "Han Ok-hui", "한옥희", "Ｆ", "", "", "실종", ""],
]
EXPECTED = {
    "Kim Chol-su": ("male", 1968, "detained"),
    "Ri Yong-hui": ("female", 1975, "missing"),
    "Pak Myong-nam": ("male", 1970, "deceased"),
    "Choe Sun-ok": ("female", None, "released"),
    "Jo Myong-chol": ("male", 1980, "unknown"),
    "Han Ok-hui": ("female", None, "missing"),
}


def write_csv(path: Path, rows: list[list[str]], encoding: str = "utf-8-sig") -> Path:
    with path.open("w", encoding=encoding, newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


def write_xlsx(path: Path, rows: list[list]) -> Path:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    book.save(path)
    return path


@pytest.mark.parametrize("fmt", ["xlsx", "csv", "cp949"])
def test_a_korean_sheet_imports_every_row_with_the_right_codes(
    analyst, tmp_path, fmt, vocabularies
):
    if fmt == "xlsx":
        path = write_xlsx(tmp_path / "명단.xlsx", [HEADER, *ROWS])
    else:
        # Korean Excel's CSV is CP949, which has no full-width F: plain letters there.
        rows = [[c.replace("Ｆ", "F") for c in r] for r in ROWS] if fmt == "cp949" else ROWS
        encoding = "cp949" if fmt == "cp949" else "utf-8-sig"
        path = write_csv(tmp_path / "명단.csv", [HEADER, *rows], encoding)
    report = import_file(analyst, "persons", path)
    assert report.errors == [] and report.imported == len(ROWS)
    assert report.columns["번호"] == "" and report.columns["성별 (남/여)"] == "sex"
    got = {p.name: (p.sex, p.birth_year_from, p.status) for p in Person.objects.all()}
    assert got == EXPECTED
    kim = Person.objects.get(name="Kim Chol-su")
    assert kim.name_hangul == "김철수" and kim.origin.label_ko == "회령시"
    assert Person.objects.get(name="Choe Sun-ok").origin == kim.origin  # Hoeryong, the city
    assert Person.objects.get(name="Ri Yong-hui").notes == "탈북 후 송환"


@pytest.mark.parametrize(
    ("kind", "header", "fields"),
    [
        (
            "persons",
            ["이름", "성별", "생년", "고향", "상태", "직업", "메모", "민감도"],
            ["name", "sex", "birth_year", "origin", "status", "occupation", "notes", "sensitivity"],
        ),
        ("persons", ["성명", "출생년도", "출신 지역"], ["name", "birth_year", "origin"]),
        ("events", ["제목", "날짜", "장소", "설명"], ["title", "date", "place", "description"]),
        ("events", ["사건명", "일자", "내용"], ["title", "date", "description"]),
        (
            "acts",
            ["사건", "피해자", "유형", "날짜", "장소", "피해자 상태"],
            ["event", "victim", "violation_type", "date", "place", "victim_status"],
        ),
        (
            "involvements",
            ["침해", "가해자", "부대", "관여 정도"],
            ["act", "perpetrator", "organization", "degree"],
        ),
        (
            "organizations",
            ["기관명", "유형", "상위 기관", "소재지"],
            ["name", "kind", "parent", "place"],
        ),
        ("sources", ["출처명", "유형", "신뢰도"], ["name", "source_type", "reliability"]),
        (
            "information",
            ["출처", "사건", "관계", "신빙성", "내용"],
            ["source", "event", "connection", "credibility", "description"],
        ),
        (
            "links",
            ["기록1", "기록2", "관계", "확실성", "비고"],
            ["from", "to", "relation", "certainty", "comment"],
        ),
        (
            "testimonies",
            ["제목", "증인", "면담일", "면담 장소", "동의 여부"],
            ["title", "witness", "date", "place", "consent_given"],
        ),
        (
            "persons",
            ["Name", "Gender", "Year of birth", "Hometown"],
            ["name", "sex", "birth_year", "origin"],
        ),
    ],
)
def test_the_column_titles_korean_teams_write_map_without_a_mapping(kind, header, fields):
    by_position, problems = match_columns(get_kind(kind).name, header)
    assert problems == [] and [by_position[i] for i in range(len(header))] == fields
    assert list(suggested_mapping(get_kind(kind).name, header).values()) == fields


def test_korean_events_and_acts_import_with_korean_dates_and_terms(analyst, tmp_path):
    events = write_xlsx(
        tmp_path / "사건.xlsx",
        [
            ["제목", "날짜", "장소", "설명"],
            ["회령 공개처형", "2014년 3월 12일", "회령시", "목격 진술"],
        ],
    )
    assert import_file(analyst, "events", events).imported == 1
    event = Event.objects.get()
    assert (str(event.date_start), event.date_precision) == ("2014-03-12", "day")
    victim = Person.objects.create(name="Kim", created_by=analyst)
    acts = write_csv(
        tmp_path / "행위.csv",
        [
            ["사건", "피해자", "유형", "날짜", "피해자 상태"],
            [f"E-{event.pk}", f"P-{victim.pk}", "구타", "2014. 3.", "사망"],
        ],
    )
    report = import_file(analyst, "acts", acts)
    assert report.errors == [] and report.imported == 1
    act = Act.objects.get()
    assert act.violation_type.code == "torture.beating" and act.victim_status == "deceased"
    assert act.date_precision == "month"


def test_an_unknown_value_is_an_error_listing_the_accepted_words(analyst, tmp_path, vocabularies):
    path = write_csv(tmp_path / "bad.csv", [["성명", "성별", "상태"], ["Kim", "남녀", "사라짐"]])
    with translation.override("ko"):
        report = import_file(analyst, "persons", path)
    by_column = {error.column: error.message for error in report.errors}
    assert report.imported == 0 and set(by_column) == {"성별", "상태"}
    assert "다음 중 하나" in by_column["성별"] and "남성 (male)" in by_column["성별"]
    assert "구금 (detained)" in by_column["상태"] and "'사라짐'" in by_column["상태"]


def test_an_ambiguous_place_is_refused_with_its_candidates(analyst, tmp_path, vocabularies):
    path = write_csv(tmp_path / "p.csv", [["성명", "출신지"], ["Kim", "Unsan"], ["Ri", "운산군"]])
    report = import_file(analyst, "persons", path)
    assert report.imported == 0 and [(e.row, e.column) for e in report.errors] == [(2, "출신지")]
    message = report.errors[0].message
    assert "운산군 / Unsan County" in message and "은산군 / Unsan County" in message
    assert message.count("geonames:") == 2 and "평안북도" in message


def test_identical_rows_are_warnings_and_both_are_imported(analyst, tmp_path, vocabularies):
    path = write_csv(
        tmp_path / "same.csv",
        [
            ["성명", "성별", "출생연도", "출신지"],
            ["Kim Chol-su", "남", "1968", "회령"],
            ["Kim Chol-su", "남", "1968", "회령"],  # row 3: the same throughout
            ["kim chol-su", "male", "1968", "KP-09"],  # row 4: the same person perhaps
            ["Kim Chol-su", "여", "1968", ""],  # another sex: no warning
        ],
    )
    report = import_file(analyst, "persons", path)
    assert report.errors == [] and report.imported == 4 and Person.objects.count() == 4
    assert [(w.row, w.column) for w in report.warnings] == [(3, ""), (4, "")]
    assert "repeats row 2" in report.warnings[0].message
    assert "same name, sex and year of birth as row 2" in report.warnings[1].message
    assert report.as_json()["warnings"][0]["row"] == 3


def test_the_summary_counts_rows_in_words_that_agree_in_english_and_korean(
    analyst, tmp_path, vocabularies
):
    kind = get_kind("persons")
    bad = ["Kim", "1968", "19x5"]
    one = write_csv(tmp_path / "one.csv", [["성명", "출생연도"], bad[:2], ["Ri", bad[2]]])
    two = write_csv(tmp_path / "two.csv", [["성명", "출생연도"], bad[:2], ["Ri", "x"], ["O", "y"]])
    first = import_file(analyst, "persons", one, skip_bad_rows=True)
    second = import_file(analyst, "persons", two, skip_bad_rows=True, again=True)
    with translation.override("en"):
        assert summary(first, kind) == "imported 1 person from one.csv, skipping 1 bad row"
        assert summary(second, kind) == "imported 1 person from two.csv, skipping 2 bad rows"
    with translation.override("ko"):
        assert (
            summary(second, kind) == "two.csv에서 인물 1건을 가져왔습니다, 오류가 있는 2행은 건너뜀"
        )
    dry = import_file(analyst, "persons", two, dry_run=True, again=True)
    with translation.override("en"):
        assert summary(dry, kind) == "two.csv: 2 errors in 2 of 3 rows; nothing imported"


def test_the_cli_imports_a_korean_sheet_and_prints_warnings(analyst, tmp_path, vocabularies):
    path = write_xlsx(tmp_path / "명단.xlsx", [HEADER, *ROWS, ROWS[0]])
    out = StringIO()
    call_command("import", "persons", str(path), "--as", "analyst", "--json", stdout=out)
    report = json.loads(out.getvalue())
    assert report["imported"] == len(ROWS) + 1 and report["errors"] == []
    assert report["warnings"] == [
        {"row": 8, "column": "", "message": report["warnings"][0]["message"]}
    ]
    assert Person.objects.filter(name="Kim Chol-su", sex="male", status="detained").count() == 2
    again = StringIO()
    call_command("import", "persons", str(path), "--as", "analyst", "--again", stdout=again)
    lines = again.getvalue().splitlines()
    assert lines[0].startswith("row 8: warning: repeats row 2")
    assert lines[-1] == "imported 7 persons from 명단.xlsx"


def test_users_who_may_not_import_are_refused_whatever_the_values(manager, outsider, tmp_path):
    from sillok.records.access import RecordActionRefused

    path = write_csv(tmp_path / "p.csv", [["성명", "성별"], ["Kim", "남"]])
    for user in (manager, outsider):
        with pytest.raises(RecordActionRefused):
            import_file(user, "persons", path)
    assert Person.objects.count() == 0
