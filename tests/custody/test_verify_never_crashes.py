"""`sillok verify` reports every inconsistency as a named problem and never crashes; writes on
a damaged log are refused plainly (exit 2 on the command line, 503 on the web and API)."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from sillok import cli
from sillok.custody.audit import AuditLogInconsistent, record_audit
from sillok.custody.audited_rows import AuditedRows, register_audited_rows
from sillok.custody.models import AuditEntry, AuditHead
from sillok.custody.triggers import lifted_triggers
from sillok.custody.verify import verify_repository
from tests.custody.helpers import append_entries

pytestmark = pytest.mark.django_db


def run_verify_json(capsys) -> tuple[int, dict]:
    try:
        call_command("verify", "--json", "--skip-blobs")
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, json.loads(capsys.readouterr().out)


def kinds(report: dict) -> set[str]:
    return {p["kind"] for p in report["problems"]}


def test_a_deleted_head_row_is_a_named_problem_in_the_json_not_a_traceback(capsys):
    append_entries(3)
    with lifted_triggers(connection):
        AuditHead.objects.all().delete()
    code, report = run_verify_json(capsys)
    assert code == 1
    assert {"audit_head_missing", "verification_not_recorded"} <= kinds(report)
    assert AuditEntry.objects.count() == 3  # nothing was appended


def test_entries_beyond_a_moved_back_head_are_named_and_writes_are_refused(capsys):
    append_entries(5)
    with lifted_triggers(connection):
        third = AuditEntry.objects.get(seq=3)
        AuditHead.objects.update(seq=3, entry_hash=third.entry_hash)
    code, report = run_verify_json(capsys)
    assert code == 1
    [beyond] = [p for p in report["problems"] if p["kind"] == "audit_entries_beyond_head"]
    assert beyond["seq"] == 4
    refused = pytest.raises(AuditLogInconsistent, match="entries up to #5 but its head names #3")
    with refused, transaction.atomic():  # the refusal rolls back the change it was part of
        record_audit(None, "test.event")
    assert AuditEntry.objects.count() == 5


def test_the_newest_entries_deleted_and_the_head_moved_back_refuse_nothing_silently(capsys):
    append_entries(5)
    with lifted_triggers(connection):
        AuditEntry.objects.filter(seq__gt=3).delete()
    code, report = run_verify_json(capsys)
    assert code == 1
    assert "audit_entry_missing" in kinds(report)
    with pytest.raises(AuditLogInconsistent, match="does not hold as recorded"):
        record_audit(None, "test.event")


def test_a_check_that_fails_unexpectedly_is_reported_and_the_others_still_run(monkeypatch):
    def explode(report, limit, batch_size):
        raise RuntimeError("disk on fire")

    from sillok.custody import audited_rows

    monkeypatch.setattr(audited_rows, "_registry", dict(audited_rows._registry))
    register_audited_rows(AuditedRows("exploding rows", explode, lambda: None))
    append_entries(2)
    report = verify_repository(check_blobs=False)
    [failed] = [p for p in report.problems if p.kind == "verification_failed"]
    assert "exploding rows" in failed.message and "disk on fire" in failed.message
    assert report.checked["audit_entries"] == 2
    assert "custody_events" in report.checked


def test_the_command_line_refuses_a_write_with_exit_2_and_one_line(capsys):
    append_entries(2)
    with lifted_triggers(connection):
        AuditHead.objects.all().delete()
    code = cli.main(["audit", "checkpoint", "--reason", "after the break-in"])
    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith("sillok: refused: the audit head row is missing")
    assert "Traceback" not in err


def test_the_web_answers_503_with_the_reason_when_the_log_refuses(client_for, analyst):
    append_entries(1)
    client = client_for(analyst)  # signing in is audited too
    with lifted_triggers(connection):
        AuditHead.objects.all().delete()
    response = client.post(
        "/records/persons/new/", {"name": "박영희", "sensitivity": "internal"}
    )
    assert response.status_code == 503
    assert "sillok verify" in response.content.decode()
    from sillok.records.models import Person

    assert not Person.objects.filter(name="박영희").exists()
