"""The `sillok verify` and `sillok audit` commands, run as an operator would run them."""

from __future__ import annotations

import io
import json

import pytest
from django.db import connection

from sillok.custody.models import AuditEntry
from sillok.custody.triggers import lifted_triggers
from sillok.testing.cli import run_sillok
from tests.custody.helpers import append_entries

pytestmark = pytest.mark.django_db(transaction=True)


def verify_json(*args):
    result = run_sillok("verify", "--json", *args)
    return result, json.loads(result.stdout) if result.stdout.strip() else None


def test_verify_exits_0_on_a_clean_repository_and_records_the_outcome():
    from sillok.custody.services import store_blob

    append_entries(3)
    store_blob(None, io.BytesIO(b"clean"))
    result, report = verify_json()
    assert result.returncode == 0, result.stderr
    assert report["ok"] is True
    assert report["problems"] == []
    assert report["checked"]["audit_entries"] == 4
    assert report["checked"]["blobs"] == 1
    last = AuditEntry.objects.order_by("-seq").first()
    assert last.action == "repository.verified"
    assert last.details["ok"] is True


def test_verify_exits_1_after_a_tamper_and_names_the_seq():
    append_entries(5)
    with lifted_triggers(connection):
        AuditEntry.objects.filter(seq=2).update(actor_name="someone else")
    result, report = verify_json("--skip-blobs")
    assert result.returncode == 1
    assert report["ok"] is False
    assert {"kind": "audit_entry_altered", "seq": 2} in [
        {"kind": p["kind"], "seq": p.get("seq")} for p in report["problems"]
    ]
    human = run_sillok("verify", "--skip-blobs")
    assert human.returncode == 1
    assert "audit_entry_altered: entry #2" in human.stdout


def test_an_exported_checkpoint_file_is_checked_by_verify(tmp_path):
    append_entries(2)
    path = tmp_path / "anchor.json"
    made = run_sillok("audit", "checkpoint", "--export", str(path))
    assert made.returncode == 0, made.stderr
    assert "checkpoint at #3" in made.stdout
    result, report = verify_json("--skip-blobs", "--checkpoint", str(path))
    assert result.returncode == 0, result.stderr
    assert report["checked"]["external_checkpoints"] == 1

    document = json.loads(path.read_text())
    document["statement"]["seq"] = 2
    path.write_text(json.dumps(document))
    result, report = verify_json("--skip-blobs", "--checkpoint", str(path))
    assert result.returncode == 1
    assert report["problems"][0]["kind"] == "external_checkpoint_signature_invalid"


def test_checkpoint_export_never_overwrites_an_existing_file(tmp_path):
    path = tmp_path / "anchor.json"
    path.write_text("keep me")
    result = run_sillok("audit", "checkpoint", "--export", str(path))
    assert result.returncode == 2
    assert "never overwritten" in result.stderr
    assert path.read_text() == "keep me"


def test_verify_exits_2_with_one_line_for_an_unreadable_checkpoint_file(tmp_path):
    result = run_sillok("verify", "--checkpoint", str(tmp_path / "nowhere.json"))
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "cannot read checkpoint file" in result.stderr


def test_verify_exits_2_for_bad_options():
    assert run_sillok("verify", "--sample", "0").returncode == 2
    assert run_sillok("verify", "--sample", "3", "--skip-blobs").returncode == 2


def test_audit_log_shows_the_newest_entries_as_text_and_json():
    append_entries(5)
    text = run_sillok("audit", "log", "--limit", "2")
    assert text.returncode == 0, text.stderr
    assert [line.split()[0] for line in text.stdout.splitlines()] == ["#4", "#5"]
    as_json = json.loads(run_sillok("audit", "log", "--limit", "3", "--json").stdout)
    assert [e["seq"] for e in as_json] == [3, 4, 5]
    assert as_json[-1]["prev_hash"] == as_json[-2]["entry_hash"]


@pytest.mark.parametrize(
    "args", [("verify",), ("audit",), ("audit", "checkpoint"), ("audit", "log")]
)
def test_every_custody_command_has_help(args):
    result = run_sillok(*args, "--help")
    assert result.returncode == 0, result.stderr
    assert "usage:" in result.stdout


def test_flush_outside_tests_refuses_to_erase_the_audit_log():
    append_entries(1)
    result = run_sillok("flush", "--no-input")
    assert result.returncode == 2
    assert "append-only audit log" in result.stderr
    assert AuditEntry.objects.count() == 1
