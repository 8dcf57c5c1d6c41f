"""Checkpoints leave the machine: sent to witnesses, kept by another instance, and used by
`sillok verify --checkpoint DIR` to catch a chain rewritten and re-signed with the local key."""

from __future__ import annotations

import base64
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection

from sillok.custody import checkpoints
from sillok.custody.audit import entry_hash_of
from sillok.custody.checkpoints import export_document, signing_key
from sillok.custody.models import (
    AuditCheckpoint,
    AuditEntry,
    AuditHead,
    CheckpointDelivery,
    WitnessedCheckpoint,
)
from sillok.custody.services import create_checkpoint
from sillok.custody.triggers import lifted_triggers
from sillok.custody.verify import verify_repository
from sillok.custody.witness import deliver_pending
from tests.custody.helpers import append_entries

pytestmark = pytest.mark.django_db


@pytest.fixture
def witness_dir(settings, tmp_path):
    folder = tmp_path / "witness"
    settings.SILLOK_CHECKPOINT_WITNESSES = [f"dir:{folder}"]
    return folder


def problems(report, kind):
    return [p for p in report.problems if p.kind == kind]


def test_a_new_checkpoint_is_queued_for_every_witness_and_delivered_once(settings, tmp_path):
    folder = tmp_path / "kept"
    settings.ADMINS = ["security@example.org"]
    settings.SILLOK_CHECKPOINT_WITNESSES = ["admins", "mailto:archive@example.org", f"dir:{folder}"]
    append_entries(3)
    checkpoint = create_checkpoint(None, reason="weekly")
    queued = CheckpointDelivery.objects.filter(seq=checkpoint.seq)
    assert sorted(queued.values_list("witness", flat=True)) == sorted(
        settings.SILLOK_CHECKPOINT_WITNESSES
    )
    assert deliver_pending() == {"delivered": 3, "failed": 0}
    assert deliver_pending() == {"delivered": 0, "failed": 0}
    [kept] = folder.iterdir()
    assert json.loads(kept.read_text(encoding="utf-8")) == export_document(checkpoint)
    assert kept.stat().st_mode & 0o777 == 0o600
    assert sorted(message.to[0] for message in mail.outbox) == [
        "archive@example.org",
        "security@example.org",
    ]
    attached = [m for m in mail.outbox if m.to == ["archive@example.org"]][0].attachments[0]
    assert json.loads(attached.content)["statement"]["seq"] == checkpoint.seq


def test_automatic_checkpoints_are_sent_too(settings, witness_dir):
    settings.SILLOK_CHECKPOINT_EVERY = 4
    append_entries(8)
    deliver_pending()
    assert sorted(p.name[-17:-5] for p in witness_dir.iterdir()) == ["000000000004", "000000000008"]


def test_a_witness_that_is_down_is_retried_and_reported_by_verify(settings):
    settings.SILLOK_CHECKPOINT_WITNESSES = ["http://127.0.0.1:9/witness/checkpoints"]
    append_entries(2)
    checkpoint = create_checkpoint(None)
    assert deliver_pending() == {"delivered": 0, "failed": 1}
    delivery = CheckpointDelivery.objects.get(seq=checkpoint.seq)
    assert delivery.delivered_at is None and delivery.attempts == 1 and delivery.last_error
    report = verify_repository(check_blobs=False)
    assert report.ok  # a witness being down is not tampering
    [pending] = problems(report, "checkpoint_not_witnessed")
    assert pending.severity == "info" and pending.source == settings.SILLOK_CHECKPOINT_WITNESSES[0]


def test_a_mistyped_witness_is_refused_at_configuration(settings):
    from django.core.exceptions import ImproperlyConfigured

    from sillok.custody.witness import configured_witnesses

    settings.SILLOK_CHECKPOINT_WITNESSES = ["ftp://example.org/"]
    with pytest.raises(ImproperlyConfigured, match="ftp://example.org/"):
        configured_witnesses()


def _rewrite_everything_and_resign() -> None:
    """An intruder with the database and the key: rewrite every entry, re-sign checkpoints."""
    with lifted_triggers(connection):
        prev = "0" * 64
        for entry in AuditEntry.objects.order_by("seq"):
            entry.action, entry.prev_hash = "rewritten", prev
            new_hash = entry_hash_of(entry)
            AuditEntry.objects.filter(seq=entry.seq).update(
                action="rewritten", prev_hash=prev, entry_hash=new_hash
            )
            prev = new_hash
        AuditHead.objects.update(entry_hash=prev)
        seqs = list(AuditCheckpoint.objects.values_list("seq", flat=True))
        AuditCheckpoint.objects.all().delete()
        for seq in seqs:
            checkpoints.sign_checkpoint(
                seq=seq, entry_hash=AuditEntry.objects.get(seq=seq).entry_hash
            )


