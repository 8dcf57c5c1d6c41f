"""Inserting many rows at once without the ORM's per-object cost.

`bulk_create` builds a model instance and an SQL fragment per row; for the side tables an
import writes (ten name keys and one history version per person) that overhead is most of the
import's time, while the database itself takes a tenth of it. `insert_rows` prepares each
value with its field's own adaptation (dates, JSON) and hands the rows to the driver's
`executemany`, so the result is the same rows `bulk_create` would write.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection, models
from django.dispatch import Signal

BATCH = 5000
# Sent by `insert_instances` after the rows are in (model signals are not sent for bulk
# inserts): sender is the model, `instances` the inserted objects, primary keys set. The
# search index queues them (search/signals.py), in the same transaction.
rows_inserted = Signal()
ADAPTED_TYPES = {
    "DateTimeField",
    "DateField",
    "TimeField",
    "JSONField",
    "DecimalField",
    "UUIDField",
    "DurationField",
    "BinaryField",
    "BooleanField",
}


def insert_rows(
    model: type[models.Model], field_names: Sequence[str], rows: Iterable[Sequence[Any]]
) -> int:
    """Insert `rows` (tuples in the order of `field_names`) into `model`'s table; returns the
    number inserted. No ids come back: use it for rows nothing else points at."""
    fields = [model._meta.get_field(name) for name in field_names]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    # Identifiers come from model metadata, quoted; every value is a bound parameter.
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({placeholders})"  # noqa: S608
    # Text, numbers and ids go to the driver as they are; only the types the backend
    # adapts (dates, times, JSON, decimals) go through their field.
    adapt = [
        field.get_internal_type() in ADAPTED_TYPES and not field.is_relation for field in fields
    ]
    prepared = (
        [
            field.get_db_prep_save(value, connection) if needs else value
            for field, value, needs in zip(fields, row, adapt, strict=True)
        ]
        for row in rows
    )
    if connection.vendor == "postgresql":
        return _copy_rows(model, columns, prepared)
    count = 0
    batch: list[list[Any]] = []
    with connection.cursor() as cursor:
        for values in prepared:
            batch.append(values)
            if len(batch) >= BATCH:
                cursor.executemany(sql, batch)
                count += len(batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)
            count += len(batch)
    return count


def _copy_rows(model: type[models.Model], columns: str, rows: Iterable[list[Any]]) -> int:
    """PostgreSQL: COPY FROM STDIN, several times faster than even pipelined INSERTs."""
    quote = connection.ops.quote_name
    # Materialised first: making a row may query the database (a snapshot reads many-to-many
    # ids), and the connection can do nothing else while a COPY is open.
    rows = list(rows)
    count = 0
    with connection.cursor() as cursor:
        # The psycopg cursor under Django's wrapper: COPY has no DB-API form.
        statement = f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN"
        with cursor.cursor.copy(statement) as copy:
            for values in rows:
                copy.write_row(values)
                count += 1
    return count


def reserve_ids(model: type[models.Model], count: int) -> list[int]:
    """Primary keys for `count` new rows of `model` that no other transaction will take.

    PostgreSQL: drawn from the column's sequence. SQLite: the transaction already holds the
    write lock (BEGIN IMMEDIATE, settings.py), so nobody else can insert before it commits,
    and the next ids follow the largest ever used (AUTOINCREMENT keeps it in sqlite_sequence).
    """
    if count <= 0:
        return []
    table, column = model._meta.db_table, model._meta.pk.column
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [table, column, count],
            )
            return [row[0] for row in cursor.fetchall()]
        if not connection.in_atomic_block:
            raise RuntimeError("reserve_ids needs a transaction holding the write lock")
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        row = cursor.fetchone()
        quote = connection.ops.quote_name
        cursor.execute(f"SELECT max({quote(column)}) FROM {quote(table)}")  # noqa: S608
        largest = max(row[0] if row else 0, cursor.fetchone()[0] or 0)
    return list(range(largest + 1, largest + 1 + count))


def insert_instances(model: type[models.Model], instances: Sequence[models.Model]) -> None:
    """Insert unsaved instances, primary keys included (from `reserve_ids`), with every
    concrete field as the instance holds it (defaults were applied when it was built)."""
    fields = [field for field in model._meta.concrete_fields]
    insert_rows(
        model,
        [field.name for field in fields],
        ([getattr(obj, field.attname) for field in fields] for obj in instances),
    )
    for obj in instances:
        obj._state.adding = False
        obj._state.db = connection.alias
    rows_inserted.send(sender=model, instances=list(instances))
