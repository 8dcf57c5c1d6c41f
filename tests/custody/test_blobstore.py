"""The local blob store: content addressing, no overwrite, nothing half-written visible."""

from __future__ import annotations

import hashlib
import io
import os
import stat
import tracemalloc

import pytest

from sillok.custody.blobstore import BlobNotFound, BlobStore, BlobTooLarge
from tests.custody.helpers import MIB, GeneratedStream


def test_put_stores_content_under_its_sha256_and_reads_it_back(store):
    result = store.put(io.BytesIO(b"testimony recording"))
    assert result.sha256 == hashlib.sha256(b"testimony recording").hexdigest()
    assert result.size == 19
    assert result.created is True
    assert store.exists(result.sha256)
    assert store.size(result.sha256) == 19
    with store.open(result.sha256) as stream:
        assert stream.read() == b"testimony recording"
    assert list(store.iter_hashes()) == [result.sha256]


def test_stored_blob_files_are_read_only(store):
    result = store.put(io.BytesIO(b"original"))
    mode = store.path_of(result.sha256).stat().st_mode
    assert not mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)


def test_storing_the_same_content_again_returns_created_false_and_never_rewrites(store):
    first = store.put(io.BytesIO(b"same bytes"))
    path = store.path_of(first.sha256)
    inode, mtime = path.stat().st_ino, path.stat().st_mtime_ns
    second = store.put(io.BytesIO(b"same bytes"))
    assert (second.sha256, second.size, second.created) == (first.sha256, 10, False)
    assert (path.stat().st_ino, path.stat().st_mtime_ns) == (inode, mtime)
    assert list(store.tmp_dir.iterdir()) == []


def test_the_store_has_no_way_to_delete_or_overwrite():
    names = {name for name in dir(BlobStore) if not name.startswith("_")}
    assert not names & {"delete", "remove", "unlink", "overwrite", "replace"}


def test_content_over_max_bytes_raises_and_stores_nothing(store):
    with pytest.raises(BlobTooLarge):
        store.put(GeneratedStream(3 * MIB), max_bytes=2 * MIB)
    assert list(store.iter_hashes()) == []
    assert list(store.tmp_dir.iterdir()) == []


def test_content_exactly_at_max_bytes_is_stored(store):
    assert store.put(io.BytesIO(b"12345"), max_bytes=5).created


def test_a_stream_that_fails_midway_leaves_no_blob_and_no_temp_file(store):
    with pytest.raises(ConnectionResetError):
        store.put(GeneratedStream(10 * MIB, fail_after=3 * MIB))
    assert list(store.iter_hashes()) == []
    assert list(store.tmp_dir.iterdir()) == []


def test_a_large_stream_is_stored_in_constant_memory(store):
    size = 200 * MIB
    stream = GeneratedStream(size)
    tracemalloc.start()
    try:
        result = store.put(stream)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.size == size
    assert peak < 4 * MIB, f"peak Python memory {peak / MIB:.1f} MiB for a 200 MiB stream"


def test_rehash_reports_what_the_stored_bytes_hash_to(store):
    result = store.put(io.BytesIO(b"intact"))
    assert store.rehash(result.sha256).sha256 == result.sha256
    path = store.path_of(result.sha256)
    os.chmod(path, 0o644)
    path.write_bytes(b"changed")
    assert store.rehash(result.sha256).sha256 == hashlib.sha256(b"changed").hexdigest()


def test_missing_blob_raises_blob_not_found(store):
    missing = "a" * 64
    assert not store.exists(missing)
    with pytest.raises(BlobNotFound):
        store.open(missing)
    with pytest.raises(BlobNotFound):
        store.size(missing)


def test_a_hash_that_is_not_hex_is_refused_before_touching_the_filesystem(store):
    with pytest.raises(ValueError):
        store.exists("../../etc/passwd")


def test_old_temp_files_of_dead_writers_are_removed_and_fresh_ones_kept(store):
    store.tmp_dir.mkdir(parents=True)
    old = store.tmp_dir / "put-dead.partial"
    fresh = store.tmp_dir / "put-live.partial"
    old.write_bytes(b"half")
    fresh.write_bytes(b"half")
    os.utime(old, (0, 0))
    assert store.cleanup_stale_temp(max_age_seconds=3600) == 1
    assert not old.exists()
    assert fresh.exists()
