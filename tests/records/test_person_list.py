"""The persons list (records/views.py): beside the name, its romanized form (as given, or
generated from the Hangul), not the Hangul name a second time."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

pytestmark = pytest.mark.django_db

PERSONS = "/records/persons/"


def _rows(body: str) -> list[list[str]]:
    """The text of each cell of the list's rows, tags stripped."""
    table = body.split('<table class="table records">', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", table, flags=re.S)
    return [
        [
            re.sub(r"<[^>]+>", "", cell).strip()
            for cell in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, flags=re.S)
        ]
        for row in rows
    ]


def test_the_persons_list_shows_a_romanized_name_column(client_for, analyst, make_record):
    make_record(analyst, "person", name="김철수", name_hangul="김철수")
    make_record(analyst, "person", name="리선희", name_latin="Ri Son-hui")
    make_record(analyst, "person", name="최진수")  # Hangul name, no Hangul field
    make_record(analyst, "person", name="Witness A")
    body = client_for(analyst).get(PERSONS, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    header, *rows = _rows(body)
    assert header[:3] == ["Reference", "Title", "Romanized name"]
    assert "Name in Hangul" not in header
    romanized = {row[1]: row[2] for row in rows}
    assert romanized == {
        "김철수": "Kim Cheol-su",
        "리선희": "Ri Son-hui",  # as given, not generated
        "최진수": "Choi Jin-su",  # generated from the name
        "Witness A": "",
    }


def test_the_column_is_named_in_korean_too(client_for, analyst, make_record):
    make_record(analyst, "person", name="김철수", name_hangul="김철수")
    body = client_for(analyst).get(PERSONS, HTTP_ACCEPT_LANGUAGE="ko").content.decode()
    assert "<th>로마자 표기</th>" in body


def test_the_romanized_column_costs_no_query_per_person(client_for, analyst, make_record):
    client = client_for(analyst)
    make_record(analyst, "person", name="김철수", name_hangul="김철수")
    with CaptureQueriesContext(connection) as few:
        client.get(PERSONS)
    for i, name in enumerate(["박영희", "최진수", "리선희", "김정철"]):
        make_record(analyst, "person", name=name, name_latin="" if i % 2 else f"Latin {i}")
    with CaptureQueriesContext(connection) as many:
        client.get(PERSONS)
    assert len(many) == len(few)


def test_the_outsider_sees_no_persons_list(client_for, outsider, analyst, make_record):
    make_record(analyst, "person", name="김철수", name_hangul="김철수")
    response = client_for(outsider).get(PERSONS)
    assert response.status_code == 403
    assert "김철수" not in response.content.decode()
