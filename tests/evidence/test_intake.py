"""Intake through the one service: new items, duplicates, bad input, custody, permissions."""

from __future__ import annotations

import zipfile
from pathlib import Path

import bagit
import pytest

from sillok.custody.models import AuditEntry, Blob
from sillok.custody.verify import verify_repository
from sillok.evidence.access import ActionRefused
from sillok.evidence.models import CustodyEvent, DerivationJob, Item, ItemFile

pytestmark = pytest.mark.django_db


def test_a_folder_of_korean_and_english_files_becomes_items_with_originals(
    ingest, files, documentation_officer
):
    results = ingest(documentation_officer, files, source="NGO interview 2019")
    assert sorted(r.status for r in results) == ["new", "new", "new"]
    assert Item.objects.count() == 3
    text = ItemFile.objects.get(original_filename="증언_2019년.txt")
    assert text.role == "original"
    assert text.media_type == "text/plain"
    assert text.size == len((files / "증언_2019년.txt").read_bytes())
    assert text.item.source == "NGO interview 2019"
    assert text.item.title == "증언_2019년.txt"
    assert text.item.created_by == documentation_officer
    png = ItemFile.objects.get(original_filename="photo.png")
    assert png.media_type == "image/png" and png.item.kind == "photo"
    # Every intake is a custody event and an audit entry with the same sequence number.
    for event in CustodyEvent.objects.all():
        assert event.action == "intake"
        entry = AuditEntry.objects.get(seq=event.audit_seq)
        assert entry.action == "custody.intake" and entry.object_id == str(event.item_id)
    assert verify_repository().ok


def test_the_same_content_is_stored_once_and_the_second_intake_is_recorded(
    ingest, files, tmp_path, documentation_officer, analyst
):
    first = ingest(documentation_officer, files / "photo.png")[0]
    copy = tmp_path / "same-photo-other-name.png"
    copy.write_bytes((files / "photo.png").read_bytes())
    second = ingest(documentation_officer, copy, source="second partner")[0]
    assert second.status == "duplicate"
    assert second.item == first.item
    assert "already item" in second.reason
    assert Item.objects.count() == 1
    assert Blob.objects.filter(sha256=first.sha256).count() == 1
    events = list(CustodyEvent.objects.filter(item_id=first.item).order_by("pk"))
    assert [e.action for e in events] == ["intake", "duplicate_intake"]
    assert events[1].details["filename"] == "same-photo-other-name.png"
    assert events[1].details["source"] == "second partner"


def test_derivative_jobs_are_queued_once_per_original(ingest, files, documentation_officer):
    from sillok.evidence.derivation import schedule_derivations

    result = ingest(documentation_officer, files / "증언_2019년.txt")[0]
    original = ItemFile.objects.get(item_id=result.item, role="original")
    queued = DerivationJob.objects.filter(source=original).count()
    assert queued >= 2  # at least metadata and text
    schedule_derivations(original)
    assert DerivationJob.objects.filter(source=original).count() == queued


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("empty.txt", b"", "empty"),
        ("truncated.pdf", b"%PDF-1.4\n1 0 obj << /Type /Catalog >>\nendobj\n", "corrupt"),
        ("photo.jpg", b"%PDF-1.4\n%%EOF\n", "type_mismatch"),
        ("bad\x1bname.txt", b"hello", "bad_filename"),
    ],
)
def test_bad_files_are_refused_with_a_specific_reason_and_change_nothing(
    ingest, tmp_path, documentation_officer, name, content, code
):
    folder = tmp_path / "bad"
    folder.mkdir()
    path = folder / name
    path.write_bytes(content)
    before = AuditEntry.objects.count()
    result = ingest(documentation_officer, path)[0]
    assert result.status == "rejected"
    assert result.code == code, result.reason
    assert result.reason
    assert Item.objects.count() == 0 and Blob.objects.count() == 0
    assert AuditEntry.objects.count() == before


def test_an_executable_disguised_as_a_document_is_refused(ingest, tmp_path, documentation_officer):
    fake = tmp_path / "보고서.pdf"
    fake.write_bytes(Path("/bin/true").read_bytes())
    result = ingest(documentation_officer, fake)[0]
    assert (result.status, result.code) == ("rejected", "type_mismatch")
    assert Item.objects.count() == 0


