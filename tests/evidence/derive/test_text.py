from __future__ import annotations

import os
import unicodedata
from pathlib import Path

import pypdf
import pytest

from sillok.evidence.derive import DerivationError
from sillok.evidence.derive.text import TextDeriver
from sillok.evidence.derive.textutil import decode_text, detect_language

from .builders import text_image, write_docx
from .pdf_builder import write_pdf

KOREAN_PAGE = ["인권 침해 기록", "피해자는 서울에서 구금되었다"]
ENGLISH_PAGE = ["Human rights record", "The witness was detained in Seoul"]
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def derive(source: Path, media_type: str, workdir: Path):
    return TextDeriver().run(source, media_type, workdir)


def only_text(result) -> str:
    (output,) = result.files
    assert output.kind == "text"
    assert output.media_type == "text/plain; charset=utf-8"
    assert output.path.parent.name == "work"
    return output.path.read_text("utf-8")


def test_pdf_text_layer_comes_out_page_by_page(tmp_path, workdir):
    pdf = write_pdf(tmp_path / "a.pdf", [KOREAN_PAGE, ENGLISH_PAGE])
    result = derive(pdf, "application/pdf", workdir)
    text = only_text(result)
    first, second = text.split("\f")
    assert "인권 침해 기록" in first and "구금되었다" in first
    assert "Human rights record" in second
    assert result.details == {"extractor": "pdftotext", "pages": 2}


def test_korean_pdf_is_labelled_korean(tmp_path, workdir):
    pdf = write_pdf(tmp_path / "ko.pdf", [KOREAN_PAGE])
    assert derive(pdf, "application/pdf", workdir).files[0].language == "ko"


def test_scanned_pdf_gives_no_text_and_says_ocr_will(tmp_path, workdir):
    scan = tmp_path / "scan.pdf"
    text_image(["Human Rights"], size=40, width=600).save(scan, resolution=150)
    result = derive(scan, "application/pdf", workdir)
    assert result.files == []
    assert result.details["text_layer"] is False
    assert "ocr" in result.details["empty"]
    assert list(workdir.iterdir()) == []


def test_truncated_pdf_is_refused_with_a_specific_message(tmp_path, workdir):
    whole = write_pdf(tmp_path / "whole.pdf", [KOREAN_PAGE, ENGLISH_PAGE]).read_bytes()
    cut = tmp_path / "cut.pdf"
    cut.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(DerivationError, match="truncated: no %%EOF"):
        derive(cut, "application/pdf", workdir)


def test_file_that_is_not_a_pdf_is_refused(tmp_path, workdir):
    fake = tmp_path / "fake.pdf"
    fake.write_bytes(b"<html>not a pdf</html>" * 10)
    with pytest.raises(DerivationError, match="no %PDF- header"):
        derive(fake, "application/pdf", workdir)


def _encrypt(source: Path, target: Path, user_password: str) -> Path:
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(source))
    writer.encrypt(user_password=user_password, owner_password="owner", algorithm="AES-128")
    writer.write(target)
    return target


def test_password_protected_pdf_is_refused(tmp_path, workdir):
    plain = write_pdf(tmp_path / "plain.pdf", [ENGLISH_PAGE])
    locked = _encrypt(plain, tmp_path / "locked.pdf", user_password="secret")
    with pytest.raises(DerivationError, match="encrypted with a password"):
        derive(locked, "application/pdf", workdir)


def test_pdf_with_only_an_owner_password_is_read(tmp_path, workdir):
    plain = write_pdf(tmp_path / "plain.pdf", [ENGLISH_PAGE])
    restricted = _encrypt(plain, tmp_path / "restricted.pdf", user_password="")
    result = derive(restricted, "application/pdf", workdir)
    assert "Human rights record" in only_text(result)
    assert result.details["encrypted"].startswith("owner password only")


def test_docx_paragraphs_and_tables_come_out_in_document_order(tmp_path, workdir):
    text = only_text(derive(write_docx(tmp_path / "r.docx"), DOCX_TYPE, workdir))
    assert text.splitlines() == [
        "인권 침해 보고서",
        "This report documents human rights violations.",
        "이름\tWitness A",
        "병합된 셀 merged cell",  # a merged cell once, not once per grid column
        "마지막 문단 after the table.",
    ]


def test_broken_docx_is_refused(tmp_path, workdir):
    broken = tmp_path / "broken.docx"
    broken.write_bytes(write_docx(tmp_path / "r.docx").read_bytes()[:300])
    with pytest.raises(DerivationError, match="not a valid zip"):
        derive(broken, DOCX_TYPE, workdir)


