"""One service stores every derivative (evidence/derivatives.py): a deriver's output and a
redacted copy get the same blob, file row, custody event and audit entries, all or nothing."""

from __future__ import annotations

import io

import pytest

from sillok.custody.audit import lock_head
from sillok.custody.models import AuditEntry, Blob
from sillok.custody.verify import verify_repository
from sillok.evidence import derivatives
from sillok.evidence.custody_log import HandlingContext
from sillok.evidence.derivation import run_file_jobs
from sillok.evidence.derivatives import (
    DerivativeSpec,
    do_store_derivative,
    put_derivative,
    record_derivative,
)
from sillok.evidence.models import CustodyEvent, ItemFile

pytestmark = pytest.mark.django_db

SPEC = DerivativeSpec(
    kind="text",
    media_type="text/plain; charset=utf-8",
    tool="test-tool",
    tool_version="1.0",
    deriver="test",
    params={"lang": "ko"},
    details={"pages": 1},
    language="ko",
    name="out.txt",
)


@pytest.fixture
def original(ingest, files, documentation_officer) -> ItemFile:
    result = ingest(documentation_officer, files / "증언_2019년.txt")[0]
    return ItemFile.objects.get(item_id=result.item, role="original")


def _verified() -> None:
    report = verify_repository(check_blobs=True)
    assert report.ok, report.as_dict()


def test_a_derivative_is_stored_with_its_row_custody_event_and_audit_entries(original, analyst):
    made = do_store_derivative(
        analyst, original, io.BytesIO("증언 요약".encode()), SPEC, HandlingContext("cli")
    )
    assert (made.role, made.kind, made.derived_from, made.item) == (
        "derivative",
        "text",
        original,
        original.item,
    )
    assert (made.tool, made.tool_version, made.params, made.language) == (
        "test-tool",
        "1.0",
        {"lang": "ko"},
        "ko",
    )
    event = CustodyEvent.objects.get(file=made)
    assert event.action == "derivation" and event.actor == analyst
    assert event.details == {
        "deriver": "test",
        "kind": "text",
        "from": original.sha256,
        "sha256": made.sha256,
        "tool": "test-tool",
        "tool_version": "1.0",
    }
    entry = AuditEntry.objects.get(seq=event.audit_seq)
    assert entry.details["file_row"]["id"] == made.pk
    assert AuditEntry.objects.filter(action="blob.stored", object_id=made.sha256).exists()
    _verified()


def test_a_crash_between_the_blob_and_the_rows_leaves_no_half_written_derivative(
    original, analyst, monkeypatch
):
    files_before = ItemFile.objects.count()
    entries_before = AuditEntry.objects.count()

    def crash(*args, **kwargs):
        raise OSError("power cut")

    monkeypatch.setattr(derivatives, "record_custody_event", crash)
    data = "정전 직전의 파생 파일".encode()
    with pytest.raises(OSError, match="power cut"):
        do_store_derivative(analyst, original, io.BytesIO(data), SPEC, HandlingContext("cli"))
    # The blob is in the store, unrecorded; no row, no event, no audit entry says otherwise.
    assert ItemFile.objects.count() == files_before
    assert AuditEntry.objects.count() == entries_before
    put = put_derivative(io.BytesIO(data))
    assert not Blob.objects.filter(sha256=put.sha256).exists()
    _verified()
    # The next store of the same content adopts the blob and completes the record.
    monkeypatch.undo()
    made = do_store_derivative(analyst, original, io.BytesIO(data), SPEC, HandlingContext("cli"))
    stored = AuditEntry.objects.get(action="blob.stored", object_id=made.sha256)
    assert stored.details["new"] is True and stored.details["adopted"] is True
    _verified()


def test_recording_a_derivative_outside_a_transaction_is_refused(original, analyst, monkeypatch):
    from types import SimpleNamespace

    put = put_derivative(io.BytesIO(b"x" * 10))
    # The test itself runs in a transaction: stand for a connection outside any.
    monkeypatch.setattr(
        derivatives.transaction,
        "get_connection",
        lambda: SimpleNamespace(in_atomic_block=False),
    )
    with pytest.raises(RuntimeError, match="inside the caller's transaction"):
        record_derivative(analyst, original, put, SPEC, HandlingContext("cli"))
    monkeypatch.undo()
    assert not ItemFile.objects.filter(sha256=put.sha256).exists()


def test_the_derivation_and_redaction_paths_state_the_same_custody_facts(original, analyst):
    from sillok.redaction.services import do_request_redaction

    assert run_file_jobs(original.pk)["text"] == "done"
    text = ItemFile.objects.get(derived_from=original, kind="text")
    [review] = do_request_redaction(analyst, original.item).reviews
    redacted = review.redacted
    derived_event = CustodyEvent.objects.get(file=text)
    redacted_event = CustodyEvent.objects.get(file=redacted)
    # The same facts in the same shape; a redaction adds only its method.
    assert set(redacted_event.details) - set(derived_event.details) == {"method"}
    assert set(derived_event.details) <= set(redacted_event.details)
    for event, file in ((derived_event, text), (redacted_event, redacted)):
        assert event.action == "derivation"
        assert event.details["sha256"] == file.sha256
        assert event.details["from"] == file.derived_from.sha256
        assert event.details["kind"] == file.kind and event.details["tool"] == file.tool
        assert event.details["tool_version"] == file.tool_version
        entry = AuditEntry.objects.get(seq=event.audit_seq)
        assert entry.details["file_row"]["derived_from"] == file.derived_from_id
        assert AuditEntry.objects.filter(action="blob.stored", object_id=file.sha256).exists()
    assert text.derivation is not None and redacted.derivation is None
    _verified()


def test_a_redaction_that_fails_after_its_blob_leaves_no_redacted_copy(
    original, analyst, monkeypatch
):
    from sillok.redaction.models import RedactionReview
    from sillok.redaction.services import do_request_redaction

    run_file_jobs(original.pk)
    files_before = ItemFile.objects.count()
    events_before = CustodyEvent.objects.count()

    def crash(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(RedactionReview.objects, "create", crash)
    with pytest.raises(OSError, match="disk full"):
        do_request_redaction(analyst, original.item)
    assert ItemFile.objects.count() == files_before
    assert CustodyEvent.objects.count() == events_before
    assert not ItemFile.objects.filter(kind="redacted").exists()
    _verified()


def test_a_stream_and_a_path_store_the_same_content(original, analyst, tmp_path):
    path = tmp_path / "out.txt"
    path.write_bytes("같은 내용".encode())
    put = put_derivative(path)
    assert put.sha256 == put_derivative(io.BytesIO("같은 내용".encode())).sha256
    from django.db import transaction

    with transaction.atomic():
        lock_head()
        made = record_derivative(analyst, original, put, SPEC, HandlingContext("cli"))
    assert made.size == len("같은 내용".encode())
