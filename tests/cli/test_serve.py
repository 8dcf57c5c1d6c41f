"""`sillok serve`: gunicorn against the test database, over real HTTP."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
from django.conf import settings

from sillok.testing.cli import database_env, run_sillok
from sillok.workspace.services import do_initialise_repository

pytestmark = pytest.mark.django_db(transaction=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - our server
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def wait_until_serving(base: str, process: subprocess.Popen, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"sillok serve exited early with {process.returncode}")
        try:
            if fetch(base + "/api/v1/health")[0] == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("sillok serve did not answer in time")


def test_serve_refuses_a_repository_that_was_never_initialised():
    result = run_sillok("serve", "--port", str(free_port()))
    assert result.returncode == 2
    assert "not initialised" in result.stderr and "sillok init" in result.stderr
    assert result.stderr.strip().count("\n") == 0


def test_serve_refuses_a_missing_sqlite_file(tmp_path):
    if os.environ.get("SILLOK_DATABASE_URL"):
        pytest.skip("SQLite only")
    result = run_sillok("serve", env={"SILLOK_SQLITE_PATH": str(tmp_path / "nothing-here.sqlite3")})
    assert result.returncode == 2
    assert "not initialised" in result.stderr
    assert not (tmp_path / "nothing-here.sqlite3").exists()


@pytest.mark.parametrize("args", [["--port", "0"], ["--port", "http"], ["--workers", "0"]])
def test_serve_bad_options_exit_2(args):
    assert run_sillok("serve", *args).returncode == 2


def test_serve_answers_http_and_stops_cleanly_on_sigterm():
    do_initialise_repository()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, **database_env(), "SILLOK_HOME": str(settings.SILLOK_HOME)}
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "sillok.cli", "serve", "--port", str(port), "--workers", "1"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        wait_until_serving(base, process)
        status, body = fetch(base + "/api/v1/openapi.json?probe=secret-query")
        assert status == 200 and b'"/api/v1/me"' in body
        status, body = fetch(base + "/accounts/login/")
        assert status == 200 and b"<form" in body
        status, _ = fetch(base + "/static/sillok/sillok.css")
        assert status == 200
        assert fetch(base + "/api/v1/me")[0] == 401
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            output, _ = process.communicate(timeout=40)
        except subprocess.TimeoutExpired:
            process.kill()
            output, _ = process.communicate()
            raise
    assert process.returncode == 0, output
    assert "GET /api/v1/openapi.json HTTP/1.1" in output  # the access log
    assert "secret-query" not in output  # without query strings
