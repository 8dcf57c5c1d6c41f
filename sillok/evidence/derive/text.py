"""The text deriver: the text a file already carries (PDF text layer, DOCX, HTML, plain text,
HWP/HWPX), as one UTF-8 NFC .txt file. Images and scanned PDFs are the OCR deriver's job."""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable
from importlib.metadata import PackageNotFoundError as DistributionNotFound
from importlib.metadata import version as dist_version
from pathlib import Path
from typing import Any

import docx
import olefile
from bs4 import BeautifulSoup, NavigableString
from bs4.element import CData
from docx.opc.exceptions import PackageNotFoundError
from docx.oxml.ns import qn
from docx.table import Table
from docx.text.paragraph import Paragraph
from lxml import etree

from . import hwp
from .base import Derivation, DerivationError, DeriverUnavailable
from .pdf import PDF_TYPES, has_text_layer, inspect_pdf, pdf_page_texts
from .textutil import clean_text, decode_text, write_text_output
from .tools import bare_type, check_regular_file, probe_version

PLAIN_TYPES = frozenset(
    {"text/plain", "text/csv", "text/markdown", "text/x-markdown", "text/tab-separated-values"}
)
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
DOCX_TYPES = frozenset({"application/vnd.openxmlformats-officedocument.wordprocessingml.document"})
ALL_TYPES = (
    PDF_TYPES | PLAIN_TYPES | HTML_TYPES | DOCX_TYPES
    | hwp.HWP_TYPES | hwp.OLE_TYPES | hwp.HWPX_TYPES
)  # fmt: skip

# Reading a text or HTML file whole is fine up to here; beyond, it is not a document.
MAX_TEXT_INPUT_BYTES = 256 * 1024 * 1024
# Declared uncompressed size of all DOCX parts: python-docx loads every part into memory.
MAX_DOCX_UNCOMPRESSED_BYTES = 512 * 1024 * 1024
_MAX_TABLE_DEPTH = 8

_LIBRARIES = ("pypdf", "python-docx", "beautifulsoup4", "lxml", "olefile", "defusedxml",
              "charset-normalizer")  # fmt: skip


class TextDeriver:
    name = "text"
    tool = "sillok-text"  # several extractors; details["extractor"] names the one used

    def applies_to(self, media_type: str) -> bool:
        return bare_type(media_type) in ALL_TYPES

    def tool_version(self) -> str:
        versions = []
        for name in _LIBRARIES:
            try:
                versions.append(f"{name} {dist_version(name)}")
            except DistributionNotFound as exc:
                raise DeriverUnavailable(f"{name} is not installed") from exc
        versions.append("pdftotext " + probe_version(["pdftotext", "-v"], r"version ([\d.]+)"))
        return "; ".join(versions)

    def params(self) -> dict[str, Any]:
        return {"pdf_layout": True, "pdf_text_layer": "at least half the pages"}

    def run(self, source: Path, media_type: str, workdir: Path) -> Derivation:
        check_regular_file(source)
        kind = bare_type(media_type)
        extract = self._extractor(kind, source)
        if extract is None:
            return Derivation(details={"skipped": "an OLE compound file that is not HWP"})
        text, details = extract(source)
        cleaned = clean_text(text) if text is not None else ""
        if not cleaned:
            details.setdefault("empty", "the file carries no text")
            return Derivation(details=details)
        output = write_text_output(workdir, "text.txt", "text", cleaned, details)
        return Derivation(files=[output], details=details)

    def _extractor(
        self, kind: str, source: Path
    ) -> Callable[[Path], tuple[str | None, dict[str, Any]]] | None:
        if kind in PDF_TYPES:
            return pdf_text
        if kind in DOCX_TYPES:
            return docx_text
        if kind in HTML_TYPES:
            return html_text
        if kind in PLAIN_TYPES:
            return plain_text
        if kind in hwp.HWPX_TYPES:
            return hwp.hwpx_text
        if kind in hwp.HWP_TYPES or kind in hwp.OLE_TYPES:
            if hwp.is_hwp5(source):
                return hwp.hwp5_text
            hwp.refuse_hwp3(source)
            if kind in hwp.OLE_TYPES:
                return None
            if olefile.isOleFile(str(source)):
                raise DerivationError(
                    "the file has no readable FileHeader stream (damaged, or not HWP)"
                )
            raise DerivationError("not an HWP 5 document: not an OLE compound file")
        raise DerivationError(f"text extraction does not handle {kind} files")


