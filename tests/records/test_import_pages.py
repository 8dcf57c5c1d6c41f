"""The import pages: upload → column mapping → dry-run report → import → result, with saved
mappings, skipping bad rows, the upload kept only in this session, and refusals."""

from __future__ import annotations

import io
import os
import time
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from sillok.records import import_uploads
from sillok.records.models import Event, ImportMapping, Person

pytestmark = pytest.mark.django_db

ROSTER = (
    "성명,한글,출생,비고\n"
    "Kim Chol-su,김철수,1968,note\n"
    "Ri Yong-hui,리영희,1975,\n"
    "Pak Myong-nam,박명남,19x5,\n"
).encode("cp949")


@pytest.fixture
def analyst_client(repo_home, client_for, analyst, vocabularies):
    return client_for(analyst)


def upload(client, content: bytes = ROSTER, name: str = "명단.csv", kind: str = "person"):
    return client.post(
        "/records/import/", {"kind": kind, "file": SimpleUploadedFile(name, content)}
    )


def key_of(response) -> str:
    assert response.status_code == 302, response.content
    return response["Location"].rstrip("/").rsplit("/", 1)[-1]


def test_the_whole_flow_from_upload_to_imported_persons(analyst_client, analyst):
    assert analyst_client.get("/records/import/").status_code == 200
    key = key_of(upload(analyst_client))
    stored = list(import_uploads.upload_dir().glob(f"{key}*"))
    assert len(stored) == 1 and oct(stored[0].stat().st_mode & 0o777) == "0o600"
    page = analyst_client.get(f"/records/import/{key}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "성명" in html and "Kim Chol-su" in html  # columns and their first values
    mapping = {
        "column-0": "name",
        "column-1": "name_hangul",
        "column-2": "birth_year",
        "column-3": "",
        "save_as": "NGO roster",
    }
    dry_run = analyst_client.post(f"/records/import/{key}/", mapping)
    assert dry_run.status_code == 200
    report = dry_run.context["report"]
    assert report.dry_run and (report.rows, report.valid) == (3, 2)
    assert [(e.row, e.column) for e in report.errors] == [(4, "출생")]
    assert "19x5" in dry_run.content.decode() and Person.objects.count() == 0
    assert dry_run.context["can_skip"] and not dry_run.context["can_import"]
    assert ImportMapping.objects.get(name="NGO roster").columns["성명"] == "name"
    # Import everything: refused, the file has errors; nothing is imported.
    refused = analyst_client.post(f"/records/import/{key}/run/")
    assert refused.status_code == 400 and Person.objects.count() == 0
    done = analyst_client.post(f"/records/import/{key}/run/", {"skip_bad_rows": "1"})
    assert done.status_code == 302 and done["Location"].endswith(f"/records/import/{key}/done/")
    assert Person.objects.count() == 2
    assert set(Person.objects.values_list("created_by", flat=True)) == {analyst.pk}
    result = analyst_client.get(done["Location"])
    assert result.status_code == 200 and "/records/persons/" in result.content.decode()
    assert result.context["result"]["skipped"] == 1
    # The stored file is gone and the key no longer works.
    assert not list(import_uploads.upload_dir().glob(f"{key}*"))
    assert analyst_client.get(f"/records/import/{key}/").status_code == 404


def test_a_clean_file_imports_all_its_rows(analyst_client):
    content = "title,date,place\nArrest,2015-03,회령시\nTransfer,2015-04,KP-09\n".encode()
    key = key_of(upload(analyst_client, content, "events.csv", kind="events"))
    dry_run = analyst_client.post(
        f"/records/import/{key}/", {"column-0": "title", "column-1": "date", "column-2": "place"}
    )
    assert dry_run.context["can_import"] and dry_run.context["report"].valid == 2
    assert Event.objects.count() == 0
    done = analyst_client.post(f"/records/import/{key}/run/")
    assert done.status_code == 302 and Event.objects.count() == 2


def test_a_saved_mapping_fills_in_the_mapping_step(analyst_client, analyst):
    from sillok.records.mappings import do_save_mapping

    do_save_mapping(analyst, "person", "roster", {"성명": "name", "출생": "birth_year", "비고": ""})
    key = key_of(upload(analyst_client))
    page = analyst_client.get(f"/records/import/{key}/?mapping=roster")
    chosen = {c["title"]: c["field"] for c in page.context["columns"]}
    # 한글, which the mapping leaves out, gets its default field (records/aliases.py).
    assert chosen == {"성명": "name", "한글": "name_hangul", "출생": "birth_year", "비고": ""}
    missing = analyst_client.get(f"/records/import/{key}/?mapping=/etc/passwd")
    assert missing.status_code == 400 and "no saved mapping" in missing.content.decode()


def test_header_problems_offer_no_import_button(analyst_client):
    key = key_of(upload(analyst_client))
    dry_run = analyst_client.post(
        f"/records/import/{key}/", {"column-0": "", "column-1": "name_hangul"}
    )
    report = dry_run.context["report"]
    assert {e.row for e in report.errors} == {1}
    assert not dry_run.context["can_import"] and not dry_run.context["can_skip"]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("notes.pdf", b"%PDF-1.4", "choose a .csv or .xlsx file"),
        ("empty.csv", b"", "is empty"),
        ("fake.xlsx", b"name\nKim\n", "not an XLSX"),
    ],
)
def test_files_that_are_not_spreadsheets_are_refused_at_upload(
    analyst_client, name, content, message
):
    response = upload(analyst_client, content, name)
    assert response.status_code == 400 and message in response.content.decode()
    assert not list(import_uploads.upload_dir().iterdir())


