"""Several processes appending at once never fork the chain (SQLite and PostgreSQL)."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest
from django.conf import settings

from sillok.custody.models import AuditCheckpoint, AuditEntry
from sillok.custody.verify import verify_repository
from sillok.testing.cli import database_env

PROCESSES = 4
ENTRIES_EACH = 50

APPENDER = """
import os, time
from pathlib import Path
from sillok.custody.audit import record_audit
go = Path(os.environ["GO_FILE"])
while not go.exists():
    time.sleep(0.01)
for i in range(50):
    record_audit(None, "test.concurrent", object_id=f"{os.getpid()}-{i}", details={"i": i})
"""


@pytest.mark.django_db(transaction=True)
def test_four_processes_appending_fifty_entries_each_produce_one_contiguous_chain(tmp_path):
    go_file = tmp_path / "go"
    env = {
        **os.environ,
        **database_env(),
        "SILLOK_HOME": str(settings.SILLOK_HOME),
        "SILLOK_CHECKPOINT_EVERY": "25",
        "GO_FILE": str(go_file),
    }
    children = [
        subprocess.Popen(
            [sys.executable, "-m", "sillok.cli", "shell", "-v", "0", "-c", APPENDER],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(PROCESSES)
    ]
    time.sleep(0.5)  # let them all start and wait at the gate, so they really overlap
    go_file.touch()
    for child in children:
        _, stderr = child.communicate(timeout=120)
        assert child.returncode == 0, stderr

    total = PROCESSES * ENTRIES_EACH
    assert list(AuditEntry.objects.values_list("seq", flat=True)) == list(range(1, total + 1))
    writers = {e.split("-")[0] for e in AuditEntry.objects.values_list("object_id", flat=True)}
    assert len(writers) == PROCESSES
    assert list(AuditCheckpoint.objects.values_list("seq", flat=True)) == list(
        range(25, total + 1, 25)
    )
    report = verify_repository(check_blobs=False)
    assert report.ok, report.as_dict()