def test_a_file_over_the_size_limit_is_refused(ingest, tmp_path, settings, documentation_officer):
    settings.SILLOK_MAX_UPLOAD_BYTES = 1000
    big = tmp_path / "big.txt"
    big.write_text("x" * 1001)
    result = ingest(documentation_officer, big)[0]
    assert (result.status, result.code) == ("rejected", "too_large")
    assert Blob.objects.count() == 0


def test_a_zip_with_a_path_escape_is_refused_whole(ingest, tmp_path, documentation_officer):
    archive = tmp_path / "evidence.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("good.txt", "fine")
        zf.writestr("../../escape.txt", "evil")
    results = ingest(documentation_officer, archive)
    assert [r.status for r in results] == ["rejected"]
    assert "escape" in results[0].reason
    assert Item.objects.count() == 0
    assert not (tmp_path / "escape.txt").exists()


def test_a_zip_of_korean_named_files_is_expanded_into_items(
    ingest, tmp_path, documentation_officer
):
    archive = tmp_path / "자료.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("증언/첫째.txt", "첫째 증언입니다. First testimony.")
        zf.writestr("증언/둘째.txt", "둘째 증언입니다. Second testimony.")
    results = ingest(documentation_officer, archive)
    assert [r.status for r in results] == ["new", "new"]
    names = set(ItemFile.objects.values_list("original_filename", flat=True))
    assert names == {"첫째.txt", "둘째.txt"}


def _bag(tmp_path: Path) -> Path:
    folder = tmp_path / "bag"
    folder.mkdir()
    (folder / "statement.txt").write_text("증언 내용 testimony", encoding="utf-8")
    (folder / "notes.txt").write_text("interview notes", encoding="utf-8")
    bagit.make_bag(
        str(folder), {"Source-Organization": "Partner NGO Seoul"}, checksums=["sha256"]
    )
    return folder


def test_a_valid_bag_is_ingested_with_the_partner_as_custody_source(
    ingest, tmp_path, documentation_officer
):
    results = ingest(documentation_officer, _bag(tmp_path))
    assert [r.status for r in results] == ["new", "new"]
    for item in Item.objects.all():
        assert item.source == "Partner NGO Seoul"
        event = item.custody_events.get()
        assert event.channel == "bag"
        assert event.details["bag"]["source_organization"] == "Partner NGO Seoul"


def test_a_bag_whose_manifest_does_not_match_is_refused_whole(
    ingest, tmp_path, documentation_officer
):
    bag = _bag(tmp_path)
    (bag / "data" / "statement.txt").write_text("altered", encoding="utf-8")
    results = ingest(documentation_officer, bag)
    assert [r.status for r in results] == ["rejected"]
    assert "statement.txt" in results[0].reason
    assert Item.objects.count() == 0 and Blob.objects.count() == 0


def test_someone_without_the_add_permission_cannot_ingest(ingest, files, analyst, outsider):
    for user in (analyst, outsider):
        with pytest.raises(ActionRefused):
            ingest(user, files / "photo.png")
    assert Item.objects.count() == 0


def test_original_files_and_custody_events_cannot_be_changed_or_deleted(
    ingest, files, documentation_officer
):
    from django.db import DatabaseError, transaction

    ingest(documentation_officer, files / "photo.png")
    original = ItemFile.objects.get()
    event = CustodyEvent.objects.get()
    for statement in (
        lambda: ItemFile.objects.filter(pk=original.pk).update(sha256="0" * 64),
        lambda: ItemFile.objects.filter(pk=original.pk).delete(),
        lambda: CustodyEvent.objects.filter(pk=event.pk).update(reason="rewritten"),
        lambda: Item.objects.filter(pk=original.item_id).delete(),
    ):
        with pytest.raises(DatabaseError), transaction.atomic():
            statement()
    assert ItemFile.objects.get().sha256 == original.sha256


def test_equal_files_in_one_batch_make_one_item_and_one_duplicate(
    ingest, files, tmp_path, documentation_officer
):
    copy = tmp_path / "copy-of-photo.png"
    copy.write_bytes((files / "photo.png").read_bytes())
    results = ingest(documentation_officer, files / "photo.png", copy)
    assert [r.status for r in results] == ["new", "duplicate"]
    assert results[0].item == results[1].item
    stored = AuditEntry.objects.filter(action="blob.stored").order_by("seq")
    assert [e.details["new"] for e in stored] == [True, False]
    assert Blob.objects.count() == 1 and Item.objects.count() == 1
