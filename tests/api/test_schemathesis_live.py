"""Schemathesis against the live server: `sillok serve` (gunicorn) on a free port, over real
HTTP, with the `schemathesis run` command as a client would run it.

test_schemathesis.py calls the WSGI app inside the test's transaction; this one goes through
everything in between (gunicorn, the real request parsing, the database connection of a
separate process, commits) and adds schemathesis's stateful phase, which follows the links
between operations (start an upload, then read, send to, complete or delete it) and checks
that a deleted resource is gone. The server uses the test's own database (SQLite file or
PostgreSQL test database), so the test commits its data (`transaction=True`).

Bounded to a few examples per operation and a time budget so that it costs under a minute on
two cores; the number of cases is printed at the end.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

from sillok.accounts import tokens
from sillok.testing.cli import database_env
from sillok.workspace.services import do_initialise_repository
from tests.cli.test_serve import free_port, wait_until_serving

pytestmark = pytest.mark.django_db(transaction=True)

# Per operation in the fuzzing phase and per scenario in the stateful one; the coverage
# phase (boundary values of every parameter, about a thousand cases) does not depend on it.
MAX_EXAMPLES = os.environ.get("SILLOK_SCHEMATHESIS_LIVE_EXAMPLES", "10")
TIMEOUT = 180  # a hung server fails the test rather than the suite
CHECKS = [
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
    "use_after_free",
]


@pytest.fixture
def server_log(tmp_path: Path) -> Path:
    return tmp_path / "serve.log"


@pytest.fixture
def sillok_serve(repo_home: Path, server_log: Path):
    """`sillok serve` on the test database and home; yields its base URL."""
    do_initialise_repository()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, **database_env(), "SILLOK_HOME": str(settings.SILLOK_HOME)}
    # The log goes to a file: a pipe nobody reads fills up under a thousand requests, and
    # gunicorn then blocks on writing its access log.
    with server_log.open("w", encoding="utf-8") as log:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", "sillok.cli", "serve", "--port", str(port), "--workers", "2"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_until_serving(base, process)
        yield base
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _me(base: str, secret: str) -> int:
    request = urllib.request.Request(  # noqa: S310 - our server
        f"{base}/api/v1/me", headers={"Authorization": f"Bearer {secret}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_the_live_api_never_fails_or_breaks_its_schema(
    sillok_serve, server_log, documentation_officer, make_record, tmp_path, capsys
):
    make_record(documentation_officer, "person", name="Kim Chol", sex="male")
    make_record(documentation_officer, "event", title="Detention in Hoeryong", date="2015-03")
    secret = tokens.do_create_token(documentation_officer, "schemathesis live")[1]
    # Every operation answers 401 to a token the server does not know, which the document
    # allows: the run would pass without testing anything.
    assert _me(sillok_serve, secret) == 200
    report = tmp_path / "report.json"
    command = [
        *(sys.executable, "-m", "schemathesis.cli", "run"),
        f"{sillok_serve}/api/v1/openapi.json",
        *("--header", f"Authorization: Bearer {secret}"),
        *("--checks", ",".join(CHECKS)),
        # It would revoke the very token the run authenticates with (ids are guessable).
        *("--exclude-operation-id", "revoke_token"),
        *("--max-examples", MAX_EXAMPLES),
        "--generation-deterministic",
        *("--workers", "2"),
        *("--request-timeout", "20"),
        *("--report", "json", "--report-json-path", str(report)),
        "--no-color",
    ]
    started = time.monotonic()
    run = subprocess.run(  # noqa: S603 - our own interpreter and module
        # In tmp_path: schemathesis keeps a cache folder in its working directory.
        command, capture_output=True, text=True, timeout=TIMEOUT, check=False, cwd=tmp_path
    )
    seconds = time.monotonic() - started
    server = server_log.read_text(encoding="utf-8", errors="replace")
    assert run.returncode == 0, f"{run.stdout[-20000:]}{run.stderr[-5000:]}\n{server[-5000:]}"
    assert _me(sillok_serve, secret) == 200  # nothing revoked the token halfway
    cases = json.loads(report.read_text(encoding="utf-8"))["test_cases"]["generated"]
    with capsys.disabled():
        sys.stdout.write(f"\nschemathesis live: {cases} cases in {seconds:.0f} s\n")
    assert cases > 500  # every phase ran, not only the schema's few examples
