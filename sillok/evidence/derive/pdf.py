"""PDF checks and text-layer reading shared by the text, OCR and preview derivers.

pypdf reads only the file structure here (header, cross-reference table, encryption, page
boxes), which is cheap; page contents are left to poppler in a subprocess under a timeout,
so a pathological content stream costs a killed process, not a stuck worker.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import pypdf
from pypdf.errors import PyPdfError

from .base import DerivationError
from .tools import file_arg, run_tool

PDF_TYPES = frozenset({"application/pdf", "application/x-pdf"})

# A page "has text" with at least this many non-space characters: fewer is typically a
# scanner's stamp or a page number on an image-only page, which still needs OCR.
_PAGE_TEXT_MIN_CHARS = 16
PDFTOTEXT_TIMEOUT_S = 300

# pypdf logs a warning per malformed object; a damaged or hostile file can produce thousands,
# which would swamp the worker's log. Errors still come through.
logging.getLogger("pypdf").setLevel(logging.ERROR)


@dataclass(frozen=True)
class PdfInfo:
    pages: int
    # (width, height) in points of each page's media box, for choosing a safe render size.
    page_sizes: tuple[tuple[float, float], ...]
    encrypted: bool  # encrypted, but readable with the empty user password


def inspect_pdf(path: Path) -> PdfInfo:
    """Check that `path` is a whole, readable PDF; raise DerivationError saying what is wrong."""
    size = path.stat().st_size
    with path.open("rb") as fh:
        head = fh.read(1024)
        fh.seek(max(0, size - 2048))
        tail = fh.read()
    if b"%PDF-" not in head:
        raise DerivationError("not a PDF: no %PDF- header in the first 1024 bytes")
    if b"%%EOF" not in tail:
        raise DerivationError(
            "the PDF is truncated: no %%EOF marker at its end (incomplete download or copy?)"
        )
    try:
        reader = pypdf.PdfReader(path, strict=False)
        encrypted = reader.is_encrypted
        if encrypted and reader.decrypt("") == pypdf.PasswordType.NOT_DECRYPTED:
            raise DerivationError(
                "the PDF is encrypted with a password; it cannot be read without it"
            )
        sizes = []
        for page in reader.pages:
            box = page.mediabox
            sizes.append((abs(float(box.width)), abs(float(box.height))))
    except DerivationError:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
        raise DerivationError(f"the PDF is damaged and cannot be read ({exc})") from exc
    except NotImplementedError as exc:
        raise DerivationError(f"the PDF uses an unsupported feature ({exc})") from exc
    if not sizes:
        raise DerivationError("the PDF has no pages")
    return PdfInfo(pages=len(sizes), page_sizes=tuple(sizes), encrypted=encrypted)


def pdf_page_texts(path: Path, *, layout: bool = True) -> list[str]:
    """The text layer of every page, via pdftotext (which ends each page with a form feed)."""
    args = ["pdftotext", "-enc", "UTF-8"]
    if layout:
        args.append("-layout")
    proc = run_tool([*args, file_arg(path), "-"], PDFTOTEXT_TIMEOUT_S)
    text = proc.stdout.decode("utf-8", "replace")
    pages = text.split("\f")
    if pages and not pages[-1].strip():
        pages.pop()
    return pages


def page_has_text(page: str) -> bool:
    return sum(1 for c in page if not c.isspace()) >= _PAGE_TEXT_MIN_CHARS


def has_text_layer(pages: list[str], page_count: int) -> bool:
    """At least half the pages carry real text. The text and OCR derivers both decide with
    this, so exactly one of them produces text for any PDF."""
    with_text = sum(1 for page in pages if page_has_text(page))
    return page_count > 0 and with_text * 2 >= page_count
