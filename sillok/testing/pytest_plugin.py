"""Loaded by pytest before Django (see `addopts` in pyproject.toml).

Settings refuse to load without keys, so the test session gets its own throwaway
SILLOK_HOME with fresh keys before pytest-django configures Django.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

from sillok.core import keys
from sillok.core.filemodes import restrict_umask

# As every Sillok process does (cli.py, wsgi.py): the test database and blobs stay private,
# and `verify` in the tests sees no loose modes.
restrict_umask()
if not os.environ.get("SILLOK_TEST_KEEP_HOME"):
    _home = Path(tempfile.mkdtemp(prefix="sillok-test-home-"))
    os.environ["SILLOK_HOME"] = str(_home)
    atexit.register(shutil.rmtree, _home, ignore_errors=True)
keys.ensure_keys(Path(os.environ["SILLOK_HOME"]))
os.environ.setdefault("SILLOK_TASKS", "database")