def test_a_rewritten_and_resigned_chain_passes_alone_but_not_against_the_witness_folder(
    witness_dir, capsys
):
    append_entries(5)
    create_checkpoint(None)
    deliver_pending()
    _rewrite_everything_and_resign()
    assert verify_repository(check_blobs=False).ok  # what the key holder can forge
    with pytest.raises(SystemExit) as exit_info:
        call_command("verify", "--json", "--skip-blobs", "--checkpoint", str(witness_dir))
    assert exit_info.value.code == 1
    report = json.loads(capsys.readouterr().out)
    assert [p["kind"] for p in report["problems"]] == ["external_checkpoint_mismatch"]
    assert report["checked"]["external_checkpoints"] == 1


def test_verify_refuses_an_empty_checkpoint_folder(tmp_path, capsys):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="no checkpoint files"):
        call_command("verify", "--skip-blobs", "--checkpoint", str(tmp_path))


# --- This instance as a witness for another repository -----------------------------------


@pytest.fixture
def as_witness(settings):
    settings.SILLOK_WITNESS_FOR = [signing_key().fingerprint]


def _post(client, document):
    return client.post(
        "/witness/checkpoints", data=json.dumps(document), content_type="application/json"
    )


def _forged(document: dict, entry_hash: str) -> dict:
    """The same seq with another hash, properly signed: what a rewritten repository sends."""
    statement = {**document["statement"], "entry_hash": entry_hash}
    key = signing_key()
    signature = key.private.sign(checkpoints.signed_bytes(statement))
    return {**document, "statement": statement, "signature": base64.b64encode(signature).decode()}


def test_a_witness_keeps_a_checkpoint_once_and_refuses_a_second_history(
    client, as_witness, settings
):
    settings.ADMINS = ["security@example.org"]
    append_entries(2)
    document = export_document(create_checkpoint(None))
    assert _post(client, document).status_code == 201
    assert _post(client, document).status_code == 200
    forged = _post(client, _forged(document, "e" * 64))
    assert forged.status_code == 409
    assert "rewritten" in forged.json()["detail"]
    assert WitnessedCheckpoint.objects.get().entry_hash == document["statement"]["entry_hash"]
    assert "rewritten" in mail.outbox[-1].subject


def test_a_witness_refuses_unknown_keys_bad_signatures_and_garbage(client, as_witness, settings):
    append_entries(1)
    document = export_document(create_checkpoint(None))
    tampered = {**document, "statement": {**document["statement"], "seq": 99}}
    assert _post(client, tampered).status_code == 422
    assert (
        client.post(
            "/witness/checkpoints", data=b"\xff\xfe", content_type="application/json"
        ).status_code
        == 422
    )
    assert client.get("/witness/checkpoints").status_code == 405
    settings.SILLOK_WITNESS_FOR = ["0" * 64]
    assert _post(client, document).status_code == 403
    settings.SILLOK_WITNESS_FOR = []
    assert _post(client, document).status_code == 404
    assert not WitnessedCheckpoint.objects.exists()


def test_kept_checkpoints_are_append_only():
    from django.db import IntegrityError, transaction

    kept = WitnessedCheckpoint.objects.create(
        key_fingerprint="a" * 64, seq=1, entry_hash="b" * 64, document={}
    )
    for change in (
        lambda: WitnessedCheckpoint.objects.filter(pk=kept.pk).update(entry_hash="c" * 64),
        lambda: WitnessedCheckpoint.objects.filter(pk=kept.pk).delete(),
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            change()


@pytest.mark.django_db(transaction=True)
def test_checkpoints_travel_over_http_to_a_live_witness_and_back_into_verify(
    live_server, settings, tmp_path, capsys
):
    settings.SILLOK_WITNESS_FOR = [signing_key().fingerprint]
    settings.SILLOK_CHECKPOINT_WITNESSES = [f"{live_server.url}/witness/checkpoints"]
    append_entries(3)
    checkpoint = create_checkpoint(None)
    assert deliver_pending() == {"delivered": 1, "failed": 0}
    assert WitnessedCheckpoint.objects.get().seq == checkpoint.seq
    out = tmp_path / "from-witness"
    call_command("witness", "export", "--key", signing_key().fingerprint, "--out", str(out))
    capsys.readouterr()
    call_command("verify", "--json", "--skip-blobs", "--checkpoint", str(out))  # exit 0
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] and report["checked"]["external_checkpoints"] == 1


class _Refusing(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        self.rfile.read(int(self.headers["Content-Length"]))
        body = json.dumps({"detail": "disk full"}).encode()
        self.send_response(507)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def test_a_witness_answering_an_error_is_recorded_with_its_reason(settings):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Refusing)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/witness/checkpoints"
        settings.SILLOK_CHECKPOINT_WITNESSES = [url]
        append_entries(1)
        checkpoint = create_checkpoint(None)
        assert deliver_pending()["failed"] == 1
        delivery = CheckpointDelivery.objects.get(seq=checkpoint.seq)
        assert "507" in delivery.last_error and "disk full" in delivery.last_error
    finally:
        server.shutdown()


def test_a_sending_repository_needs_no_session_or_csrf_token(as_witness):
    from django.test import Client

    append_entries(1)
    document = export_document(create_checkpoint(None))
    assert _post(Client(enforce_csrf_checks=True), document).status_code == 201
