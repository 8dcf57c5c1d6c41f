"""The blob store interface shared by the local and S3 backends, and the streaming hasher."""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO, Protocol

from sillok.core.tempfiles import new_temp_file

# 1 MiB: large enough that per-chunk overhead vanishes, small enough that memory stays flat.
CHUNK_SIZE = 1024 * 1024
SHA256_RE = re.compile(r"^[0-9a-f]{64}$")


class Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


class BlobStoreError(Exception):
    """The blob store cannot do what was asked; the message says why."""


class BlobTooLarge(BlobStoreError):
    """The stream is longer than the limit; nothing was stored."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"the content is larger than the limit of {limit} bytes")
        self.limit = limit


class BlobNotFound(BlobStoreError, KeyError):
    """No blob with this hash is in the store."""

    def __str__(self) -> str:
        return f"no blob {self.args[0]} in the store"


class BlobConflict(BlobStoreError):
    """A blob with this hash exists but does not look like this content (e.g. other size).

    The store never overwrites, so it refuses; `sillok verify` will report the stored one.
    """


@dataclass(frozen=True)
class PutResult:
    sha256: str
    size: int
    # False when the store already held this content: nothing was written.
    created: bool


@dataclass(frozen=True)
class Rehash:
    """What the stored bytes of a blob actually hash to, as re-read from the store."""

    sha256: str
    size: int


def check_hash(sha256: str) -> str:
    """Refuse anything but a lowercase hex SHA-256: it becomes a path or object key."""
    if not isinstance(sha256, str) or not SHA256_RE.match(sha256):
        raise ValueError(f"not a SHA-256 hex digest: {sha256!r}")
    return sha256


def copy_hashing(source: Readable, target: BinaryIO, max_bytes: int | None) -> tuple[str, int]:
    """Copy `source` to `target` in chunks, hashing on the way; return (sha256, size).

    Raises BlobTooLarge as soon as more than `max_bytes` have been read, without reading the
    rest. Memory use is one chunk, whatever the size of the stream.
    """
    digest = hashlib.sha256()
    size = 0
    while True:
        chunk = source.read(CHUNK_SIZE)
        if not chunk:
            break
        size += len(chunk)
        if max_bytes is not None and size > max_bytes:
            raise BlobTooLarge(max_bytes)
        digest.update(chunk)
        target.write(chunk)
    return digest.hexdigest(), size


def hash_stream(source: Readable) -> Rehash:
    digest = hashlib.sha256()
    size = 0
    while chunk := source.read(CHUNK_SIZE):
        digest.update(chunk)
        size += len(chunk)
    return Rehash(sha256=digest.hexdigest(), size=size)


@dataclass(frozen=True)
class StagedBlob:
    """Content written to a private temporary file, hashed, not yet in the store."""

    path: str
    sha256: str
    size: int


class BlobStore(ABC):
    """Content-addressed, write-once storage of originals.

    There is deliberately no delete and no overwrite: originals are never removed or replaced
    through the application. A blob becomes visible only once complete and durable.
    """

    @abstractmethod
    def put(self, stream: Readable, max_bytes: int | None = None) -> PutResult:
        """Store the stream's content under its SHA-256, unless already there."""

    @abstractmethod
    def open(self, sha256: str) -> BinaryIO:
        """A streaming, read-only file object over the blob. Raises BlobNotFound."""

    @abstractmethod
    def exists(self, sha256: str) -> bool: ...

    @abstractmethod
    def size(self, sha256: str) -> int:
        """Stored size in bytes. Raises BlobNotFound."""

    @abstractmethod
    def iter_hashes(self) -> Iterator[str]:
        """Every stored blob's hash, streamed (the store may hold millions)."""

    def rehash(self, sha256: str) -> Rehash:
        """Re-read the stored bytes and hash them (verify). Raises BlobNotFound."""
        with self.open(sha256) as stream:
            return hash_stream(stream)

    def stage(self, stream: Readable, max_bytes: int | None = None) -> StagedBlob:
        """Write the stream to a private temporary file (hashing on the way), not yet durable
        and not yet in the store. `publish` puts staged blobs in, many at a time, so that
        many small files share one flush to disk; `discard` drops one."""
        # A backend with a spool folder (S3: SILLOK_HOME/tmp) keeps evidence bytes there, not
        # in the machine's shared temporary folder, under its process's name (a crash leaves
        # nothing there for long: core/tempfiles.py).
        spool = getattr(self, "spool_dir", None)
        if spool is not None:
            fd, name = new_temp_file(spool, "stage-", ".partial")
        else:
            fd, name = tempfile.mkstemp(prefix="sillok-stage-", suffix=".partial")
        try:
            with os.fdopen(fd, "wb") as out:
                sha256, size = copy_hashing(stream, out, max_bytes)
        except BaseException:
            os.unlink(name)
            raise
        return StagedBlob(path=name, sha256=sha256, size=size)

    def publish(self, staged: list[StagedBlob]) -> list[PutResult]:
        """Put staged blobs into the store, durably, in order; their temporary files go."""
        results = []
        for item in staged:
            try:
                with open(item.path, "rb") as stream:
                    results.append(self.put(stream))
            finally:
                self.discard(item)
        return results

    def discard(self, staged: StagedBlob) -> None:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(staged.path)

    @abstractmethod
    def cleanup_stale_temp(self, max_age_seconds: float = 24 * 3600) -> int:
        """Remove temporary files of writes that died; return how many were removed."""

    @abstractmethod
    def describe(self) -> str:
        """Where the blobs are, for messages (no credentials)."""
