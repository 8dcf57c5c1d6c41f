"""The S3 backend against moto in server mode (a real HTTP S3 API on a local port)."""

from __future__ import annotations

import hashlib
import io

import boto3
import pytest

from sillok.custody.blobstore import BlobNotFound, BlobTooLarge, S3BlobStore, get_blob_store
from sillok.custody.services import store_blob
from sillok.custody.verify import verify_repository
from tests.custody.helpers import MIB, GeneratedStream


@pytest.fixture
def s3_store(moto_endpoint, s3_bucket, tmp_path):
    return S3BlobStore(s3_bucket, "evidence", endpoint_url=moto_endpoint, spool_dir=tmp_path)


def test_put_and_read_back_through_s3(s3_store):
    result = s3_store.put(io.BytesIO(b"scanned letter"))
    assert result.sha256 == hashlib.sha256(b"scanned letter").hexdigest()
    assert result.created
    assert s3_store.exists(result.sha256)
    assert s3_store.size(result.sha256) == 14
    with s3_store.open(result.sha256) as body:
        assert body.read() == b"scanned letter"
    assert list(s3_store.iter_hashes()) == [result.sha256]
    assert s3_store.rehash(result.sha256).sha256 == result.sha256


def test_s3_put_of_existing_content_returns_created_false(s3_store):
    s3_store.put(io.BytesIO(b"once"))
    assert s3_store.put(io.BytesIO(b"once")).created is False


def test_s3_conditional_put_refuses_to_replace_an_object_that_appeared_meanwhile(
    s3_store, monkeypatch
):
    """Two writers racing: the loser's upload is refused by S3 itself, not overwritten."""
    sha256 = hashlib.sha256(b"raced").hexdigest()
    s3_store.client.put_object(Bucket=s3_store.bucket, Key=s3_store.key_of(sha256), Body=b"raced")
    # The loser checked for the object just before the winner's upload finished.
    monkeypatch.setattr(s3_store, "_head_size", lambda key: None)
    assert s3_store.put(io.BytesIO(b"raced")).created is False


def test_large_content_goes_up_in_parts_and_comes_back_whole(moto_endpoint, s3_bucket, tmp_path):
    store = S3BlobStore(
        s3_bucket,
        endpoint_url=moto_endpoint,
        spool_dir=tmp_path,
        multipart_threshold=6 * MIB,
        part_size=5 * MIB,
    )
    result = store.put(GeneratedStream(11 * MIB))
    assert result.size == 11 * MIB
    assert store.rehash(result.sha256).sha256 == result.sha256
    assert store.put(GeneratedStream(11 * MIB)).created is False


def test_s3_over_max_bytes_uploads_nothing(s3_store):
    with pytest.raises(BlobTooLarge):
        s3_store.put(GeneratedStream(2 * MIB), max_bytes=MIB)
    assert list(s3_store.iter_hashes()) == []


def test_s3_missing_blob_raises_blob_not_found(s3_store):
    with pytest.raises(BlobNotFound):
        s3_store.open("c" * 64)
    assert not s3_store.exists("c" * 64)


@pytest.mark.django_db
def test_verify_against_s3_catches_an_object_replaced_behind_sillok_s_back(
    settings, moto_endpoint, s3_bucket
):
    settings.SILLOK_BLOB_URL = f"s3://{s3_bucket}/repo"
    settings.SILLOK_S3_ENDPOINT_URL = moto_endpoint
    store = get_blob_store()
    assert isinstance(store, S3BlobStore)
    kept = store_blob(None, io.BytesIO(b"kept intact")).blob
    tampered = store_blob(None, io.BytesIO(b"to be replaced")).blob
    orphan = store.put(io.BytesIO(b"never recorded"))
    assert verify_repository().ok

    # Someone with bucket credentials overwrites an object directly (no If-None-Match).
    client = boto3.client("s3", endpoint_url=moto_endpoint)
    client.put_object(Bucket=s3_bucket, Key=store.key_of(tampered.sha256), Body=b"forged")
    report = verify_repository()
    assert not report.ok
    found = {(p.kind, p.sha256) for p in report.problems}
    assert found == {("blob_corrupt", tampered.sha256), ("blob_unrecorded", orphan.sha256)}
    assert kept.sha256 not in {p.sha256 for p in report.problems}


def test_staged_blobs_are_published_to_s3_and_their_temporary_files_go(s3_store):
    staged = [s3_store.stage(io.BytesIO(data)) for data in (b"first", b"second", b"first")]
    paths = [item.path for item in staged]
    assert all(p.startswith(str(s3_store.spool_dir)) for p in paths)
    results = s3_store.publish(staged)
    assert [r.sha256 for r in results] == [hashlib.sha256(d).hexdigest()
                                           for d in (b"first", b"second", b"first")]
    assert [r.created for r in results] == [True, True, False]
    with s3_store.open(results[1].sha256) as body:
        assert body.read() == b"second"
    import os

    assert not any(os.path.exists(p) for p in paths)


def test_intake_stores_items_in_s3(settings, moto_endpoint, s3_bucket, repo_home, tmp_path,
                                   documentation_officer):
    from sillok.evidence.custody_log import HandlingContext
    from sillok.evidence.intake import do_ingest_file
    from sillok.evidence.metadata import ItemMetadata

    settings.SILLOK_BLOB_URL = f"s3://{s3_bucket}/items"
    settings.SILLOK_S3_ENDPOINT_URL = moto_endpoint
    source = tmp_path / "증언.txt"
    source.write_text("증언 내용 testimony", encoding="utf-8")
    result = do_ingest_file(
        documentation_officer, source, filename=source.name, metadata=ItemMetadata(),
        context=HandlingContext(channel="cli"),
    )
    assert result.status == "new"
    with get_blob_store().open(result.sha256) as body:
        assert body.read() == source.read_bytes()
    assert verify_repository().ok
