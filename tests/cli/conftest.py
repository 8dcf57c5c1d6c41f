"""Every CLI test gets a private SILLOK_HOME (copy of the session's keys, empty blob store).

Blobs live in files, not in the test database, so they outlive the database flush between
tests: without this, the demo's stored documents would show up as unrecorded blobs in the
next test that verifies the repository.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def private_home(settings, tmp_path: Path) -> Path:
    home = tmp_path / "sillok-home"
    shutil.copytree(Path(settings.SILLOK_HOME) / "keys", home / "keys")
    # run_sillok passes settings.SILLOK_HOME to the child, so both sides see this home.
    settings.SILLOK_HOME = home
    settings.SILLOK_BLOB_URL = ""
    return home
