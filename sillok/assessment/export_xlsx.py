"""A proof matrix as an XLSX workbook: a summary sheet, one matrix sheet (a row per piece of
evidence, or per element that has none, with its charge), a gaps sheet and a withheld sheet.

Every text a person typed (titles, comments, labels) is written as text: a cell that begins
with = + - @ or a tab would run as a formula when the sheet is edited (formula injection), so
such cells are stored as strings with Excel's quote prefix, never as formulas, and their value
stays exactly what was typed.
"""

from __future__ import annotations

from typing import IO, Any

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.worksheet import Worksheet

from sillok.assessment.export_labels import (
    charge_title,
    gap_label,
    matrix_columns,
    matrix_rows,
    pick,
    purpose_label,
    standard_text,
    status_counts,
    status_label,
    withheld_columns,
    withheld_rows,
)
from sillok.assessment.models import ElementStatus
from sillok.records.spreadsheets import FORMULA_STARTS

BOLD = Font(bold=True)
# Status at a glance: the same colours as the matrix page.
STATUS_FILLS = {
    ElementStatus.MET: "C6EFCE",
    ElementStatus.INSUFFICIENT: "FFEB9C",
    ElementStatus.CONTRADICTED: "FFC7CE",
    ElementStatus.NO_EVIDENCE: "E7E6E6",
}
STATUS_COLUMN = 5  # of the matrix sheet, 1-based


def write_xlsx(stream: IO[bytes], shared: dict, language: str) -> None:
    book = Workbook()
    summary = book.active
    summary.title = _("Summary")[:31]
    _write_summary(summary, shared, language)
    matrix = book.create_sheet(_("Matrix")[:31])
    _append(matrix, matrix_columns(), bold=True)
    fills = {str(status_label(s)): color for s, color in STATUS_FILLS.items()}
    for row in matrix_rows(shared, language):
        _append(matrix, row)
        color = fills.get(str(row[STATUS_COLUMN - 1]))
        if color:
            cell = matrix.cell(row=matrix.max_row, column=STATUS_COLUMN)
            cell.fill = PatternFill("solid", fgColor=color)
    matrix.freeze_panes = "A2"
    gaps = book.create_sheet(_("Gaps")[:31])
    _append(gaps, [_("Charge"), _("Element code"), _("Element"), _("Gap")], bold=True)
    for charge in shared["charges"]:
        for element in charge["elements"]:
            for gap in element.get("gaps") or []:
                title = charge_title(charge, language)
                _append(gaps, [title, element["code"], pick(element, language), gap_label(gap)])
    withheld = book.create_sheet(_("Withheld")[:31])
    _append(withheld, withheld_columns(), bold=True)
    for row in withheld_rows(shared):
        _append(withheld, row)
    for sheet in book.worksheets:
        _widen(sheet)
    book.save(stream)


def _write_summary(sheet: Worksheet, shared: dict, language: str) -> None:
    case, head = shared["case"], shared["export"]
    standard, rule = standard_text(case, language)
    _append(sheet, [_("Proof matrix")], bold=True)
    for label, value in (
        (_("Case"), f"{case.get('title', '')} (#{case.get('id', '')})"),
        (_("Framework"), str(case.get("framework", ""))),
        (_("Standard of proof"), standard),
        (_("Rule"), rule),
        (_("Purpose"), purpose_label(head["purpose"])),
        (_("Recipient"), head["recipient"]),
        (_("Exported by"), head["exported_by"]),
        (_("Exported at"), head["exported_at"]),
        (_("Matrix as of"), str(shared.get("generated_at", ""))),
        (_("Withheld by consent"), len(shared["withheld"])),
    ):
        _append(sheet, [label, value])
    _append(sheet, [])
    statuses = [status_label(status) for status in ElementStatus.values]
    _append(sheet, [_("Charge"), *statuses, _("Withheld")], bold=True)
    for charge in shared["charges"]:
        counts = status_counts(charge)
        row = [charge_title(charge, language), *(counts[s] for s in ElementStatus.values)]
        _append(sheet, [*row, charge.get("withheld", 0)])


def _append(sheet: Worksheet, values: list[Any], *, bold: bool = False) -> None:
    sheet.append([_value(value) for value in values])
    row = sheet.max_row
    for column, value in enumerate(values, start=1):
        cell = sheet.cell(row=row, column=column)
        if isinstance(value, str) and (value.startswith(FORMULA_STARTS) or value in ERROR_CODES):
            # Text stays text: never a formula or an error value, here or once edited.
            cell.value = _value(value)
            cell.data_type = "s"
            cell.quotePrefix = True
        if bold:
            cell.font = BOLD


def _value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    return ILLEGAL_CHARACTERS_RE.sub("", str(value))


def _widen(sheet: Worksheet) -> None:
    for column in sheet.columns:
        longest = max((len(str(cell.value or "")) for cell in column), default=8)
        # Hangul is about twice as wide as Latin letters; 60 keeps long comments readable.
        width = min(60, max(8, longest + 2))
        sheet.column_dimensions[column[0].column_letter].width = width
