"""Reading the spreadsheets people import: CSV as Excel, LibreOffice and scripts write it (in
UTF-8 with or without a byte order mark, UTF-16 with one, or CP949/EUC-KR as Korean Excel saves
it; comma, semicolon or tab between cells) and XLSX workbooks (values only: a formula is read as
the value Excel last computed and never evaluated here).

Every cell comes out as text, rows keep their spreadsheet numbers (the header is row 1), and
anything that is not a readable spreadsheet is refused with a message that says why. A damaged
CSV file is refused, never read as something else:

1. The encoding is never guessed. A byte order mark names it; without one the whole file must
   be UTF-8, or read as CP949 with the everyday Hangul that Korean text is made of. Anything
   else is refused naming the first bad byte, its line and row, and the encodings accepted:
   a fallback encoding turns bytes into plausible names.
2. A NUL character anywhere is refused (a binary file, or UTF-16 without its mark).
3. Quoting is strict: a quotation mark never closed, or one stray after a quoted cell, is an
   error of its row, not a cell that swallows the rest of the file.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import io
import re
import zipfile
from collections.abc import Generator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.conf import settings

MAX_ROWS = 1_000_000
# A spreadsheet is read whole into memory (rows of text): a generous cap far below the
# evidence upload limit, so that one import cannot exhaust the server.
MAX_SPREADSHEET_BYTES = 256 * 1024 * 1024
CSV_SUFFIXES = {".csv", ".tsv", ".txt"}
XLSX_SUFFIXES = {".xlsx", ".xlsm"}
DELIMITERS = ",;\t"
SAMPLE_BYTES = 256 * 1024
CHUNK_BYTES = 1024 * 1024
ENCODING_NAMES = {
    "utf-8": "UTF-8",
    "utf-8-sig": "UTF-8",
    "utf-16": "UTF-16",
    "cp949": "CP949/EUC-KR",
}
ACCEPTED_ENCODINGS = (
    "save it as “CSV UTF-8” and import that; accepted: UTF-8 with or without a byte "
    "order mark, UTF-16 with a byte order mark, CP949/EUC-KR Korean text"
)
# Exports guard cells that a spreadsheet program would run as a formula with a leading
# apostrophe (exporting.py); reading such a cell back takes the apostrophe off again.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
HANGUL_RE = re.compile("[\uac00-\ud7a3]")


class SpreadsheetError(ValueError):
    """The file cannot be read as a spreadsheet; the message says why, for the user. `row`:
    the spreadsheet row where the problem is (0: the file as a whole)."""

    def __init__(self, message: str, *, row: int = 0) -> None:
        super().__init__(message)
        self.row = row


@dataclass
class Sheet:
    """A spreadsheet read into memory: its header and its data rows with their numbers."""

    name: str
    sha256: str
    size: int
    header: list[str]
    rows: list[tuple[int, list[str]]] = field(default_factory=list)
    sheet: str = ""  # the worksheet read, of a workbook


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
    # The digest names the file in the import's audit entry; a partial read needs none.
    digest = _sha256(path) if max_rows is None else ""
    result = Sheet(name=name, sha256=digest, size=size, header=[])
    reader = _read_xlsx(path, sheet, result) if fmt == "xlsx" else _read_csv(path)
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
    """The text encoding of a CSV file, checked over the whole file: UTF-8 (with or without
    BOM), UTF-16 (with BOM), or CP949 for Korean text without a mark. SpreadsheetError, naming
    the byte, line and row, for anything else and for a NUL character."""
    with path.open("rb") as handle:
        head = handle.read(SAMPLE_BYTES)
    if head.startswith(codecs.BOM_UTF8):
        encoding = "utf-8-sig"
    elif head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"  # the codec reads the mark and its byte order
    else:
        problem = _first_problem(path, "utf-8")
        if problem is None:
            return "utf-8"
        if problem[1] == "nul" or not _is_korean_text(head):
            raise _text_error(path, "utf-8", *problem)
        encoding = "cp949"  # Korean Excel's encoding: the text reads reliably as Korean
    problem = _first_problem(path, encoding)
    if problem is not None:
        raise _text_error(path, encoding, *problem)
    return encoding


def _first_problem(path: Path, encoding: str) -> tuple[int, str] | None:
    """(byte offset, "decode" or "nul") of the first byte that is not `encoding` text or the
    first NUL character; None when the whole file is clean text."""
    decoder = codecs.getincrementaldecoder(encoding)()
    with path.open("rb") as handle:
        try:
            for chunk in iter(lambda: handle.read(CHUNK_BYTES), b""):
                if "\x00" in decoder.decode(chunk):
                    break
            else:
                decoder.decode(b"", final=True)
                return None
        except UnicodeDecodeError:
            pass
    # Found: read once more, whole, for the exact offset (only a refused file pays this).
    data = path.read_bytes()
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        # utf-8-sig counts from after the byte order mark; utf-16 from the file's start.
        return exc.start + (len(codecs.BOM_UTF8) if encoding == "utf-8-sig" else 0), "decode"
    at = text.index("\x00")
    return len(text[:at].encode(encoding)), "nul"


def _text_error(path: Path, encoding: str, offset: int, problem: str) -> SpreadsheetError:
    with path.open("rb") as handle:
        before = handle.read(offset).decode(encoding, errors="replace").lstrip("\ufeff")
    line = before.count("\n") + 1
    # The row (record) holding the offset: the records of the text before it, and a marker
    # that starts or continues the last one. Quoted cells may span lines.
    row = sum(1 for _ in csv.reader(io.StringIO(before + "\x01", newline="")))
    where = f"byte offset {offset:,} (line {line})"
    if problem == "nul":
        message = (
            f"a NUL character at {where}: this is a binary file, or UTF-16 text without its "
            f"byte order mark, not a CSV file; {ACCEPTED_ENCODINGS}"
        )
    else:
        name = ENCODING_NAMES.get(encoding, encoding)
        message = f"not valid {name} text at {where}; {ACCEPTED_ENCODINGS}"
    return SpreadsheetError(message, row=row)


def _is_korean_text(head: bytes) -> bool:
    """Whether `head` reads as CP949 text of Korean words. A fallback for files without BOM
    that are not UTF-8 (Korean Excel writes CP949), and only where it is reliable: CP949 maps
    most pairs of high bytes to some character, so garbage decodes too, but to rare syllables
    and Hanja. Korean text is mostly the 2,350 everyday syllables of KS X 1001 (EUC-KR)."""
    text = head.decode("cp949", errors="replace")
    foreign = [c for c in text if ord(c) > 0x7F]
    hangul = HANGUL_RE.findall(text)
    everyday = sum(1 for c in hangul if _in_euc_kr(c))
    return bool(everyday) and everyday >= 0.9 * len(hangul) and len(hangul) >= 0.5 * len(foreign)


@lru_cache(maxsize=16384)
def _in_euc_kr(char: str) -> bool:
    # Two bytes: Python's EUC-KR spells the other syllables as 8-byte jamo sequences.
    try:
        return len(char.encode("euc_kr")) == 2
    except UnicodeEncodeError:
        return False


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
    encoding = detect_encoding(path)  # the whole file is clean text in it from here on
    with path.open(encoding=encoding, newline="", errors="strict") as text:
        delimiter = detect_delimiter(text.read(SAMPLE_BYTES))
        text.seek(0)
        reader = csv.reader(text, delimiter=delimiter, strict=True)
        # Numbered by record, not by line: a quoted cell may span several lines and is still
        # one spreadsheet row.
        number = 0
        while True:
            first_line = reader.line_num + 1
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise _csv_error(exc, number + 1, first_line, reader.line_num) from None
            number += 1
            yield number, [_csv_cell(c) for c in cells]


def _csv_error(exc: csv.Error, row: int, first_line: int, line: int) -> SpreadsheetError:
    reason = str(exc)
    if "unexpected end of data" in reason:
        message = (
            f"a quotation mark in the row that begins on line {first_line} is never closed: "
            "the rest of the file would be read as one cell"
        )
    elif "field larger than field limit" in reason:
        message = (
            f"a cell on lines {first_line}-{line} is longer than {csv.field_size_limit():,} "
            "characters: a quotation mark left open?"
        )
    elif "expected after" in reason:
        message = (
            f"line {line}: a quotation mark follows a quoted cell ({reason}); inside a "
            'quoted cell a quotation mark is written twice ("")'
        )
    else:
        message = f"line {line}: {reason}"
    return SpreadsheetError(message, row=row)


def _csv_cell(cell: str) -> str:
    cell = cell.strip()
    if cell.startswith("'") and cell[1:2] in FORMULA_STARTS:
        return cell[1:]  # an exported cell guarded against running as a formula
    return cell


# --- XLSX -------------------------------------------------------------------------------------


def _read_xlsx(
    path: Path, sheet: str, result: Sheet
) -> Generator[tuple[int, list[str]], None, None]:
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
        result.sheet = worksheet.title
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
