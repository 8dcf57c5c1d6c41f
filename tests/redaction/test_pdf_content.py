"""PDF redaction takes the text out of the pages: a phone number or name wrapped over two
lines goes from both, checked with poppler's `pdftotext` (an independent reader)."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter
from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

from sillok.custody.services import open_blob
from sillok.redaction.doubts import PDF_TEXT
from sillok.redaction.pdfs import redact_pdf, scrub_pdf

# `make setup` installs poppler-utils; its absence is a broken setup, not a reason to skip.
assert shutil.which("pdftotext"), "run `make setup`: no pdftotext (poppler-utils)"


def make_pdf(*pages: bytes, font: bool = True) -> bytes:
    """A PDF whose pages draw `pages` (content streams) with Helvetica as /F1."""
    writer = PdfWriter()
    for content in pages:
        page = writer.add_blank_page(612, 792)
        resources = DictionaryObject()
        if font:
            helvetica = DictionaryObject(
                {
                    NameObject("/Type"): NameObject("/Font"),
                    NameObject("/Subtype"): NameObject("/Type1"),
                    NameObject("/BaseFont"): NameObject("/Helvetica"),
                    NameObject("/Encoding"): NameObject("/WinAnsiEncoding"),
                }
            )
            fonts = DictionaryObject({NameObject("/F1"): writer._add_object(helvetica)})
            resources[NameObject("/Font")] = fonts
        page[NameObject("/Resources")] = resources
        stream = DecodedStreamObject()
        stream.set_data(content)
        page[NameObject("/Contents")] = writer._add_object(stream)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def lines(*shown: str) -> bytes:
    """One text object: each string on its own line, 14 points apart."""
    body = " T* ".join(f"({text}) Tj" for text in shown)
    return f"BT /F1 12 Tf 72 720 Td 14 TL {body} ET".encode("latin-1")


def pdftotext(path: Path | str) -> str:
    done = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, timeout=60
    )
    return done.stdout.decode("utf-8")


def redact(tmp_path: Path, data: bytes, terms: list[str] | None = None) -> tuple[dict, str]:
    source = tmp_path / "in.pdf"
    source.write_bytes(data)
    out = tmp_path / "out"
    out.mkdir(exist_ok=True)
    made = redact_pdf(source, out, terms if terms is not None else [])
    return made, pdftotext(made["path"])


def _box_lines(made_path: str) -> int:
    """How many distinct lines (y positions) the black boxes of page 1 sit on."""
    content = PdfReader(made_path).pages[0].get_contents().get_data().decode("latin-1")
    ys = {line.split()[1] for line in content.splitlines() if line.endswith(" re")}
    return len(ys)


def test_the_issues_phone_number_wrapped_over_two_lines_goes_from_both(tmp_path):
    data = make_pdf(lines("Witness statement. Call me on 010-", "1234-5678 after six."))
    assert "010-" in pdftotext(_write(tmp_path, data))  # the test PDF really holds it
    made, text = redact(tmp_path, data)
    for piece in ("010", "1234", "5678"):
        assert piece not in text
    assert "Witness statement. Call me on" in text and "after six." in text
    assert made["counts"]["phone"] == 1 and made["boxes"] == 2
    assert _box_lines(made["path"]) == 2  # one box on each line


@pytest.mark.parametrize(
    "shown",
    [
        ("Phone 010-1234-", "5678 please"),
        ("Phone 010 1234", "5678 please"),
        ("Phone 010 -", "1234 - 5678 please"),
    ],
)
def test_other_wrapped_and_spaced_phone_numbers_go_from_both_lines(tmp_path, shown):
    made, text = redact(tmp_path, make_pdf(lines(*shown)))
    assert "5678" not in text and "1234" not in text and "010" not in text
    assert "Phone" in text and "please" in text and made["counts"]["phone"] == 1


def test_a_vault_name_hyphenated_over_two_lines_goes_from_both(tmp_path):
    data = make_pdf(lines("The witness Choe Jin-", "su was there."))
    made, text = redact(tmp_path, data, ["최진수 (가명 아님, 테스트)", "Choe Jin-su (test)"])
    assert "Choe" not in text and "su was" not in text and "was there." in text
    assert made["counts"]["name"] == 1


def test_kerned_text_in_a_tj_array_is_cut_and_the_rest_stays_in_place(tmp_path):
    content = b"BT /F1 12 Tf 72 720 Td [(Call 010-) 120 (1234-5678) -50 ( now)] TJ ET"
    made, text = redact(tmp_path, make_pdf(content))
    assert "1234" not in text and "Call" in text and "now" in text
    assert made["counts"]["phone"] == 1


def test_pages_without_anything_to_redact_are_left_alone(tmp_path):
    made, text = redact(tmp_path, make_pdf(lines("On 2015.03.05 about 1,200 people moved.")))
    assert "On 2015.03.05 about 1,200 people moved." in text
    assert made["boxes"] == 0 and made["doubts"] == []


def test_a_page_whose_text_cannot_be_read_is_a_doubt(tmp_path):
    made, _ = redact(tmp_path, make_pdf(lines("Call 010-1234-5678"), font=False))
    assert made["doubts"] == [{"reason": PDF_TEXT, "page": 1}]


def test_without_a_plan_the_pdf_is_only_scrubbed_of_metadata(tmp_path):
    source = _write(tmp_path, make_pdf(lines("Call 010-1234-5678")))
    made = scrub_pdf(source, tmp_path)
    assert "010-1234-5678" in pdftotext(made["path"]) and made["boxes"] == 0


def test_a_plan_for_another_pdf_is_refused(tmp_path):
    from sillok.redaction.errors import RedactionError

    source = _write(tmp_path, make_pdf(lines("Call 010-1234-5678")))
    plan = {"pages": [{"removals": {"0": [[5, 8]]}, "runs": 3}]}
    with pytest.raises(RedactionError, match="read differently"):
        scrub_pdf(source, tmp_path, plan)


def _write(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "plain.pdf"
    path.write_bytes(data)
    return path


# --- Through the service --------------------------------------------------------------------


@pytest.mark.django_db
def test_a_pdf_original_is_redacted_with_the_vaults_names_and_the_page_shows_it(
    analyst,
    legal_expert,
    documentation_officer,
    make_item,
    vault_witness,
    client_for,
    tmp_path,
    monkeypatch,
):
    from sillok.redaction import redactors
    from sillok.redaction.services import do_request_redaction

    data = make_pdf(lines("Kim Young-hee: call 010-", "1234-5678.", "Case 1234567 follows."))
    item = make_item(documentation_officer, original=(data, "application/pdf"))
    sent = []
    real = redactors._run_parser

    def spy(target, args):
        sent.append(repr(args))
        return real(target, args)

    monkeypatch.setattr(redactors, "_run_parser", spy)
    [review] = do_request_redaction(analyst, item).reviews
    # The children that parse the PDF never get the vault's names.
    assert len(sent) == 2 and not any("Kim" in a or "김영희" in a or "Young" in a for a in sent)
    assert review.method == "pdf"
    copy = tmp_path / "copy.pdf"
    with open_blob(review.redacted.sha256) as stream:
        copy.write_bytes(stream.read())
    text = pdftotext(copy)
    assert "Kim" not in text and "010" not in text and "5678" not in text
    assert review.summary["counts"]["name"] == 1 and review.summary["counts"]["phone"] == 1
    assert review.summary["uncertain"] == [{"reason": "number_unmatched", "page": 1}]
    assert review.redacted.details["uncertain"] == 1
    client = client_for(legal_expert)
    page = client.get(f"/redaction/{review.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "What was taken out of the pages" in page and "Page 1" in page
    assert "matches no known pattern" in page
    page = client.get(f"/redaction/{review.pk}/", HTTP_ACCEPT_LANGUAGE="ko").content.decode()
    assert "페이지에서 지운 것" in page and "1쪽" in page and "알려진 형식과 맞지 않습니다" in page


def test_text_in_a_form_drawn_on_the_page_is_a_doubt(tmp_path):
    from pypdf.generic import ArrayObject, FloatObject

    writer = PdfWriter(clone_from=io.BytesIO(make_pdf(lines("Visible text"))))
    page = writer.pages[0]
    form = DecodedStreamObject()
    form.set_data(b"BT /F1 12 Tf 0 0 Td (Call 010-1234-5678) Tj ET")
    form.update(
        {
            NameObject("/Type"): NameObject("/XObject"),
            NameObject("/Subtype"): NameObject("/Form"),
            NameObject("/BBox"): ArrayObject([FloatObject(v) for v in (0, 0, 300, 50)]),
            NameObject("/Resources"): page["/Resources"],
        }
    )
    page["/Resources"][NameObject("/XObject")] = DictionaryObject(
        {NameObject("/Fm1"): writer._add_object(form)}
    )
    stream = DecodedStreamObject()
    stream.set_data(page.get_contents().get_data() + b"\nq 1 0 0 1 72 600 cm /Fm1 Do Q")
    page[NameObject("/Contents")] = writer._add_object(stream)
    buffer = io.BytesIO()
    writer.write(buffer)
    made, _ = redact(tmp_path, buffer.getvalue())
    assert made["doubts"] == [{"reason": PDF_TEXT, "page": 1}]
