"""A proof matrix as a PDF (fpdf2): a title page (case, standard of proof and its rule, date,
who exported it, for what purpose), then per charge its elements with their status at a
glance and the evidence of each, the gaps, and what consent withheld; page numbers on every
page.

Korean needs a font with Hangul: the Noto Sans CJK faces of Debian's fonts-noto-cjk (installed
by `make setup`), found through fontconfig. They come as TrueType collections (.ttc) holding
the Japanese, Korean and Chinese faces; the Korean face is chosen by its index in the
collection, so Hangul and Hanja get their Korean glyph forms. Without such a font the export
fails with a clear error before anything is written: a PDF with empty boxes for Korean would
look complete and say nothing.
"""

from __future__ import annotations

import functools
import shutil
import subprocess
from pathlib import Path
from typing import IO

from django.utils.translation import gettext as _
from fpdf import FPDF
from fpdf.fonts import FontFace

from sillok.assessment.export_labels import (
    charge_title,
    evidence_cells,
    gap_label,
    pick,
    purpose_label,
    review_label,
    section_label,
    standard_text,
    status_label,
    withheld_columns,
    withheld_rows,
)
from sillok.assessment.exports import MatrixExportError
from sillok.assessment.models import ElementStatus

FAMILY = "sillok-cjk"
# Where Debian's fonts-noto-cjk puts its faces (and the index of the Korean one), for hosts
# where fontconfig's fc-list is missing.
DEBIAN_FONTS = {
    "": (Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"), 1),
    "B": (Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"), 1),
}
STATUS_FILLS = {
    ElementStatus.MET: (198, 239, 206),
    ElementStatus.INSUFFICIENT: (255, 235, 156),
    ElementStatus.CONTRADICTED: (255, 199, 206),
    ElementStatus.NO_EVIDENCE: (231, 230, 230),
}


# A table row must fit on one page: longer texts (comments may hold 20,000 characters) are
# cut here, and the XLSX and JSON exports hold them whole.
MAX_CELL = 400


def clip(value: object) -> str:
    text = str(value)
    return text if len(text) <= MAX_CELL else text[: MAX_CELL - 1] + "…"


class PdfFontMissing(MatrixExportError):
    """No font with Korean glyphs is installed."""


@functools.cache
def korean_fonts() -> dict[str, tuple[Path, int]]:
    """{"": regular, "B": bold} as (font file, index in its collection); the regular face
    stands in for a missing bold one. PdfFontMissing when there is no Korean font."""
    found = _fontconfig_faces() or {
        style: face for style, face in DEBIAN_FONTS.items() if face[0].is_file()
    }
    if "" not in found:
        raise PdfFontMissing(
            "no font with Korean glyphs is installed for PDF exports; install the Debian "
            "package fonts-noto-cjk (`make setup` does)"
        )
    found.setdefault("B", found[""])
    return found


def _fontconfig_faces() -> dict[str, tuple[Path, int]]:
    """The Korean Noto Sans CJK faces fontconfig knows, preferring them over other Korean
    fonts (fonts without Latin glyphs would lose the English text)."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return {}
    listing = subprocess.run(  # noqa: S603 - a fixed command, no user input
        [fc_list, "-f", "%{file}|%{index}|%{family}|%{style}\n", ":lang=ko"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    ).stdout
    faces: dict[str, tuple[int, Path, int]] = {}
    for line in listing.splitlines():
        parts = line.split("|")
        if len(parts) != 4 or not parts[1].isdigit():
            continue
        path, index, family, style = Path(parts[0]), int(parts[1]), parts[2], parts[3]
        if path.suffix.lower() not in {".ttc", ".otf", ".ttf"}:
            continue
        key = "B" if style.split(",")[0].strip() == "Bold" else ""
        if key == "" and style.split(",")[0].strip() not in {"Regular", "Book", "Normal"}:
            continue
        rank = 0 if "Noto Sans CJK KR" in family else 1 if "Sans" in family else 2
        if "Mono" in family:
            rank = 3
        if key not in faces or rank < faces[key][0]:
            faces[key] = (rank, path, index)
    return {key: (path, index) for key, (_rank, path, index) in faces.items()}


class MatrixPdf(FPDF):
    def __init__(self, footer_text: str) -> None:
        super().__init__(orientation="landscape", unit="mm", format="A4")
        self.footer_text = footer_text
        for style, (path, index) in korean_fonts().items():
            self.add_font(FAMILY, style, str(path), collection_font_number=index)
        self.set_auto_page_break(auto=True, margin=15)
        self.alias_nb_pages("{nb}")

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FAMILY, "", 8)
        page = _("Page %(number)s of %(count)s") % {"number": self.page_no(), "count": "{nb}"}
        self.cell(0, 6, f"{self.footer_text} · {page}", align="C")


def write_pdf(stream: IO[bytes], shared: dict, language: str) -> None:
    case = shared["case"]
    pdf = MatrixPdf(f"{_('Proof matrix')}: {case.get('title', '')}")
    pdf.set_title(str(case.get("title", "")))
    pdf.set_creator("Sillok")
    _title_page(pdf, shared, language)
    for charge in shared["charges"]:
        _charge_pages(pdf, charge, language)
    _gaps(pdf, shared, language)
    _withheld(pdf, shared)
    stream.write(bytes(pdf.output()))


def _heading(pdf: MatrixPdf, text: str, size: int = 14) -> None:
    pdf.set_font(FAMILY, "B", size)
    pdf.multi_cell(0, size * 0.55, text, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font(FAMILY, "", 9)


def _title_page(pdf: MatrixPdf, shared: dict, language: str) -> None:
    case, head = shared["case"], shared["export"]
    standard, rule = standard_text(case, language)
    pdf.add_page()
    pdf.ln(20)
    _heading(pdf, _("Proof matrix"), 22)
    _heading(pdf, str(case.get("title", "")), 16)
    lines = [
        (_("Case"), f"#{case.get('id', '')}"),
        (_("Framework"), str(case.get("framework", ""))),
        (_("Standard of proof"), standard),
        (_("Rule"), rule),
        (_("Purpose"), purpose_label(head["purpose"])),
        (_("Recipient"), head["recipient"]),
        (_("Exported by"), head["exported_by"]),
        (_("Exported at"), head["exported_at"][:19].replace("T", " ") + " UTC"),
        (_("Matrix as of"), str(shared.get("generated_at", ""))[:19].replace("T", " ")),
        (_("Withheld by consent"), str(len(shared["withheld"]))),
    ]
    pdf.set_font(FAMILY, "", 11)
    with pdf.table(col_widths=(60, 200), first_row_as_headings=False, line_height=7) as table:
        for label, value in lines:
            if value:
                row = table.row()
                row.cell(label, style=FontFace(emphasis="BOLD"))
                row.cell(clip(value))


def _status_style(status: str) -> FontFace:
    return FontFace(fill_color=STATUS_FILLS.get(status, (255, 255, 255)))


def _charge_pages(pdf: MatrixPdf, charge: dict, language: str) -> None:
    pdf.add_page()
    _heading(pdf, f"{_('Charge')} {charge.get('id', '')}: {charge_title(charge, language)}")
    columns = (_("Element code"), _("Element"), _("Section"), _("Status"), _("Review state"))
    columns += (_("Independent sources"), _("First-hand"), _("Withheld"))
    with pdf.table(col_widths=(40, 90, 30, 32, 28, 20, 18, 18), line_height=5) as table:
        table.row(columns)
        for element in charge["elements"]:
            row = table.row()
            for value in (element.get("code", ""), pick(element, language)):
                row.cell(clip(value))
            row.cell(section_label(element.get("section", "")))
            status = element.get("status", "")
            row.cell(status_label(status), style=_status_style(status))
            row.cell(review_label(element.get("review_state", "")))
            for key in ("independent_sources", "first_hand", "withheld"):
                row.cell(str(element.get(key, 0) or 0))
    pdf.ln(4)
    _heading(pdf, _("Evidence"), 12)
    columns = (_("Element code"), _("Evidence"), _("Evidence title"), _("Passage"))
    columns += (_("Assessment"), _("Weight"), _("Grading"), _("Assessor"), _("Date"))
    columns += (_("Comment"), _("Redacted copy approved"))
    widths = (32, 14, 50, 18, 18, 14, 13, 20, 18, 52, 16)
    with pdf.table(col_widths=widths, line_height=4.5) as table:
        table.row(columns)
        for element in charge["elements"]:
            for entry in element["evidence"]:
                table.row([clip(element.get("code", "")), *map(clip, evidence_cells(entry))])
    if not any(element["evidence"] for element in charge["elements"]):
        pdf.multi_cell(0, 5, _("No evidence is linked to this charge."))


def _gaps(pdf: MatrixPdf, shared: dict, language: str) -> None:
    pdf.add_page()
    _heading(pdf, _("Gaps"))
    rows = [
        (charge_title(charge, language), element, gap)
        for charge in shared["charges"]
        for element in charge["elements"]
        for gap in element.get("gaps") or []
    ]
    if not rows:
        pdf.multi_cell(0, 5, _("No gaps."))
        return
    columns = (_("Charge"), _("Element code"), _("Element"), _("Gap"))
    with pdf.table(col_widths=(90, 30, 110, 47), line_height=5) as table:
        table.row(columns)
        for title, element, gap in rows:
            row = (title, element["code"], pick(element, language), gap_label(gap))
            table.row([clip(value) for value in row])


def _withheld(pdf: MatrixPdf, shared: dict) -> None:
    pdf.ln(6)
    _heading(pdf, _("Withheld by consent"))
    rows = list(withheld_rows(shared))
    if not rows:
        pdf.multi_cell(0, 5, _("Nothing was withheld."))
        return
    pdf.multi_cell(
        0,
        5,
        _(
            "This evidence is linked to the case but its consent does not cover this share; "
            "it is named by reference only."
        ),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(2)
    with pdf.table(col_widths=(25, 25, 100, 45, 20, 62), line_height=5) as table:
        table.row(withheld_columns())
        for row in rows:
            table.row([clip(value) for value in row])
