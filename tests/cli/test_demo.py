"""`sillok demo`: demo users and documents, loaded once, passwords shown once."""

from __future__ import annotations

import json

import pytest

from sillok.accounts.models import User
from sillok.accounts.roles import ROLE_NAMES
from sillok.custody.models import AuditEntry
from sillok.custody.services import open_blob
from sillok.demo.assessment_case import read_assessment_case
from sillok.demo.casework import read_casework
from sillok.demo.services import DATA_DIR, EXTRA_USERS, read_manifest
from sillok.evidence.models import Item, ItemFile
from sillok.testing.cli import run_sillok
from sillok.workspace.services import do_initialise_repository

pytestmark = pytest.mark.django_db(transaction=True)


def password_lines(output: str) -> dict[str, str]:
    """username -> password from the table that `sillok demo` prints."""
    found = {}
    for line in output.splitlines():
        parts = line.split()
        if len(parts) >= 3 and parts[0].startswith("demo-") and parts[1] in ROLE_NAMES:
            found[parts[0]] = parts[2]
    return found


def test_demo_loads_users_and_documents_once():
    do_initialise_repository()
    first = run_sillok("demo")
    assert first.returncode == 0, first.stderr
    passwords = password_lines(first.stdout)
    roles = {f"demo-{role}": role for role in ROLE_NAMES} | dict(EXTRA_USERS)
    assert set(passwords) == set(roles)
    for username, password in passwords.items():
        user = User.objects.get(username=username)
        assert user.check_password(password)
        assert list(user.groups.values_list("name", flat=True)) == [roles[username]]
    assert "two factors" in first.stdout and "authenticator" in first.stdout
    # Documents: public UN-document items through intake, byte for byte, with custody.
    manifest = read_manifest()
    assert len(manifest) == 4
    for doc in manifest:
        with open_blob(doc["sha256"]) as stream:
            assert stream.read() == (DATA_DIR / doc["file"]).read_bytes()
        original = ItemFile.objects.get(role="original", sha256=doc["sha256"])
        assert original.item.kind == "un_document" and original.item.sensitivity == "public"
        assert original.item.custody_events.get().action == "intake"
    # The UN documents, the casework's interview notes (tests/demo/test_casework.py) and the
    # demo case file's (tests/demo/test_assessment_demo.py).
    intakes = AuditEntry.objects.filter(action="custody.intake").count()
    assert intakes == 4 + len(read_casework()["items"]) + len(read_assessment_case()["items"])
    stored, items = AuditEntry.objects.filter(action="blob.stored").count(), Item.objects.count()
    assert not any(
        password in json.dumps(list(AuditEntry.objects.values_list("details", flat=True)))
        for password in passwords.values()
    )

    second = run_sillok("demo")
    assert second.returncode == 0, second.stderr
    assert "already loaded" in second.stdout
    assert not any(password in second.stdout for password in passwords.values())
    assert password_lines(second.stdout) == {}
    assert User.objects.filter(username__startswith="demo-").count() == len(roles)
    assert AuditEntry.objects.filter(action="custody.intake").count() == intakes
    assert AuditEntry.objects.filter(action="blob.stored").count() == stored
    assert Item.objects.count() == items


def test_demo_json_shows_passwords_only_for_users_created_now():
    do_initialise_repository()
    first = json.loads(run_sillok("demo", "--json").stdout)
    assert first["already_loaded"] is False
    assert all(user["password"] for user in first["users"])
    two_factor = {u["role"] for u in first["users"] if u["two_factor_required"]}
    assert two_factor == {"vault-keeper", "manager", "admin"}
    assert [d["symbol"] for d in first["documents"]][:3] == [
        "A/RES/62/167",
        "A/RES/67/181",
        "A/RES/74/166",
    ]
    second = json.loads(run_sillok("demo", "--json").stdout)
    assert second["already_loaded"] is True
    assert not any("password" in user for user in second["users"])


def test_demo_refuses_an_uninitialised_repository():
    result = run_sillok("demo")
    assert result.returncode == 2
    assert "sillok init" in result.stderr
    assert not User.objects.exists()
