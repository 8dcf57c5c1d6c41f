"""Custody events and item files edited, deleted or inserted behind the triggers' back.

An intruder with database access can drop the append-only triggers (as `lifted_triggers`
does); the audit entries still hold the true facts, and `sillok verify` must compare the
rows with them and name every difference by table, seq and item.
"""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from django.db import connection

from sillok.custody.models import AuditEntry, AuditHead, Blob
from sillok.custody.triggers import lifted_triggers
from sillok.custody.verify import verify_repository
from sillok.evidence.models import (
    CustodyAction,
    CustodyEvent,
    DerivationJob,
    FileRole,
    ItemFile,
)

pytestmark = pytest.mark.django_db


def verify():
    return verify_repository(check_blobs=False)


def problems(report, kind):
    return [p for p in report.problems if p.kind == kind]


@pytest.fixture
def two_items(ingest, files, documentation_officer):
    """Two items ingested, and one of them ingested a second time (a duplicate intake)."""
    results = ingest(documentation_officer, files / "증언_2019년.txt", files / "photo.png")
    ingest(documentation_officer, files / "photo.png")
    assert [r.status for r in results] == ["new", "new"]
    assert verify().ok
    return [r.item for r in results]


def test_an_untouched_repository_verifies_with_every_event_and_file_counted(two_items):
    report = verify()
    assert report.ok, report.as_dict()
    assert report.checked["custody_events"] == 3
    assert report.checked["item_files"] == 2


def test_an_intake_event_with_a_forged_actor_place_and_reason_is_named(two_items, analyst):
    event = CustodyEvent.objects.get(item_id=two_items[0], action=CustodyAction.INTAKE)
    with lifted_triggers(connection):
        CustodyEvent.objects.filter(pk=event.pk).update(
            actor=analyst, actor_name="analyst", place="10.0.0.9", reason="found on the street"
        )
    report = verify()
    assert not report.ok
    [problem] = problems(report, "custody_event_altered")
    assert (problem.seq, problem.item, problem.row) == (event.audit_seq, two_items[0], event.pk)
    assert problem.fields == ("actor_id", "actor_name", "place", "reason")


def test_an_event_with_a_changed_time_or_details_is_named(two_items):
    event = CustodyEvent.objects.get(item_id=two_items[1], action=CustodyAction.INTAKE)
    with lifted_triggers(connection):
        CustodyEvent.objects.filter(pk=event.pk).update(
            occurred_at=event.occurred_at.replace(year=2019), details={"filename": "other.png"}
        )
    [problem] = problems(verify(), "custody_event_altered")
    assert problem.fields == ("details", "time")


def test_a_deleted_duplicate_intake_event_is_named_by_its_seq_and_item(two_items):
    event = CustodyEvent.objects.get(action=CustodyAction.DUPLICATE_INTAKE)
    with lifted_triggers(connection):
        CustodyEvent.objects.filter(pk=event.pk).delete()
    report = verify()
    assert not report.ok
    [problem] = problems(report, "custody_event_missing")
    assert (problem.seq, problem.item) == (event.audit_seq, two_items[1])


def test_an_inserted_event_is_named_whichever_entry_it_claims(two_items):
    intake = CustodyEvent.objects.get(item_id=two_items[0], action=CustodyAction.INTAKE)
    blob_entry = AuditEntry.objects.filter(action="blob.stored").order_by("seq").first()
    with lifted_triggers(connection):
        # One claims an entry that records something else, one an entry that does not exist.
        for seq in (blob_entry.seq, 10_000):
            CustodyEvent.objects.create(
                item_id=two_items[0],
                action=CustodyAction.TRANSFER,
                actor_name="intruder",
                channel="web",
                audit_seq=seq,
                occurred_at=intake.occurred_at,
            )
    report = verify()
    found = problems(report, "custody_event_unaudited")
    assert sorted(p.seq for p in found) == [blob_entry.seq, 10_000]
    assert {p.item for p in found} == {two_items[0]}


def test_originals_of_two_items_swapped_are_named_as_altered_files(two_items):
    first = ItemFile.objects.get(item_id=two_items[0], role=FileRole.ORIGINAL)
    second = ItemFile.objects.get(item_id=two_items[1], role=FileRole.ORIGINAL)
    with lifted_triggers(connection), connection.cursor() as cursor:
        # Two plain UPDATEs, as an intruder would write them; the unique index on originals'
        # hashes is dodged with a temporary value.
        table = ItemFile._meta.db_table
        cursor.execute(f"UPDATE {table} SET sha256 = 'x' WHERE id = %s", [first.pk])
        cursor.execute(
            f"UPDATE {table} SET blob_id = %s, sha256 = %s WHERE id = %s",
            [first.blob_id, first.sha256, second.pk],
        )
        cursor.execute(
            f"UPDATE {table} SET blob_id = %s, sha256 = %s WHERE id = %s",
            [second.blob_id, second.sha256, first.pk],
        )
    report = verify()
    assert not report.ok
    altered = {p.row: p for p in problems(report, "item_file_altered")}
    assert set(altered) == {first.pk, second.pk}
    assert {"blob", "sha256"} <= set(altered[first.pk].fields)
    assert altered[first.pk].item == two_items[0]
    events = {p.item for p in problems(report, "custody_event_altered")}
    assert events == set(two_items)


