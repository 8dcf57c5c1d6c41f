"""`sillok worker` and `sillok jobs`: the database queue, run by a real worker process."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django_tasks_db.models import DBTaskResult

from sillok.custody.models import AuditEntry
from sillok.custody.tasks import record_heartbeat
from sillok.testing.cli import database_env, run_sillok
from sillok.workspace.services import do_initialise_repository

pytestmark = pytest.mark.django_db(transaction=True)


def test_worker_burst_runs_the_heartbeat_and_exits():
    do_initialise_repository()
    result = record_heartbeat.enqueue()
    run = run_sillok("worker", "--burst")
    assert run.returncode == 0, run.stderr
    job = DBTaskResult.objects.get(id=result.id)
    assert job.status == "SUCCESSFUL"
    entry = AuditEntry.objects.get(action="worker.heartbeat")
    assert entry.object_id == str(result.id)
    assert entry.details["worker"] == job.worker_ids[-1]
    assert job.return_value == {"audit_seq": entry.seq}


def test_worker_refuses_an_uninitialised_repository():
    run = run_sillok("worker", "--burst")
    assert run.returncode == 2
    assert "sillok init" in run.stderr


def test_jobs_lists_recent_jobs_with_their_status():
    do_initialise_repository()
    queued = run_sillok("jobs", "--heartbeat")
    assert queued.returncode == 0, queued.stderr
    assert "enqueued heartbeat job" in queued.stdout
    assert run_sillok("worker", "--burst").returncode == 0
    listing = run_sillok("jobs", "--json")
    assert listing.returncode == 0, listing.stderr
    jobs = json.loads(listing.stdout)
    # The worker also keeps the next scheduled fixity round queued (evidence/fixity.py).
    assert {j["task"] for j in jobs} == {
        "sillok.custody.tasks.record_heartbeat",
        "sillok.evidence.tasks.scheduled_fixity",
    }
    (job,) = [j for j in jobs if j["task"] == "sillok.custody.tasks.record_heartbeat"]
    assert job["status"] == "SUCCESSFUL"
    assert "args_kwargs" not in job and "return_value" not in job
    assert "SUCCESSFUL" in run_sillok("jobs").stdout


def test_worker_stops_cleanly_on_sigterm():
    do_initialise_repository()
    env = {**os.environ, **database_env(), "SILLOK_HOME": str(settings.SILLOK_HOME)}
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "sillok.cli", "worker", "--interval", "0.2"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        started = False
        while time.monotonic() < deadline and process.poll() is None:
            # The worker takes a job as soon as it polls: a finished heartbeat proves it runs.
            if not started:
                result = record_heartbeat.enqueue()
                started = True
            if DBTaskResult.objects.filter(id=result.id, status="SUCCESSFUL").exists():
                break
            time.sleep(0.2)
        assert DBTaskResult.objects.filter(status="SUCCESSFUL").count() == 1
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            output, _ = process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            output, _ = process.communicate()
            raise
    assert process.returncode == 0, output
