"""The content-addressed blob store of originals: `get_blob_store()` picks the backend.

SILLOK_BLOB_URL empty: local files under SILLOK_HOME/blobs. `s3://bucket[/prefix]`: S3 or an
S3-compatible server at SILLOK_S3_ENDPOINT_URL, credentials from the usual AWS_* variables.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from sillok.custody.blobstore.base import (
    CHUNK_SIZE,
    BlobConflict,
    BlobNotFound,
    BlobStore,
    BlobStoreError,
    BlobTooLarge,
    PutResult,
    Readable,
    Rehash,
    StagedBlob,
)
from sillok.custody.blobstore.local import LocalBlobStore
from sillok.custody.blobstore.s3 import S3BlobStore, parse_s3_url

__all__ = [
    "CHUNK_SIZE",
    "BlobConflict",
    "BlobNotFound",
    "BlobStore",
    "BlobStoreError",
    "BlobTooLarge",
    "LocalBlobStore",
    "PutResult",
    "StagedBlob",
    "Readable",
    "Rehash",
    "S3BlobStore",
    "get_blob_store",
]


@lru_cache(maxsize=8)
def _store_for(blob_url: str, endpoint_url: str | None, home: str) -> BlobStore:
    if not blob_url:
        return LocalBlobStore(Path(home) / "blobs")
    if blob_url.startswith("s3://"):
        try:
            bucket, prefix = parse_s3_url(blob_url)
        except BlobStoreError as exc:
            raise ImproperlyConfigured(str(exc)) from None
        return S3BlobStore(bucket, prefix, endpoint_url=endpoint_url, spool_dir=Path(home) / "tmp")
    raise ImproperlyConfigured(
        f"SILLOK_BLOB_URL must be empty (local files) or s3://bucket[/prefix], got {blob_url!r}"
    )


def get_blob_store() -> BlobStore:
    """The configured store; one instance per configuration (settings overrides included)."""
    return _store_for(
        settings.SILLOK_BLOB_URL, settings.SILLOK_S3_ENDPOINT_URL, str(settings.SILLOK_HOME)
    )
