"""Exporting the records of one kind that a user may see, as CSV, XLSX or JSON.

A row holds the fields in the form the importer reads (terms and places as codes, records as
references like P-12, dates as fuzzy text, lists joined with "; "), so that an exported file
imports again, plus the bookkeeping the importer ignores: `reference`, `review_status`,
`created_at` (and `withdrawn_at` when withdrawn records are included). A reference to a
record the user may not see is left empty and a link with an end they may not see is left
out: an export shows no more than the record pages do.

Every export is a share with a purpose (and, for prosecution, a recipient): the consent rule
(records/consent.py) narrows what the user may see further, leaves out what is not consented
and empties references to it. What was left out, and why, is returned to the caller (for
the user) and noted in the file by reference and reason code only: JSON has a "left_out"
list, XLSX a "left out" sheet; for CSV, callers write `write_left_out_csv` beside the file.

Reads run in pk-ordered chunks with a fixed number of queries per chunk, so the cost grows
with the number of records, not the number of queries.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from django.contrib.auth import get_user_model
from django.db import models, transaction

from sillok.accounts.models import Compartment
from sillok.custody.audit import record_audit
from sillok.records.access import RecordActionRefused, can_view_records, visible_ids
from sillok.records.access import visible_records as visible_records_of
from sillok.records.consent import ConsentRule, LeftOut, Share, left_out_entry
from sillok.records.dates import format_fuzzy_date
from sillok.records.fields import FieldSpec, fields_of, references_of
from sillok.records.kinds import get_kind, reference_of
from sillok.records.spreadsheets import FORMULA_STARTS
from sillok.vocab.models import Place, Term

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
}
CHUNK = 2000
LIST_TYPES = {"list", "choices", "items"}
LEFT_OUT_SHEET = "left out"
NOTE_COLUMNS = ["reference", "kind", "reason"]


def check_can_export(user: Any) -> None:
    if not (can_view_records(user) and user.has_perm("records.export_records")):
        raise RecordActionRefused(
            "exporting records needs the export_records permission (documentation officers, "
            "analysts, legal experts, managers)"
        )


def export_columns(kind: str, *, include_withdrawn: bool = False) -> list[str]:
    columns = ["reference", *(spec.name for spec in fields_of(kind)), "review_status"]
    columns.append("created_at")
    if include_withdrawn:
        columns.append("withdrawn_at")
    return columns


@dataclass
class ExportResult:
    """What an export wrote (`count` records) and what the consent rule left out."""

    kind: str
    share: Share
    count: int = 0
    left_out: dict[tuple[str, int], LeftOut] = field(default_factory=dict)

    @property
    def left_out_list(self) -> list[LeftOut]:
        return list(self.left_out.values())

    def note(self, kind: str, obj: Any, problem: tuple[str, str]) -> None:
        if (kind, obj.pk) not in self.left_out:
            self.left_out[(kind, obj.pk)] = left_out_entry(kind, obj, problem)

    def audit_details(self) -> dict[str, Any]:
        """Purpose, recipient and counts: never who or what was left out."""
        reasons: dict[str, int] = {}
        for entry in self.left_out.values():
            reasons[entry.reason] = reasons.get(entry.reason, 0) + 1
        return {
            "purpose": self.share.purpose,
            "recipient": self.share.recipient,
            "left_out": len(self.left_out),
            "left_out_reasons": reasons,
        }


def do_export_records(
    user: Any,
    kind: str,
    fmt: str,
    out: IO[bytes],
    *,
    share: Share,
    include_withdrawn: bool = False,
) -> ExportResult:
    """Write every record of `kind` that `user` may see and `share` may hold to the binary
    stream `out`. The audit entry is written last, once the export is complete: callers
    hand the file out only after this returns."""
    check_can_export(user)
    record_kind = get_kind(kind)
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; choose csv, xlsx or json")
    columns = export_columns(record_kind.name, include_withdrawn=include_withdrawn)
    result = ExportResult(record_kind.plural, share)
    rows = export_rows(user, record_kind.name, result, include_withdrawn=include_withdrawn)
    writer = {"csv": _write_csv, "xlsx": _write_xlsx, "json": _write_json}[fmt]
    result.count = writer(out, columns, rows, result)
    with transaction.atomic():
        record_audit(
            user,
            "record.exported",
            object_type=f"records.{record_kind.name}",
            details={
                "format": fmt,
                "records": result.count,
                "include_withdrawn": include_withdrawn,
                **result.audit_details(),
            },
        )
    return result


def preview_export(
    user: Any, kind: str, *, share: Share, include_withdrawn: bool = False
) -> ExportResult:
    """What an export would hold and leave out, writing nothing (the export page shows it
    before the download)."""
    check_can_export(user)
    record_kind = get_kind(kind)
    result = ExportResult(record_kind.plural, share)
    for _row in export_rows(user, record_kind.name, result, include_withdrawn=include_withdrawn):
        result.count += 1
    return result


def export_rows(
    user: Any, kind: str, result: ExportResult, *, include_withdrawn: bool = False
) -> Iterator[dict[str, Any]]:
    """Each visible record the share may hold as {column: value}; values are text, numbers,
    booleans, lists of text or None, as the JSON export shows them. What the consent rule
    leaves out (records, and records or items referenced) is noted in `result`."""
    record_kind = get_kind(kind)
    query = visible_records_of(user, record_kind).order_by("pk")
    if not include_withdrawn:
        query = query.filter(withdrawn_at__isnull=True)
    specs = fields_of(record_kind.name)
    m2m = [spec.name for spec in specs if spec.type == "items"]
    if m2m:
        query = query.prefetch_related(*m2m)
    codes = _Codes()
    rule = ConsentRule(result.share)
    last = 0
    while True:
        chunk = list(query.filter(pk__gt=last)[:CHUNK])
        if not chunk:
            return
        last = chunk[-1].pk
        problems = rule.problems(record_kind.name, chunk)
        for record in chunk:
            if record.pk in problems:
                result.note(record_kind.name, record, problems[record.pk])
        chunk = [record for record in chunk if record.pk not in problems]
        refs = [ref for record in chunk for ref in references_of(record_kind.name, record)]
        seen = visible_ids(user, refs)
        # Only what the user may see is checked, and named: the rest stays unnamed.
        for ref, (problem, obj) in rule.left_out_refs(seen).items():
            result.note(ref[0], obj, problem)
            seen.discard(ref)
        codes.load_users(specs, chunk)
        # visible_records leaves out links with an end the user may not see.
        for record in chunk:
            yield _row(record_kind.name, record, specs, seen, codes, include_withdrawn)


class _Codes:
    """Codes of terms and places, user names: read once, not once per record."""

    def __init__(self) -> None:
        self.terms = dict(Term.objects.values_list("pk", "code"))
        self.places = dict(Place.objects.values_list("pk", "code"))
        self.compartments = dict(Compartment.objects.values_list("pk", "code"))
        self.users: dict[int, str] = {}

    def load_users(self, specs: tuple[FieldSpec, ...], chunk: list[models.Model]) -> None:
        ids = (
            {
                getattr(record, f"{spec.name}_id")
                for spec in specs
                if spec.type == "user"
                for record in chunk
            }
            - set(self.users)
            - {None}
        )
        if ids:
            model = get_user_model()
            found = model.objects.filter(pk__in=ids).values_list("pk", model.USERNAME_FIELD)
            self.users.update(found)


def _row(
    kind: str,
    record: models.Model,
    specs: tuple[FieldSpec, ...],
    seen: set[tuple[str, int]],
    codes: _Codes,
    include_withdrawn: bool,
) -> dict[str, Any]:
    row: dict[str, Any] = {"reference": reference_of(kind, record.pk)}
    for spec in specs:
        row[spec.name] = _value(record, spec, seen, codes)
    row["review_status"] = record.review_status
    row["created_at"] = record.created_at.isoformat()
    if include_withdrawn:
        row["withdrawn_at"] = record.withdrawn_at.isoformat() if record.withdrawn_at else None
    return row


def _value(record: models.Model, spec: FieldSpec, seen: set, codes: _Codes) -> Any:
    t = spec.type
    if t == "fuzzy_date":
        return format_fuzzy_date(record.date_start, record.date_end, record.date_precision)
    if t == "year_range":
        start, end = record.birth_year_from, record.birth_year_to
        if start is None and end is None:
            return ""
        return str(start) if start == end or end is None else f"{start}..{end}"
    if t == "ref":
        end = getattr(record, f"{spec.name}_kind"), getattr(record, f"{spec.name}_id")
        return reference_of(*end)
    if t == "items":
        pks = sorted(item.pk for item in getattr(record, spec.name).all())
        return [f"X-{pk}" for pk in pks if ("item", pk) in seen]
    if t in {"term", "place", "record", "user", "compartment"}:
        pk = getattr(record, f"{spec.name}_id")
        if pk is None:
            return None
        if t == "compartment":
            return codes.compartments.get(pk)
        if t == "term":
            return codes.terms.get(pk)
        if t == "place":
            return codes.places.get(pk)
        if t == "user":
            return codes.users.get(pk)
        return reference_of(spec.kind, pk) if (spec.kind, pk) in seen else None
    value = getattr(record, spec.name)
    if t == "date":
        return value.isoformat() if value else None
    if t in LIST_TYPES:
        return list(value or [])
    return value


# --- writers ----------------------------------------------------------------------------------


def as_text(value: Any) -> str:
    """A value as one spreadsheet cell, as the importer reads it back."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        text = "; ".join(str(v) for v in value)
        # One element with a comma would be read back as a list split at the comma; a
        # trailing semicolon makes the importer split at semicolons only.
        return f"{text};" if len(value) == 1 and "," in text else text
    return str(value)