HTML = """<!DOCTYPE html><html><head><meta charset="euc-kr"><title>증언 기록</title>
<style>p { color: red }</style><script>document.write("SCRIPT_TEXT")</script></head>
<body><!-- COMMENT_TEXT --><h1>인권 &amp; 정의</h1>
<p>The witness
   described the <b>detention</b> in detail.</p><ul><li>첫째</li><li>둘째</li></ul>
<table><tr><td>이름</td><td>Witness A</td></tr></table>line<br>break
<noscript>NOSCRIPT_TEXT</noscript></body></html>"""


def test_html_keeps_visible_text_only(tmp_path, workdir):
    page = tmp_path / "page.html"
    page.write_bytes(HTML.encode("euc-kr"))
    result = derive(page, "text/html", workdir)
    lines = only_text(result).splitlines()
    assert lines == [
        "증언 기록",
        "인권 & 정의",
        "The witness described the detention in detail.",
        "첫째",
        "둘째",
        "이름\tWitness A",
        "line",
        "break",
    ]
    assert result.details["encoding"] == "euc-kr"


SAMPLE = (
    "인권 침해 기록: 증인은 2019년에 서울에서 구금되었다고 말했다. Witness statement, 똠방각하."
)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "cp949"])
def test_plain_text_in_common_korean_encodings_becomes_utf8(tmp_path, workdir, encoding):
    source = tmp_path / "statement.txt"
    source.write_bytes(SAMPLE.encode(encoding))
    result = derive(source, "text/plain", workdir)
    assert only_text(result) == SAMPLE + "\n"
    assert result.files[0].language == "ko"


def test_short_euc_kr_text_is_not_mistaken_for_utf16(tmp_path, workdir):
    source = tmp_path / "note.txt"
    source.write_bytes("Hello 인권".encode("euc-kr"))
    assert only_text(derive(source, "text/plain; charset=unknown", workdir)) == "Hello 인권\n"


def test_decomposed_hangul_is_normalised_to_nfc(tmp_path, workdir):
    source = tmp_path / "nfd.md"
    source.write_text(unicodedata.normalize("NFD", "# 인권\r\n\r\n기록"), encoding="utf-8")
    text = only_text(derive(source, "text/markdown", workdir))
    assert text == "# 인권\n\n기록\n"
    assert unicodedata.is_normalized("NFC", text)


def test_csv_is_text(tmp_path, workdir):
    source = tmp_path / "list.csv"
    source.write_text("이름,날짜\n김,2020-01-01\n", encoding="utf-8")
    assert only_text(derive(source, "text/csv", workdir)) == "이름,날짜\n김,2020-01-01\n"


def test_empty_text_file_gives_no_output(tmp_path, workdir):
    source = tmp_path / "blank.txt"
    source.write_bytes(b"  \n\n ")
    result = derive(source, "text/plain", workdir)
    assert result.files == [] and "empty" in result.details


def test_utf16_bom_with_broken_body_is_refused(tmp_path):
    with pytest.raises(DerivationError, match="byte-order mark"):
        decode_text(b"\xff\xfe" + "인권".encode("utf-16-le") + b"\x00\xd8")


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("피해자는 서울에서 구금되었다", "ko"),
        ("유엔 OHCHR 보고서에 따르면 피해자는 구금되었다", "ko"),
        ("The witness was detained", "en"),
        ("Свидетель был задержан", ""),
        ("12345 !!!", ""),
    ],
)
def test_language_follows_the_dominant_script(text, language):
    assert detect_language(text) == language


@pytest.mark.parametrize(
    ("media_type", "applies"),
    [
        ("application/pdf", True),
        ("text/plain; charset=utf-8", True),
        ("text/html", True),
        (DOCX_TYPE, True),
        ("application/x-hwp", True),
        ("application/CDFV2", True),
        ("application/hwp+zip", True),
        ("image/png", False),
        ("video/mp4", False),
        ("application/zip", False),
    ],
)
def test_text_deriver_applies_to_documents_only(media_type, applies):
    assert TextDeriver().applies_to(media_type) is applies


def test_unhandled_type_is_an_error(tmp_path, workdir):
    source = tmp_path / "x.bin"
    source.write_bytes(b"\0")
    with pytest.raises(DerivationError, match="does not handle image/png"):
        derive(source, "image/png", workdir)


def test_source_that_is_not_a_regular_file_is_refused(tmp_path, workdir):
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)  # a tool reading it would wait forever
    for source in (tmp_path, fifo):
        with pytest.raises(DerivationError, match="not a regular file"):
            derive(source, "text/plain", workdir)
