"""Crash safety: `sillok ingest` killed with SIGKILL at random points, many times over.

After every kill the repository must be consistent: every item has exactly one original
whose blob is in the store and hashes right, no blob is recorded twice, the audit chain
verifies, and no half-written file is visible as a blob. Then an ingest that runs to the end
takes in exactly what was missing.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db.models import Count, Q

from sillok.custody.blobstore import get_blob_store
from sillok.custody.models import Blob
from sillok.custody.verify import ERROR, verify_repository
from sillok.evidence.models import Item, ItemFile
from sillok.testing.cli import database_env
from sillok.workspace.services import do_initialise_repository

pytestmark = pytest.mark.django_db(transaction=True)

KILLS = 12


def _make_inputs(folder: Path) -> int:
    folder.mkdir()
    rng = random.Random(20261123)
    for index in range(600):
        body = f"증언 {index}: ".encode() + rng.randbytes(10_000).hex().encode()
        (folder / f"testimony-{index:03d}.txt").write_bytes(body)
    # Larger files, so that some kills land in the middle of a blob write.
    for index in range(3):
        (folder / f"zz-large-{index}.txt").write_bytes(
            b"large " + rng.randbytes(20_000_000).hex().encode()
        )
    return 603


def _start_ingest(folder: Path, home: Path) -> subprocess.Popen:
    env = {**os.environ, **database_env(), "SILLOK_HOME": str(home)}
    return subprocess.Popen(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "sillok.cli", "ingest", "--json", str(folder)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def _assert_consistent() -> None:
    originals = ItemFile.objects.filter(role="original")
    counts = Item.objects.annotate(n=Count("files", filter=Q(files__role="original")))
    assert not counts.exclude(n=1).exists(), "an item without exactly one original"
    assert originals.values("sha256").distinct().count() == originals.count()
    assert Blob.objects.values("sha256").distinct().count() == Blob.objects.count()
    recorded = set(Blob.objects.values_list("sha256", flat=True))
    assert set(originals.values_list("sha256", flat=True)) <= recorded
    report = verify_repository()
    errors = [p for p in report.problems if p.severity == ERROR]
    assert not errors, errors
    # Only complete blobs are visible in the store: every listed blob hashes to its name.
    store = get_blob_store()
    for sha256 in store.iter_hashes():
        actual = store.rehash(sha256)
        assert actual.sha256 == sha256, (sha256, actual, store.size(sha256),
                                         list(Blob.objects.filter(sha256=sha256).values()))


def test_ingest_killed_at_random_points_leaves_a_consistent_repository(repo_home, tmp_path):
    do_initialise_repository()
    home = repo_home
    folder = tmp_path / "inputs"
    expected = _make_inputs(folder)
    rng = random.Random(7)
    seen = []
    for _ in range(KILLS):
        process = _start_ingest(folder, home)
        # Kill after a random number of reported results (each batch is reported once it is
        # committed) plus a random moment more: inside the next batch's staging, publishing
        # or recording, or inside a large file.
        wanted = rng.randrange(0, expected)
        for _ in range(wanted):
            if not process.stdout.readline():
                break
        time.sleep(rng.uniform(0, 0.3))
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        process.stdout.close()
        process.stderr.close()
        _assert_consistent()
        seen.append(Item.objects.count())
    # The kills must have landed mid-intake, not only before the first or after the last file.
    assert any(0 < count < expected for count in seen), seen
    finished = _start_ingest(folder, home)
    _, stderr = finished.communicate(timeout=300)
    assert finished.returncode == 0, stderr.decode()
    _assert_consistent()
    assert Item.objects.count() == expected
