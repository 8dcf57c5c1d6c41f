"""Per-connection setup for search on SQLite: load the sqlite-vec extension (vector search)
into every new connection. Sillok runs on the SQLite of `pysqlite3-binary` (see
sillok/__init__.py) because the interpreter's own sqlite3 module may be built without
extension loading; that build also brings an SQLite recent enough for FTS5 contentless-delete
tables."""

from __future__ import annotations

from typing import Any

from django.db.backends.signals import connection_created


def load_sqlite_vec(sender: Any, connection: Any, **kwargs: Any) -> None:
    if connection.vendor != "sqlite":
        return
    import sqlite_vec

    raw = connection.connection
    raw.enable_load_extension(True)
    try:
        sqlite_vec.load(raw)
    finally:
        raw.enable_load_extension(False)


def connect() -> None:
    connection_created.connect(load_sqlite_vec, dispatch_uid="sillok.search.sqlite_vec")
