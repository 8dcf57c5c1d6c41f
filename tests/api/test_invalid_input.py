"""Input no database can take is refused with 422, never a server error: integers past what
SQLite and a PostgreSQL bigint hold, and text with a lone surrogate or a NUL character, in a
body, a query string, a form or a path. And an upload its client deleted, or that expired, is
gone: every call on its key answers 404."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from sillok.accounts import tokens
from sillok.evidence.models import Item, UploadSession
from sillok.evidence.uploads import do_expire_uploads
from sillok.records.models import Person

pytestmark = pytest.mark.django_db

JSON = "application/json"
TOO_BIG = 2**63  # one past the largest integer either database holds


@pytest.fixture
def officer(documentation_officer, vocabularies) -> Client:
    """The documentation officer (adds items, uploads and records) with an API token."""
    client = Client()
    secret = tokens.do_create_token(documentation_officer, "script")[1]
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {secret}"
    return client


def invalid(response, *loc) -> str:
    """The message of the 422 that names `loc`, in django-ninja's shape for invalid input."""
    assert response.status_code == 422, (response.status_code, response.content)
    errors = {tuple(error["loc"]): error for error in response.json()["detail"]}
    assert loc in errors, errors
    assert errors[loc]["type"] and errors[loc]["msg"]
    return errors[loc]["msg"]


# --- integers --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "loc"),
    [
        (f"/api/v1/items?offset={TOO_BIG}", ("query", "offset")),
        (f"/api/v1/records/persons?offset={TOO_BIG}", ("query", "offset")),
        (f"/api/v1/records/events?offset={TOO_BIG}", ("query", "offset")),
        (f"/api/v1/search?q=kim&offset={TOO_BIG}", ("query", "offset")),
        ("/api/v1/items?offset=-1", ("query", "offset")),
        ("/api/v1/items?limit=201", ("query", "limit")),
        ("/api/v1/records/persons?limit=0", ("query", "limit")),
        (f"/api/v1/places?limit={TOO_BIG}", ("query", "limit")),
        (f"/api/v1/items/{TOO_BIG}", ("path", "item_id")),
        (f"/api/v1/items/1/files/{TOO_BIG}/content", ("path", "file_id")),
        (f"/api/v1/records/persons/{TOO_BIG}", ("path", "record_id")),
        (f"/api/v1/records/persons/1/history/{TOO_BIG}", ("path", "number")),
    ],
)
def test_an_integer_out_of_range_is_refused_with_422_naming_it(officer, url, loc):
    assert "than or equal to" in invalid(officer.get(url), *loc)


def test_an_offset_the_databases_can_take_still_lists(officer):
    response = officer.get(f"/api/v1/records/persons?offset={TOO_BIG - 1}&limit=200")
    assert response.status_code == 200 and response.json()["items"] == []


def test_a_token_id_out_of_range_is_refused_with_422(officer):
    assert "than or equal to" in invalid(
        officer.delete(f"/api/v1/tokens/{TOO_BIG}"), "path", "token_id"
    )


def test_a_chunk_offset_out_of_range_is_refused_with_422(officer):
    start = officer.post("/api/v1/uploads", {"filename": "a.txt", "size": 5}, content_type=JSON)
    url = f"/api/v1/uploads/{start.json()['key']}?offset={TOO_BIG}"
    response = officer.put(url, b"12345", content_type="application/octet-stream")
    invalid(response, "query", "offset")


# --- text ------------------------------------------------------------------------------------


def test_a_lone_surrogate_in_a_json_body_is_refused_with_422_and_nothing_is_stored(officer):
    body = json.dumps({"values": {"name": "Kim \ud800"}, "reason": "a test"})  # escaped: \\ud800
    message = invalid(
        officer.post("/api/v1/records/persons", body, content_type=JSON), "body", "values", "name"
    )
    assert "lone surrogate \\ud800 at index 4" in message
    assert not Person.objects.exists()


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"filename": "\udc00.txt", "size": 5}, ("body", "filename")),
        (
            {"filename": "a.txt", "size": 5, "metadata": {"title": "\ud800"}},
            ("body", "metadata", "title"),
        ),
        (
            {"filename": "a.txt", "size": 5, "metadata": {"tags": ["ok", "\x00"]}},
            ("body", "metadata", "tags", 1),
        ),
        ({"filename": "a.txt", "size": 5, "metadata": {"\ud800": "x"}}, ("body", "metadata")),
    ],
)
def test_unstorable_text_anywhere_in_a_body_is_named_where_it_is(officer, body, loc):
    response = officer.post("/api/v1/uploads", json.dumps(body), content_type=JSON)
    invalid(response, *loc)
    assert not UploadSession.objects.exists()


