"""Blob store on S3-compatible object storage: s3://bucket/prefix/sha256/<sha256>.

The content is spooled to an anonymous local temporary file while it is hashed (the key is
the hash, so it is not known before the end), then uploaded with `If-None-Match: *`, which
makes the object store itself refuse to replace an existing object, even when two processes
upload the same content at once.
"""

from __future__ import annotations

import base64
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO, cast

from sillok.core.filemodes import make_private_dirs
from sillok.custody.blobstore.base import (
    SHA256_RE,
    BlobConflict,
    BlobNotFound,
    BlobStore,
    BlobStoreError,
    PutResult,
    Readable,
    check_hash,
    copy_hashing,
)

MIB = 1024 * 1024
# Error codes with which S3 answers a conditional write that lost: the object exists.
_ALREADY_THERE = {"PreconditionFailed", "ConditionalRequestConflict", "412", "409"}
_NOT_FOUND = {"404", "NoSuchKey", "NotFound"}


def _error_code(exc: Exception) -> str:
    response = getattr(exc, "response", None) or {}
    return str(response.get("Error", {}).get("Code", ""))


class S3BlobStore(BlobStore):
    def __init__(
        self,
        bucket: str,
        prefix: str = "",
        *,
        endpoint_url: str | None = None,
        spool_dir: Path | None = None,
        multipart_threshold: int = 64 * MIB,
        part_size: int = 16 * MIB,
        client: Any = None,
    ) -> None:
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.endpoint_url = endpoint_url
        self.spool_dir = spool_dir
        self.multipart_threshold = multipart_threshold
        self.part_size = part_size
        self._client = client

    @property
    def client(self) -> Any:
        if self._client is None:
            import boto3  # noqa: PLC0415 - only server mode pays for importing boto3

            self._client = boto3.client("s3", endpoint_url=self.endpoint_url)
        return self._client

    def describe(self) -> str:
        where = f" at {self.endpoint_url}" if self.endpoint_url else ""
        return f"s3://{self.bucket}/{self.prefix}{where}"

    def key_of(self, sha256: str) -> str:
        return f"{self.prefix}sha256/{check_hash(sha256)}"

    def put(self, stream: Readable, max_bytes: int | None = None) -> PutResult:
        if self.spool_dir is not None:
            make_private_dirs(self.spool_dir)
        # Anonymous (already unlinked) file: a crash leaves nothing behind to clean up.
        with tempfile.TemporaryFile(dir=self.spool_dir) as spool:
            sha256, size = copy_hashing(stream, spool, max_bytes)
            spool.flush()
            key = self.key_of(sha256)
            stored = self._head_size(key)
            if stored is None:
                spool.seek(0)
                created = self._upload(spool, key, sha256, size)
                if not created:
                    stored = self._head_size(key)
            else:
                created = False
        if not created and stored is not None and stored != size:
            raise BlobConflict(f"blob {sha256} exists with {stored} bytes, not {size}")
        return PutResult(sha256=sha256, size=size, created=created)

    def _upload(self, spool: BinaryIO, key: str, sha256: str, size: int) -> bool:
        """Upload without ever replacing; False when someone else's copy got there first."""
        try:
            if size <= self.multipart_threshold:
                self.client.put_object(
                    Bucket=self.bucket,
                    Key=key,
                    Body=spool,
                    IfNoneMatch="*",
                    # S3 checks the whole object against our hash before it accepts it.
                    ChecksumSHA256=base64.b64encode(bytes.fromhex(sha256)).decode("ascii"),
                )
            else:
                self._upload_multipart(spool, key, size)
        except Exception as exc:
            if _error_code(exc) in _ALREADY_THERE:
                return False
            raise
        return True

    def _upload_multipart(self, spool: BinaryIO, key: str, size: int) -> None:
        # Parts are read one at a time: memory is one part, at most 10,000 parts per object.
        part_size = max(self.part_size, -(-size // 10_000))
        upload_id = self.client.create_multipart_upload(Bucket=self.bucket, Key=key)["UploadId"]
        try:
            parts = []
            number = 1
            while chunk := spool.read(part_size):
                answer = self.client.upload_part(
                    Bucket=self.bucket, Key=key, UploadId=upload_id, PartNumber=number, Body=chunk
                )
                parts.append({"PartNumber": number, "ETag": answer["ETag"]})
                number += 1
            self.client.complete_multipart_upload(
                Bucket=self.bucket,
                Key=key,
                UploadId=upload_id,
                MultipartUpload={"Parts": parts},
                IfNoneMatch="*",
            )
        except BaseException:
            self.client.abort_multipart_upload(Bucket=self.bucket, Key=key, UploadId=upload_id)
            raise

    def _head_size(self, key: str) -> int | None:
        try:
            answer = self.client.head_object(Bucket=self.bucket, Key=key)
        except Exception as exc:
            if _error_code(exc) in _NOT_FOUND:
                return None
            raise
        return int(answer["ContentLength"])

    def open(self, sha256: str) -> BinaryIO:
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self.key_of(sha256))
        except Exception as exc:
            if _error_code(exc) in _NOT_FOUND:
                raise BlobNotFound(sha256) from None
            raise
        return cast(BinaryIO, answer["Body"])

    def exists(self, sha256: str) -> bool:
        return self._head_size(self.key_of(sha256)) is not None

    def size(self, sha256: str) -> int:
        stored = self._head_size(self.key_of(sha256))
        if stored is None:
            raise BlobNotFound(sha256)
        return stored

    def iter_hashes(self) -> Iterator[str]:
        base = f"{self.prefix}sha256/"
        paginator = self.client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=base):
            for item in page.get("Contents", []):
                name = item["Key"][len(base) :]
                if SHA256_RE.match(name):
                    yield name

    def cleanup_stale_temp(self, max_age_seconds: float = 24 * 3600) -> int:
        """Abort multipart uploads under our prefix left by writers that died."""
        cutoff = datetime.now(UTC) - timedelta(seconds=max_age_seconds)
        removed = 0
        paginator = self.client.get_paginator("list_multipart_uploads")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=f"{self.prefix}sha256/"):
            for upload in page.get("Uploads", []):
                if upload["Initiated"] < cutoff:
                    self.client.abort_multipart_upload(
                        Bucket=self.bucket, Key=upload["Key"], UploadId=upload["UploadId"]
                    )
                    removed += 1
        return removed


def parse_s3_url(url: str) -> tuple[str, str]:
    """`s3://bucket[/prefix]` -> (bucket, prefix)."""
    rest = url[len("s3://") :]
    bucket, _, prefix = rest.partition("/")
    if not bucket:
        raise BlobStoreError(f"SILLOK_BLOB_URL {url!r} names no bucket (s3://bucket[/prefix])")
    return bucket, prefix
