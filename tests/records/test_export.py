"""Exporting records (records/exporting.py) to CSV, XLSX and JSON: what each persona may see,
the importer's column forms (so an export re-imports), withdrawn records, the audit entry, a
fixed number of queries, and the export page."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from django.db import connection
from openpyxl import load_workbook

from sillok.custody.models import AuditEntry
from sillok.records.access import RecordActionRefused
from sillok.records.consent import Share
from sillok.records.exporting import do_export_records, export_columns
from sillok.records.importing import import_file
from sillok.records.models import Event, Person
from sillok.records.services import do_withdraw_record

pytestmark = pytest.mark.django_db


def export(user, kind: str, fmt: str, **options) -> bytes:
    out = io.BytesIO()
    options.setdefault("share", Share("internal_analysis"))
    do_export_records(user, kind, fmt, out, **options)
    return out.getvalue()


def csv_rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def xlsx_rows(data: bytes) -> list[dict[str, object]]:
    sheet = load_workbook(io.BytesIO(data), read_only=True).worksheets[0]
    header, *rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(header, row, strict=True)) for row in rows]


@pytest.fixture
def persons(documentation_officer, make_record):
    """Three persons of rising sensitivity."""
    return [
        make_record(
            documentation_officer,
            "person",
            name="Kim Chol-su",
            name_hangul="김철수",
            aliases="Chol; 철이",
            sex="male",
            birth_year="1968..1970",
            origin="회령시",
            status="detained",
            roles="victim; witness",
            sensitivity="internal",
        ),
        make_record(
            documentation_officer,
            "person",
            name="Ri Yong-hui",
            name_hangul="리영희",
            birth_year="1975",
            origin="KP-09",
            songbun="core",
            sensitivity="restricted",
        ),
        make_record(
            documentation_officer,
            "person",
            name="Protected witness",
            sensitivity="strictly_confidential",
        ),
    ]


def test_csv_has_the_importer_columns_and_values_in_the_importer_forms(
    documentation_officer, persons
):
    rows = csv_rows(export(documentation_officer, "persons", "csv"))
    assert list(rows[0]) == export_columns("person")
    assert [r["reference"] for r in rows] == [f"P-{p.pk}" for p in persons]
    kim = rows[0]
    assert kim["aliases"] == "Chol; 철이" and kim["roles"] == "victim; witness"
    assert kim["birth_year"] == "1968..1970" and kim["origin"] == persons[0].origin.code
    assert kim["sex"] == "male" and kim["review_status"] == "draft" and kim["created_at"]
    assert rows[1]["birth_year"] == "1975" and rows[1]["origin"] == "KP-09"
    assert rows[1]["songbun"] == "core"
    entry = AuditEntry.objects.get(action="record.exported")
    assert entry.details == {
        "format": "csv",
        "records": 3,
        "include_withdrawn": False,
        "purpose": "internal_analysis",
        "recipient": "",
        "left_out": 0,
        "left_out_reasons": {},
    }
    assert entry.actor_id == documentation_officer.pk


def test_xlsx_and_json_hold_the_same_records(documentation_officer, persons):
    workbook = xlsx_rows(export(documentation_officer, "persons", "xlsx"))
    assert [r["name"] for r in workbook] == ["Kim Chol-su", "Ri Yong-hui", "Protected witness"]
    assert workbook[0]["aliases"] == "Chol; 철이"
    document = json.loads(export(documentation_officer, "persons", "json"))
    assert document["purpose"] == "internal_analysis" and document["left_out"] == []
    data = document["records"]
    assert isinstance(data, list) and len(data) == 3
    assert data[0]["aliases"] == ["Chol", "철이"] and data[0]["name_hangul"] == "김철수"
    assert data[2]["origin"] is None and data[2]["sensitivity"] == "strictly_confidential"
    assert json.loads(export(documentation_officer, "events", "json"))["records"] == []


def test_each_persona_exports_only_what_it_may_see(
    documentation_officer, analyst, manager, legal_expert, persons
):
    assert len(csv_rows(export(documentation_officer, "persons", "csv"))) == 3
    assert len(csv_rows(export(legal_expert, "persons", "csv"))) == 3
    # Not cleared for strictly confidential records: the protected witness is left out.
    assert [r["name"] for r in csv_rows(export(analyst, "persons", "csv"))] == [
        "Kim Chol-su",
        "Ri Yong-hui",
    ]
    assert len(csv_rows(export(manager, "persons", "csv"))) == 2


@pytest.mark.parametrize("persona", ["partner", "outsider", "auditor", "vault_keeper"])
def test_users_without_the_export_permission_are_refused(persona, personas, persons):
    with pytest.raises(RecordActionRefused):
        export(personas[persona], "persons", "csv")
    assert not AuditEntry.objects.filter(action="record.exported").exists()


def test_references_to_records_the_user_may_not_see_are_left_out(
    documentation_officer, analyst, make_record, persons
):
    event = make_record(documentation_officer, "event", title="Detention", sensitivity="internal")
    make_record(
        documentation_officer,
        "act",
        event=f"E-{event.pk}",
        victim=f"P-{persons[2].pk}",
        violation_type="torture",
        sensitivity="internal",
    )
    make_record(
        documentation_officer,
        "link",
        **{
            "from": f"P-{persons[0].pk}",
            "to": f"P-{persons[2].pk}",
            "relation": "sibling_of",
            "sensitivity": "internal",
        },
    )
    make_record(
        documentation_officer,
        "link",
        **{
            "from": f"P-{persons[0].pk}",
            "to": f"E-{event.pk}",
            "relation": "witnessed",
            "sensitivity": "internal",
        },
    )
    officer_acts = csv_rows(export(documentation_officer, "acts", "csv"))
    assert officer_acts[0]["victim"] == f"P-{persons[2].pk}"
    analyst_acts = csv_rows(export(analyst, "acts", "csv"))
    assert analyst_acts[0]["victim"] == "" and analyst_acts[0]["event"] == f"E-{event.pk}"
    assert len(csv_rows(export(documentation_officer, "links", "csv"))) == 2
    links = csv_rows(export(analyst, "links", "csv"))
    assert [(r["from"], r["to"], r["relation"]) for r in links] == [
        (f"P-{persons[0].pk}", f"E-{event.pk}", "witnessed")
    ]


def test_withdrawn_records_are_left_out_unless_asked_for(documentation_officer, persons):
    do_withdraw_record(documentation_officer, persons[1], reason="duplicate of another person")
    assert len(csv_rows(export(documentation_officer, "persons", "csv"))) == 2
    rows = csv_rows(export(documentation_officer, "persons", "csv", include_withdrawn=True))
    assert len(rows) == 3 and rows[1]["withdrawn_at"] and not rows[0]["withdrawn_at"]


def test_persons_round_trip_through_csv(documentation_officer, persons, tmp_path):
    path = tmp_path / "persons.csv"
    path.write_bytes(export(documentation_officer, "persons", "csv"))
    report = import_file(documentation_officer, "persons", path)
    assert report.errors == [] and report.imported == 3
    rows = csv_rows(export(documentation_officer, "persons", "csv"))
    ignore = {"reference", "created_at"}
    before = [{k: v for k, v in r.items() if k not in ignore} for r in rows[:3]]
    after = [{k: v for k, v in r.items() if k not in ignore} for r in rows[3:]]
    assert after == before


def test_events_round_trip_through_xlsx_with_every_date_precision(
    documentation_officer, make_record, tmp_path
):
    for title, date in [
        ("day", "2014-03-12"),
        ("month", "2015-03"),
        ("year", "2016"),
        ("approximate", "~2017"),
        ("range", "2015-03..2016-06"),
        ("none", ""),
        ("open range", "..2012"),
    ]:
        make_record(
            documentation_officer,
            "event",
            title=title,
            date=date,
            place="회령시",
            description='=HYPERLINK("http://example.org")',
        )
    path = tmp_path / "events.xlsx"
    path.write_bytes(export(documentation_officer, "events", "xlsx"))
    assert import_file(documentation_officer, "events", path).imported == 7
    pairs = {}
    for event in Event.objects.order_by("pk"):
        pairs.setdefault(event.title, []).append(
            (
                event.date_start,
                event.date_end,
                event.date_precision,
                event.place_id,
                event.description,
            )
        )
    assert all(len(v) == 2 and v[0] == v[1] for v in pairs.values()), pairs


def test_csv_cells_that_look_like_formulas_are_guarded_and_read_back(
    documentation_officer, make_record, tmp_path
):
    make_record(
        documentation_officer,
        "person",
        name="=cmd|' /C calc'!A0",
        notes="-5 days",
        aliases=["Kim, the elder"],
    )
    data = export(documentation_officer, "persons", "csv")
    row = csv_rows(data)[0]
    assert row["name"] == "'=cmd|' /C calc'!A0" and row["notes"] == "'-5 days"
    path = tmp_path / "guarded.csv"
    path.write_bytes(data)
    assert import_file(documentation_officer, "persons", path).imported == 1
    copy = Person.objects.order_by("pk").last()
    assert copy.name == "=cmd|' /C calc'!A0" and copy.notes == "-5 days"
    assert copy.aliases == ["Kim, the elder"]
    sheet = load_workbook(io.BytesIO(export(documentation_officer, "persons", "xlsx")))
    cell = sheet.worksheets[0]["B2"]
    assert cell.data_type == "s" and cell.value.startswith("=cmd")


def test_an_export_takes_a_fixed_number_of_queries(
    documentation_officer, make_record, django_assert_max_num_queries
):
    event = make_record(documentation_officer, "event", title="Detention")
    for number in range(30):
        victim = make_record(documentation_officer, "person", name=f"Victim {number}")
        make_record(
            documentation_officer,
            "act",
            event=f"E-{event.pk}",
            victim=f"P-{victim.pk}",
            violation_type="torture",
            place="회령시",
        )
    # 12 before the consent rule, which reads the testimonies' consent once per export; on
    # PostgreSQL the audit entry's head check is a statement of its own (custody/audit.py).
    with django_assert_max_num_queries(13 if connection.vendor == "sqlite" else 14):
        rows = csv_rows(export(documentation_officer, "acts", "csv"))
    assert len(rows) == 30


# --- the export page ------------------------------------------------------------------------


def test_the_export_page_checks_consent_then_downloads_a_file(
    reauthenticated_client_for, documentation_officer, persons, repo_home
):
    client = reauthenticated_client_for(documentation_officer)
    assert client.get("/records/export/").status_code == 200
    form = {"kind": "person", "format": "csv", "purpose": "internal_analysis"}
    check = client.post("/records/export/", form)
    assert check.status_code == 200 and b"Nothing is left out" in check.content
    response = client.post("/records/export/", {**form, "download": "records"})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="sillok-persons-')
    assert response["Content-Type"].startswith("text/csv")
    rows = csv_rows(b"".join(response.streaming_content))
    assert len(rows) == 3
    bad = client.post("/records/export/", {**form, "format": "pdf", "download": "records"})
    assert bad.status_code == 400
    assert not list((Path(repo_home) / "tmp").glob("tmp*"))


def test_the_export_page_refuses_those_who_may_not_export(
    reauthenticated_client_for, personas, repo_home
):
    for persona in ("partner", "outsider", "auditor"):
        client = reauthenticated_client_for(personas[persona])
        assert client.get("/records/export/").status_code == 403
        form = {"kind": "person", "format": "csv", "purpose": "internal_analysis"}
        assert client.post("/records/export/", {**form, "download": "records"}).status_code == 403
