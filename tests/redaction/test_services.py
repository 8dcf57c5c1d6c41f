"""Asking for redacted copies and reviewing them: provenance, custody, audit, permissions."""

from __future__ import annotations

import hashlib
import io
import sys
from pathlib import Path

import pytest

from sillok.custody.models import AuditEntry
from sillok.custody.services import open_blob
from sillok.evidence.access import ItemNotFound
from sillok.evidence.models import CustodyEvent, ItemFile
from sillok.redaction.errors import RedactionError, RedactionRefused
from sillok.redaction.models import RedactionReview
from sillok.redaction.services import (
    approved_redacted_files,
    do_request_redaction,
    do_review_redaction,
)
from sillok.vault.services import do_add_field
from tests.redaction.conftest import TESTIMONY

# Every test here has witness W-1 in the real vault (conftest.vault_witness).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("vault_witness")]


def _content(file: ItemFile) -> bytes:
    with open_blob(file.sha256) as stream:
        return stream.read()


def test_a_text_derivative_gets_a_redacted_copy_waiting_for_review(
    analyst, documentation_officer, make_item
):
    item = make_item(documentation_officer, texts={"text": TESTIMONY})
    outcome = do_request_redaction(analyst, item)
    [review] = outcome.reviews
    assert review.status == "pending" and review.method == "text"
    assert review.requested_by == analyst
    # The vault handed its names to the analyst's request, and says so (counts only).
    used = AuditEntry.objects.get(action="vault.used_for_redaction")
    assert used.actor_name == "analyst" and used.details["entries"] == 1
    text = _content(review.redacted).decode()
    for secret in ("김영희", "Kim Young-hee", "010-1234-5678", "850305-2345678", "05/03/1985"):
        assert secret not in text
    assert "[NAME]가 말하기를" in text and "요덕 수용소" in text
    counts = review.summary["counts"]
    assert counts["name"] == 3 and counts["phone"] == 1 and counts["id"] == 1
    assert counts["address"] == 2 and counts["birth_date"] == 2


def test_provenance_and_audit_hold_counts_and_categories_never_the_names(
    analyst, documentation_officer, make_item
):
    item = make_item(documentation_officer, texts={"text": TESTIMONY})
    [review] = do_request_redaction(analyst, item).reviews
    file = review.redacted
    assert (file.role, file.kind, file.derived_from.kind) == ("derivative", "redacted", "text")
    # 김영희 and Kim Young-hee from the vault, and the 15 spellings of 김영희 (RR, MR, common).
    assert file.tool == "sillok-redaction" and file.params["identity_terms"] == 17
    assert file.params["categories"] == ["address", "birth_date", "id", "name", "phone"]
    stored = repr([file.params, file.details, review.summary])
    entries = AuditEntry.objects.filter(action__startswith="redaction.")
    stored += repr(list(entries.values_list("details", flat=True)))
    stored += repr(list(CustodyEvent.objects.filter(item=item).values_list("details", flat=True)))
    for secret in ("김영희", "Kim Young-hee", "Young", "010-1234"):
        assert secret not in stored
    assert entries.get().action == "redaction.requested"
    event = CustodyEvent.objects.get(item=item, file=file)
    assert event.action == "derivation" and event.actor == analyst


def test_a_photo_gets_faces_blurred_and_metadata_removed_and_the_original_stays(
    analyst, documentation_officer, make_item, face_jpeg: Path
):
    data = face_jpeg.read_bytes()
    item = make_item(documentation_officer, original=(data, "image/jpeg"), kind="photo")
    [review] = do_request_redaction(analyst, item).reviews
    assert review.method == "image" and review.summary["faces"] == 1
    assert "GPS:GPSLatitude" in review.summary["removed_metadata"]
    assert review.redacted.params["cascades"] == [
        "haarcascade_frontalface_default.xml",
        "haarcascade_frontalface_alt2.xml",
        "haarcascade_profileface.xml",
    ]
    assert review.redacted.tool_version.startswith("opencv 4.")
    assert review.redacted.details["faces"] == 1
    redacted = _content(review.redacted)
    assert b"GPS" not in redacted and b"Samsung" not in redacted
    original = item.files.get(role="original")
    assert _content(original) == data
    assert original.sha256 == hashlib.sha256(data).hexdigest()


