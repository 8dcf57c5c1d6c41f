"""Reading the spreadsheets people import: CSV as Excel, LibreOffice and scripts write it (any
of UTF-8 with or without a byte order mark, or CP949/EUC-KR as Korean Excel saves it; comma,
semicolon or tab between cells) and XLSX workbooks (values only: a formula is read as the value
Excel last computed and never evaluated here).

Every cell comes out as text, rows keep their spreadsheet numbers (the header is row 1), and
anything that is not a readable spreadsheet is refused with a message that says why.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import re
import zipfile
from collections.abc import Generator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import charset_normalizer
from django.conf import settings

MAX_ROWS = 1_000_000
# A spreadsheet is read whole into memory (rows of text): a generous cap far below the
# evidence upload limit, so that one import cannot exhaust the server.
MAX_SPREADSHEET_BYTES = 256 * 1024 * 1024
CSV_SUFFIXES = {".csv", ".tsv", ".txt"}
XLSX_SUFFIXES = {".xlsx", ".xlsm"}
DELIMITERS = ",;\t"
SAMPLE_BYTES = 256 * 1024
# Korean Excel writes CP949, a superset of EUC-KR: decode the detected Korean encodings with it.
KOREAN_ENCODINGS = {"euc_kr", "cp949", "ms949", "uhc", "johab", "iso2022_kr"}
# Exports guard cells that a spreadsheet program would run as a formula with a leading
# apostrophe (exporting.py); reading such a cell back takes the apostrophe off again.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
HANGUL_RE = re.compile("[\uac00-\ud7a3]")


class SpreadsheetError(ValueError):
    """The file cannot be read as a spreadsheet; the message says why, for the user."""


@dataclass
class Sheet:
    """A spreadsheet read into memory: its header and its data rows with their numbers."""

    name: str
    sha256: str
    size: int
    header: list[str]
    rows: list[tuple[int, list[str]]] = field(default_factory=list)


def max_spreadsheet_bytes() -> int:
    return min(MAX_SPREADSHEET_BYTES, settings.SILLOK_MAX_UPLOAD_BYTES)


def spreadsheet_format(path: Path, name: str = "") -> str:
    """The format of the file, "csv" or "xlsx", from its content and name; SpreadsheetError
    for anything else."""
    suffix = Path(name or path.name).suffix.lower()
    with path.open("rb") as handle:
        head = handle.read(8)
    if head.startswith(b"PK\x03\x04"):
        if suffix in CSV_SUFFIXES:
            raise SpreadsheetError("this file is a zip archive or workbook, not a CSV file")
        return "xlsx"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise SpreadsheetError(
            "this is an old Excel workbook (.xls); save it as .xlsx or .csv and import that"
        )
    if suffix in XLSX_SUFFIXES:
        raise SpreadsheetError("this file is not an XLSX workbook")
    if suffix and suffix not in CSV_SUFFIXES:
        raise SpreadsheetError(f"only CSV and XLSX files can be imported, not {suffix} files")
    return "csv"


def read_sheet(
    path: Path, *, name: str = "", sheet: str = "", max_rows: int | None = None
) -> Sheet:
    """The spreadsheet at `path` (`name`: the name it was uploaded under). `sheet` picks a
    worksheet of a workbook (default the first); `max_rows` stops after that many data rows
    (0: the header only). SpreadsheetError when it cannot be read."""
    name = name or path.name
    try:
        size = path.stat().st_size
    except OSError:
        raise SpreadsheetError(f"cannot read {name}: no such file") from None
    if size == 0:
        raise SpreadsheetError(f"{name} is empty")
    if size > max_spreadsheet_bytes():
        raise SpreadsheetError(
            f"{name} is {size:,} bytes; spreadsheets over {max_spreadsheet_bytes():,} bytes "
            "cannot be imported (split it into several files)"
        )
    fmt = spreadsheet_format(path, name)
    reader = _read_xlsx(path, sheet) if fmt == "xlsx" else _read_csv(path)
    # The digest names the file in the import's audit entry; a partial read needs none.
    digest = _sha256(path) if max_rows is None else ""
    result = Sheet(name=name, sha256=digest, size=size, header=[])
    try:
        for number, cells in reader:
            if not result.header:
                if any(cells):  # blank lines above the header are skipped
                    result.header = cells
                continue
            if max_rows is not None and len(result.rows) >= max_rows:
                break
            if not any(cells):
                continue
            if len(result.rows) >= MAX_ROWS:
                raise SpreadsheetError(f"{name} has more than {MAX_ROWS:,} rows; split it")
            result.rows.append((number, cells))
    finally:
        reader.close()  # the file (or workbook) is closed even when the reading stops early
    if not result.header:
        raise SpreadsheetError(f"{name} has no header row")
    return result


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


# --- CSV --------------------------------------------------------------------------------------


def detect_encoding(path: Path) -> str:
    """The text encoding of a CSV file: UTF-8 (with or without BOM) when the whole file
    decodes as UTF-8, else what charset-normalizer finds, CP949 for any Korean encoding."""
    with path.open("rb") as handle:
        head = handle.read(SAMPLE_BYTES)
        if head.startswith(codecs.BOM_UTF8):
            return "utf-8-sig"
        if b"\x00" in head:
            raise SpreadsheetError("this is a binary file, not a CSV file")
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            decoder.decode(head)
            for chunk in iter(lambda: handle.read(1024 * 1024), b""):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
            return "utf-8"
        except UnicodeDecodeError:
            pass
    if _is_korean_text(head):
        return "cp949"
    best = charset_normalizer.from_bytes(head).best()
    if best is None:
        raise SpreadsheetError("cannot tell the text encoding; save the file as UTF-8 CSV")
    encoding = codecs.lookup(best.encoding).name.replace("-", "_")
    return "cp949" if encoding in KOREAN_ENCODINGS else encoding


def _is_korean_text(head: bytes) -> bool:
    """Whether `head` reads as CP949 with Hangul in it. Checked before guessing: a short
    Korean file can look like several East Asian encodings to a detector, and Korean Excel
    is what most of these files come from."""
    try:
        # Incremental, not final: the sample may end in the middle of a character.
        text = codecs.getincrementaldecoder("cp949")().decode(head)
    except UnicodeDecodeError:
        return False
    return HANGUL_RE.search(text) is not None


def detect_delimiter(sample: str) -> str:
    """Comma, semicolon or tab: what the header line is split by (quotes respected)."""
    first_lines = "\n".join(sample.splitlines()[:20])
    try:
        return csv.Sniffer().sniff(first_lines, delimiters=DELIMITERS).delimiter
    except csv.Error:
        header = sample.splitlines()[0] if sample else ""
        counts = {d: header.count(d) for d in DELIMITERS}
        best = max(counts, key=lambda d: counts[d])
        return best if counts[best] else ","


def _read_csv(path: Path) -> Generator[tuple[int, list[str]], None, None]:
    encoding = detect_encoding(path)
    with path.open(encoding=encoding, newline="", errors="strict") as text:
        try:
            sample = text.read(SAMPLE_BYTES)
        except UnicodeDecodeError:
            raise SpreadsheetError(f"the file is not valid {encoding} text") from None
        delimiter = detect_delimiter(sample)
        text.seek(0)
        reader = csv.reader(text, delimiter=delimiter, strict=False)
        try:
            # Numbered by record, not by line: a quoted cell may span several lines and is
            # still one spreadsheet row.
            for number, cells in enumerate(reader, start=1):
                yield number, [_csv_cell(c) for c in cells]
        except UnicodeDecodeError:
            raise SpreadsheetError(f"the file is not valid {encoding} text") from None
        except csv.Error as exc:
            raise SpreadsheetError(f"line {reader.line_num}: {exc}") from None


def _csv_cell(cell: str) -> str:
    cell = cell.strip()
    if cell.startswith("'") and cell[1:2] in FORMULA_STARTS:
        return cell[1:]  # an exported cell guarded against running as a formula
    return cell


# --- XLSX -------------------------------------------------------------------------------------


def _read_xlsx(path: Path, sheet: str) -> Generator[tuple[int, list[str]], None, None]:
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        # read_only streams the sheet; data_only reads cached values, never formulas.
        book = openpyxl.load_workbook(path, read_only=True, data_only=True, keep_links=False)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError):
        raise SpreadsheetError("this file is not a readable XLSX workbook") from None
    try:
        if sheet:
            if sheet not in book.sheetnames:
                names = ", ".join(book.sheetnames)
                raise SpreadsheetError(f"the workbook has no sheet {sheet!r} (it has: {names})")
            worksheet = book[sheet]
        else:
            worksheet = book.worksheets[0]
        for number, values in enumerate(worksheet.iter_rows(values_only=True), start=1):
            yield number, _trim([_xlsx_cell(v) for v in values])
    finally:
        book.close()


def _trim(cells: list[str]) -> list[str]:
    # Formatted but empty cells at the end of a row: a sheet's dimension often covers them.
    while cells and not cells[-1]:
        cells.pop()
    return cells


def _xlsx_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()