def _write_csv(
    out: IO[bytes], columns: list[str], rows: Iterator[dict[str, Any]], result: ExportResult
) -> int:
    # UTF-8 with a byte order mark: Excel (Korean Windows included) opens it as UTF-8.
    text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="", write_through=True)
    writer = csv.writer(text)
    writer.writerow(columns)
    count = 0
    for row in rows:
        writer.writerow([_guard(as_text(row[column])) for column in columns])
        count += 1
    text.flush()
    text.detach()
    return count


def _guard(text: str) -> str:
    # A cell beginning with = + - @ runs as a formula when the CSV is opened in a spreadsheet
    # program (CSV injection); the apostrophe stops that and the importer takes it off again.
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def _write_xlsx(
    out: IO[bytes], columns: list[str], rows: Iterator[dict[str, Any]], result: ExportResult
) -> int:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE

    book = Workbook(write_only=True)
    sheet = book.create_sheet("records")
    sheet.append(columns)
    count = 0
    for row in rows:
        cells = []
        for column in columns:
            value = row[column]
            if isinstance(value, int) and not isinstance(value, bool):
                cells.append(value)
                continue
            text = ILLEGAL_CHARACTERS_RE.sub("", as_text(value))
            if text.startswith("=") or text in ERROR_CODES:
                # Text stays text: never written as a formula or an error value.
                cell = WriteOnlyCell(sheet, value=text)
                cell.data_type = "s"
                cells.append(cell)
            else:
                cells.append(text)
        sheet.append(cells)
        count += 1
    # Written after the records: only then is everything left out known.
    notes = book.create_sheet(LEFT_OUT_SHEET)
    notes.append(NOTE_COLUMNS)
    for entry in result.left_out.values():
        notes.append([entry.as_note()[column] for column in NOTE_COLUMNS])
    book.save(out)
    return count


