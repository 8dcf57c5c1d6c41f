"""Storing originals through the service: blob first, record and audit entry after."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from sillok.custody.blobstore import BlobTooLarge, get_blob_store
from sillok.custody.models import AuditEntry, Blob
from sillok.custody.services import open_blob, store_blob
from sillok.custody.verify import verify_repository
from sillok.testing.cli import database_env
from tests.custody.helpers import MIB, GeneratedStream

pytestmark = pytest.mark.django_db


@pytest.fixture
def analyst():
    from sillok.accounts.services import do_create_user, sync_roles

    sync_roles()
    return do_create_user(None, "blob-writer", role="analyst", password="a long passphrase 1234")


def blob_problems(report):
    return [(p.kind, p.severity, p.sha256) for p in report.problems]


def test_storing_a_blob_records_it_once_with_an_audit_entry_naming_the_actor(blob_home, analyst):
    stored = store_blob(analyst, io.BytesIO(b"photo of a document"), reason="intake")
    assert stored.created and not stored.adopted
    assert Blob.objects.get().sha256 == stored.blob.sha256
    entry = AuditEntry.objects.filter(action="blob.stored").get()
    assert (entry.actor_name, entry.object_id) == ("blob-writer", stored.blob.sha256)
    assert entry.details == {"size": 19, "new": True, "adopted": False, "reason": "intake"}
    with open_blob(stored.blob.sha256) as stream:
        assert stream.read() == b"photo of a document"


def test_storing_the_same_content_twice_is_recognised_as_a_duplicate(blob_home):
    first = store_blob(None, io.BytesIO(b"twice"))
    second = store_blob(None, io.BytesIO(b"twice"))
    assert (first.created, second.created) == (True, False)
    assert Blob.objects.count() == 1
    assert [e.details["new"] for e in AuditEntry.objects.filter(action="blob.stored")] == [
        True,
        False,
    ]


def test_content_over_the_limit_stores_nothing_and_records_nothing(blob_home):
    with pytest.raises(BlobTooLarge):
        store_blob(None, GeneratedStream(2 * MIB), max_bytes=MIB)
    assert not Blob.objects.exists()
    assert not AuditEntry.objects.filter(action="blob.stored").exists()
    assert list(get_blob_store().iter_hashes()) == []


def test_the_repository_wide_upload_limit_applies_when_the_caller_sets_none(blob_home, settings):
    settings.SILLOK_MAX_UPLOAD_BYTES = 10
    with pytest.raises(BlobTooLarge):
        store_blob(None, io.BytesIO(b"eleven byte"))


def test_an_interrupted_input_stream_leaves_no_blob_and_no_record(blob_home):
    with pytest.raises(ConnectionResetError):
        store_blob(None, GeneratedStream(8 * MIB, fail_after=2 * MIB))
    assert not Blob.objects.exists()
    assert list(get_blob_store().iter_hashes()) == []


def test_an_unrecorded_blob_is_information_and_a_later_store_adopts_it(blob_home):
    # A crash between writing the blob and recording it leaves exactly this.
    orphan = get_blob_store().put(io.BytesIO(b"written, never recorded"))
    report = verify_repository()
    assert report.ok
    assert blob_problems(report) == [("blob_unrecorded", "info", orphan.sha256)]

    stored = store_blob(None, io.BytesIO(b"written, never recorded"))
    assert stored.created and stored.adopted
    assert blob_problems(verify_repository()) == []


def test_verify_names_a_corrupt_a_missing_and_a_resized_blob(blob_home):
    store = get_blob_store()
    corrupt = store_blob(None, io.BytesIO(b"will rot")).blob
    missing = store_blob(None, io.BytesIO(b"will vanish")).blob
    path = store.path_of(corrupt.sha256)
    os.chmod(path, 0o600)  # writable again, still private
    path.write_bytes(b"has rot")
    os.unlink(store.path_of(missing.sha256))
    resized = Blob.objects.create(sha256=store.put(io.BytesIO(b"12345")).sha256, size=4)
    report = verify_repository()
    assert not report.ok
    assert sorted(blob_problems(report)) == sorted(
        [
            ("blob_corrupt", "error", corrupt.sha256),
            ("blob_missing", "error", missing.sha256),
            ("blob_size_mismatch", "error", resized.sha256),
        ]
    )


def test_verify_can_rehash_a_sample_or_skip_blobs(blob_home):
    for i in range(5):
        store_blob(None, io.BytesIO(b"item %d" % i))
    assert verify_repository(sample=2).checked["blobs"] == 2
    assert "blobs" not in verify_repository(check_blobs=False).checked


CHILD = textwrap.dedent(
    """
    import io, sys, time, django
    django.setup()
    from sillok.custody.services import store_blob

    class Slow(io.RawIOBase):
        sent = 0
        def read(self, n=-1):
            if self.sent >= 3 * 1024 * 1024:
                print("midway", flush=True)
                time.sleep(60)
            self.sent += 1024 * 1024
            return b"x" * (1024 * 1024)

    store_blob(None, Slow())
    """
)


def test_a_writer_killed_mid_write_leaves_no_visible_blob_and_no_record(blob_home):
    keys = Path(os.environ["SILLOK_HOME"]) / "keys"
    env = {
        **os.environ,
        **database_env(),
        # Blobs go to this test's home; the keys stay those of the test session.
        "SILLOK_HOME": str(blob_home),
        "SILLOK_SECRET_KEY_FILE": str(keys / "django-secret-key"),
        "SILLOK_SIGNING_KEY_FILE": str(keys / "audit-signing-key.pem"),
        "SILLOK_MASTER_KEY_FILE": str(keys / "data-master-key"),
        "DJANGO_SETTINGS_MODULE": "sillok.settings",
    }
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD], env=env, stdout=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout.readline().strip() == "midway"
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
    finally:
        child.kill()
    store = get_blob_store()
    leftovers = list(Path(store.tmp_dir).iterdir())
    assert len(leftovers) == 1, "the kill happened mid-write, leaving a temp file"
    assert list(store.iter_hashes()) == []
    assert not Blob.objects.exists()
    assert verify_repository().ok

    os.utime(leftovers[0], (0, 0))
    assert store.cleanup_stale_temp() == 1