def test_a_nul_in_a_record_reason_is_refused_with_422(officer):
    body = {"values": {"name": "Kim"}, "reason": "bad\x00reason"}
    message = invalid(
        officer.post("/api/v1/records/persons", body, content_type=JSON), "body", "reason"
    )
    assert message == "must not contain NUL characters (one at index 3)"
    assert not Person.objects.exists()


@pytest.mark.parametrize(
    ("url", "loc"),
    [
        ("/api/v1/records/persons?q=%00", ("query", "q")),
        ("/api/v1/records/acts?violation_type=torture%00", ("query", "violation_type")),
        ("/api/v1/vocab/violations/terms?q=%00", ("query", "q")),
        ("/api/v1/search?q=kim%00", ("query", "q")),
        ("/api/v1/places/%00", ("path", "code")),
        ("/api/v1/vocab/%00/terms", ("path", "slug")),
        ("/api/v1/uploads/%00", ("path", "key")),
        ("/api/v1/records/persons%00", ("path", "kind")),
    ],
)
def test_a_nul_in_a_query_or_path_is_refused_with_422(officer, url, loc):
    assert "NUL" in invalid(officer.get(url), *loc)


def test_a_nul_in_a_form_field_is_refused_with_422(officer, repo_home):
    upload = io.BytesIO(b"testimony")
    upload.name = "note.txt"
    response = officer.post("/api/v1/items", {"file": upload, "title": "x\x00"})
    invalid(response, "form", "title")
    assert not Item.objects.exists()


def test_unstorable_text_is_looked_at_only_after_authentication(client):
    assert client.get("/api/v1/uploads/%00").status_code == 401


# --- deleted uploads -------------------------------------------------------------------------


def _start(client: Client, content: bytes) -> str:
    response = client.post(
        "/api/v1/uploads", {"filename": "note.txt", "size": len(content)}, content_type=JSON
    )
    assert response.status_code == 201, response.content
    return response.json()["key"]


def _calls_on(client: Client, key: str) -> dict[str, int]:
    url = f"/api/v1/uploads/{key}"
    return {
        "get": client.get(url).status_code,
        "put": client.put(
            f"{url}?offset=0", b"x", content_type="application/octet-stream"
        ).status_code,
        "complete": client.post(f"{url}/complete").status_code,
        "delete": client.delete(url).status_code,
    }


GONE = {"get": 404, "put": 404, "complete": 404, "delete": 404}


def test_a_deleted_upload_answers_404_to_every_call(officer):
    key = _start(officer, b"12345")
    assert officer.delete(f"/api/v1/uploads/{key}").status_code == 204
    assert _calls_on(officer, key) == GONE


def test_an_expired_upload_answers_404_to_every_call(officer):
    key = _start(officer, b"12345")
    UploadSession.objects.filter(key=key).update(updated_at=timezone.now() - timedelta(days=30))
    assert do_expire_uploads() == 1
    assert _calls_on(officer, key) == GONE


def test_a_completed_upload_stays_readable_until_deleted_and_its_item_stays(officer, repo_home):
    key = _start(officer, b"12345")
    url = f"/api/v1/uploads/{key}"
    assert (
        officer.put(
            f"{url}?offset=0", b"12345", content_type="application/octet-stream"
        ).status_code
        == 200
    )
    item = officer.post(f"{url}/complete").json()["item"]
    assert officer.get(url).json()["status"] == "completed"
    assert officer.delete(url).status_code == 204
    assert _calls_on(officer, key) == GONE
    assert officer.get(f"/api/v1/items/{item}").status_code == 200


def test_another_users_upload_answers_404_like_a_deleted_one(officer, analyst):
    key = _start(officer, b"12345")
    other = Client()
    other.defaults["HTTP_AUTHORIZATION"] = f"Bearer {tokens.do_create_token(analyst, 'x')[1]}"
    response = other.get(f"/api/v1/uploads/{key}")
    assert response.status_code == 404
    assert response.json()["detail"].endswith("unknown, abandoned or expired")