def test_a_pdf_original_gets_a_metadata_free_copy(analyst, documentation_officer, make_item):
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(100, 100)
    writer.add_metadata({"/Author": "Kim Young-hee"})
    buffer = io.BytesIO()
    writer.write(buffer)
    item = make_item(documentation_officer, original=(buffer.getvalue(), "application/pdf"))
    [review] = do_request_redaction(analyst, item).reviews
    assert review.method == "pdf" and "Info:Author" in review.summary["removed_metadata"]
    assert b"Kim Young-hee" not in _content(review.redacted)


def test_asking_twice_gives_the_same_copy_not_a_second_one(
    analyst, documentation_officer, make_item
):
    item = make_item(documentation_officer, texts={"text": TESTIMONY, "ocr": "010-9999-8888"})
    first = do_request_redaction(analyst, item).reviews
    second = do_request_redaction(analyst, item).reviews
    assert [r.pk for r in first] == [r.pk for r in second] and len(first) == 2
    assert item.files.filter(kind="redacted").count() == 2


def test_an_item_with_nothing_to_redact_says_so(analyst, documentation_officer, make_item):
    item = make_item(documentation_officer, original=(b"\x00\x01", "application/octet-stream"))
    with pytest.raises(RedactionError, match="nothing to redact"):
        do_request_redaction(analyst, item)


def test_a_broken_picture_is_left_out_with_its_reason(analyst, documentation_officer, make_item):
    item = make_item(
        documentation_officer,
        original=(b"\xff\xd8\xff\xe0 broken", "image/jpeg"),
        texts={"ocr": "010-1234-5678"},
    )
    outcome = do_request_redaction(analyst, item)
    assert [r.method for r in outcome.reviews] == ["text"]
    [left_out] = outcome.left_out
    assert "cannot be read" in left_out["reason"] or "could not be parsed" in left_out["reason"]


@pytest.mark.parametrize("persona", ["outsider", "partner", "manager", "auditor", "legal_expert"])
def test_only_users_who_may_change_items_may_ask(
    persona, personas, documentation_officer, make_item
):
    item = make_item(documentation_officer, texts={"text": TESTIMONY}, sensitivity="internal")
    with pytest.raises(RedactionRefused):
        do_request_redaction(personas[persona], item)
    assert not RedactionReview.objects.exists()


def test_an_item_the_user_cannot_see_cannot_be_redacted(analyst, admin, make_item):
    item = make_item(admin, texts={"text": TESTIMONY}, sensitivity="strictly_confidential")
    with pytest.raises(ItemNotFound):
        do_request_redaction(analyst, item)


def test_the_requester_cannot_review_their_own_redaction(analyst, documentation_officer, make_item):
    item = make_item(documentation_officer, texts={"text": TESTIMONY})
    [review] = do_request_redaction(analyst, item).reviews
    with pytest.raises(RedactionRefused, match="cannot review"):
        do_review_redaction(analyst, review, "approve")
    review.refresh_from_db()
    assert review.status == "pending" and approved_redacted_files(item) == []


def test_approval_by_someone_else_makes_the_copy_usable_and_is_audited(
    analyst, legal_expert, documentation_officer, make_item
):
    item = make_item(documentation_officer, texts={"text": TESTIMONY})
    [review] = do_request_redaction(analyst, item).reviews
    decided = do_review_redaction(legal_expert, review, "approve", "checked every line")
    assert (decided.status, decided.reviewed_by, decided.note) == (
        "approved",
        legal_expert,
        "checked every line",
    )
    assert approved_redacted_files(item) == [review.redacted]
    entry = AuditEntry.objects.get(action="redaction.approved")
    assert entry.actor_name == "legal_expert" and entry.object_id == str(review.pk)
    assert entry.details["with_note"] is True and "checked" not in repr(entry.details)
    with pytest.raises(RedactionRefused, match="approved already"):
        do_review_redaction(documentation_officer, review, "reject", "too late")


