"""The import pages with a Korean sheet: the mapping step is pre-filled from the Korean column
titles, and the dry run lists rows that repeat another as warnings and offers to skip bad
rows in words that agree with their counts, in Korean."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from sillok.records.models import Person

pytestmark = pytest.mark.django_db

SHEET = (
    "번호,성명,성별,출생연도,출신지,상태\n"
    "1,김철수,남,1968,회령,구금\n"
    "2,김철수,남,1968,회령,구금\n"
    "3,리영희,여,19x5,,행방불명\n"
).encode("cp949")


@pytest.fixture
def korean_client(repo_home, client_for, analyst, vocabularies):
    client = client_for(analyst)
    client.post("/i18n/setlang/", {"language": "ko", "next": "/"})
    return client


def test_a_korean_sheet_goes_through_the_pages_with_warnings_and_plural_counts(korean_client):
    uploaded = korean_client.post(
        "/records/import/", {"kind": "person", "file": SimpleUploadedFile("명단.csv", SHEET)}
    )
    assert uploaded.status_code == 302
    key = uploaded["Location"].rstrip("/").rsplit("/", 1)[-1]
    mapping_page = korean_client.get(f"/records/import/{key}/")
    assert mapping_page.status_code == 200
    html = mapping_page.content.decode()
    assert "성명" in html and "김철수" in html
    wanted = ["", "name", "sex", "birth_year", "origin", "status"]
    form = {f"column-{i}": field for i, field in enumerate(wanted)}
    dry_run = korean_client.post(f"/records/import/{key}/", form)
    assert dry_run.status_code == 200
    report = dry_run.context["report"]
    assert [(e.row, e.column) for e in report.errors] == [(4, "출생연도")]
    assert [w.row for w in report.warnings] == [3]
    page = dry_run.content.decode()
    assert "경고" in page and "2행과 값이 모두 같습니다" in page
    assert "오류 없는 2행 가져오기, 오류가 있는 1행은 건너뜀" in page
    done = korean_client.post(f"/records/import/{key}/run/", {"skip_bad_rows": "1"})
    assert done.status_code == 302
    assert list(Person.objects.values_list("sex", "status")) == [("male", "detained")] * 2


def test_the_outsider_cannot_reach_the_import_pages(client_for, outsider, repo_home):
    client = client_for(outsider)
    response = client.post(
        "/records/import/", {"kind": "person", "file": SimpleUploadedFile("명단.csv", SHEET)}
    )
    assert response.status_code in {302, 403, 404} and Person.objects.count() == 0