def test_a_file_whose_size_type_or_name_was_edited_is_named(two_items):
    original = ItemFile.objects.get(item_id=two_items[0], role=FileRole.ORIGINAL)
    with lifted_triggers(connection):
        ItemFile.objects.filter(pk=original.pk).update(
            size=1, media_type="application/pdf", original_filename="forged.pdf"
        )
    [problem] = problems(verify(), "item_file_altered")
    assert problem.fields == ("media_type", "name", "size")


def test_an_inserted_file_row_is_named_as_unaudited(two_items):
    original = ItemFile.objects.get(item_id=two_items[0], role=FileRole.ORIGINAL)
    blob = Blob.objects.exclude(pk=original.blob_id).first()
    with lifted_triggers(connection):
        forged = ItemFile.objects.create(
            item_id=two_items[0],
            role=FileRole.DERIVATIVE,
            blob=blob,
            sha256=blob.sha256,
            size=blob.size,
            media_type="text/plain",
            kind="text",
            derived_from=original,
        )
    [problem] = problems(verify(), "item_file_unaudited")
    assert (problem.row, problem.item) == (forged.pk, two_items[0])


def test_a_deleted_file_row_and_its_events_are_named(two_items):
    original = ItemFile.objects.get(item_id=two_items[0], role=FileRole.ORIGINAL)
    intake = CustodyEvent.objects.get(file=original, action=CustodyAction.INTAKE)
    with lifted_triggers(connection):
        CustodyEvent.objects.filter(file=original).delete()
        DerivationJob.objects.filter(source=original).delete()
        ItemFile.objects.filter(pk=original.pk).delete()
    report = verify()
    [missing_file] = problems(report, "item_file_missing")
    assert (missing_file.row, missing_file.item, missing_file.seq) == (
        original.pk,
        two_items[0],
        intake.audit_seq,
    )
    assert [p.seq for p in problems(report, "custody_event_missing")] == [intake.audit_seq]


def test_verify_json_names_table_item_seq_and_fields(two_items, capsys):
    event = CustodyEvent.objects.get(item_id=two_items[0], action=CustodyAction.INTAKE)
    with lifted_triggers(connection):
        CustodyEvent.objects.filter(pk=event.pk).update(reason="forged")
    with pytest.raises(SystemExit) as exit_info:
        call_command("verify", "--json", "--skip-blobs")
    assert exit_info.value.code == 1
    report = json.loads(capsys.readouterr().out)
    [problem] = [p for p in report["problems"] if p["kind"] == "custody_event_altered"]
    assert problem == {
        "kind": "custody_event_altered",
        "severity": "error",
        "message": problem["message"],
        "seq": event.audit_seq,
        "table": "evidence_custodyevent",
        "row": event.pk,
        "item": two_items[0],
        "fields": ["reason"],
    }


def test_rows_beyond_a_rewound_head_are_reported_and_ingest_refuses(
    two_items, ingest, files, documentation_officer, capsys
):
    """The issue's case: the newest entries deleted and the head moved back onto the entry
    before them. Verify reports it as JSON (exit 1); ingest refuses with a clear message."""
    from sillok.custody.audit import AuditLogInconsistent

    last_event = CustodyEvent.objects.order_by("-audit_seq").first()
    keep = last_event.audit_seq - 1
    with lifted_triggers(connection):
        AuditEntry.objects.filter(seq__gt=keep).delete()
        kept = AuditEntry.objects.get(seq=keep)
        AuditHead.objects.update(seq=keep, entry_hash=kept.entry_hash)
    with pytest.raises(SystemExit) as exit_info:
        call_command("verify", "--json", "--skip-blobs")
    assert exit_info.value.code == 1
    report = json.loads(capsys.readouterr().out)
    kinds = {p["kind"] for p in report["problems"]}
    assert "custody_event_unaudited" in kinds
    assert "verification_not_recorded" in kinds
    assert AuditHead.objects.get().seq == keep  # verify wrote nothing
    (files / "new.txt").write_text("a new file", encoding="utf-8")
    with pytest.raises(AuditLogInconsistent, match="beyond the audit head"):
        ingest(documentation_officer, files / "new.txt")
    assert AuditHead.objects.get().seq == keep