def test_a_rejection_needs_a_reason_and_keeps_the_copy_out_of_use(
    analyst, documentation_officer, make_item
):
    item = make_item(documentation_officer, texts={"text": TESTIMONY})
    [review] = do_request_redaction(analyst, item).reviews
    with pytest.raises(RedactionRefused, match="say why"):
        do_review_redaction(documentation_officer, review, "reject", "  ")
    do_review_redaction(documentation_officer, review, "reject", "misses the nickname")
    review.refresh_from_db()
    assert review.status == "rejected" and approved_redacted_files(item) == []
    assert AuditEntry.objects.filter(action="redaction.rejected").count() == 1


@pytest.mark.parametrize("persona", ["outsider", "partner", "manager", "auditor", "vault_keeper"])
def test_users_without_review_or_change_rights_cannot_review(
    persona, personas, analyst, documentation_officer, make_item
):
    item = make_item(documentation_officer, texts={"text": TESTIMONY}, sensitivity="internal")
    [review] = do_request_redaction(analyst, item).reviews
    with pytest.raises(RedactionRefused):
        do_review_redaction(personas[persona], review, "approve")


def test_the_newest_approved_copy_of_each_source_is_the_one_used(
    analyst, legal_expert, documentation_officer, vault_keeper, make_item
):
    item = make_item(documentation_officer, texts={"text": TESTIMONY})
    [first] = do_request_redaction(analyst, item).reviews
    do_review_redaction(legal_expert, first, "approve")
    # A second witness enters the vault, going by a name the testimony also uses: asking
    # again makes a different copy.
    do_add_field(vault_keeper, "W-2", "other_name", "요덕", kind="witness")
    [second] = do_request_redaction(analyst, item).reviews
    assert second.pk != first.pk
    assert approved_redacted_files(item) == [first.redacted]
    do_review_redaction(legal_expert, second, "approve")
    assert approved_redacted_files(item) == [second.redacted]


def test_end_to_end_from_intake_through_the_real_derivers(
    analyst, legal_expert, documentation_officer, tmp_path, repo_home, face_jpeg
):
    """A text file and a photo taken in as any upload is, derived by the real jobs, then
    redacted: the text derivative gets names and numbers replaced, the photo its face."""
    from sillok.evidence.custody_log import HandlingContext
    from sillok.evidence.derivation import run_file_jobs
    from sillok.evidence.intake import do_ingest_paths
    from sillok.evidence.metadata import ItemMetadata

    (tmp_path / "testimony.txt").write_text(TESTIMONY, encoding="utf-8")
    work = tmp_path / "work"
    work.mkdir()
    results = do_ingest_paths(
        documentation_officer,
        [tmp_path / "testimony.txt", face_jpeg],
        metadata=ItemMetadata(),
        context=HandlingContext(channel="cli", place="test", reason="test intake"),
        workdir=work,
    )
    items = []
    for result in results:
        original = ItemFile.objects.get(sha256=result.sha256, role="original")
        run_file_jobs(original.pk)
        items.append(original.item)
    text_item, photo_item = items
    assert text_item.files.filter(kind="text").exists()
    [text_review] = do_request_redaction(analyst, text_item).reviews
    assert "김영희" not in _content(text_review.redacted).decode()
    # The photo may have an OCR text too; its picture gets its own copy.
    photo_reviews = do_request_redaction(analyst, photo_item).reviews
    [photo_review] = [r for r in photo_reviews if r.method == "image"]
    assert photo_review.summary["faces"] == 1
    for review in (text_review, photo_review):
        do_review_redaction(legal_expert, review, "approve")
    assert approved_redacted_files(photo_item) == [photo_review.redacted]


def test_an_empty_text_is_left_out_not_copied(analyst, documentation_officer, make_item):
    item = make_item(documentation_officer, texts={"ocr": "  \n", "text": "010-1234-5678"})
    outcome = do_request_redaction(analyst, item)
    assert [r.source.kind for r in outcome.reviews] == ["text"]
    assert outcome.left_out[0]["kind"] == "ocr" and "empty" in outcome.left_out[0]["reason"]


def test_a_missing_vault_is_an_error_not_a_text_with_every_name_in_it(
    analyst, documentation_officer, make_item, monkeypatch
):
    item = make_item(documentation_officer, texts={"text": TESTIMONY})
    monkeypatch.setitem(sys.modules, "sillok.vault.services", None)  # import fails
    with pytest.raises(ImportError):
        do_request_redaction(analyst, item)
    assert not RedactionReview.objects.exists()
