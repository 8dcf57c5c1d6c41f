"""Temporary files and folders that name the process owning them, so a crash leaves nothing.

Evidence passes through temporary places on its way in (a blob being stored, an upload being
checked, a file being derived), and a process killed at the wrong moment (kill -9, the OOM
killer, a power cut) leaves a full copy behind. What this module guarantees:

1. Every temporary is made by `new_temp_file`, `new_temp_dir` or `temp_dir` in a temporary
   area (SILLOK_HOME/tmp, SILLOK_HOME/blobs/tmp), mode 0600 or 0700, and named
   `<prefix><token>-<random>`, where the token is its process's owner token for that area.
2. Before its first temporary in an area, a process creates `<area>-owners/<token>.lock`
   and holds an exclusive flock on it for the rest of its life. The kernel drops the lock
   when the process dies, however it dies; nothing else drops it while the process lives.
   The file is made under a `.new` name and renamed once locked: no one sees it unlocked.
3. `remove_leftovers(area)` removes a temporary only when its token's lock can be taken or
   is gone: its owner is dead. A live process (another web worker, a worker, an ingest)
   keeps its lock, so its temporaries stay however long it runs. No process id is compared,
   so neither PID reuse, nor containers sharing a volume, nor a reboot can fool it (on NFS,
   Linux turns flock into POSIX locks, which the server keeps across clients). A process
   cleans an area once, before its first temporary there, and `sillok` and the WSGI module
   clean at start (custody/hygiene.py): the next start of any writer removes what a dead
   one left.
4. Temporaries without a token (made by versions before this one) are removed once older
   than a day, as before; a name Sillok never used for a temporary is never removed.
5. A forked child gets tokens of its own: its parent's locks stay its parent's.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import os
import re
import secrets
import shutil
import socket
import stat
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sillok.core.filemodes import make_private_dirs

OWNER_RE = r"[0-9a-f]{16}"  # an owner token: 16 hex digits
OWNED_RE = re.compile(rf"^(?P<prefix>[a-z]+(?:-[a-z]+)*-)(?P<token>{OWNER_RE})-")
PREFIX_RE = re.compile(r"^[a-z]+(?:-[a-z]+)*-$")
LOCK_RE = re.compile(rf"^(?P<token>{OWNER_RE})\.lock$")
# Every prefix a temporary of Sillok had before names carried an owner; only names starting
# with one of them are ever removed by age.
UNOWNED_PREFIXES = (
    "put-",
    "sillok-stage-",
    "stage-",
    "derive-",
    "sandbox-",
    "ingest-",
    "api-",
    "redact-",
)
UNOWNED_MAX_AGE = 24 * 3600.0
# A lock file still under its `.new` name this long is one whose process died making it.
NEW_LOCK_MAX_AGE = 3600.0


def owners_dir(area: Path) -> Path:
    # Beside the area, not in it: a listing of the area shows only temporaries.
    return area.parent / f"{area.name}-owners"


def home_temp_area() -> Path:
    """SILLOK_HOME/tmp: working folders (intake, derivatives, sandboxes) and S3 spools."""
    from django.conf import settings

    return Path(settings.SILLOK_HOME) / "tmp"


# --- This process's owner tokens ---------------------------------------------------------


class _Owners:
    def __init__(self) -> None:
        # Re-entrant: the first use of an area cleans it, which asks for our own tokens.
        self.lock = threading.RLock()
        self.pid = os.getpid()
        self.held: dict[str, tuple[str, int]] = {}  # area -> (token, locked fd)
        self.cleaned: set[str] = set()


_owners = _Owners()


def _forget_after_fork() -> None:
    # The child shares its parent's open lock files; closing its copies leaves the parent's
    # locks held (flock locks belong to the open file, which the parent still has open).
    global _owners
    inherited, _owners = _owners, _Owners()
    for _token, fd in inherited.held.values():
        with contextlib.suppress(OSError):
            os.close(fd)


def _release_at_exit() -> None:
    # A clean exit takes its lock files along; after a kill the next cleaner removes them.
    owners = _owners
    if owners.pid != os.getpid():
        return
    for area, (token, fd) in list(owners.held.items()):
        with contextlib.suppress(OSError):
            (owners_dir(Path(area)) / f"{token}.lock").unlink()
        with contextlib.suppress(OSError):
            os.close(fd)
    owners.held.clear()


os.register_at_fork(after_in_child=_forget_after_fork)
atexit.register(_release_at_exit)


def _own_tokens() -> set[str]:
    with _owners.lock:
        return {token for token, _fd in _owners.held.values()}


def _owner_token(area: Path) -> str:
    key = os.path.abspath(area)
    owners = _owners
    with owners.lock:
        if key in owners.held:
            return owners.held[key][0]
        if key not in owners.cleaned:
            owners.cleaned.add(key)
            remove_leftovers(area)
        token, fd = _new_owner(area)
        owners.held[key] = (token, fd)
        return token


def _new_owner(area: Path) -> tuple[str, int]:
    folder = owners_dir(area)
    make_private_dirs(folder)
    token = secrets.token_hex(8)
    making = folder / f"{token}.new"
    fd = os.open(making, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # nobody else knows the name yet
        # For whoever looks: which process holds it (the lock, not this text, decides).
        os.write(fd, f"{os.getpid()} {socket.gethostname()}\n".encode())
        os.rename(making, folder / f"{token}.lock")
    except BaseException:
        os.close(fd)
        making.unlink(missing_ok=True)
        raise
    return token, fd


# --- Making temporaries ------------------------------------------------------------------


def _owned_prefix(area: Path, prefix: str) -> str:
    if not PREFIX_RE.match(prefix):
        raise ValueError(f"a temporary's prefix is lowercase words ending in '-': {prefix!r}")
    make_private_dirs(area)
    return f"{prefix}{_owner_token(area)}-"


def new_temp_file(area: Path, prefix: str, suffix: str = "") -> tuple[int, str]:
    """A new file (mode 0600) in `area`, open for writing: (fd, path), like mkstemp."""
    return tempfile.mkstemp(prefix=_owned_prefix(Path(area), prefix), suffix=suffix, dir=area)


def new_temp_dir(area: Path, prefix: str) -> Path:
    """A new folder (mode 0700) in `area`; the caller removes it (see `remove_tree`)."""
    return Path(tempfile.mkdtemp(prefix=_owned_prefix(Path(area), prefix), dir=area))


@contextlib.contextmanager
def temp_dir(prefix: str, area: Path | None = None) -> Iterator[Path]:
    """A folder for the duration of a `with` block, in SILLOK_HOME/tmp unless `area`."""
    path = new_temp_dir(area or home_temp_area(), prefix)
    try:
        yield path
    finally:
        remove_tree(path)


def remove_tree(path: Path | str) -> None:
    """Remove a folder and everything in it, read-only folders (a tool's output) included."""

    def make_writable(_function: object, failed: str, exc: BaseException) -> None:
        if isinstance(exc, FileNotFoundError):
            return
        if isinstance(exc, PermissionError):
            with contextlib.suppress(OSError):
                os.chmod(os.path.dirname(failed), 0o700)
                if os.path.isdir(failed) and not os.path.islink(failed):
                    os.chmod(failed, 0o700)
                    shutil.rmtree(failed, ignore_errors=True)
                else:
                    os.unlink(failed)

    shutil.rmtree(path, onexc=make_writable)


# --- Leftovers ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Leftover:
    path: Path
    is_dir: bool
    size: int  # bytes of a file; 0 for a folder
    reason: str


class _Judge:
    """Says whether the owner of a token is alive, by trying to take its lock. Probes of dead
    owners' locks are kept until `close`, which removes those lock files after their
    temporaries (a lock file goes last: a temporary without one is a dead process's)."""

    def __init__(self, area: Path) -> None:
        self.folder = owners_dir(area)
        self.own = _own_tokens()
        self.alive_by_token: dict[str, bool] = {}
        self.dead_fds: dict[str, int] = {}

    def alive(self, token: str) -> bool:
        if token in self.own:
            # Never probe our own locks: on NFS (POSIX locks) it would succeed, and closing
            # the probe would drop the lock we hold.
            return True
        if token not in self.alive_by_token:
            self.alive_by_token[token] = self._probe(token)
        return self.alive_by_token[token]

    def _probe(self, token: str) -> bool:
        try:
            fd = os.open(self.folder / f"{token}.lock", os.O_RDWR | os.O_CLOEXEC)
        except FileNotFoundError:
            return False  # the lock is made before any temporary and removed after them
        except OSError:
            return True  # cannot tell: keep
        try:
            # Shared: an owner holds its lock exclusively, and probes by several cleaners
            # (or a cleaner and `verify`) do not mistake each other for a live owner.
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError:
            # Held (EWOULDBLOCK): alive. Anything else (no locks on this filesystem): keep.
            os.close(fd)
            return True
        self.dead_fds[token] = fd
        return False

    def probe_every_lock(self) -> None:
        """Probe every lock file, with temporaries or not, so `close` removes those of dead
        processes; and remove `.new` files of processes that died making their lock."""
        try:
            entries = list(os.scandir(self.folder))
        except FileNotFoundError:
            return
        cutoff = time.time() - NEW_LOCK_MAX_AGE
        for entry in entries:
            match = LOCK_RE.match(entry.name)
            if match:
                self.alive(match["token"])
            elif entry.name.endswith(".new"):
                with contextlib.suppress(OSError):
                    if entry.stat(follow_symlinks=False).st_mtime < cutoff:
                        os.unlink(entry.path)

    def close(self, remove_dead: bool) -> None:
        for token, fd in self.dead_fds.items():
            if remove_dead:
                with contextlib.suppress(OSError):
                    (self.folder / f"{token}.lock").unlink()
            os.close(fd)
        self.dead_fds.clear()


def _scan(area: Path, judge: _Judge, max_unowned_age: float) -> Iterator[Leftover]:
    try:
        entries = list(os.scandir(area))
    except (FileNotFoundError, NotADirectoryError):
        return
    cutoff = time.time() - max_unowned_age
    for entry in entries:
        owned = OWNED_RE.match(entry.name)
        if owned is None and not entry.name.startswith(UNOWNED_PREFIXES):
            continue
        try:
            info = entry.stat(follow_symlinks=False)
        except FileNotFoundError:
            continue
        if owned is not None:
            if judge.alive(owned["token"]):
                continue
            reason = "the process that made it is gone"
        elif info.st_mtime < cutoff:
            reason = f"it names no owner and is older than {max_unowned_age / 3600:g} hours"
        else:
            continue
        is_dir = stat.S_ISDIR(info.st_mode)
        yield Leftover(Path(entry.path), is_dir, 0 if is_dir else info.st_size, reason)


def find_leftovers(area: Path, max_unowned_age: float = UNOWNED_MAX_AGE) -> list[Leftover]:
    """Temporaries in `area` that nothing will remove but the next cleaner; changes nothing."""
    judge = _Judge(Path(area))
    try:
        return list(_scan(Path(area), judge, max_unowned_age))
    finally:
        judge.close(remove_dead=False)


def remove_leftovers(area: Path, max_unowned_age: float = UNOWNED_MAX_AGE) -> int:
    """Remove the temporaries of dead processes in `area` (and old ones naming no owner),
    and the lock files of dead processes; return how many temporaries were removed."""
    area = Path(area)
    judge = _Judge(area)
    removed = 0
    try:
        for leftover in _scan(area, judge, max_unowned_age):
            try:
                if leftover.is_dir:
                    remove_tree(leftover.path)
                else:
                    leftover.path.unlink()
            except OSError:
                continue  # another cleaner was quicker, or it cannot go: verify lists it
            removed += 1
        judge.probe_every_lock()
    finally:
        judge.close(remove_dead=True)
    return removed
