"""The SQLite driver Sillok runs on: the DB-API module of `pysqlite3-binary`, which bundles a
recent SQLite built with extension loading (sqlite-vec for semantic search) and FTS5
contentless-delete tables. The interpreter's own `sqlite3` may be older and built without
extension loading, so it cannot hold the search index.

`install()` makes `import sqlite3` resolve to that module (before Django's SQLite backend is
imported) and fills in the two things Django's backend asks of it that the module lacks: the
limit-category constants and `Connection.getlimit`. Limits are the bundled SQLite's compiled
defaults (it exposes no way to read them): at least these are always available.
"""

from __future__ import annotations

import sys
from types import ModuleType
from typing import Any

# sqlite3.h: the limit categories Django reads, and SQLite's default maximum for each.
SQLITE_LIMIT_COLUMN = 2
SQLITE_LIMIT_VARIABLE_NUMBER = 9
_DEFAULT_LIMITS = {SQLITE_LIMIT_COLUMN: 2000, SQLITE_LIMIT_VARIABLE_NUMBER: 32766}

Connection: Any = None


def install() -> ModuleType | None:
    """Swap in the bundled driver; returns it, or None when it is not installed."""
    global Connection
    try:
        import pysqlite3
        import pysqlite3.dbapi2 as dbapi2
    except ImportError:  # declared in pyproject; tolerated so tooling can import the package
        return None

    class SillokConnection(dbapi2.Connection):
        def getlimit(self, category: int) -> int:
            try:
                return _DEFAULT_LIMITS[category]
            except KeyError:
                raise dbapi2.ProgrammingError(f"unknown limit category {category}") from None

    for module in (pysqlite3, dbapi2):
        module.SQLITE_LIMIT_COLUMN = SQLITE_LIMIT_COLUMN
        module.SQLITE_LIMIT_VARIABLE_NUMBER = SQLITE_LIMIT_VARIABLE_NUMBER
    Connection = SillokConnection
    sys.modules["sqlite3"] = pysqlite3
    sys.modules["sqlite3.dbapi2"] = dbapi2
    return dbapi2
