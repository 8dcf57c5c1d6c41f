"""PDFs: a copy without the document information dictionary (author, creator tool, dates),
XMP metadata, the document id, page-level metadata and annotation authors. Pure function over
files (pypdf parses, nothing runs), fit for the hostile-file sandbox.

Only metadata goes: the page content (text, pictures) is copied as it is. Names and faces in
the pages are redacted in the item's text derivatives and pictures, not here; the review page
says so.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pypdf
from pypdf import PdfReader, PdfWriter
from pypdf.errors import PdfReadError
from pypdf.generic import NameObject

from sillok.redaction.errors import RedactionError

PAGE_KEYS = ("/Metadata", "/PieceInfo", "/LastModified")
ANNOTATION_KEYS = ("/T", "/M", "/CreationDate", "/RC")  # author, dates, rich-text author


def tool_versions() -> str:
    return f"pypdf {pypdf.__version__}"


def scrub_pdf(source: str | Path, outdir: str | Path) -> dict[str, Any]:
    """Write a metadata-free copy of the PDF `source` into `outdir`; describe it:
    {"path", "media_type", "removed_metadata" (names only), "pages"}."""
    try:
        reader = PdfReader(str(source))
        if reader.is_encrypted:
            raise RedactionError("the PDF is encrypted: decrypt it before redacting")
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
        for page in writer.pages:
            removed |= _clean_page(page)
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
    }


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


def sandbox_scrub_pdf(args: dict[str, Any]) -> dict[str, Any]:
    """Entry point for `run_sandboxed("sillok.redaction.pdfs:sandbox_scrub_pdf", ...)`:
    {"source", "outdir"} in; `scrub_pdf`'s description out."""
    from sillok.evidence.derive.base import DerivationError

    try:
        return scrub_pdf(args["source"], args["outdir"])
    except RedactionError as exc:
        raise DerivationError(str(exc)) from None
