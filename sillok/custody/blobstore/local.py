"""Blob store on the local filesystem: SILLOK_HOME/blobs/sha256/ab/cd/<sha256>.

Folders are 0700 and blobs 0400, whatever the umask: blobs are evidence (core/filemodes.py).
Temporary files are owned by their process (core/tempfiles.py): those of a writer that died
are removed by the next process that writes here, those of a live one never.
"""

from __future__ import annotations

import ctypes
import os
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from sillok.core.tempfiles import UNOWNED_MAX_AGE, new_temp_file, remove_leftovers
from sillok.custody.blobstore.base import (
    SHA256_RE,
    BlobConflict,
    BlobNotFound,
    BlobStore,
    PutResult,
    Readable,
    StagedBlob,
    check_hash,
    copy_hashing,
)

TEMP_PREFIX = "put-"
# Read-only, and for the owner only: a blob is evidence.
BLOB_MODE = 0o400


def _fsync_dir(path: Path) -> None:
    # A new name in a directory survives a power cut only once the directory itself is synced.
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _syncfs(path: Path) -> bool:
    """syncfs(2) on the filesystem holding `path`: one flush for many files. False where the
    C library has no syncfs (not Linux), and the caller then fsyncs file by file."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        syncfs = libc.syncfs
    except (OSError, AttributeError):
        return False
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        if syncfs(fd) != 0:
            error = ctypes.get_errno()
            raise OSError(error, f"syncfs failed: {os.strerror(error)}")
    finally:
        os.close(fd)
    return True


def _make_dirs(path: Path, changed: set[Path] | None = None) -> None:
    """mkdir -p, syncing each parent whose listing changed (or, given `changed`, adding it
    there for the caller to sync together with others)."""
    if path.is_dir():
        return
    _make_dirs(path.parent, changed)
    try:
        path.mkdir(mode=0o700)
    except FileExistsError:
        return
    if changed is None:
        _fsync_dir(path.parent)
    else:
        changed.add(path.parent)


class LocalBlobStore(BlobStore):
    """Blobs as read-only files, written to `tmp/` on the same filesystem and hard-linked in.

    `os.link` fails if the name exists, so a blob is never overwritten, not even by two
    processes storing the same content at once; and a half-written file only ever lives under
    `tmp/`, which iter_hashes never looks at.
    """

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.blob_dir = self.root / "sha256"
        self.tmp_dir = self.root / "tmp"

    def describe(self) -> str:
        return str(self.root)

    def path_of(self, sha256: str) -> Path:
        check_hash(sha256)
        return self.blob_dir / sha256[:2] / sha256[2:4] / sha256

    def put(self, stream: Readable, max_bytes: int | None = None) -> PutResult:
        fd, tmp_name = self._new_temp()
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as out:
                sha256, size = copy_hashing(stream, out, max_bytes)
                out.flush()
                os.fsync(out.fileno())
            # Read-only before it gets its real name: there is no moment when it is writable.
            os.chmod(tmp, BLOB_MODE)
            final = self.path_of(sha256)
            _make_dirs(final.parent)
            try:
                os.link(tmp, final)
            except FileExistsError:
                created = False
            else:
                created = True
                _fsync_dir(final.parent)
        finally:
            tmp.unlink(missing_ok=True)
        if not created:
            stored = final.stat().st_size
            if stored != size:
                raise BlobConflict(
                    f"blob {sha256} exists with {stored} bytes, not {size}; left untouched"
                )
        return PutResult(sha256=sha256, size=size, created=created)

    def stage(self, stream: Readable, max_bytes: int | None = None) -> StagedBlob:
        """Like put's first half, without the fsync: `publish` flushes many at once."""
        fd, tmp_name = self._new_temp()
        try:
            with os.fdopen(fd, "wb") as out:
                sha256, size = copy_hashing(stream, out, max_bytes)
            os.chmod(tmp_name, BLOB_MODE)
        except BaseException:
            Path(tmp_name).unlink(missing_ok=True)
            raise
        return StagedBlob(path=tmp_name, sha256=sha256, size=size)

    def publish(self, staged: list[StagedBlob]) -> list[PutResult]:
        """Flush every staged file to disk with one filesystem sync, link each into place,
        then sync again so the new names are durable too. A blob is never visible before
        its bytes are on disk; a crash leaves only temporary files, removed later."""
        if not staged:
            return []
        try:
            self._sync_files([item.path for item in staged])
            results: list[PutResult] = []
            touched: set[Path] = set()
            for item in staged:
                final = self.path_of(item.sha256)
                _make_dirs(final.parent, touched)
                try:
                    os.link(item.path, final)
                except FileExistsError:
                    stored = final.stat().st_size
                    if stored != item.size:
                        raise BlobConflict(
                            f"blob {item.sha256} exists with {stored} bytes, not {item.size}; "
                            "left untouched"
                        ) from None
                    results.append(PutResult(item.sha256, item.size, created=False))
                else:
                    touched.add(final.parent)
                    results.append(PutResult(item.sha256, item.size, created=True))
            self._sync_dirs(touched)
        finally:
            for item in staged:
                self.discard(item)
        return results

    def _sync_files(self, paths: list[str]) -> None:
        if len(paths) > 1 and _syncfs(self.tmp_dir):
            return
        for path in paths:
            fd = os.open(path, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)

    def _sync_dirs(self, dirs: set[Path]) -> None:
        if len(dirs) > 1 and _syncfs(self.blob_dir):
            return
        for path in dirs:
            _fsync_dir(path)

    def _new_temp(self) -> tuple[int, str]:
        # The first of each process removes what killed writers left (core/tempfiles.py).
        return new_temp_file(self.tmp_dir, TEMP_PREFIX, ".partial")

    def open(self, sha256: str) -> BinaryIO:
        try:
            return self.path_of(sha256).open("rb")
        except FileNotFoundError:
            raise BlobNotFound(sha256) from None

    def exists(self, sha256: str) -> bool:
        return self.path_of(sha256).is_file()

    def size(self, sha256: str) -> int:
        try:
            return self.path_of(sha256).stat().st_size
        except FileNotFoundError:
            raise BlobNotFound(sha256) from None

    def iter_hashes(self) -> Iterator[str]:
        if not self.blob_dir.is_dir():
            return
        for first in sorted(os.scandir(self.blob_dir), key=lambda e: e.name):
            if not first.is_dir():
                continue
            for second in sorted(os.scandir(first.path), key=lambda e: e.name):
                if not second.is_dir():
                    continue
                with os.scandir(second.path) as entries:
                    for entry in entries:
                        if SHA256_RE.match(entry.name) and entry.is_file():
                            yield entry.name

    def cleanup_stale_temp(self, max_age_seconds: float = UNOWNED_MAX_AGE) -> int:
        # Liveness, not age: a temporary goes once the process that made it is gone; only
        # names that carry no owner (older versions) wait for `max_age_seconds`.
        return remove_leftovers(self.tmp_dir, max_unowned_age=max_age_seconds)
