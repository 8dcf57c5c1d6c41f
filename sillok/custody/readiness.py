"""Refuse to run a long-lived process against a repository that is not ready.

`sillok serve`, `sillok worker` and `sillok demo` call `ensure_repository_ready()` first, so
a forgotten `sillok init` (or an upgrade without it) is one clear line at start-up instead of
"no such table" on the first request, hours later.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import CommandError
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor


def _where() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"SQLite database {db['NAME']}"
    return f"{connection.vendor} database {db['NAME']!r} on {db.get('HOST') or 'localhost'}"


def _not_ready(reason: str) -> CommandError:
    return CommandError(
        f"{reason} ({_where()}); run `sillok init` (SILLOK_HOME={settings.SILLOK_HOME})",
        returncode=2,
    )


def ensure_repository_ready() -> None:
    """Raise CommandError (exit 2, one line) unless the database is reachable, fully
    migrated and initialised by `sillok init`."""
    if connection.vendor == "sqlite" and not Path(connection.settings_dict["NAME"]).exists():
        # Connecting would create an empty file and hide the mistake.
        raise _not_ready("the repository is not initialised")
    try:
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise CommandError(
            f"cannot reach the database ({_where()}): {first_line}", returncode=2
        ) from None
    if pending:
        raise _not_ready(f"the repository is not migrated ({len(pending)} migrations pending)")
    from sillok.custody.models import AuditEntry

    if not AuditEntry.objects.filter(action="repository.initialised").exists():
        raise _not_ready("the repository is not initialised")
