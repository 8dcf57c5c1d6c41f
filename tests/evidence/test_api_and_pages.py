"""The item API and pages: multipart intake, resumable uploads, reads, downloads, and the
permission matrix (every persona, every endpoint, every sensitivity)."""

from __future__ import annotations

import hashlib
import io

import pytest
from django.test import Client

from sillok.evidence.models import CustodyEvent, Item, ItemFile, Sensitivity

pytestmark = pytest.mark.django_db

TEXT = "탈북자 증언: 보위부 구류장. Testimony about a detention centre.\n".encode()


def _post_item(client: Client, content: bytes = TEXT, name: str = "증언.txt", **fields):
    upload = io.BytesIO(content)
    upload.name = name
    return client.post("/api/v1/items", {"file": upload, **fields})


@pytest.fixture
def officer_client(repo_home, client_for, documentation_officer):
    return client_for(documentation_officer)


def test_multipart_post_creates_an_item_then_reports_the_duplicate(officer_client):
    first = _post_item(officer_client, title="보위부 증언", sensitivity="internal", languages="ko")
    assert first.status_code == 201, first.content
    body = first.json()
    assert body["status"] == "new" and body["sha256"] == hashlib.sha256(TEXT).hexdigest()
    item = Item.objects.get(pk=body["item"])
    assert (item.title, item.sensitivity, item.languages) == ("보위부 증언", "internal", ["ko"])
    assert item.custody_events.get().channel == "api"
    again = _post_item(officer_client, name="copy.txt")
    assert again.status_code == 200 and again.json()["status"] == "duplicate"
    assert again.json()["item"] == item.pk


def test_multipart_post_refuses_bad_files_and_bad_metadata(officer_client):
    empty = _post_item(officer_client, content=b"")
    assert empty.status_code == 400 and empty.json()["code"] == "empty"
    bad_date = _post_item(officer_client, collected_on="last spring")
    assert bad_date.status_code == 400 and "collected_on" in bad_date.json()["reason"]
    assert Item.objects.count() == 0


def test_a_resumable_upload_survives_a_broken_chunk_and_completes(officer_client):
    content = TEXT * 4000
    start = officer_client.post(
        "/api/v1/uploads",
        {"filename": "긴 증언.txt", "size": len(content), "metadata": {"tags": ["interview"]}},
        content_type="application/json",
    )
    assert start.status_code == 201, start.content
    key = start.json()["key"]
    url = f"/api/v1/uploads/{key}"
    half = len(content) // 2
    assert officer_client.put(f"{url}?offset=0", content[:half],
                              content_type="application/octet-stream").status_code == 200
    # The client thinks the chunk failed and sends it again: the server names the offset.
    repeat = officer_client.put(f"{url}?offset=0", content[:half],
                                content_type="application/octet-stream")
    assert repeat.status_code == 409 and str(half) in repeat.json()["detail"]
    early = officer_client.post(f"{url}/complete")
    assert early.status_code == 409
    assert officer_client.get(url).json()["received"] == half
    rest = officer_client.put(f"{url}?offset={half}", content[half:],
                              content_type="application/octet-stream")
    assert rest.status_code == 200 and rest.json()["received"] == len(content)
    done = officer_client.post(f"{url}/complete")
    assert done.status_code == 201, done.content
    item = Item.objects.get(pk=done.json()["item"])
    assert item.tags == ["interview"]
    assert ItemFile.objects.get(item=item).sha256 == hashlib.sha256(content).hexdigest()
    assert officer_client.post(f"{url}/complete").json()["item"] == item.pk  # idempotent


def test_an_upload_over_the_size_limit_is_refused_before_any_byte(officer_client, settings):
    settings.SILLOK_MAX_UPLOAD_BYTES = 100
    response = officer_client.post(
        "/api/v1/uploads", {"filename": "big.mp4", "size": 101}, content_type="application/json"
    )
    assert response.status_code == 413


def test_item_page_shows_metadata_files_and_custody_in_korean(officer_client):
    item_id = _post_item(officer_client, title="구류장 증언").json()["item"]
    page = officer_client.get(f"/items/{item_id}/", HTTP_ACCEPT_LANGUAGE="ko")
    assert page.status_code == 200
    html = page.content.decode()
    assert "구류장 증언" in html
    assert ItemFile.objects.get(item_id=item_id).sha256 in html
    assert "보관 이력" in html  # "Chain of custody" in Korean


def test_downloading_an_original_is_a_custody_event(officer_client):
    item_id = _post_item(officer_client).json()["item"]
    original = ItemFile.objects.get(item_id=item_id)
    response = officer_client.get(f"/api/v1/items/{item_id}/files/{original.pk}/content")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == TEXT
    event = CustodyEvent.objects.filter(item_id=item_id, action="download").get()
    assert event.file == original and event.channel == "api"
    page = officer_client.get(f"/items/{item_id}/files/{original.pk}/")
    assert page.status_code == 200 and "sandbox" in page["Content-Security-Policy"]
    assert CustodyEvent.objects.filter(item_id=item_id, action="view_original").count() == 1


