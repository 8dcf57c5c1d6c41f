"""Intake is no existence oracle: whoever may not see the item that already holds some content
gets, on every intake path, exactly the answer new content gets (a new item of their own, a
copy sharing the stored bytes), the hidden item stays hidden, the attempt is audited as a
refused access, and whoever may see the item still hears "duplicate" (evidence/copies.py)."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import bagit
import pytest
from django.db import IntegrityError, transaction
from django.test import Client

from sillok.accounts.compartments import do_create_compartment, do_grant
from sillok.accounts.tokens import do_create_token
from sillok.custody.models import AuditEntry, Blob
from sillok.evidence.models import CustodyEvent, Item, ItemFile
from sillok.testing.cli import run_sillok
from sillok.workspace.services import do_initialise_repository

pytestmark = pytest.mark.django_db

SECRET = "보위부 내부 문서: 2016년 구류장 명단. Internal list of detainees.\n".encode()
MASKED = ("item", "sha256", "path", "size")


@pytest.fixture
def case_officer(make_user):
    """A documentation officer who is a member of the compartment case-7."""
    user = make_user("case_officer", "documentation-officer")
    do_create_compartment(None, "case-7", name="Case 7")
    do_grant(None, "case-7", "case_officer")
    return user


@pytest.fixture
def hidden(request, repo_home, tmp_path, ingest, documentation_officer, case_officer):
    """(item holding SECRET, who may not see it, who may, the refusal reason): a strictly
    confidential item against a partner, or a compartment item against a documentation
    officer who is not a member of it."""
    path = tmp_path / "원본.txt"
    path.write_bytes(SECRET)
    if request.param == "partner_vs_strictly_confidential":
        [result] = ingest(documentation_officer, path, sensitivity="strictly_confidential")
        blind = request.getfixturevalue("partner")
        return Item.objects.get(pk=result.item), blind, documentation_officer, "role"
    [result] = ingest(case_officer, path, compartment="case-7")
    return Item.objects.get(pk=result.item), documentation_officer, case_officer, "compartment"


HIDDEN_CASES = ["partner_vs_strictly_confidential", "officer_outside_compartment"]
with_hidden = pytest.mark.parametrize("hidden", HIDDEN_CASES, indirect=True)


# The intake paths, each as "submit these bytes as this user, give (status code, body)".


def _api(user, content: bytes, name: str) -> tuple[int, dict]:
    secret = do_create_token(user, f"script {name}")[1]
    upload = io.BytesIO(content)
    upload.name = name
    response = Client().post(
        "/api/v1/items", {"file": upload}, HTTP_AUTHORIZATION=f"Bearer {secret}"
    )
    return response.status_code, response.json()


def _resumable(client: Client, content: bytes, name: str, **headers: str) -> tuple[int, dict]:
    start = client.post(
        "/api/v1/uploads",
        {"filename": name, "size": len(content), "metadata": {}},
        content_type="application/json",
        **headers,
    )
    assert start.status_code == 201, start.content
    url = f"/api/v1/uploads/{start.json()['key']}"
    half = len(content) // 2
    for offset, chunk in ((0, content[:half]), (half, content[half:])):
        sent = client.put(
            f"{url}?offset={offset}", chunk, content_type="application/octet-stream", **headers
        )
        assert sent.status_code == 200, sent.content
    done = client.post(f"{url}/complete", **headers)
    return done.status_code, done.json()


def _web(user, content: bytes, name: str) -> tuple[int, dict]:
    """What the upload page's script does, in the user's signed-in browser session."""
    client = Client()
    client.force_login(user)  # no second factor: neither persona's role asks for one
    assert client.get("/items/upload/").status_code == 200
    return _resumable(client, content, name)


def _chunked(user, content: bytes, name: str) -> tuple[int, dict]:
    secret = do_create_token(user, f"uploader {name}")[1]
    return _resumable(Client(), content, name, HTTP_AUTHORIZATION=f"Bearer {secret}")


def _bag(user, content: bytes, name: str, *, ingest, tmp_path: Path) -> tuple[int, dict]:
    folder = tmp_path / f"bag-{name}"
    folder.mkdir()
    (folder / name).write_bytes(content)
    bagit.make_bag(str(folder), {"Source-Organization": "Partner NGO"}, checksums=["sha256"])
    [result] = ingest(user, folder)
    return 0, result.as_dict()


PATHS = {"api": _api, "web": _web, "resumable": _chunked, "bag": _bag}


@pytest.fixture(params=list(PATHS))
def submit(request, ingest, tmp_path):
    path = PATHS[request.param]
    if request.param == "bag":
        return lambda user, content, name: path(
            user, content, name, ingest=ingest, tmp_path=tmp_path
        )
    return path


def _shape(body: dict) -> dict:
    return {key: ("…" if key in MASKED else value) for key, value in body.items()}


def _assert_hidden_stays_hidden(item: Item, blind, body: dict, reason: str) -> Item:
    """The answer names a new item of `blind`'s, a copy of `item`; `item` is not revealed
    and the attempt is audited. Returns the copy."""
    assert body["item"] != item.pk
    text = json.dumps(body)
    assert "duplicate" not in text and f"item {item.pk}" not in text
    copy = Item.objects.get(pk=body["item"])
    assert copy.created_by == blind
    original = copy.files.get(role="original")
    first = item.files.get(role="original")
    assert original.copy_of == first and original.blob_id == first.blob_id
    assert Blob.objects.filter(sha256=first.sha256).count() == 1
    # The copy's own trail names no other item; the hidden one records the submission.
    assert [e.action for e in copy.custody_events.all()] == ["intake"]
    assert "copy_item" not in copy.custody_events.get().details
    submitted = CustodyEvent.objects.get(item=item, action="duplicate_intake")
    assert submitted.actor == blind and submitted.details["copy_item"] == copy.pk
    denied = AuditEntry.objects.get(action="access.denied", object_id=str(item.pk))
    assert denied.actor_id == blind.pk and denied.details["reason"] == reason
    assert denied.details["via"].endswith("intake")
    return copy


@with_hidden
def test_someone_who_may_not_see_the_item_gets_the_answer_new_content_gets(hidden, submit):
    item, blind, _, reason = hidden
    fresh = "새 증언. A statement nobody has sent before.\n".encode()
    new_status, new_body = submit(blind, fresh, "새것.txt")
    status, body = submit(blind, SECRET, "사본.txt")
    assert status == new_status and _shape(body) == _shape(new_body)
    assert body["status"] == "new" and body["reason"] == "" and body["code"] == ""
    _assert_hidden_stays_hidden(item, blind, body, reason)


@with_hidden
def test_someone_who_may_see_the_item_still_hears_duplicate(hidden, submit):
    item, _, seer, _ = hidden
    status, body = submit(seer, SECRET, "again.txt")
    assert status in (0, 200) and body["status"] == "duplicate" and body["item"] == item.pk
    assert not ItemFile.objects.filter(copy_of__isnull=False).exists()
    assert not AuditEntry.objects.filter(action="access.denied").exists()


@with_hidden
def test_the_copy_is_the_submitters_and_the_hidden_item_stays_not_found(
    hidden, client_for, documentation_officer
):
    item, blind, seer, _ = hidden
    _, body = _api(blind, SECRET, "사본.txt")
    client = client_for(blind)
    assert client.get(f"/api/v1/items/{item.pk}").status_code == 404
    assert client.get(f"/items/{item.pk}/").status_code == 404
    custody = client.get(f"/api/v1/items/{body['item']}/custody")
    assert custody.status_code == 200
    assert [e["action"] for e in custody.json()] == ["intake"]
    assert "copy" not in json.dumps(custody.json())
    page = client.get(f"/items/{body['item']}/").content.decode()
    assert f"/items/{item.pk}/" not in page and "The same content elsewhere" not in page
    # Those cleared for the hidden item see that a copy was submitted, by whom, as which item.
    shown = client_for(seer).get(f"/items/{item.pk}/").content.decode()
    assert f"A copy was submitted by {blind.username}" in shown
    assert f"/items/{body['item']}/" in shown


def test_a_second_submission_is_a_duplicate_of_the_submitters_own_copy(
    repo_home, tmp_path, ingest, documentation_officer, partner
):
    path = tmp_path / "원본.txt"
    path.write_bytes(SECRET)
    [first] = ingest(documentation_officer, path, sensitivity="strictly_confidential")
    copy, again = ingest(partner, path, path)  # two equal files in one batch
    assert (copy.status, again.status) == ("new", "duplicate") and again.item == copy.item
    [later] = ingest(partner, path)
    assert later.status == "duplicate" and later.item == copy.item
    [officer] = ingest(documentation_officer, path)
    assert officer.status == "duplicate" and officer.item == first.item
    assert AuditEntry.objects.filter(action="access.denied").count() == 1


def test_first_originals_of_the_same_content_are_still_unique(
    repo_home, tmp_path, ingest, documentation_officer
):
    path = tmp_path / "원본.txt"
    path.write_bytes(SECRET)
    [result] = ingest(documentation_officer, path)
    original = ItemFile.objects.get(item_id=result.item)
    other = Item.objects.create(title="forged", kind="document")
    fields: dict[str, Any] = {
        "item": other, "role": "original", "blob_id": original.blob_id,
        "sha256": original.sha256, "size": original.size, "media_type": original.media_type,
    }  # fmt: skip
    with pytest.raises(IntegrityError), transaction.atomic():
        ItemFile.objects.create(**fields)
    ItemFile.objects.create(**fields, copy_of=original)  # a copy is allowed


# The CLI runs in a child process: the data must be committed.


@pytest.fixture
def initialised(repo_home):
    do_initialise_repository()


def _cli(user, *paths: Path) -> list[dict]:
    run = run_sillok("ingest", "--json", "--as", user.username, *map(str, paths))
    assert run.returncode == 0, run.stderr
    return [json.loads(line) for line in run.stdout.splitlines() if line.strip()]


@pytest.mark.django_db(transaction=True)
def test_the_cli_answers_a_copy_of_a_hidden_item_as_new(
    initialised, tmp_path, ingest, documentation_officer, partner
):
    path = tmp_path / "원본.txt"
    path.write_bytes(SECRET)
    [first] = ingest(documentation_officer, path, sensitivity="strictly_confidential")
    fresh = tmp_path / "새것.txt"
    fresh.write_text("처음 보내는 증언. A first statement.\n", encoding="utf-8")
    [new_line] = _cli(partner, fresh)
    [line] = _cli(partner, path)
    assert _shape(line) == _shape(new_line) and line["status"] == "new"
    item = Item.objects.get(pk=first.item)
    _assert_hidden_stays_hidden(item, partner, line, "role")
    assert AuditEntry.objects.get(action="access.denied").details["via"] == "cli intake"
    [seen] = _cli(documentation_officer, path)
    assert seen["status"] == "duplicate" and seen["item"] == item.pk
