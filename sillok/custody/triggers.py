"""The append-only triggers of the custody tables, as installed by migration 0004.

`lifted_triggers` takes them away for the length of a transaction and puts back exactly the
definitions the database held. Only two callers have a reason to: the `flush` command when
the test runner empties the database between tests, and tests that play an intruder with
database access (who could do the same), to prove that verification still catches them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import transaction
from django.db.backends.base.base import BaseDatabaseWrapper

TRIGGER_PREFIX = "custody_"


def installed_triggers(connection: BaseDatabaseWrapper) -> list[tuple[str, str, str]]:
    """(name, table, CREATE statement) of every custody trigger in the database."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name, tbl_name, sql FROM sqlite_master "
                "WHERE type = 'trigger' AND name LIKE 'custody\\_%' ESCAPE '\\' ORDER BY name"
            )
        elif connection.vendor == "postgresql":
            cursor.execute(
                "SELECT t.tgname, c.relname, pg_get_triggerdef(t.oid) FROM pg_trigger t "
                "JOIN pg_class c ON c.oid = t.tgrelid "
                "WHERE NOT t.tgisinternal AND t.tgname LIKE 'custody\\_%' "
                "AND pg_table_is_visible(c.oid) ORDER BY t.tgname"
            )
        else:
            return []
        return [(name, table, sql) for name, table, sql in cursor.fetchall()]


@contextmanager
def lifted_triggers(connection: BaseDatabaseWrapper) -> Iterator[None]:
    """Run the block without the custody triggers, inside one transaction.

    Both databases roll DDL back, so if the block fails the triggers were never gone; if it
    succeeds they are recreated before the commit, and no other connection ever sees the
    tables unguarded.
    """
    with transaction.atomic(using=connection.alias):
        triggers = installed_triggers(connection)
        with connection.cursor() as cursor:
            for name, table, _sql in triggers:
                if connection.vendor == "sqlite":
                    cursor.execute(f'DROP TRIGGER "{name}"')
                else:
                    cursor.execute(f'DROP TRIGGER "{name}" ON "{table}"')
        yield
        with connection.cursor() as cursor:
            for _name, _table, sql in triggers:
                cursor.execute(sql)
