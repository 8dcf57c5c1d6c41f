"""SILLOK_HOME hygiene: private modes whatever the umask, and no leftovers of dead processes.

Processes that hold temporaries are real child processes: one killed with SIGKILL midway (its
temporary is a leftover), one still alive (its temporary must survive every cleaner).
"""

from __future__ import annotations

import io
import json
import os
import signal
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from sillok.core import filemodes, tempfiles
from sillok.custody.blobstore import LocalBlobStore
from sillok.custody.hygiene import (
    check_home_modes,
    check_leftovers,
    remove_leftovers_at_start,
)
from sillok.custody.verify import ERROR, INFO, VerificationReport
from sillok.testing.cli import database_env

# A child that starts a temporary in an area and stops there: a blob half written by the
# real store ("put"), or a working folder ("dir"). It prints the temporary's path, then waits
# until its stdin closes (the test keeps it alive) or it is killed.
HOLDER = r"""
import sys
from pathlib import Path

from sillok.core.tempfiles import new_temp_dir
from sillok.custody.blobstore import LocalBlobStore

kind, where = sys.argv[1], Path(sys.argv[2])


class Stalling:
    def __init__(self):
        self.sent = False
        self.before = set(Path(where, "tmp").glob("*"))

    def read(self, size=-1):
        if not self.sent:
            self.sent = True
            return b"testimony " * 1000
        (mine,) = set(Path(where, "tmp").glob("*")) - self.before
        print(mine, flush=True)
        sys.stdin.read()
        return b""


if kind == "put":
    LocalBlobStore(where).put(Stalling())
else:
    print(new_temp_dir(where, "derive-"), flush=True)
    sys.stdin.read()
"""


class Holder:
    def __init__(self, kind: str, where: Path) -> None:
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and script
            [sys.executable, "-c", HOLDER, kind, str(where)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        line = self.process.stdout.readline().strip()
        assert line, "the holder died before making its temporary"
        self.path = Path(line)

    def kill(self) -> Path:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)
        return self.path

    def finish(self) -> None:
        if self.process.poll() is None:
            self.process.stdin.close()
            self.process.wait(timeout=10)


@pytest.fixture
def holders():
    started: list[Holder] = []

    def start(kind: str, where: Path) -> Holder:
        started.append(Holder(kind, where))
        return started[-1]

    yield start
    for holder in started:
        if holder.process.poll() is None:
            holder.process.kill()
            holder.process.wait(timeout=10)


def loose_paths(home: Path) -> dict[str, str]:
    """Every path under `home` that group or others may use, walked here independently."""
    found = {}
    for path in [home, *home.rglob("*")]:
        mode = path.lstat().st_mode
        if not stat.S_ISLNK(mode) and stat.S_IMODE(mode) & 0o077:
            found[str(path.relative_to(home))] = f"{stat.S_IMODE(mode):04o}"
    return found


def problems(report: VerificationReport, kind: str) -> dict[str, object]:
    """Problems of `kind` by path, those of this test's home only (the test database, which
    the check also covers, is the session's and lies elsewhere)."""
    return {
        p.source: p for p in report.problems if p.kind == kind and not p.source.startswith("/")
    }


# --- Modes -------------------------------------------------------------------------------


def make_loose_home(home: Path) -> Path:
    """A home as an older Sillok left it under umask 022 (blobs 0444, folders 0755)."""
    blob = home / "blobs" / "sha256" / "ab" / "cd" / ("abcd" + "0" * 60)
    blob.parent.mkdir(parents=True)
    for folder in ("", "blobs", "blobs/sha256", "blobs/sha256/ab", "blobs/sha256/ab/cd"):
        (home / folder).chmod(0o755)
    blob.write_bytes(b"evidence")
    blob.chmod(0o444)
    (home / "keys").mkdir(mode=0o700)
    (home / "keys" / "django-secret-key").write_text("secret")
    (home / "keys" / "django-secret-key").chmod(0o600)
    (home / "logs").mkdir()
    (home / "logs").chmod(0o700)
    (home / "logs" / "sillok.log").write_text("line")
    (home / "logs" / "sillok.log").chmod(0o640)
    return blob


