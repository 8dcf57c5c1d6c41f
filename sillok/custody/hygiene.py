"""SILLOK_HOME itself, as `sillok verify` checks it: file modes and leftover temporaries.

- `check_home_modes`: SILLOK_HOME, everything in it (every blob included: they are
  evidence) and the SQLite database with its -wal, -shm and -journal files wherever they
  are. Each path that grants anything to group or others is a `file_mode_loose` error naming
  it (relative to SILLOK_HOME) and its mode. One lstat per path, streamed, links not
  followed. `sillok init` takes the loose bits away (core/filemodes.py).
- `check_leftovers`: temporaries in SILLOK_HOME/tmp and SILLOK_HOME/blobs/tmp whose process
  is gone (core/tempfiles.py), or that name no owner and are older than a day. Each is a
  `leftover_temporary` of severity info: like an unrecorded blob it is what a crash leaves,
  it is removed by the next start of any writer, and it is as private as the blobs (a loose
  mode on it is an error of its own). A temporary of a live process is never listed.
- `remove_leftovers_at_start`: the cleaning that `sillok` and the WSGI module do at start.

These only read, except `remove_leftovers_at_start`.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import connection

from sillok.core import filemodes, tempfiles
from sillok.custody.blobstore import LocalBlobStore

if TYPE_CHECKING:
    from sillok.custody.verify import VerificationReport

logger = logging.getLogger(__name__)

LEFTOVER_SEVERITY = "info"


def temp_areas(home: Path) -> list[Path]:
    """Where Sillok keeps temporaries (the blob store's own area even with S3: an earlier
    local store may have left some)."""
    return [home / "tmp", LocalBlobStore(home / "blobs").tmp_dir]


def database_files() -> list[Path]:
    if connection.vendor != "sqlite":
        return []
    return filemodes.sqlite_files(connection.settings_dict["NAME"])


def _shown(path: str | Path, home: Path) -> str:
    path = Path(path)
    if path == home:
        return "SILLOK_HOME"
    return str(path.relative_to(home)) if path.is_relative_to(home) else str(path)


def _who(mode: int) -> str:
    parts = []
    for label, shift in (("group", 3), ("others", 0)):
        bits = (mode >> shift) & 0o7
        if bits:
            rights = "".join(char for char, bit in zip("rwx", (4, 2, 1), strict=True) if bits & bit)
            parts.append(f"{label} {rights}")
    return ", ".join(parts)


def check_home_modes(report: VerificationReport, home: Path | None = None) -> None:
    """Every path in SILLOK_HOME (and the SQLite files) open to group or others."""
    from sillok.custody.verify import Problem

    home = Path(home or settings.SILLOK_HOME)

    def unreadable(path: str, exc: OSError) -> None:
        shown = _shown(path, home)
        message = f"{shown} could not be read to check its modes: {exc.strerror or exc}"
        report.add(Problem("file_mode_unchecked", message, source=shown))

    count = 0
    for entry in filemodes.walk(home, unreadable):
        count += 1
        _check_mode(report, entry, home)
    report.checked["home_paths"] = count
    outside = [path for path in database_files() if not path.is_relative_to(home)]
    count = 0
    for entry in filemodes.existing_files(outside):
        count += 1
        _check_mode(report, entry, home)
    report.checked["database_files_outside_home"] = count


def _check_mode(report: VerificationReport, entry: filemodes.ModeEntry, home: Path) -> None:
    from sillok.custody.verify import ERROR, Problem

    if not entry.loose:
        return
    shown = _shown(entry.path, home)
    what = "folder" if entry.is_dir else "file"
    report.add(
        Problem(
            "file_mode_loose",
            f"{shown} is a {what} with mode {entry.mode:04o} ({_who(entry.mode)}): other "
            f"local users can reach it; Sillok makes folders 0700 and files 0600, and "
            f"`sillok init` takes the extra permissions away",
            severity=ERROR,
            source=shown,
        )
    )


def check_leftovers(report: VerificationReport, home: Path | None = None) -> None:
    """Temporaries nothing but the next start of a writer will remove."""
    from sillok.custody.verify import Problem

    home = Path(home or settings.SILLOK_HOME)
    count = 0
    for area in temp_areas(home):
        for leftover in tempfiles.find_leftovers(area):
            count += 1
            shown = _shown(leftover.path, home)
            what = "folder" if leftover.is_dir else f"file of {leftover.size} bytes"
            report.add(
                Problem(
                    "leftover_temporary",
                    f"{shown} is a temporary {what} left behind ({leftover.reason}); the next "
                    f"start of `sillok` (e.g. `sillok init`), a web process or a worker "
                    f"removes it",
                    severity=LEFTOVER_SEVERITY,
                    source=shown,
                )
            )
    report.checked["leftover_temporaries"] = count


def remove_leftovers_at_start(home: Path | None = None) -> int:
    """Remove what dead processes left in the temporary areas; never raises (a start must
    not fail because an old temporary could not go: verify lists it)."""
    home = Path(home or settings.SILLOK_HOME)
    removed = 0
    for area in temp_areas(home):
        try:
            removed += tempfiles.remove_leftovers(area)
        except OSError as exc:
            logger.warning("could not remove leftover temporaries in %s: %s", area, exc)
    if removed:
        logger.info("removed %d temporaries left by processes that are gone", removed)
    return removed