def _write_json(
    out: IO[bytes], columns: list[str], rows: Iterator[dict[str, Any]], result: ExportResult
) -> int:
    head = {"kind": result.kind, "purpose": result.share.purpose}
    if result.share.recipient:
        head["recipient"] = result.share.recipient
    out.write(json.dumps(head, ensure_ascii=False)[:-1].encode("utf-8"))
    out.write(b', "records": [')
    count = 0
    for row in rows:
        out.write(b",\n" if count else b"\n")
        out.write(json.dumps({c: row[c] for c in columns}, ensure_ascii=False).encode("utf-8"))
        count += 1
    out.write(b"\n],\n" if count else b"],\n")
    notes = [entry.as_note() for entry in result.left_out.values()]
    out.write(b'"left_out": ' + json.dumps(notes, ensure_ascii=False).encode("utf-8") + b"}\n")
    return count


def write_left_out_csv(out: IO[bytes], left_out: Iterator[LeftOut] | list[LeftOut]) -> None:
    """What an export left out, as the note that goes with a CSV file (FILE.left-out.csv):
    reference, kind and reason code, no titles."""
    text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="", write_through=True)
    writer = csv.writer(text)
    writer.writerow(NOTE_COLUMNS)
    for entry in left_out:
        writer.writerow([entry.as_note()[column] for column in NOTE_COLUMNS])
    text.flush()
    text.detach()
