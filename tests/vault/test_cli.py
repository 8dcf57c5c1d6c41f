"""`sillok vault …` in a real subprocess against the test database."""

from __future__ import annotations

import json

import pytest

from sillok.testing.cli import run_sillok
from sillok.vault.models import VaultEntry

pytestmark = pytest.mark.django_db(transaction=True)

PURPOSE = "arrange a follow-up interview for case 12"


def add(pseudonym: str, field: str, value: str, *extra: str):
    return run_sillok(
        "vault",
        "add",
        "--pseudonym",
        pseudonym,
        "--field",
        field,
        "--value-stdin",
        *extra,
        input=value + "\n",
    )


def test_add_show_list_and_shred(vault_keeper, audit_actions):
    result = add("W-1", "real_name", "김영희", "--kind", "witness", "--as", "vault_keeper")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "stored real_name in new entry W-1"
    assert add("W-1", "contact", "+82-10-5555-0199").returncode == 0  # the operator, no --as

    shown = run_sillok(
        "vault", "show", "W-1", "--purpose", PURPOSE, "--as", "vault_keeper", "--json"
    )
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)["fields"] == [
        {"field": "real_name", "value": "김영희"},
        {"field": "contact", "value": "+82-10-5555-0199"},
    ]

    listed = run_sillok("vault", "list", "--as", "vault_keeper", "--json")
    assert [(r["pseudonym"], r["kind"], r["state"]) for r in json.loads(listed.stdout)] == [
        ("W-1", "witness", "sealed")
    ]
    assert "김영희" not in listed.stdout

    refused = run_sillok(
        "vault",
        "shred",
        "W-1",
        "--reason",
        "consent withdrawn",
        "--as",
        "vault_keeper",
        input="W-2\n",
    )
    assert refused.returncode == 2 and "not confirmed" in refused.stderr
    shredded = run_sillok(
        "vault",
        "shred",
        "W-1",
        "--reason",
        "consent withdrawn",
        "--as",
        "vault_keeper",
        input="W-1\n",
    )
    assert shredded.returncode == 0, shredded.stderr
    assert VaultEntry.objects.get(pseudonym="W-1").wrapped_key is None
    again = run_sillok("vault", "show", "W-1", "--purpose", PURPOSE, "--as", "vault_keeper")
    assert again.returncode == 2 and "shredded" in again.stderr
    assert [a[1] for a in audit_actions()] == [
        "vault.add_entry",
        "vault.add_field",
        "vault.add_field",
        "vault.open",
        "vault.shred",
    ]


def test_a_non_keeper_is_refused_and_audited(vault_keeper, analyst, audit_actions):
    assert add("W-1", "real_name", "김영희").returncode == 0
    result = run_sillok("vault", "show", "W-1", "--purpose", PURPOSE, "--as", "analyst")
    assert result.returncode == 1 and "vault keepers" in result.stderr
    assert "김영희" not in result.stdout + result.stderr
    refused_add = add("W-1", "address", "Hoeryong", "--as", "analyst")
    assert refused_add.returncode == 1
    assert [a[:2] for a in audit_actions() if a[1] == "vault.denied"] == [
        ("analyst", "vault.denied"),
        ("analyst", "vault.denied"),
    ]


def test_show_needs_as_and_a_purpose(vault_keeper):
    assert add("W-1", "real_name", "김영희").returncode == 0
    no_user = run_sillok("vault", "show", "W-1", "--purpose", PURPOSE)
    assert no_user.returncode == 2 and "--as" in no_user.stderr
    short = run_sillok("vault", "show", "W-1", "--purpose", "look", "--as", "vault_keeper")
    assert short.returncode == 2 and "purpose" in short.stderr


def test_values_are_never_taken_from_the_command_line(vault_keeper):
    result = run_sillok(
        "vault", "add", "--pseudonym", "W-1", "--field", "real_name", "--value", "김영희"
    )
    assert result.returncode == 2
    assert not VaultEntry.objects.exists()


def test_rotate_key_rewraps_with_a_new_key_file(vault_keeper, tmp_path, repo_home):
    assert add("W-1", "real_name", "김영희").returncode == 0
    new_key = tmp_path / "new-master-key"
    rotated = run_sillok("vault", "rotate-key", "--new-key-file", str(new_key), "--generate")
    assert rotated.returncode == 0, rotated.stderr
    assert "re-wrapped 1 data keys" in rotated.stdout and "keep the old key" in rotated.stdout
    assert new_key.stat().st_mode & 0o077 == 0
    old = run_sillok("vault", "show", "W-1", "--purpose", PURPOSE, "--as", "vault_keeper")
    assert old.returncode == 2 and "finish the key rotation" in old.stderr
    key_text = new_key.read_text().strip()
    new = run_sillok(
        "vault",
        "show",
        "W-1",
        "--purpose",
        PURPOSE,
        "--as",
        "vault_keeper",
        env={"SILLOK_MASTER_KEY": key_text},
    )
    assert new.returncode == 0 and "김영희" in new.stdout
