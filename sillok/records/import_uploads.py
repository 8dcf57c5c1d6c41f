"""Spreadsheets uploaded for an import, kept between the steps of the import pages (mapping,
dry run, import) in SILLOK_HOME/tmp/imports under a random key.

The key is the only name a browser ever sends back, and it is looked up in the user's own
session: a path never comes from the client. A file is removed after its import, and any
file older than a day is removed at the next upload.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone

from sillok.records.spreadsheets import (
    CSV_SUFFIXES,
    XLSX_SUFFIXES,
    SpreadsheetError,
    max_spreadsheet_bytes,
)

SESSION_KEY = "record_imports"
KEEP_FOR = dt.timedelta(days=1)
KEY_RE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def upload_dir() -> Path:
    folder = Path(settings.SILLOK_HOME) / "tmp" / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def store_upload(uploaded: Any) -> tuple[str, str]:
    """Write an uploaded file (Django UploadedFile) under a new key; (key, suffix).
    SpreadsheetError for a file that is empty, too large or not a CSV/XLSX by its name."""
    suffix = Path(uploaded.name or "").suffix.lower()
    if suffix not in CSV_SUFFIXES | XLSX_SUFFIXES:
        raise SpreadsheetError("choose a .csv or .xlsx file")
    if not uploaded.size:
        raise SpreadsheetError(f"{uploaded.name} is empty")
    if uploaded.size > max_spreadsheet_bytes():
        raise SpreadsheetError(
            f"{uploaded.name} is larger than {max_spreadsheet_bytes():,} bytes; split it"
        )
    purge_expired()
    key = secrets.token_urlsafe(18)
    path = upload_dir() / f"{key}{suffix}"
    with path.open("xb") as handle:
        for chunk in uploaded.chunks():
            handle.write(chunk)
    path.chmod(0o600)
    return key, suffix


def pending_path(key: str, suffix: str) -> Path | None:
    """The stored file of `key` (from the session), or None when it is gone or malformed."""
    if not KEY_RE.match(key or "") or suffix not in CSV_SUFFIXES | XLSX_SUFFIXES:
        return None
    path = upload_dir() / f"{key}{suffix}"
    return path if path.is_file() else None


def discard(key: str, suffix: str) -> None:
    path = pending_path(key, suffix)
    if path is not None:
        path.unlink(missing_ok=True)


def purge_expired() -> int:
    """Remove stored uploads older than a day (abandoned imports); how many were removed."""
    cutoff = (timezone.now() - KEEP_FOR).timestamp()
    removed = 0
    for path in upload_dir().iterdir():
        try:
            if path.is_file() and path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
        except FileNotFoundError:
            continue  # another process removed it first
    return removed


def is_expired(entry: dict[str, Any]) -> bool:
    try:
        created = dt.datetime.fromisoformat(entry["created"])
    except (KeyError, TypeError, ValueError):
        return True
    return timezone.now() - created > KEEP_FOR
