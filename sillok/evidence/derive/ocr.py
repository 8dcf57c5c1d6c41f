"""The OCR deriver: text from images and scanned (image-only) PDFs, via Tesseract.

Each page is run through `tesseract PAGE BASE -l kor+eng --psm 3 txt tsv` (automatic page
segmentation, default LSTM engine): one recognition pass writes both the plain text (kept)
and the word table (for confidence). A page where that finds no words gets one more pass
with --psm 11 (sparse text). A page's confidence is the mean of its words' confidences
(0-100), blank words excluded; details record which psm produced each page.

Tesseract only ever sees PNGs we wrote: images are decoded by Pillow (bounded, EXIF-upright)
and PDF pages rendered by pdftoppm at a resolution capped by page size.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import tempfile
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from .base import Derivation, DeriverUnavailable
from .images import IMAGE_TYPES, frame_count, iter_frames
from .pdf import PDF_TYPES, has_text_layer, inspect_pdf, pdf_page_texts
from .textutil import clean_text, write_text_output
from .tools import bare_type, check_regular_file, file_arg, probe_version, run_tool

# Single-image formats whose extra frames are animation, not pages.
_ANIMATED_TYPES = frozenset({"image/gif", "image/webp"})
TESSERACT_TIMEOUT_S = 180
PDFTOPPM_TIMEOUT_S = 120
# A rendered page never exceeds this many pixels on its longer side, whatever its media box
# claims: a hostile 200-inch page at 300 dpi would otherwise be a 3.6-gigapixel bitmap.
MAX_RENDER_SIDE_PX = 10_000
# Automatic page segmentation reads documents well but finds nothing on sparse pictures
# (a single line of Hangul on a sign or banner: "Empty page!!"); such pages get a second pass
# as sparse text, which finds isolated words in no particular order.
AUTO_PSM, SPARSE_PSM = 3, 11
MIN_SCAN_DPI = 150
# The worker runs several jobs at once; Tesseract's OpenMP threads would oversubscribe the
# cores and make every job slower.
_TESSERACT_ENV = {"OMP_THREAD_LIMIT": "1"}

Page = tuple[str, dict[str, Any]]  # recognised text, its details


class OcrDeriver:
    name = "ocr"
    tool = "tesseract"

    def __init__(self, languages: str = "kor+eng", dpi: int = 300, max_pages: int = 200):
        self.languages = languages
        self.dpi = dpi
        self.max_pages = max_pages

    def applies_to(self, media_type: str) -> bool:
        kind = bare_type(media_type)
        return kind in IMAGE_TYPES or kind in PDF_TYPES

    def tool_version(self) -> str:
        version = probe_version(["tesseract", "--version"], r"tesseract v?([\w.\-]+)")
        data = ", ".join(f"{lang} {digest}" for lang, digest in self._traineddata().items())
        return f"{version} ({data})"

    def params(self) -> dict[str, Any]:
        return {
            "languages": self.languages,
            "psm": AUTO_PSM,
            "fallback_psm": SPARSE_PSM,
            "pdf_dpi": self.dpi,
            "max_pages": self.max_pages,
        }

    def run(self, source: Path, media_type: str, workdir: Path) -> Derivation:
        check_regular_file(source)
        self._traineddata()  # DeriverUnavailable before any work if a language is missing
        kind = bare_type(media_type)
        with tempfile.TemporaryDirectory(dir=workdir, prefix="ocr-") as scratch:
            if kind in PDF_TYPES:
                result = self._pdf(source, Path(scratch))
                if result is None:
                    return Derivation(details={"skipped": "has a text layer"})
                pages, total = result
            else:
                pages, total = self._image(source, kind, Path(scratch))
        texts = [clean_text(text) for text, _ in pages]
        details: dict[str, Any] = {
            "pages": [page_details for _, page_details in pages],
            "pages_total": total,
            "pages_read": len(pages),
            # Mean of the page means: every page counts the same, however many words it has.
            "mean_confidence": _mean([d["confidence"] for _, d in pages]),
        }
        if not any(texts):
            details["empty"] = "no text was recognised"
            return Derivation(details=details)
        # Form feed between pages, as pdftotext does, so page numbers survive.
        text = "\f".join(texts)
        output = write_text_output(workdir, "ocr.txt", "ocr", text, details)
        return Derivation(files=[output], details=details)

    def _pdf(self, source: Path, scratch: Path) -> tuple[list[Page], int] | None:
        info = inspect_pdf(source)
        if has_text_layer(pdf_page_texts(source), info.pages):
            return None
        pages = []
        for number, (width_pt, height_pt) in enumerate(info.page_sizes[: self.max_pages], 1):
            # Lower the resolution only for oversized pages (posters, hostile media boxes).
            longest_in = max(width_pt, height_pt, 1.0) / 72
            dpi = max(36, min(self.dpi, int(MAX_RENDER_SIDE_PX / longest_in)))
            base = scratch / f"page-{number}"
            run_tool(
                ["pdftoppm", "-f", str(number), "-l", str(number), "-r", str(dpi), "-gray"]
                + ["-png", "-singlefile", file_arg(source), file_arg(base)],
                PDFTOPPM_TIMEOUT_S,
            )
            image = base.with_suffix(".png")
            pages.append(self._recognise(image, number, {"dpi": dpi}))
            image.unlink()
        return pages, info.pages

    def _image(self, source: Path, kind: str, scratch: Path) -> tuple[list[Page], int]:
        limit = 1 if kind in _ANIMATED_TYPES else self.max_pages
        pages = []
        for number, frame in enumerate(iter_frames(source, limit), 1):
            image = scratch / f"page-{number}.png"
            dpi = _scan_dpi(frame.info.get("dpi"))
            frame.save(image, format="PNG", **({"dpi": (dpi, dpi)} if dpi else {}))
            pages.append(self._recognise(image, number, {}))
            image.unlink()
        return pages, 1 if kind in _ANIMATED_TYPES else frame_count(source)

    def _recognise(self, image: Path, number: int, extra: dict[str, Any]) -> Page:
        psm = AUTO_PSM
        text, confidences = self._tesseract(image, psm)
        if not confidences:
            psm = SPARSE_PSM
            text, confidences = self._tesseract(image, psm)
        details = {
            "page": number,
            "confidence": _mean(confidences),
            "words": len(confidences),
            "psm": psm,
            **extra,
        }
        return text, details

    def _tesseract(self, image: Path, psm: int) -> tuple[str, list[float]]:
        base = image.with_suffix("")
        run_tool(
            ["tesseract", file_arg(image), file_arg(base), "-l", self.languages]
            + ["--psm", str(psm), "txt", "tsv"],
            TESSERACT_TIMEOUT_S,
            env=_TESSERACT_ENV,
        )
        txt, tsv = base.with_suffix(".txt"), base.with_suffix(".tsv")
        text = txt.read_text("utf-8", "replace").replace("\f", "")
        confidences = word_confidences(tsv.read_text("utf-8", "replace"))
        txt.unlink()
        tsv.unlink()
        return text, confidences

    def _traineddata(self) -> dict[str, str]:
        """Language -> short digest of its traineddata, which decides the output as much as
        the Tesseract version does."""
        proc = run_tool(["tesseract", "--list-langs"], 30)
        listing = (proc.stdout + proc.stderr).decode("utf-8", "replace")
        folder = re.search(r'"([^"]+)"', listing)
        available = set(listing.split())
        found = {}
        for lang in self.languages.split("+"):
            if lang not in available or folder is None:
                raise DeriverUnavailable(f"Tesseract has no '{lang}' language data installed")
            path = Path(folder.group(1)) / f"{lang}.traineddata"
            stat = path.stat()
            found[lang] = _digest(str(path), stat.st_size, stat.st_mtime_ns)
        return found


def _scan_dpi(stated: Any) -> int | None:
    """The resolution an image states, when it is believable as a scan's.

    Tesseract sizes its text-line search by resolution: a true 300 dpi reads a page far
    better than its own estimate, but a false small one makes it drop large text. Cameras and
    screenshots write 72 or 96 dpi, which means nothing; those are left to Tesseract to
    estimate from the text itself.
    """
    try:
        dpi = round(float(stated[0]))
    except (TypeError, ValueError, IndexError):
        return None
    return dpi if MIN_SCAN_DPI <= dpi <= 2400 else None


@lru_cache(maxsize=16)
def _digest(path: str, size: int, mtime_ns: int) -> str:
    # size and mtime are part of the cache key so a package upgrade is noticed.
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()[:12]


def word_confidences(tsv: str) -> list[float]:
    """Confidences of recognised words in Tesseract TSV output (level 5 rows with text)."""
    rows = csv.DictReader(io.StringIO(tsv), delimiter="\t", quoting=csv.QUOTE_NONE)
    confidences = []
    for row in rows:
        try:
            level, conf = int(row["level"]), float(row["conf"])
        except (KeyError, TypeError, ValueError):
            continue
        if level == 5 and conf >= 0 and (row.get("text") or "").strip():
            confidences.append(conf)
    return confidences


def _mean(values: Sequence[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return round(sum(present) / len(present), 1) if present else None
