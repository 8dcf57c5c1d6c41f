"""Run the real `sillok` command in a subprocess against the test database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.db import connection


def database_env() -> dict[str, str]:
    """Environment variables that point a child process at the database the test uses."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return {"SILLOK_SQLITE_PATH": str(db["NAME"])}
    user = db.get("USER") or ""
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return {"SILLOK_DATABASE_URL": f"postgres://{user}{password}@{host}:{port}/{db['NAME']}"}


def run_sillok(
    *args: str,
    input: str | None = None,  # noqa: A002 - mirrors subprocess.run
    env: dict[str, str] | None = None,
    timeout: float = 120,
    home: Path | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run `sillok ARGS...` and return the finished process (text mode, output captured).

    The test must use a transactional database (`django_db(transaction=True)`) so that what it
    wrote is committed and visible to the child.
    """
    child_env = {**os.environ, **database_env(), "SILLOK_HOME": str(home or settings.SILLOK_HOME)}
    child_env.update(env or {})
    return subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "sillok.cli", *args],
        input=input,
        env=child_env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