def pdf_text(path: Path) -> tuple[str | None, dict[str, Any]]:
    info = inspect_pdf(path)
    pages = pdf_page_texts(path)
    details: dict[str, Any] = {"extractor": "pdftotext", "pages": info.pages}
    if info.encrypted:
        details["encrypted"] = "owner password only; read without a password"
    if not has_text_layer(pages, info.pages):
        details["text_layer"] = False
        details["empty"] = "the PDF has no text layer (scanned?); the ocr deriver reads it"
        return None, details
    return "\f".join(pages), details


def plain_text(path: Path) -> tuple[str, dict[str, Any]]:
    text, encoding = decode_text(_read_bounded(path))
    return text, {"extractor": "charset-normalizer", "encoding": encoding}


def _read_bounded(path: Path) -> bytes:
    if path.stat().st_size > MAX_TEXT_INPUT_BYTES:
        raise DerivationError(
            f"the file is larger than {MAX_TEXT_INPUT_BYTES // 2**20} MB; "
            "text is not extracted from files this large"
        )
    return path.read_bytes()


def docx_text(path: Path) -> tuple[str, dict[str, Any]]:
    _check_zip_bounds(path, MAX_DOCX_UNCOMPRESSED_BYTES)
    try:
        document = docx.Document(str(path))
    except (PackageNotFoundError, ValueError, KeyError, etree.XMLSyntaxError) as exc:
        raise DerivationError(f"the Word document cannot be opened ({exc})") from exc
    lines: list[str] = []
    _block_text(document.element.body, document, lines, depth=0)
    return "\n".join(lines), {"extractor": "python-docx"}


def _check_zip_bounds(path: Path, limit: int) -> None:
    try:
        with zipfile.ZipFile(path) as zf:
            total = sum(info.file_size for info in zf.infolist())
    except zipfile.BadZipFile as exc:
        raise DerivationError(f"the file is not a valid zip container ({exc})") from exc
    if total > limit:
        raise DerivationError(
            f"the document unpacks to more than {limit // 2**20} MB; refused as a likely "
            "decompression bomb"
        )


def _block_text(element: Any, parent: Any, out: list[str], depth: int) -> None:
    """Paragraphs and tables in document order (python-docx lists them separately)."""
    for child in element.iterchildren():
        if child.tag == qn("w:p"):
            out.append(Paragraph(child, parent).text)
        elif child.tag == qn("w:tbl") and depth < _MAX_TABLE_DEPTH:
            _table_text(Table(child, parent), out, depth)
        elif child.tag == qn("w:sdt"):
            content = child.find(qn("w:sdtContent"))
            if content is not None:
                _block_text(content, parent, out, depth)


def _table_text(table: Table, out: list[str], depth: int) -> None:
    # Merged cells come back once per grid position; keyed by element so each prints once.
    # The dict holds the elements, which keeps their ids stable while we compare.
    seen: dict[int, Any] = {}
    for row in table.rows:
        cells = []
        for cell in row.cells:
            if id(cell._tc) in seen:
                continue
            seen[id(cell._tc)] = cell._tc
            inner: list[str] = []
            _block_text(cell._tc, cell, inner, depth + 1)
            cells.append(" ".join(line for line in inner if line.strip()))
        out.append("\t".join(cells))


_HTML_DROP = ["script", "style", "noscript", "template", "iframe", "object", "embed", "svg"]
_HTML_BLOCKS = [
    "p", "div", "section", "article", "header", "footer", "aside", "nav", "main", "title",
    "h1", "h2", "h3", "h4", "h5", "h6", "li", "dt", "dd", "tr", "table", "blockquote", "pre",
    "figcaption", "address", "hr",
]  # fmt: skip
_SPACE_RUN = re.compile(r"\s+")
_LINE_SPACE = re.compile(r"[^\S\n\t]+")


def html_text(path: Path) -> tuple[str, dict[str, Any]]:
    """Visible text with block elements on their own lines; HTML source wrapping ignored."""
    soup = BeautifulSoup(_read_bounded(path), "lxml")
    for tag in soup.find_all(_HTML_DROP):
        tag.decompose()
    for string in soup.find_all(string=True):
        if type(string) not in (NavigableString, CData):
            string.extract()  # comments, doctype, processing instructions: not visible
        elif string.find_parent("pre") is None:
            string.replace_with(_SPACE_RUN.sub(" ", string))
    for br in soup.find_all("br"):
        br.replace_with("\n")
    for tag in soup.find_all(_HTML_BLOCKS):
        tag.insert_before("\n")
        tag.insert_after("\n")
    for cell in soup.find_all(["td", "th"]):
        cell.insert_after("\t")
    lines = (_LINE_SPACE.sub(" ", line).strip() for line in soup.get_text().split("\n"))
    details = {"extractor": "beautifulsoup4", "encoding": soup.original_encoding or "utf-8"}
    return "\n".join(line for line in lines if line), details
