"""Signed checkpoints: stored and exported ones catch rewrites; edited ones are caught."""

from __future__ import annotations

import base64
import json

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.db import connection

from sillok.custody import checkpoints
from sillok.custody.checkpoints import (
    CheckpointFileError,
    export_json,
    load_checkpoint_file,
    parse_checkpoint_document,
)
from sillok.custody.models import AuditCheckpoint, AuditEntry, AuditHead
from sillok.custody.services import create_checkpoint
from sillok.custody.triggers import lifted_triggers
from sillok.custody.verify import verify_repository
from tests.custody.helpers import append_entries

pytestmark = pytest.mark.django_db


def verify_with(*files):
    return verify_repository(check_blobs=False, checkpoint_files=files)


def kinds(report):
    return {(p.kind, p.seq) for p in report.problems}


def exported(tmp_path, checkpoint, name="checkpoint.json"):
    path = tmp_path / name
    path.write_text(export_json(checkpoint))
    return path


def test_creating_a_checkpoint_records_the_request_and_covers_that_entry():
    append_entries(3)
    checkpoint = create_checkpoint(None, reason="monthly anchoring")
    entry = AuditEntry.objects.get(seq=checkpoint.seq)
    assert checkpoint.seq == 4
    assert entry.action == "audit.checkpoint_created"
    assert entry.details == {"reason": "monthly anchoring"}
    assert checkpoint.entry_hash == entry.entry_hash
    assert verify_with().ok


def test_an_exported_checkpoint_file_checks_out_against_an_untouched_chain(tmp_path):
    append_entries(3)
    path = exported(tmp_path, create_checkpoint(None))
    report = verify_with(load_checkpoint_file(path))
    assert report.ok, report.as_dict()
    assert report.checked["external_checkpoints"] == 1


def test_the_exported_signature_verifies_with_only_the_file_and_the_cryptography_library(
    tmp_path,
):
    append_entries(1)
    document = json.loads(exported(tmp_path, create_checkpoint(None)).read_text())
    public = serialization.load_pem_public_key(document["public_key_pem"].encode())
    signed = json.dumps(
        document["statement"], sort_keys=True, separators=(",", ":"), ensure_ascii=False
    ).encode()
    public.verify(base64.b64decode(document["signature"]), signed)


def test_a_checkpoint_edited_in_the_database_is_caught():
    append_entries(3)
    checkpoint = create_checkpoint(None)
    with lifted_triggers(connection):
        AuditCheckpoint.objects.filter(pk=checkpoint.pk).update(seq=3)
    assert ("checkpoint_signature_invalid", 3) in kinds(verify_with())


def test_a_checkpoint_resigned_with_another_key_is_caught():
    append_entries(2)
    checkpoint = create_checkpoint(None)
    other = Ed25519PrivateKey.generate()
    fingerprint = checkpoints.fingerprint_of(other.public_key())
    statement = checkpoints.statement(
        seq=checkpoint.seq,
        entry_hash=checkpoint.entry_hash,
        created_at=checkpoint.created_at,
        key_fingerprint=fingerprint,
    )
    with lifted_triggers(connection):
        AuditCheckpoint.objects.filter(pk=checkpoint.pk).update(
            key_fingerprint=fingerprint,
            public_key_pem=other.public_key()
            .public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            .decode(),
            signature=base64.b64encode(other.sign(checkpoints.signed_bytes(statement))).decode(),
        )
    assert ("checkpoint_key_unknown", checkpoint.seq) in kinds(verify_with())


def test_an_edited_exported_file_is_caught(tmp_path):
    append_entries(3)
    path = exported(tmp_path, create_checkpoint(None))
    document = json.loads(path.read_text())
    document["statement"]["entry_hash"] = "e" * 64
    path.write_text(json.dumps(document))
    report = verify_with(load_checkpoint_file(path))
    assert [(p.kind, p.source) for p in report.problems] == [
        ("external_checkpoint_signature_invalid", str(path))
    ]


def test_an_exported_file_catches_a_chain_rewritten_and_resigned_inside_the_repository(
    tmp_path,
):
    """Even with the signing key, rewriting history contradicts a file kept elsewhere."""
    append_entries(5)
    checkpoint = create_checkpoint(None)
    path = exported(tmp_path, checkpoint)
    with lifted_triggers(connection):
        AuditEntry.objects.filter(seq=checkpoint.seq).update(entry_hash="d" * 64)
    assert ("external_checkpoint_mismatch", checkpoint.seq) in kinds(
        verify_with(load_checkpoint_file(path))
    )


def test_an_exported_file_catches_a_chain_cut_back_before_it(tmp_path):
    append_entries(3)
    checkpoint = create_checkpoint(None)
    path = exported(tmp_path, checkpoint)
    with lifted_triggers(connection):
        AuditEntry.objects.filter(seq__gte=checkpoint.seq).delete()
        AuditCheckpoint.objects.all().delete()
        last = AuditEntry.objects.order_by("-seq").first()
        AuditHead.objects.update(seq=last.seq, entry_hash=last.entry_hash)
    report = verify_with(load_checkpoint_file(path))
    assert kinds(report) == {("external_checkpoint_entry_missing", checkpoint.seq)}


@pytest.mark.parametrize(
    "content, reason",
    [
        ("not json", "is not JSON"),
        ('{"format": "something else"}', "is not a Sillok checkpoint file"),
        ('{"format": "sillok.audit-checkpoint-file.v1", "statement": {}}', "lacks"),
    ],
)
def test_a_file_that_is_not_a_checkpoint_is_bad_input(tmp_path, content, reason):
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(CheckpointFileError, match=reason):
        load_checkpoint_file(path)


def test_an_unreadable_checkpoint_file_is_bad_input(tmp_path):
    with pytest.raises(CheckpointFileError, match="cannot read"):
        load_checkpoint_file(tmp_path / "missing.json")
    with pytest.raises(CheckpointFileError):
        parse_checkpoint_document([], source="list")
