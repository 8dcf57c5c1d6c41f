"""The audit chain: append-only in the database, and every tampering named by verify."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction

from sillok.custody.audit import GENESIS_HASH, compute_entry_hash, entry_hash_of, record_audit
from sillok.custody.models import AuditCheckpoint, AuditEntry, AuditHead, Blob
from sillok.custody.triggers import installed_triggers, lifted_triggers
from sillok.custody.verify import verify_repository
from tests.custody.helpers import append_entries

pytestmark = pytest.mark.django_db


def verify_chain():
    return verify_repository(check_blobs=False)


def kinds_at(report, kind):
    return [p.seq for p in report.problems if p.kind == kind]


def test_the_audit_head_row_exists_before_anything_is_appended():
    head = AuditHead.objects.get(id=1)
    assert (head.seq, head.entry_hash) == (0, GENESIS_HASH)


def test_appended_entries_form_a_contiguous_verifiable_chain():
    append_entries(5)
    entries = list(AuditEntry.objects.order_by("seq"))
    assert [e.seq for e in entries] == [1, 2, 3, 4, 5]
    assert entries[0].prev_hash == GENESIS_HASH
    assert all(b.prev_hash == a.entry_hash for a, b in zip(entries, entries[1:], strict=False))
    report = verify_chain()
    assert report.ok, report.as_dict()
    assert report.checked["audit_entries"] == 5


def test_the_database_refuses_a_plain_update_of_an_audit_entry():
    append_entries(1)
    with pytest.raises(IntegrityError), transaction.atomic():
        AuditEntry.objects.filter(seq=1).update(action="nothing.happened")
    assert AuditEntry.objects.get(seq=1).action == "test.event"


def test_the_database_refuses_a_plain_delete_of_an_audit_entry():
    append_entries(1)
    with pytest.raises(IntegrityError), transaction.atomic():
        AuditEntry.objects.filter(seq=1).delete()
    assert AuditEntry.objects.filter(seq=1).exists()


def test_the_database_refuses_to_update_or_delete_checkpoints_and_blob_records():
    from sillok.custody.services import create_checkpoint

    create_checkpoint(None)
    Blob.objects.create(sha256="b" * 64, size=1)
    for change in (
        lambda: AuditCheckpoint.objects.update(entry_hash="0" * 64),
        lambda: AuditCheckpoint.objects.all().delete(),
        lambda: Blob.objects.update(size=2),
        lambda: Blob.objects.all().delete(),
        lambda: AuditHead.objects.all().delete(),
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            change()


def test_lifting_the_triggers_restores_exactly_the_same_definitions():
    before = installed_triggers(connection)
    assert before, "migration 0004 installs the triggers"
    with lifted_triggers(connection):
        assert installed_triggers(connection) == []
    assert installed_triggers(connection) == before


def test_an_entry_edited_directly_in_the_database_is_caught_and_its_seq_named():
    append_entries(20)
    # An intruder with database access drops the trigger first.
    with lifted_triggers(connection):
        AuditEntry.objects.filter(seq=17).update(details={"i": "something else"})
    report = verify_chain()
    assert not report.ok
    assert kinds_at(report, "audit_entry_altered") == [17]


def test_an_edited_entry_whose_hash_was_recomputed_is_caught_at_the_next_entry():
    append_entries(20)
    entry = AuditEntry.objects.get(seq=17)
    entry.action = "user.nothing_to_see"
    with lifted_triggers(connection):
        AuditEntry.objects.filter(seq=17).update(
            action=entry.action, entry_hash=entry_hash_of(entry)
        )
    report = verify_chain()
    assert kinds_at(report, "audit_entry_altered") == []
    assert kinds_at(report, "audit_chain_broken") == [18]


def test_a_rewritten_tail_with_an_updated_head_is_still_caught_by_a_checkpoint():
    from sillok.custody.services import create_checkpoint

    append_entries(10)
    checkpoint = create_checkpoint(None)
    _rewrite_from(5, action="rewritten")
    report = verify_chain()
    assert kinds_at(report, "audit_entry_altered") == []
    assert kinds_at(report, "audit_chain_broken") == []
    assert kinds_at(report, "checkpoint_mismatch") == [checkpoint.seq]


def _rewrite_from(first: int, *, action: str) -> None:
    """What an intruder who understands the chain does: rewrite and re-hash every later entry."""
    with lifted_triggers(connection):
        prev = AuditEntry.objects.get(seq=first - 1).entry_hash
        for entry in AuditEntry.objects.filter(seq__gte=first).order_by("seq"):
            entry.action, entry.prev_hash = action, prev
            new_hash = entry_hash_of(entry)
            AuditEntry.objects.filter(seq=entry.seq).update(
                action=action, prev_hash=prev, entry_hash=new_hash
            )
            prev = new_hash
        AuditHead.objects.update(entry_hash=prev)


def test_a_deleted_last_entry_is_caught():
    append_entries(5)
    with lifted_triggers(connection):
        AuditEntry.objects.filter(seq=5).delete()
    report = verify_chain()
    assert kinds_at(report, "audit_entry_missing") == [5]


def test_a_deleted_middle_entry_is_caught_and_named():
    append_entries(5)
    with lifted_triggers(connection):
        AuditEntry.objects.filter(seq=3).delete()
    report = verify_chain()
    assert kinds_at(report, "audit_entry_missing") == [3]


def test_a_head_that_disagrees_with_the_last_entry_is_caught():
    append_entries(3)
    AuditHead.objects.update(entry_hash="f" * 64)
    report = verify_chain()
    assert kinds_at(report, "audit_head_mismatch") == [3]


def test_a_missing_head_is_reported_and_appending_refuses_with_a_clear_error():
    from sillok.custody.audit import AuditHeadMissing

    append_entries(2)
    with lifted_triggers(connection):
        AuditHead.objects.all().delete()
    assert kinds_at(verify_chain(), "audit_head_missing") == [2]
    with pytest.raises(AuditHeadMissing):
        record_audit(None, "test.event")


def test_entry_hash_covers_every_field():
    base = dict(
        seq=1,
        created_at=AuditEntry(seq=1).created_at,
        actor_id=None,
        actor_name="system",
        action="a",
        object_type="t",
        object_id="1",
        details={},
        prev_hash=GENESIS_HASH,
    )
    reference = compute_entry_hash(**base)
    for name, other in [
        ("seq", 2),
        ("actor_id", 7),
        ("actor_name", "x"),
        ("action", "b"),
        ("object_type", "u"),
        ("object_id", "2"),
        ("details", {"k": 1}),
        ("prev_hash", "1" * 64),
    ]:
        assert compute_entry_hash(**{**base, name: other}) != reference, name


def test_a_checkpoint_is_written_automatically_every_n_entries(settings):
    settings.SILLOK_CHECKPOINT_EVERY = 4
    append_entries(9)
    assert list(AuditCheckpoint.objects.values_list("seq", flat=True)) == [4, 8]
    assert verify_chain().ok


def test_a_failed_change_leaves_no_audit_entry():
    with pytest.raises(RuntimeError), transaction.atomic():
        record_audit(None, "test.event")
        raise RuntimeError("the change failed")
    assert not AuditEntry.objects.exists()
    assert AuditHead.objects.get().seq == 0
