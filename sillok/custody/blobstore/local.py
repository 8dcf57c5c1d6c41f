"""Blob store on the local filesystem: SILLOK_HOME/blobs/sha256/ab/cd/<sha256>."""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from sillok.custody.blobstore.base import (
    SHA256_RE,
    BlobConflict,
    BlobNotFound,
    BlobStore,
    PutResult,
    Readable,
    check_hash,
    copy_hashing,
)

TEMP_PREFIX = "put-"


def _fsync_dir(path: Path) -> None:
    # A new name in a directory survives a power cut only once the directory itself is synced.
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _make_dirs(path: Path) -> None:
    """mkdir -p, syncing each parent whose listing changed."""
    if path.is_dir():
        return
    _make_dirs(path.parent)
    try:
        path.mkdir()
    except FileExistsError:
        return
    _fsync_dir(path.parent)


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
        self._cleaned = False

    def describe(self) -> str:
        return str(self.root)

    def path_of(self, sha256: str) -> Path:
        check_hash(sha256)
        return self.blob_dir / sha256[:2] / sha256[2:4] / sha256

    def put(self, stream: Readable, max_bytes: int | None = None) -> PutResult:
        if not self._cleaned:
            # Once per process: leftovers of writers that were killed must not pile up.
            self._cleaned = True
            self.cleanup_stale_temp()
        _make_dirs(self.tmp_dir)
        fd, tmp_name = tempfile.mkstemp(dir=self.tmp_dir, prefix=TEMP_PREFIX, suffix=".partial")
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as out:
                sha256, size = copy_hashing(stream, out, max_bytes)
                out.flush()
                os.fsync(out.fileno())
            # Read-only before it gets its real name: there is no moment when it is writable.
            os.chmod(tmp, 0o444)
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

    def cleanup_stale_temp(self, max_age_seconds: float = 24 * 3600) -> int:
        # Age, not liveness: a long upload keeps touching its file, so only the dead get old.
        if not self.tmp_dir.is_dir():
            return 0
        cutoff = time.time() - max_age_seconds
        removed = 0
        with os.scandir(self.tmp_dir) as entries:
            for entry in entries:
                if not entry.name.startswith(TEMP_PREFIX):
                    continue
                try:
                    if entry.stat().st_mtime < cutoff:
                        os.unlink(entry.path)
                        removed += 1
                except FileNotFoundError:
                    continue
        return removed
