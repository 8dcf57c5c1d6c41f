"""Everything in a Sillok home is its OS user's alone: folders 0700, files 0600 (blobs 0400).

The home holds evidence, identities and keys; no other local account may read it, whatever
umask the operator's shell or service manager hands down (the common 022 makes new files
readable by everyone). What keeps it so:

1. Every entry point (`sillok`, the WSGI module) calls `restrict_umask()` before it writes
   anything. That covers what Sillok does not create itself: the SQLite database and its
   -wal, -shm and -journal files, files that tools started by Sillok write, and files written
   at a path the user names (`export --out`, `audit checkpoint --export`): exports hold
   evidence too, so they are 0600, and widening one is the user's decision.
2. Code that makes folders uses `make_private_dirs` (0700 at every level it creates), and
   files are opened with 0600, so code that runs without the umask (tests, a library user)
   still makes private files.
3. `sillok init` runs `make_private(home)`, which takes group and other permissions away from
   what is already there (made by an older version, by hand, or restored from a backup), and
   `sillok verify` lists every path that still grants them (custody/hygiene.py).

All of SILLOK_HOME is walked, so keep other things (a virtualenv, backups) outside it.
Symbolic links are neither followed nor changed. This module must not import Django: the
umask is set before Django is configured.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import chain
from pathlib import Path

PRIVATE_UMASK = 0o077
# Permission bits of group and others: none may be set on anything in a Sillok home.
LOOSE_BITS = 0o077
SQLITE_COMPANIONS = ("-wal", "-shm", "-journal")


def restrict_umask() -> int:
    """Make every file and folder this process creates private to its user; return the old
    umask. Call it first thing in an entry point, before any thread starts."""
    return os.umask(PRIVATE_UMASK)


def make_private_dirs(path: Path | str) -> None:
    """`mkdir -p` with mode 0700 for every folder it creates (os.makedirs gives the folders
    above the last one the umask's default). Existing folders are left as they are."""
    path = Path(path)
    if path.is_dir():
        return
    missing = []
    while not path.exists() and path != path.parent:
        missing.append(path)
        path = path.parent
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=0o700)
        except FileExistsError:
            continue


@dataclass(frozen=True)
class ModeEntry:
    path: str
    mode: int  # permission bits only
    is_dir: bool

    @property
    def loose(self) -> bool:
        return bool(self.mode & LOOSE_BITS)


OnError = Callable[[str, OSError], None]


def walk(root: Path | str, on_error: OnError | None = None) -> Iterator[ModeEntry]:
    """`root` and everything below it, one lstat per path, in no particular order; memory
    is one folder listing at a time. Symbolic links are skipped, never followed."""
    root = os.fspath(root)
    try:
        info = os.stat(root)  # the home itself may be reached through a link
    except FileNotFoundError:
        return
    except OSError as exc:
        if on_error:
            on_error(root, exc)
        return
    yield ModeEntry(root, stat.S_IMODE(info.st_mode), stat.S_ISDIR(info.st_mode))
    if not stat.S_ISDIR(info.st_mode):
        return
    pending = [root]
    while pending:
        folder = pending.pop()
        try:
            with os.scandir(folder) as entries:
                for entry in entries:
                    try:
                        info = entry.stat(follow_symlinks=False)
                    except FileNotFoundError:
                        continue  # removed meanwhile (a temporary file)
                    if stat.S_ISLNK(info.st_mode):
                        continue
                    is_dir = stat.S_ISDIR(info.st_mode)
                    yield ModeEntry(entry.path, stat.S_IMODE(info.st_mode), is_dir)
                    if is_dir:
                        pending.append(entry.path)
        except FileNotFoundError:
            continue
        except OSError as exc:
            if on_error:
                on_error(folder, exc)


def sqlite_files(database: Path | str) -> list[Path]:
    """The SQLite database file and the companions SQLite makes beside it."""
    database = Path(database)
    return [database] + [Path(f"{database}{suffix}") for suffix in SQLITE_COMPANIONS]


def existing_files(paths: Iterable[Path | str]) -> Iterator[ModeEntry]:
    for path in paths:
        try:
            info = os.lstat(path)
        except FileNotFoundError:
            continue
        if not stat.S_ISLNK(info.st_mode):
            yield ModeEntry(os.fspath(path), stat.S_IMODE(info.st_mode), stat.S_ISDIR(info.st_mode))


def make_private(home: Path | str, also: Iterable[Path | str] = ()) -> tuple[int, list[str]]:
    """Take group and other permissions away from `home`, everything in it, and the files in
    `also` (e.g. an SQLite database kept elsewhere); owner bits stay (a blob stays read-only).
    Returns (how many paths changed, messages for those that could not be changed)."""
    changed, failures = 0, []

    def failed(path: str, exc: OSError) -> None:
        failures.append(f"{path}: {exc.strerror or exc}")

    for entry in chain(walk(home, failed), existing_files(also)):
        if not entry.loose:
            continue
        try:
            # Links were skipped above (Linux has no lchmod to make sure of it here).
            os.chmod(entry.path, entry.mode & ~LOOSE_BITS)
        except FileNotFoundError:
            continue
        except OSError as exc:
            failed(entry.path, exc)
            continue
        changed += 1
    return changed, failures
