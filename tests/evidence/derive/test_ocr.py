from __future__ import annotations

import pytest
from PIL import Image

from sillok.evidence.derive import DeriverUnavailable
from sillok.evidence.derive.ocr import OcrDeriver, _scan_dpi, word_confidences

from .builders import text_image
from .pdf_builder import write_pdf

# Words Tesseract reads reliably at 72 px in Noto Sans CJK; assertions use only these.
KOREAN_LINE = "인권 침해 기록"
ENGLISH_LINE = "Human Rights Evidence"


def test_korean_and_english_in_a_png_are_recognised(tmp_path, workdir):
    source = tmp_path / "photo.png"
    text_image([KOREAN_LINE, ENGLISH_LINE]).save(source)
    result = OcrDeriver().run(source, "image/png", workdir)
    (output,) = result.files
    text = output.path.read_text("utf-8")
    assert "인권" in text and "기록" in text
    assert "Human" in text and "Evidence" in text
    assert output.kind == "ocr" and output.media_type == "text/plain; charset=utf-8"
    (page,) = result.details["pages"]
    assert page["page"] == 1 and page["words"] >= 5 and page["confidence"] > 70
    assert page["psm"] == 3
    assert result.details["mean_confidence"] == page["confidence"]
    assert [p.name for p in workdir.iterdir()] == ["ocr.txt"]  # scratch files cleaned up


def test_scanned_pdf_is_read_page_by_page_within_the_page_limit(tmp_path, workdir):
    lines = [[ENGLISH_LINE, "Page one"], [KOREAN_LINE, ENGLISH_LINE], ["Page three"]]
    pages = [text_image(page) for page in lines]
    scan = tmp_path / "scan.pdf"
    pages[0].save(scan, save_all=True, append_images=pages[1:], resolution=300)
    result = OcrDeriver(max_pages=2).run(scan, "application/pdf", workdir)
    first, second = result.files[0].path.read_text("utf-8").split("\f")
    assert "one" in first and "인권" in second and "Evidence" in second
    assert result.details["pages_total"] == 3 and result.details["pages_read"] == 2
    assert [p["dpi"] for p in result.details["pages"]] == [300, 300]


def test_a_lone_line_of_hangul_is_found_by_the_sparse_text_pass(tmp_path, workdir):
    source = tmp_path / "banner.png"
    text_image([KOREAN_LINE]).save(source)
    result = OcrDeriver().run(source, "image/png", workdir)
    assert "인권" in result.files[0].path.read_text("utf-8")
    assert result.details["pages"][0]["psm"] == 11


def test_pdf_with_a_text_layer_is_skipped(tmp_path, workdir):
    pdf = write_pdf(tmp_path / "born-digital.pdf", [["Human rights record of the witness"]])
    result = OcrDeriver().run(pdf, "application/pdf", workdir)
    assert result.files == [] and result.details == {"skipped": "has a text layer"}


def test_every_page_of_a_tiff_is_read(tmp_path, workdir):
    source = tmp_path / "fax.tiff"
    first, second = text_image(["Human"], width=700), text_image(["Evidence"], width=700)
    first.save(source, save_all=True, append_images=[second], compression="tiff_deflate")
    result = OcrDeriver().run(source, "image/tiff", workdir)
    pages = result.files[0].path.read_text("utf-8").split("\f")
    assert "Human" in pages[0] and "Evidence" in pages[1]
    limited = OcrDeriver(max_pages=1).run(source, "image/tiff", workdir)
    assert limited.details["pages_read"] == 1 and limited.details["pages_total"] == 2


def test_camera_resolution_is_ignored_and_scan_resolution_kept():
    assert _scan_dpi((72, 72)) is None and _scan_dpi((96.0, 96.0)) is None
    assert _scan_dpi((299.9994, 299.9994)) == 300
    assert _scan_dpi(None) is None and _scan_dpi("junk") is None


def test_text_on_a_transparent_background_is_read(tmp_path, workdir):
    text = text_image([KOREAN_LINE, ENGLISH_LINE]).convert("L")
    transparent = Image.new("RGBA", text.size, (0, 0, 0, 0))
    transparent.putalpha(text.point(lambda v: 255 - v))  # black text, nothing around it
    source = tmp_path / "screenshot.png"
    transparent.save(source)
    assert "Evidence" in OcrDeriver().run(source, "image/png", workdir).files[0].path.read_text()


def test_blank_image_gives_no_text(tmp_path, workdir):
    source = tmp_path / "blank.png"
    text_image([], width=400).save(source)
    result = OcrDeriver().run(source, "image/png", workdir)
    assert result.files == [] and result.details["empty"] == "no text was recognised"


def test_version_names_tesseract_and_its_language_data():
    version = OcrDeriver().tool_version()
    assert version.startswith("5.") or version[0].isdigit()
    assert "kor " in version and "eng " in version


def test_missing_language_data_makes_the_deriver_unavailable():
    with pytest.raises(DeriverUnavailable, match="'xyz' language data"):
        OcrDeriver(languages="kor+xyz").tool_version()


def test_missing_tesseract_makes_the_deriver_unavailable(tmp_path, monkeypatch, workdir):
    source = tmp_path / "photo.png"
    text_image(["Human"], width=500).save(source)
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    with pytest.raises(DeriverUnavailable, match="tesseract is not installed"):
        OcrDeriver().run(source, "image/png", workdir)


def test_confidence_counts_only_words_with_text():
    tsv = (
        "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight"
        "\tconf\ttext\n"
        "1\t1\t0\t0\t0\t0\t0\t0\t100\t100\t-1\t\n"
        "5\t1\t1\t1\t1\t1\t0\t0\t10\t10\t90.5\t인권\n"
        '5\t1\t1\t1\t1\t2\t0\t0\t10\t10\t70.5\t"quoted\n'
        "5\t1\t1\t1\t1\t3\t0\t0\t10\t10\t12\t \n"
    )
    assert word_confidences(tsv) == [90.5, 70.5]


def test_ocr_applies_to_images_and_pdfs():
    deriver = OcrDeriver()
    assert deriver.applies_to("image/jpeg") and deriver.applies_to("application/pdf")
    assert not deriver.applies_to("video/mp4") and not deriver.applies_to("text/plain")
