"""PDFs: a copy whose pages' text has names, phone and ID numbers, addresses and birth dates
taken out and covered (pdfcontent.py), without the document information dictionary (author,
creator tool, dates), XMP metadata, the document id, page-level metadata and annotation
authors. Pure function over files (pypdf parses, nothing runs), fit for the hostile-file
sandbox. The vault's names never enter the sandbox: the child reads the pages' text, the
parent plans what to take out (`plan_pdf`), and a second child applies the plan.

Pictures in the pages (a scanned page, a photograph) are copied as they are: the review page
says so, and lists the pages whose text could not be read.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pypdf
from django.views.decorators.debug import sensitive_variables
from pypdf import PdfReader, PdfWriter
from pypdf.errors import PdfReadError
from pypdf.generic import NameObject

from sillok.redaction.errors import RedactionError
from sillok.redaction.pdfcontent import apply_page, plan_page, read_page
from sillok.redaction.text import PLACEHOLDERS

PAGE_KEYS = ("/Metadata", "/PieceInfo", "/LastModified")
ANNOTATION_KEYS = ("/T", "/M", "/CreationDate", "/RC")  # author, dates, rich-text author


def tool_versions() -> str:
    return f"pypdf {pypdf.__version__}"


def _open(source: str | Path) -> PdfReader:
    reader = PdfReader(str(source))
    if reader.is_encrypted:
        raise RedactionError("the PDF is encrypted: decrypt it before redacting")
    return reader


def read_pdf_text(source: str | Path) -> dict[str, Any]:
    """In the sandbox: every page's text and runs (pdfcontent.read_page), {"pages": [...]}."""
    try:
        return {"pages": [read_page(page) for page in _open(source).pages]}
    except PdfReadError as exc:
        raise RedactionError(f"the PDF cannot be read: {exc}") from None


@sensitive_variables("terms")
def plan_pdf(
    text: dict[str, Any], terms: list[str], romanized: frozenset[str] = frozenset()
) -> dict[str, Any]:
    """In the parent: what to take out of each page read by `read_pdf_text`:
    {"pages": [{"removals", "runs"}], "counts", "doubts" ([{"reason", "page"}])}."""
    pages, counts, doubts = [], dict.fromkeys(PLACEHOLDERS, 0), []
    for number, page in enumerate(text["pages"], start=1):
        planned = plan_page(page, terms, romanized)
        pages.append({"removals": planned["removals"], "runs": len(page["runs"])})
        for category, count in planned["counts"].items():
            counts[category] += count
        doubts += [{"reason": reason, "page": number} for reason in planned["doubts"]]
    return {"pages": pages, "counts": counts, "doubts": doubts}


def scrub_pdf(
    source: str | Path, outdir: str | Path, plan: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Write a metadata-free copy of the PDF `source` into `outdir`, with the text `plan`
    (from `plan_pdf`) names taken out of its pages; describe it: {"path", "media_type",
    "removed_metadata" (names only), "pages", "boxes"}."""
    planned = (plan or {}).get("pages") or []
    try:
        reader = _open(source)
        removed = set()
        for key in reader.metadata or {}:
            removed.add(f"Info:{str(key).lstrip('/')}")
        if "/Metadata" in reader.trailer["/Root"]:
            removed.add("XMP")
        if "/ID" in reader.trailer:
            removed.add("document ID")
        writer = PdfWriter()
        for page in reader.pages:
            writer.add_page(page)
        if planned and len(planned) != len(writer.pages):
            raise RedactionError("the PDF read differently the second time: it was not redacted")
        boxes = 0
        for number, page in enumerate(writer.pages):
            removed |= _clean_page(page)
            if planned:
                boxes += apply_page(page, planned[number]["removals"], planned[number]["runs"])
    except PdfReadError as exc:
        raise RedactionError(f"the PDF cannot be read: {exc}") from None
    writer.metadata = None  # no /Info, not even a producer
    out = Path(outdir) / "redacted.pdf"
    with out.open("wb") as stream:
        writer.write(stream)
    return {
        "path": str(out),
        "media_type": "application/pdf",
        "removed_metadata": sorted(removed),
        "pages": len(writer.pages),
        "boxes": boxes,
    }


@sensitive_variables("terms")
def redact_pdf(
    source: str | Path,
    outdir: str | Path,
    terms: list[str],
    romanized: frozenset[str] = frozenset(),
) -> dict[str, Any]:
    """All three steps in this process (tests, tools): `scrub_pdf`'s description with the
    plan's "counts" and "doubts"."""
    plan = plan_pdf(read_pdf_text(source), terms, romanized)
    made = scrub_pdf(source, outdir, plan)
    return {**made, "counts": plan["counts"], "doubts": plan["doubts"]}


def _clean_page(page: Any) -> set[str]:
    removed = set()
    for key in PAGE_KEYS:
        if key in page:
            del page[NameObject(key)]
            removed.add(f"page {key.lstrip('/')}")
    for ref in page.get("/Annots") or []:
        annotation = ref.get_object()
        for key in ANNOTATION_KEYS:
            if key in annotation:
                del annotation[NameObject(key)]
                removed.add(f"annotation {key.lstrip('/')}")
    return removed


def sandbox_read_pdf(args: dict[str, Any]) -> dict[str, Any]:
    """Entry point for `run_sandboxed("sillok.redaction.pdfs:sandbox_read_pdf", ...)`:
    {"source"} in; `read_pdf_text`'s pages out."""
    from sillok.evidence.derive.base import DerivationError

    try:
        return read_pdf_text(args["source"])
    except RedactionError as exc:
        raise DerivationError(str(exc)) from None


def sandbox_scrub_pdf(args: dict[str, Any]) -> dict[str, Any]:
    """Entry point for `run_sandboxed("sillok.redaction.pdfs:sandbox_scrub_pdf", ...)`:
    {"source", "outdir", "plan" (or None)} in; `scrub_pdf`'s description out."""
    from sillok.evidence.derive.base import DerivationError

    try:
        return scrub_pdf(args["source"], args["outdir"], args.get("plan"))
    except RedactionError as exc:
        raise DerivationError(str(exc)) from None
