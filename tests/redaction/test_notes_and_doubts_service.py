"""Through the services and pages: a vault name stored with a note is redacted in Hangul and
romanization, and what the redactor was unsure of reaches the reviewer, in Korean and English."""

from __future__ import annotations

import pytest

from sillok.custody.models import AuditEntry
from sillok.custody.services import open_blob
from sillok.evidence.models import CustodyEvent
from sillok.redaction.services import do_request_redaction
from sillok.vault.services import do_add_field

pytestmark = pytest.mark.django_db

NOTED = "최진수 (가명 아님, 테스트)"
TEXT = (
    "증인 최진수가 2016년에 말했다. 연락처 010-\n1234-5678.\n"
    "The witness Choe Jin-su left; 진수는 남았다. 최진슈라는 이름도 나온다.\n"
    "수감번호 7654321.\n"
)


@pytest.fixture
def noted_witness(vault_keeper):
    entry, _ = do_add_field(vault_keeper, "W-2", "real_name", NOTED, kind="witness")
    return entry


def _content(file) -> str:
    with open_blob(file.sha256) as stream:
        return stream.read().decode()


def test_the_issues_vault_name_with_a_note_is_redacted_in_hangul_and_romanization(
    analyst, documentation_officer, make_item, noted_witness
):
    item = make_item(documentation_officer, texts={"text": TEXT})
    [review] = do_request_redaction(analyst, item).reviews
    text = _content(review.redacted)
    for secret in ("최진수", "Choe Jin-su", "010", "5678"):
        assert secret not in text
    assert "[NAME]가 2016년에 말했다" in text and "The witness [NAME] left" in text
    # The note's words are not names: they are nowhere to redact, and nothing else went.
    assert "2016년" in text and "남았다" in text


def test_what_the_redactor_was_unsure_of_is_stored_with_the_copy(
    analyst, documentation_officer, make_item, noted_witness
):
    item = make_item(documentation_officer, texts={"text": TEXT})
    [review] = do_request_redaction(analyst, item).reviews
    text = _content(review.redacted)
    found = {(d["reason"], text[d["start"] : d["end"]]) for d in review.summary["uncertain"]}
    assert found == {
        ("name_romanized", "[NAME]"),
        ("name_partial", "[NAME]"),
        ("name_similar", "최진슈"),
        ("number_unmatched", "7654321"),
    }
    assert review.redacted.details["uncertain"] == 4
    # Offsets and reasons only: no name in the summary, provenance, audit or custody.
    stored = repr([review.summary, review.redacted.params, review.redacted.details])
    stored += repr(list(AuditEntry.objects.values_list("details", flat=True)))
    stored += repr(list(CustodyEvent.objects.values_list("details", flat=True)))
    for secret in ("최진수", "Choe", "진수", "가명"):
        assert secret not in stored


def test_ocr_text_recognised_with_low_confidence_is_a_doubt(
    analyst, documentation_officer, make_item, noted_witness
):
    from tests.redaction.conftest import _file

    item = make_item(documentation_officer)
    _file(
        item,
        documentation_officer,
        "흐릿한 글자 최진수".encode(),
        "text/plain; charset=utf-8",
        role="derivative",
        kind="ocr",
        derived_from=item.files.get(role="original"),
        tool="tesseract",
        details={"pages": [{"confidence": 91.0}, {"confidence": 42.5}], "mean_confidence": 66},
    )
    [review] = do_request_redaction(analyst, item).reviews
    assert {"reason": "ocr_low_confidence", "page": 2, "confidence": 42.5} in review.summary[
        "uncertain"
    ]


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", ["Check first: 4 places the redactor was unsure of", "one syllable away"]),
        ("ko", ["먼저 확인하세요: 가림 처리기가 확신하지 못한 곳 4군데", "한 음절만 다릅니다"]),
    ],
)
def test_the_review_page_lists_the_doubts_and_marks_them_in_the_text(
    analyst,
    legal_expert,
    documentation_officer,
    make_item,
    noted_witness,
    client_for,
    language,
    expected,
):
    item = make_item(documentation_officer, texts={"text": TEXT})
    [review] = do_request_redaction(analyst, item).reviews
    page = (
        client_for(legal_expert)
        .get(f"/redaction/{review.pk}/", HTTP_ACCEPT_LANGUAGE=language)
        .content.decode()
    )
    for phrase in expected:
        assert phrase in page
    assert '<mark class="doubt doubt-name_similar" id="doubt-' in page
    assert 'href="#doubt-' in page and "7654321" in page
    assert "최진수" not in page and "Choe Jin-su" not in page


def test_the_outsider_sees_no_review_and_no_doubts(
    outsider, analyst, documentation_officer, make_item, noted_witness, client_for
):
    item = make_item(documentation_officer, texts={"text": TEXT})
    [review] = do_request_redaction(analyst, item).reviews
    response = client_for(outsider).get(f"/redaction/{review.pk}/")
    assert response.status_code in (403, 404)
    assert "7654321" not in response.content.decode()