def test_every_path_open_to_group_or_others_is_an_error_naming_it_and_its_mode(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    blob = make_loose_home(home)
    report = VerificationReport()
    check_home_modes(report, home=home)
    loose = problems(report, "file_mode_loose")
    assert set(loose) == {
        "SILLOK_HOME",
        "blobs",
        "blobs/sha256",
        "blobs/sha256/ab",
        "blobs/sha256/ab/cd",
        str(blob.relative_to(home)),
        "logs/sillok.log",
    }
    assert all(p.severity == ERROR for p in loose.values())
    assert "mode 0444 (group r, others r)" in loose[str(blob.relative_to(home))].message
    assert "mode 0640 (group r)" in loose["logs/sillok.log"].message
    assert report.checked["home_paths"] == 10


def test_a_symbolic_link_is_neither_followed_nor_reported(tmp_path):
    home = tmp_path / "home"
    home.mkdir(mode=0o700)
    home.chmod(0o700)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir(mode=0o755)
    (elsewhere / "open.txt").write_text("x")
    (home / "link").symlink_to(elsewhere)
    report = VerificationReport()
    check_home_modes(report, home=home)
    assert problems(report, "file_mode_loose") == {}
    assert report.checked["home_paths"] == 1


def test_make_private_takes_the_loose_bits_away_and_blobs_stay_read_only(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    blob = make_loose_home(home)
    changed, failures = filemodes.make_private(home)
    assert (changed, failures) == (7, [])
    assert loose_paths(home) == {}
    assert stat.S_IMODE(blob.stat().st_mode) == 0o400
    assert stat.S_IMODE((home / "blobs").stat().st_mode) == 0o700
    report = VerificationReport()
    check_home_modes(report, home=home)
    assert problems(report, "file_mode_loose") == {}


def test_the_blob_store_makes_private_folders_and_owner_only_blobs_under_umask_022(tmp_path):
    old = os.umask(0o022)
    try:
        store = LocalBlobStore(tmp_path / "home" / "blobs")
        result = store.put(io.BytesIO(b"a testimony"))
        staged = store.publish([store.stage(io.BytesIO(b"another"))])
    finally:
        os.umask(old)
    assert stat.S_IMODE(store.path_of(result.sha256).stat().st_mode) == 0o400
    assert stat.S_IMODE(store.path_of(staged[0].sha256).stat().st_mode) == 0o400
    assert loose_paths(tmp_path / "home") == {}


@pytest.mark.django_db(transaction=True)
def test_init_ingest_and_worker_under_umask_022_leave_nothing_open_to_others(tmp_path):
    home = tmp_path / "fresh-home"  # made by `sillok init` itself
    keys = Path(os.environ["SILLOK_HOME"]) / "keys"
    env = {
        **os.environ,
        **database_env(),
        "SILLOK_HOME": str(home),
        "SILLOK_SECRET_KEY_FILE": str(keys / "django-secret-key"),
        "SILLOK_SIGNING_KEY_FILE": str(keys / "audit-signing-key.pem"),
        "SILLOK_MASTER_KEY_FILE": str(keys / "data-master-key"),
        "SILLOK_TASKS": "database",
    }
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    (inputs / "testimony.txt").write_text("증언: 1987년 6월, 연행되었다.\n" * 50)
    (inputs / "note.html").write_text("<p>a note</p>")
    exported = tmp_path / "anchor.json"

    def sillok(*args: str) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", "sillok.cli", *args],
            env=env,
            umask=0o022,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert result.returncode == 0, (args, result.stdout, result.stderr)
        return result

    sillok("init")
    output = sillok("ingest", "--json", str(inputs)).stdout
    results = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    assert [r["status"] for r in results if "path" in r] == ["new", "new"]
    sillok("worker", "--burst")
    sillok("audit", "checkpoint", "--export", str(exported))

    assert any((home / "blobs" / "sha256").rglob("*")), "the blobs are in this home"
    assert loose_paths(home) == {}
    # A file written at a path the user names holds evidence too: 0600, wherever it is.
    assert stat.S_IMODE(exported.stat().st_mode) == 0o600
    report = VerificationReport()
    check_home_modes(report, home=home)
    assert report.problems == []
    assert report.checked["home_paths"] > 10


# --- Leftovers ---------------------------------------------------------------------------


def test_a_dead_writers_partial_goes_at_the_next_writers_start_and_a_live_ones_stays(
    tmp_path, holders
):
    blobs = tmp_path / "home" / "blobs"
    # The live one first: a holder's own first put would clean up the dead one's leftover.
    live = holders("put", blobs)
    dead = holders("put", blobs).kill()
    assert dead.exists() and live.path.exists()
    assert dead.stat().st_size == 10_000, "the dead writer left a copy of the evidence"

    # Another process starts writing: its first put cleans the area.
    writer = subprocess.run(  # noqa: S603 - our own interpreter
        [
            sys.executable,
            "-c",
            "import io, sys; from sillok.custody.blobstore import LocalBlobStore; "
            "LocalBlobStore(sys.argv[1]).put(io.BytesIO(b'next'))",
            str(blobs),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert writer.returncode == 0, writer.stderr
    assert not dead.exists()
    assert live.path.exists(), "a live writer's temporary was removed"
    assert [p.name for p in (blobs / "tmp").iterdir()] == [live.path.name]
    # The live writer goes on undisturbed; its lock file goes with it.
    live.finish()
    assert live.process.returncode == 0
    assert list((blobs / "tmp").iterdir()) == []
    assert list((blobs / "tmp-owners").iterdir()) == []


def test_verify_lists_leftovers_of_dead_processes_only_and_a_start_removes_them(
    tmp_path, holders
):
    home = tmp_path / "home"
    live_partial = holders("put", home / "blobs").path
    live_folder = holders("dir", home / "tmp").path
    dead_partial = holders("put", home / "blobs").kill()
    dead_folder = holders("dir", home / "tmp").kill()
    (dead_folder / "source.pdf").write_bytes(b"%PDF- evidence")

    report = VerificationReport()
    check_leftovers(report, home=home)
    leftovers = problems(report, "leftover_temporary")
    assert set(leftovers) == {
        str(dead_partial.relative_to(home)),
        str(dead_folder.relative_to(home)),
    }
    assert all(p.severity == INFO for p in leftovers.values())
    partial, folder = (str(p.relative_to(home)) for p in (dead_partial, dead_folder))
    assert "file of 10000 bytes" in leftovers[partial].message
    assert "the process that made it is gone" in leftovers[folder].message
    assert report.checked["leftover_temporaries"] == 2
    assert report.ok, "a leftover is information, like an unrecorded blob"
    assert dead_partial.exists(), "verify changes nothing"

    assert remove_leftovers_at_start(home) == 2
    assert not dead_partial.exists() and not dead_folder.exists()
    assert live_partial.exists() and live_folder.is_dir()
    report = VerificationReport()
    check_leftovers(report, home=home)
    assert report.problems == []


@pytest.mark.django_db(transaction=True)
def test_sillok_removes_what_dead_processes_left_when_it_starts(repo_home, holders):
    home = repo_home
    live = holders("dir", home / "tmp").path
    dead = holders("dir", home / "tmp").kill()
    result = subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "sillok.cli", "init"],
        env={**os.environ, **database_env(), "SILLOK_HOME": str(home)},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert not dead.exists()
    assert live.is_dir()


def test_temporaries_that_name_no_owner_go_after_a_day_and_other_names_never(tmp_path):
    area = tmp_path / "tmp"
    area.mkdir()
    old = [area / "put-abc123xy.partial", area / "derive-k2j4h5g6", area / "ingest-zz9x8c7v"]
    fresh = area / "redact-q1w2e3r4"
    kept = [area / "imports", area / "notes.txt"]
    for path in [*old, fresh, *kept]:
        if path.suffix or path.name == "notes.txt":
            path.write_bytes(b"x")
        else:
            path.mkdir()
        if path != fresh:
            os.utime(path, (0, 0))
    report = VerificationReport()
    check_leftovers(report, home=tmp_path)
    assert set(problems(report, "leftover_temporary")) == {f"tmp/{p.name}" for p in old}
    assert tempfiles.remove_leftovers(area) == 3
    assert sorted(p.name for p in area.iterdir()) == sorted(p.name for p in [fresh, *kept])


def test_a_forked_child_has_its_own_owner_and_its_temporaries_die_with_it(tmp_path):
    area = tmp_path / "tmp"
    fd, mine = tempfiles.new_temp_file(area, "put-", ".partial")
    os.close(fd)
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: one temporary, then gone without cleaning up
        try:
            child_fd, theirs = tempfiles.new_temp_file(area, "put-", ".partial")
            os.write(writer, theirs.encode())
        finally:
            os._exit(0)
    os.close(writer)
    theirs = os.read(reader, 4096).decode()
    os.close(reader)
    os.waitpid(pid, 0)
    assert Path(mine).name.split("-")[1] != Path(theirs).name.split("-")[1]
    assert [leftover.path for leftover in tempfiles.find_leftovers(area)] == [Path(theirs)]
    assert tempfiles.remove_leftovers(area) == 1
    assert Path(mine).exists(), "the parent's own temporary survived its child"
    os.unlink(mine)


def test_temp_dir_removes_its_folder_even_with_read_only_contents(tmp_path):
    area = tmp_path / "tmp"
    with tempfiles.temp_dir("derive-", area=area) as folder:
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
        (folder / "out").mkdir()
        (folder / "out" / "page.txt").write_text("x")
        (folder / "out").chmod(0o500)
    assert list(area.iterdir()) == []


def test_a_prefix_that_could_be_mistaken_for_another_name_is_refused(tmp_path):
    with pytest.raises(ValueError):
        tempfiles.new_temp_file(tmp_path, "Put_", ".partial")