def test_another_users_upload_key_is_not_found(analyst_client, client_for, documentation_officer):
    key = key_of(upload(analyst_client))
    other = client_for(documentation_officer)
    assert other.get(f"/records/import/{key}/").status_code == 404
    assert other.post(f"/records/import/{key}/run/", {"skip_bad_rows": "1"}).status_code == 404
    assert other.get("/records/import/..%2F..%2Fkeys/").status_code == 404


def test_uploads_older_than_a_day_are_removed(analyst_client):
    key = key_of(upload(analyst_client))
    path = next(import_uploads.upload_dir().glob(f"{key}*"))
    old = time.time() - 2 * 24 * 3600
    os.utime(path, (old, old))
    assert import_uploads.purge_expired() == 1 and not path.exists()
    assert analyst_client.get(f"/records/import/{key}/").status_code == 404


@pytest.mark.parametrize("persona", ["manager", "partner", "auditor", "legal_expert", "outsider"])
def test_users_who_may_not_import_are_refused_every_import_page(
    persona, personas, client_for, repo_home
):
    client = client_for(personas[persona])
    assert client.get("/records/import/").status_code == 403
    assert upload(client).status_code == 403
    assert client.get("/records/import/somekey000000000000/").status_code == 403
    assert client.post("/records/import/somekey000000000000/run/").status_code == 403
    assert Person.objects.count() == 0


def test_an_xlsx_upload_goes_through_the_same_steps(analyst_client):
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["name", "sex"])
    book.active.append(["Han Kum-sun", "female"])
    buffer = io.BytesIO()
    book.save(buffer)
    key = key_of(upload(analyst_client, buffer.getvalue(), "persons.xlsx"))
    page = analyst_client.get(f"/records/import/{key}/")
    assert [c["field"] for c in page.context["columns"]] == ["name", "sex"]
    analyst_client.post(f"/records/import/{key}/", {"column-0": "name", "column-1": "sex"})
    assert analyst_client.post(f"/records/import/{key}/run/").status_code == 302
    assert Person.objects.get().sex == "female"


def test_the_upload_folder_is_inside_the_home(repo_home):
    assert import_uploads.upload_dir().is_relative_to(Path(repo_home))


def test_a_csv_that_is_not_valid_text_is_refused_at_upload_naming_its_row(analyst_client):
    content = b"name,sex\nKim,male\n\xff\xfe\xc3\x28 Person,male\n"
    response = upload(analyst_client, content, "persons.csv")
    html = response.content.decode()
    assert response.status_code == 400
    assert "Row 3: not valid UTF-8 text at byte offset 18 (line 3)" in html
    assert not list(import_uploads.upload_dir().iterdir()) and Person.objects.count() == 0


def test_a_quote_left_open_is_an_error_of_its_row_in_the_dry_run(analyst_client):
    content = b'name,sex\n"Kim Chol-su,male\nRi Yong-hui",female\nPak,male\n'
    key = key_of(upload(analyst_client, content, "persons.csv"))
    dry_run = analyst_client.post(
        f"/records/import/{key}/", {"column-0": "name", "column-1": "sex"}
    )
    report = dry_run.context["report"]
    assert [(e.row, e.column) for e in report.errors] == [(2, "name")]
    assert "line break" in dry_run.content.decode()
    assert analyst_client.post(f"/records/import/{key}/run/").status_code == 400
    assert Person.objects.count() == 0


def test_a_file_imported_before_is_imported_again_only_when_confirmed(analyst_client):
    content = b"title,date\nArrest,2015-03\nTransfer,2015-04\n"
    mapping = {"column-0": "title", "column-1": "date"}
    first = key_of(upload(analyst_client, content, "events.csv", kind="events"))
    assert not analyst_client.post(f"/records/import/{first}/", mapping).context["report"].earlier
    assert analyst_client.post(f"/records/import/{first}/run/").status_code == 302
    key = key_of(upload(analyst_client, content, "events-copy.csv", kind="events"))
    dry_run = analyst_client.post(f"/records/import/{key}/", mapping)
    html = dry_run.content.decode()
    assert dry_run.status_code == 200 and dry_run.context["can_import"]
    assert "imported before" in html and "by analyst: 2 records from events.csv" in html
    assert 'name="again"' in html
    refused = analyst_client.post(f"/records/import/{key}/run/")
    assert refused.status_code == 400 and Event.objects.count() == 2
    assert (
        "imported before" in refused.content.decode() and 'name="again"' in refused.content.decode()
    )
    done = analyst_client.post(f"/records/import/{key}/run/", {"again": "1"})
    assert done.status_code == 302 and Event.objects.count() == 4
