"""Rows in other apps that carry an audit entry's seq, and how verification compares them.

A custody event, a record version or an item metadata version is written together with the
audit entry named by its `audit_seq`, and the entry's hashed payload holds enough of the row
to tell whether the row still says what it said then. The chain proves the entries; only
comparing each row with its entry proves the rows. `custody` depends on no other app, so each
app registers its tables here (from its AppConfig.ready) and `sillok verify` calls them.

What every registered check reports, by table and seq (and item or record where it has one):

- ``*_missing``: the log has an entry for a row that is gone (a deleted row);
- ``*_unaudited``: a row names no entry, an entry of another kind, or one another row
  already claims (an inserted row);
- ``*_altered``: a row's fields differ from its entry (an edited row), naming the fields.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Model, Q, QuerySet

from sillok.custody.models import AuditEntry

if TYPE_CHECKING:
    from sillok.custody.verify import VerificationReport


@dataclass(frozen=True)
class AuditedRows:
    """One table whose rows carry an audit seq."""

    # "custody events": how messages name the rows.
    label: str
    # check(report, limit_seq, batch_size): compare the rows with their entries up to the seq
    # the chain walk stopped at (rows beyond it are reported as unaudited).
    check: Callable[[VerificationReport, int, int], None]
    # The highest audit seq any row claims (None for an empty table).
    max_audit_seq: Callable[[], int | None]


_registry: dict[str, AuditedRows] = {}


def register_audited_rows(rows: AuditedRows) -> None:
    _registry[rows.label] = rows


def registered_audited_rows() -> list[AuditedRows]:
    return list(_registry.values())


def entries_where(batch_size: int, **filters: Any) -> Iterator[AuditEntry]:
    """Every entry matching `filters` (e.g. action__startswith="custody."), in seq order, by
    keyset pages (no OFFSET scans)."""
    query = AuditEntry.objects.filter(**filters).order_by("seq")
    batch = list(query[:batch_size])
    while batch:
        yield from batch
        batch = list(query.filter(seq__gt=batch[-1].seq)[:batch_size])


def rows_in_seq_order(query: QuerySet, batch_size: int) -> Iterator[Model]:
    """The rows of `query` that name an audit entry, by (audit_seq, pk), in keyset pages:
    several rows may share one seq (an import's versions), so pk breaks the tie."""
    query = query.filter(audit_seq__isnull=False).order_by("audit_seq", "pk")
    batch = list(query[:batch_size])
    while batch:
        yield from batch
        last = batch[-1]
        batch = list(
            query.filter(
                Q(audit_seq__gt=last.audit_seq) | Q(audit_seq=last.audit_seq, pk__gt=last.pk)
            )[:batch_size]
        )


def entries_by_seq(seqs: Iterable[int]) -> dict[int, AuditEntry]:
    return {entry.seq: entry for entry in AuditEntry.objects.filter(seq__in=set(seqs))}


def merge_by_seq(
    rows: Iterator[Any], entries: Iterator[AuditEntry], seq_of: Callable[[Any], int]
) -> Iterator[tuple[int, list[Any], AuditEntry | None]]:
    """Walk rows (ordered by their seq) and entries (ordered by seq) side by side.

    Yields (seq, the rows claiming it, the entry of the expected kind with that seq or None),
    for every seq either side has: a seq with no rows is a deleted row, one with no entry an
    inserted row (or one whose entry is of another kind). Memory stays flat.
    """
    row = next(rows, None)
    entry = next(entries, None)
    while row is not None or entry is not None:
        row_seq = seq_of(row) if row is not None else None
        entry_seq = entry.seq if entry is not None else None
        seq = min(s for s in (row_seq, entry_seq) if s is not None)
        claiming = []
        while row is not None and seq_of(row) == seq:
            claiming.append(row)
            row = next(rows, None)
        matched = None
        if entry is not None and entry.seq == seq:
            matched = entry
            entry = next(entries, None)
        yield seq, claiming, matched


def changed_fields(expected: dict[str, Any], actual: dict[str, Any]) -> list[str]:
    """Names of the fields whose value in the row differs from the entry (only those the
    entry states)."""
    return sorted(name for name, value in expected.items() if actual.get(name) != value)


def why_no_entry(seq: int, limit: int, expected: str) -> str:
    """Why a row claiming entry `seq` has no entry of its own: beyond the head, not in the
    log, or an entry that records something else than `expected` (e.g. "a custody event")."""
    if seq > limit:
        return f"it names audit entry #{seq}, beyond the head of the log (#{limit})"
    other = AuditEntry.objects.filter(seq=seq).values_list("action", flat=True).first()
    if other is None:
        return f"audit entry #{seq}, which it names, is not in the log"
    return f"audit entry #{seq}, which it names, records {other!r}, not {expected}"
