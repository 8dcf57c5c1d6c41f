"""Importing records from a spreadsheet: read it (spreadsheets.py), match its columns to the
fields of the record kind (mappings.py), clean every row with the same rules as the web forms
(fields.clean_values, one Resolver for the whole file, referenced records fetched in bulk),
and commit all rows at once through records.services.do_import_records.

Nothing is imported from a file with an error unless the user asks to skip the bad rows; a dry
run does everything but the commit. A row that repeats an earlier one, or a person with the
name, sex and year of birth of an earlier row, is a warning and goes in: two people may share a
name, and a second report is evidence for record linkage. Every problem names its spreadsheet
row (the header is row 1, the first data row 2; 0 for the file as a whole) and its column title.
A line break in a cell of a one-line field is an error: in a CSV file it is the mark of a
quotation mark left open, which joins the next rows into that cell.

A file imported before as the same kind (the same SHA-256; of a workbook, the same sheet) is
imported again only when the user confirms it (`again`): after a crash or a timeout, a retry
must not create every record a second time. The report names the earlier imports, also in a
dry run, and the service checks again inside its transaction.

Cleaning runs before the commit's transaction, so that a large file does not hold the
database's write lock while it is read; records are never deleted, so what a row refers to
is still there when the rows are written.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import DatabaseError
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from sillok.records.access import RecordActionRefused
from sillok.records.aliases import normalise
from sillok.records.fields import (
    RecordValuesError,
    clean_values,
    fields_of,
)
from sillok.records.import_resolver import ImportResolver
from sillok.records.kinds import RecordKind, get_kind
from sillok.records.links import check_link
from sillok.records.mappings import MappingError, load_mapping, match_columns
from sillok.records.services import ImportedBefore, do_import_records, earlier_imports
from sillok.records.spreadsheets import Sheet, SpreadsheetError, read_sheet

# A file whose every row is wrong would otherwise give millions of messages.
MAX_ERRORS = 10_000
# Field types whose values may span lines: long texts, and lists (one entry per line).
MULTILINE_TYPES = {"longtext", "list", "choices", "items"}
LINE_BREAK = (
    "has a line break, which this field cannot hold; in a CSV file that is the mark of a "
    "quotation mark left open, which joins the lines after it (and their rows) into this cell"
)


@dataclass(frozen=True)
class RowError:
    row: int  # spreadsheet row: 1 the header, 2 the first data row, 0 the whole file
    column: str  # the column title as in the file ("" for the whole row or file)
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "message": self.message}


@dataclass(frozen=True)
class EarlierImport:
    """An import of the same file before this one, from its audit entry."""

    at: dt.datetime
    by: str  # user name
    file: str  # the name it was imported under
    records: int
    audit_seq: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "at": self.at.isoformat(),
            "by": self.by,
            "file": self.file,
            "records": self.records,
            "audit_seq": self.audit_seq,
        }


@dataclass
class ImportReport:
    """What an import did or, for a dry run, would do."""

    kind: str
    file: str
    dry_run: bool = False
    rows: int = 0  # data rows in the file (blank rows not counted)
    valid: int = 0  # rows without an error
    imported: int = 0  # records created (0 for a dry run and for a file with errors)
    skipped: int = 0  # bad rows left out because the user chose to skip them
    errors: list[RowError] = field(default_factory=list)
    # Imported all the same: rows that repeat another or may be the same person (evidence
    # for record linkage later, not a reason to refuse the file).
    warnings: list[RowError] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)  # column title -> field ("" ignored)
    record_ids: list[int] = field(default_factory=list)
    sha256: str = ""
    earlier: list[EarlierImport] = field(default_factory=list)  # imports of this file before
    again: bool = False  # the user confirmed importing a file imported before

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def needs_again(self) -> bool:
        """Imported before and not confirmed: an import would be refused."""
        return bool(self.earlier) and not self.again

    @property
    def bad_rows(self) -> int:
        return self.rows - self.valid

    def as_json(self) -> dict[str, Any]:
        return {
            "imported": self.imported,
            "errors": [error.as_dict() for error in self.errors],
            "warnings": [warning.as_dict() for warning in self.warnings],
            "kind": self.kind,
            "file": self.file,
            "rows": self.rows,
            "valid": self.valid,
            "skipped": self.skipped,
            "dry_run": self.dry_run,
            "sha256": self.sha256,
            "imported_before": [earlier.as_dict() for earlier in self.earlier],
        }


def check_can_import(user: Any) -> None:
    if not (
        user is not None
        and user.is_active
        and user.has_perm("records.import_records")
        and user.has_perm("records.change_record")
    ):
        raise RecordActionRefused(
            "importing records needs the import_records permission (documentation officers, "
            "analysts)"
        )


def import_file(
    user: Any,
    kind: str,
    path: Path,
    *,
    mapping: dict[str, str] | str | None = None,
    dry_run: bool = False,
    skip_bad_rows: bool = False,
    sheet: str = "",
    name: str = "",
    again: bool = False,
) -> ImportReport:
    """Import the spreadsheet at `path` as records of `kind` for `user`. `mapping`: column
    title -> field name (a dict, a saved mapping's name, or a JSON/YAML file's path); `name`:
    the file name to report (an upload's original name); `sheet`: a workbook's sheet;
    `again`: import a file that was imported before all the same.
    RecordActionRefused when the user may not import, UnknownKind for a kind that does not
    exist; every other problem is in the report."""
    check_can_import(user)
    record_kind = get_kind(kind)
    path = Path(path)
    report = ImportReport(
        kind=record_kind.name, file=name or path.name, dry_run=dry_run, again=again
    )
    try:
        columns = load_mapping(record_kind.name, mapping)
        data = read_sheet(path, name=report.file, sheet=sheet)
    except (MappingError, SpreadsheetError) as exc:
        report.errors.append(RowError(getattr(exc, "row", 0), "", str(exc)))
        return report
    report.rows, report.sha256 = len(data.rows), data.sha256
    report.earlier = _earlier(earlier_imports(record_kind.name, data.sha256, data.sheet))
    if report.needs_again and not dry_run:
        # Refused before the rows are checked: a retry of a large file fails fast.
        report.errors.append(RowError(0, "", _imported_before(report)))
        return report
    good = _check_rows(user, record_kind.name, data, columns, report)
    report.valid = len(good)
    if report.errors and not (skip_bad_rows and good):
        return report
    report.skipped = report.rows - len(good)
    if dry_run or not good:
        return report
    return _commit(user, record_kind.name, data, good, report)


def _earlier(entries: list[Any]) -> list[EarlierImport]:
    return [
        EarlierImport(
            at=entry.created_at,
            by=entry.actor_name,
            file=entry.details.get("name", ""),
            records=entry.details.get("created", 0),
            audit_seq=entry.seq,
        )
        for entry in entries
    ]


def _imported_before(report: ImportReport) -> str:
    last = report.earlier[-1]
    when = timezone.localtime(last.at).strftime("%Y-%m-%d %H:%M %Z")
    times = f" {len(report.earlier)} times, last" if len(report.earlier) > 1 else ""
    return (
        f"this file was already imported{times} on {when} by {last.by or 'the system'} "
        f"({last.records} {get_kind(report.kind).plural} from {last.file}); nothing was "
        "imported: importing it again would create every record a second time, so it needs "
        "your confirmation"
    )


def _commit(
    user: Any, kind: str, data: Sheet, good: list[dict[str, Any]], report: ImportReport
) -> ImportReport:
    source: dict[str, Any] = {"name": data.name, "sha256": data.sha256, "rows": report.rows}
    if data.sheet:
        source["sheet"] = data.sheet
    if report.skipped:
        source["skipped_rows"] = report.skipped
    try:
        records = do_import_records(user, kind, good, source=source, again=report.again)
    except ImportedBefore as exc:
        # Imported by someone else since the check above (a double submit).
        report.earlier = _earlier(exc.earlier)
        report.errors.append(RowError(0, "", _imported_before(report)))
        report.skipped = 0
        return report
    except (RecordActionRefused, RecordValuesError, DatabaseError) as exc:
        # Something changed between the checks and the commit (a link made meanwhile): the
        # transaction rolled back, nothing is imported.
        report.errors.append(RowError(0, "", f"nothing was imported: {exc}"))
        report.skipped = 0
        return report
    report.imported = len(records)
    report.record_ids = [record.pk for record in records]
    return report


def _check_rows(
    user: Any, kind: str, data: Sheet, mapping: dict[str, str] | None, report: ImportReport
) -> list[dict[str, Any]]:
    """The cleaned values of every good row; each problem goes into `report.errors`."""
    by_position, problems = match_columns(kind, data.header, mapping)
    report.columns = {data.header[position]: name for position, name in sorted(by_position.items())}
    if problems:
        for problem in problems:
            _add_error(report, RowError(1, problem.column, problem.message))
        return []
    column_of = {name: data.header[pos] for pos, name in by_position.items() if name}
    one_line = {spec.name for spec in fields_of(kind) if spec.type not in MULTILINE_TYPES}
    raws = _raw_rows(data, by_position, one_line, report)
    resolver = ImportResolver(user)
    resolver.prefetch_references(kind, (raw for _, raw in raws))
    good: list[dict[str, Any]] = []
    link_rows: dict[tuple, int] = {}
    same_person: dict[tuple, int] = {}
    repeated = {warning.row for warning in report.warnings}  # rows the same throughout
    for number, raw in raws:
        try:
            values = clean_values(kind, raw, resolver)
            if kind == "link":
                _check_link_row(values, number, link_rows)
        except RecordValuesError as exc:
            for name, message in exc.errors.items():
                _add_error(report, RowError(number, column_of.get(name, ""), message))
            continue
        except RecordActionRefused as exc:
            _add_error(report, RowError(number, column_of.get("relation", ""), str(exc)))
            continue
        good.append(values)
        if kind == "person" and number not in repeated:
            _warn_same_person(report, number, values, same_person)
    report.warnings.sort(key=lambda warning: warning.row)
    return good


def _raw_rows(
    data: Sheet, by_position: dict[int, str], one_line: set[str], report: ImportReport
) -> list[tuple[int, dict[str, str]]]:
    """Each row as {field: text}, without the rows that have values outside the titled
    columns or a line break in a one-line field (errors); a row that repeats an earlier one
    stays in, with a warning."""
    mapped = [(position, name) for position, name in sorted(by_position.items()) if name]
    single = [(p, data.header[p]) for p, name in mapped if name in one_line]
    width = len(data.header)
    untitled = [p for p in range(width) if p not in by_position and not data.header[p].strip()]
    seen: dict[tuple[str, ...], int] = {}
    raws: list[tuple[int, dict[str, str]]] = []
    for number, cells in data.rows:
        if len(cells) > width and any(cells[width:]):
            _add_error(report, RowError(number, "", "has more cells than the header has columns"))
            continue
        stray = [p for p in untitled if p < len(cells) and cells[p]]
        if stray:
            message = f"has a value in column {stray[0] + 1}, which has no title"
            _add_error(report, RowError(number, "", message))
            continue
        broken = [title for p, title in single if p < len(cells) and _has_line_break(cells[p])]
        if broken:
            _add_error(report, RowError(number, broken[0], LINE_BREAK))
            continue
        values = tuple(cells[p] if p < len(cells) else "" for p, _ in mapped)
        first = seen.setdefault(values, number)
        if first != number:
            # Two people may share a name; two reports of one act are two reports: both
            # are imported (a duplicate link is still an error: _check_link_row).
            message = gettext(
                "repeats row %(row)d (the same values); both are imported: link or withdraw "
                "one if they are the same"
            )
            _add_warning(report, RowError(number, "", message % {"row": first}))
        raws.append((number, {name: values[i] for i, (_, name) in enumerate(mapped)}))
    return raws


def _warn_same_person(
    report: ImportReport, number: int, values: dict[str, Any], seen: dict[tuple, int]
) -> None:
    """A warning for a person with the name, sex and year of birth of an earlier row."""
    key = (
        normalise(values["name"]),
        values.get("sex", ""),
        values.get("birth_year_from"),
        values.get("birth_year_to"),
    )
    first = seen.setdefault(key, number)
    if first == number:
        return
    message = gettext(
        "has the same name, sex and year of birth as row %(row)d; both are imported: two "
        "people may share a name (link them later if they are one)"
    )
    _add_warning(report, RowError(number, "", message % {"row": first}))


def _add_warning(report: ImportReport, warning: RowError) -> None:
    if len(report.warnings) < MAX_ERRORS:
        report.warnings.append(warning)


def _has_line_break(text: str) -> bool:
    return "\n" in text or "\r" in text


def _check_link_row(values: dict[str, Any], number: int, seen: dict[tuple, int]) -> None:
    check_link(values)
    key = (
        values["from_kind"],
        values["from_id"],
        values["to_kind"],
        values["to_id"],
        values["relation"].pk,
    )
    first = seen.setdefault(key, number)
    if first != number:
        raise RecordActionRefused(f"row {first} makes the same link")


def _add_error(report: ImportReport, error: RowError) -> None:
    if len(report.errors) < MAX_ERRORS:
        report.errors.append(error)
    elif len(report.errors) == MAX_ERRORS:
        report.errors.append(RowError(0, "", f"more errors after the first {MAX_ERRORS:,}"))


def summary_line(report: ImportReport, kind: RecordKind) -> str:
    """The last line of the report, with its counts in words that agree with them ("1 bad
    row", "2 bad rows"), in the active language."""
    refused = report.needs_again and not report.dry_run
    rows = ngettext("%(count)d row", "%(count)d rows", report.rows) % {"count": report.rows}
    if report.imported:
        label = kind.label if report.imported == 1 else kind.label_plural
        line = gettext("imported %(count)d %(kind)s from %(file)s") % {
            "count": report.imported,
            "kind": str(label).lower(),
            "file": report.file,
        }
        if report.skipped:
            line += ", " + ngettext(
                "skipping %(count)d bad row", "skipping %(count)d bad rows", report.skipped
            ) % {"count": report.skipped}
        return line
    if report.dry_run and report.ok:
        return gettext("dry run: %(rows)s, no errors; nothing imported") % {"rows": rows}
    if report.errors and (refused or not report.rows):
        return gettext("%(file)s: nothing imported") % {"file": report.file}
    if report.errors:
        errors = ngettext("%(count)d error", "%(count)d errors", len(report.errors)) % {
            "count": len(report.errors)
        }
        return gettext("%(file)s: %(errors)s in %(bad)d of %(rows)s; nothing imported") % {
            "file": report.file,
            "errors": errors,
            "bad": report.bad_rows,
            "rows": rows,
        }
    return gettext("%(file)s: no rows to import") % {"file": report.file}