SEES = {
    # persona: sensitivities they see
    "documentation_officer": {"public", "internal", "restricted", "strictly_confidential"},
    "analyst": {"public", "internal", "restricted"},
    "legal_expert": {"public", "internal", "restricted", "strictly_confidential"},
    "vault_keeper": {"public", "internal", "restricted", "strictly_confidential"},
    "manager": {"public", "internal", "restricted"},
    "partner": set(),
    "auditor": {"public", "internal", "restricted"},
    "admin": {"public", "internal", "restricted", "strictly_confidential"},
    "outsider": set(),
}


@pytest.fixture
def items_by_sensitivity(repo_home, admin, ingest, tmp_path):
    made = {}
    for level in Sensitivity.values:
        path = tmp_path / f"{level}.txt"
        path.write_text(f"an item marked {level}", encoding="utf-8")
        made[level] = ingest(admin, path, sensitivity=level)[0].item
    return made


@pytest.mark.parametrize("persona", list(SEES))
def test_every_read_endpoint_applies_the_same_visibility(
    persona, personas, items_by_sensitivity, client_for
):
    client = client_for(personas[persona])
    listed = client.get("/api/v1/items?limit=200")
    assert listed.status_code == 200
    seen = {i["sensitivity"] for i in listed.json()["items"]}
    assert seen == SEES[persona]
    assert listed.json()["total"] == len(SEES[persona])
    for level, item_id in items_by_sensitivity.items():
        allowed = level in SEES[persona]
        for url in (
            f"/api/v1/items/{item_id}",
            f"/api/v1/items/{item_id}/custody",
            f"/api/v1/items/{item_id}/text",
            f"/items/{item_id}/",
        ):
            status = client.get(url).status_code
            assert status == (200 if allowed else 404), (persona, level, url, status)
    page = client.get("/items/")
    assert page.status_code == 200
    for level, item_id in items_by_sensitivity.items():
        shown = f"/items/{item_id}/" in page.content.decode()
        assert shown == (level in SEES[persona]), (persona, level)


@pytest.mark.parametrize(
    ("persona", "may"),
    [("analyst", True), ("manager", False), ("auditor", False), ("vault_keeper", False)],
)
def test_who_may_open_originals(persona, may, personas, items_by_sensitivity, client_for):
    client = client_for(personas[persona])
    item_id = items_by_sensitivity["internal"]
    original = ItemFile.objects.get(item_id=item_id)
    status = client.get(f"/api/v1/items/{item_id}/files/{original.pk}/content").status_code
    assert status == (200 if may else 403)
    assert CustodyEvent.objects.filter(action="download").exists() == may


def test_a_partner_submits_and_sees_only_their_own_items(
    repo_home, partner, client_for, items_by_sensitivity
):
    client = client_for(partner)
    created = _post_item(client, title="partner submission")
    assert created.status_code == 201
    listed = client.get("/api/v1/items").json()
    assert [i["id"] for i in listed["items"]] == [created.json()["item"]]


@pytest.mark.parametrize("persona", ["analyst", "auditor", "manager", "outsider"])
def test_those_who_may_not_add_items_are_refused_everywhere(persona, personas, client_for,
                                                             repo_home):
    client = client_for(personas[persona])
    assert _post_item(client).status_code == 403
    assert client.post("/api/v1/uploads", {"filename": "a.txt", "size": 5},
                       content_type="application/json").status_code == 403
    assert client.get("/items/upload/").status_code == 403
    assert Item.objects.count() == 0


def test_anonymous_requests_are_refused(repo_home, items_by_sensitivity):
    anonymous = Client()
    assert anonymous.get("/api/v1/items").status_code == 401
    assert anonymous.get("/items/").status_code == 302
    item_id = items_by_sensitivity["public"]
    assert anonymous.get(f"/items/{item_id}/").status_code == 302


def test_an_abandoned_upload_is_expired_and_its_bytes_dropped(officer_client):
    from datetime import timedelta

    from django.utils import timezone

    from sillok.evidence.models import UploadSession
    from sillok.evidence.uploads import do_expire_uploads, part_path

    key = officer_client.post(
        "/api/v1/uploads", {"filename": "a.txt", "size": 10}, content_type="application/json"
    ).json()["key"]
    officer_client.put(f"/api/v1/uploads/{key}?offset=0", b"12345",
                       content_type="application/octet-stream")
    session = UploadSession.objects.get(key=key)
    assert part_path(session).exists()
    assert do_expire_uploads() == 0  # fresh: left alone
    UploadSession.objects.filter(key=key).update(updated_at=timezone.now() - timedelta(days=8))
    assert do_expire_uploads() == 1
    assert not part_path(session).exists()
    # An expired upload is gone: reading or continuing it is "not found" (issue 13).
    assert officer_client.get(f"/api/v1/uploads/{key}").status_code == 404
    late = officer_client.put(f"/api/v1/uploads/{key}?offset=5", b"67890",
                              content_type="application/octet-stream")
    assert late.status_code == 404
