"""Hostile files: parsing runs in a child process under limits, and a file that breaks one
fails its job (or is refused at intake) with the limit named, while the worker goes on."""

from __future__ import annotations

import json
import os
import struct
import time
import zlib
from pathlib import Path

import pytest

from sillok.custody.models import Blob
from sillok.custody.services import open_blob
from sillok.evidence import derivation
from sillok.evidence.derivation import run_file_jobs
from sillok.evidence.derive import TextDeriver
from sillok.evidence.models import DerivationJob, Item, ItemFile, JobStatus
from sillok.evidence.sandbox import ParseLimitExceeded, Sandbox, run_sandboxed

from . import hostile_derivers as hostile

pytestmark = pytest.mark.django_db


@pytest.fixture
def register(monkeypatch):
    """register(*derivers): these derivers (and the real text deriver) are all there is."""

    def use(*derivers) -> None:
        monkeypatch.setattr(derivation, "all_derivers", lambda: [TextDeriver(), *derivers])

    return use


@pytest.fixture
def note(tmp_path: Path) -> Path:
    path = tmp_path / "note.txt"
    path.write_text("증언: 수용소에서 일했다.\n", encoding="utf-8")
    return path


def _jobs_of(ingest, actor, path: Path) -> tuple[ItemFile, dict[str, str]]:
    result = ingest(actor, path)[0]
    assert result.status == "new", result
    original = ItemFile.objects.get(item_id=result.item, role="original")
    return original, run_file_jobs(original.pk)


def _error(original: ItemFile, deriver: str) -> DerivationJob:
    return DerivationJob.objects.get(source=original, deriver=deriver)


def _gone(pid: int, within: float = 5.0) -> bool:
    """True once process `pid` no longer runs (a zombie waiting for init counts as gone)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (FileNotFoundError, ProcessLookupError):
            return True
        if state in ("Z", "X"):
            return True
        time.sleep(0.05)
    return False


def test_a_deriver_that_allocates_too_much_memory_fails_with_the_limit_named(
    ingest, note, register, documentation_officer, settings
):
    settings.SILLOK_PARSE_MEMORY_MB = 512
    register(hostile.MemoryHog())
    original, states = _jobs_of(ingest, documentation_officer, note)
    assert states == {"memory_hog": JobStatus.FAILED, "text": JobStatus.DONE}
    job = _error(original, "memory_hog")
    assert job.error == (
        "the file could not be parsed within the limits: it used more than 512 MB of memory"
    )
    assert job.attempts == 1  # the same input fails the same way: not retried


def test_a_deriver_that_never_ends_is_stopped_at_the_time_limit(
    ingest, note, register, documentation_officer, settings
):
    settings.SILLOK_PARSE_SECONDS = 2
    register(hostile.Looper())
    started = time.monotonic()
    original, states = _jobs_of(ingest, documentation_officer, note)
    assert time.monotonic() - started < 30
    assert states == {"looper": JobStatus.FAILED, "text": JobStatus.DONE}
    job = _error(original, "looper")
    assert job.error == "the file could not be parsed within the limits: it took longer than 2 s"
    assert job.attempts == 1


def test_a_deriver_that_crashes_fails_its_job_and_the_worker_goes_on(
    ingest, note, register, documentation_officer
):
    register(hostile.Crasher())
    original, states = _jobs_of(ingest, documentation_officer, note)
    assert states == {"crasher": JobStatus.FAILED, "text": JobStatus.DONE}
    job = _error(original, "crasher")
    assert job.error == "the file could not be parsed: the parser crashed (SIGSEGV)"
    assert ItemFile.objects.filter(derived_from=original, kind="text").count() == 1


def test_a_tool_started_by_a_deriver_is_killed_with_it_at_the_time_limit(
    ingest, note, register, documentation_officer, settings, tmp_path
):
    settings.SILLOK_PARSE_SECONDS = 2
    pid_file = tmp_path / "sleeper.pid"
    register(hostile.Spawner(pid_file))
    original, states = _jobs_of(ingest, documentation_officer, note)
    assert states["spawner"] == JobStatus.FAILED
    assert "took longer than 2 s" in _error(original, "spawner").error
    assert _gone(int(pid_file.read_text()))


def test_a_tool_a_deriver_leaves_running_is_killed_when_it_returns(
    ingest, note, register, documentation_officer, tmp_path
):
    pid_file = tmp_path / "sleeper.pid"
    register(hostile.Leaver(pid_file))
    _original, states = _jobs_of(ingest, documentation_officer, note)
    assert states["leaver"] == JobStatus.DONE
    assert _gone(int(pid_file.read_text()))


def test_a_deriver_cannot_make_the_worker_store_a_file_outside_its_folder(
    ingest, note, register, documentation_officer, tmp_path
):
    secret = tmp_path / "keys.txt"
    secret.write_text("master key", encoding="utf-8")
    register(hostile.Escaper(secret), hostile.LinkEscaper(secret))
    original, states = _jobs_of(ingest, documentation_officer, note)
    assert states["escaper"] == JobStatus.FAILED == states["link_escaper"]
    assert "outside its folder" in _error(original, "escaper").error
    assert "outside its folder" in _error(original, "link_escaper").error
    assert not ItemFile.objects.filter(derived_from=original, original_filename="keys.txt")


def test_derivers_run_in_a_child_without_the_parents_secrets(
    ingest, note, register, documentation_officer, monkeypatch, repo_home
):
    monkeypatch.setenv("SILLOK_MASTER_KEY", "not for parsers")
    register(hostile.EnvironmentReporter())
    original, states = _jobs_of(ingest, documentation_officer, note)
    assert states["environment"] == JobStatus.DONE
    report = ItemFile.objects.get(derived_from=original, kind="metadata")
    with open_blob(report.sha256) as stream:
        seen = json.loads(stream.read())
    assert seen["pid"] != os.getpid()
    assert not [name for name in seen["env"] if name.startswith(("SILLOK_", "DJANGO_"))]
    assert Path(seen["cwd"]).is_relative_to(repo_home / "tmp")


def test_with_the_sandbox_off_derivers_run_in_the_worker(
    ingest, note, register, documentation_officer, settings
):
    settings.SILLOK_PARSE_IN_SUBPROCESS = False
    register(hostile.EnvironmentReporter())
    original, states = _jobs_of(ingest, documentation_officer, note)
    assert states["environment"] == JobStatus.DONE


# --- Intake --------------------------------------------------------------------------------


def _pdf(path: Path, pages_extra: bytes) -> Path:
    """A one-page PDF whose page tree node carries `pages_extra` (a key and its value)."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Count 1 /Kids [3 0 R] " + pages_extra + b" >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
    ]
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    path.write_bytes(bytes(out))
    return path


def _png_bomb(path: Path, width: int, height: int, color_type: int = 6) -> Path:
    """A PNG of `width` x `height` black pixels: small on disk, huge once decoded."""
    channels = {0: 1, 2: 3, 6: 4}[color_type]
    row = bytes(1 + width * channels)  # filter byte 0, then zeros
    packer = zlib.compressobj(9)
    data = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, color_type, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")
    )
    return path


def _nothing_stored(repo_home: Path) -> bool:
    blobs = repo_home / "blobs"
    files = [p for p in blobs.rglob("*") if p.is_file()] if blobs.exists() else []
    return not Item.objects.exists() and not Blob.objects.exists() and not files


def test_intake_refuses_a_pdf_whose_check_needs_too_much_memory_and_stores_nothing(
    ingest, tmp_path, documentation_officer, settings, repo_home
):
    # A 10 MB string in the page tree: pypdf needs about twenty times that to parse it.
    settings.SILLOK_PARSE_MEMORY_MB = 256
    huge = _pdf(tmp_path / "huge-object.pdf", b"/Junk (" + b"A" * 10_000_000 + b")")
    [result] = ingest(documentation_officer, huge)
    assert (result.status, result.code) == ("rejected", "parse_limits")
    assert result.reason == (
        "'huge-object.pdf' is refused: the file could not be parsed within the limits: "
        "it used more than 256 MB of memory"
    )
    assert _nothing_stored(repo_home)


def test_intake_refuses_a_deeply_nested_pdf_that_takes_too_long_to_check(
    ingest, tmp_path, documentation_officer, settings, repo_home, files
):
    settings.SILLOK_PARSE_SECONDS = 1
    # 400,000 nested dictionaries (3.6 MB): pypdf gets through them, but at a second or more
    # per megabyte.
    nested = _pdf(
        tmp_path / "nested.pdf", b"/Junk " + b"<< /A " * 400_000 + b"1" + b" >>" * 400_000
    )
    results = ingest(documentation_officer, nested, files / "증언_2019년.txt")
    assert [(r.status, r.code) for r in results] == [("rejected", "parse_limits"), ("new", "")]
    assert "it took longer than 1 s" in results[0].reason
    assert Item.objects.count() == 1  # the intake went on with the next file


def test_intake_refuses_a_decompression_bomb_png_within_the_memory_limit(
    ingest, tmp_path, documentation_officer, settings, repo_home
):
    # 62 megapixels of RGBA (250 MB decoded) in a file of a few hundred KB; under Pillow's own
    # bomb threshold, so only the memory limit stops the check from decoding it.
    settings.SILLOK_PARSE_MEMORY_MB = 256
    bomb = _png_bomb(tmp_path / "bomb.png", 7900, 7900)
    assert bomb.stat().st_size < 1_000_000
    [result] = ingest(documentation_officer, bomb)
    assert (result.status, result.code) == ("rejected", "parse_limits")
    assert "more than 256 MB of memory" in result.reason
    assert _nothing_stored(repo_home)


def test_derivers_of_a_decompression_bomb_png_fail_within_the_limits(
    ingest, tmp_path, documentation_officer, settings
):
    # 144 megapixels: intake checks only the header of so large an image and keeps it; the
    # derivers that decode it run out of their memory, the others go on.
    bomb = _png_bomb(tmp_path / "big-bomb.png", 12_000, 12_000, color_type=2)
    [result] = ingest(documentation_officer, bomb)
    assert result.status == "new", result
    settings.SILLOK_PARSE_MEMORY_MB = 384
    original = ItemFile.objects.get(item_id=result.item, role="original")
    states = run_file_jobs(original.pk)
    assert states["preview"] == JobStatus.FAILED, states
    assert "more than 384 MB of memory" in _error(original, "preview").error
    assert states["metadata"] == JobStatus.DONE


# --- The sandbox itself --------------------------------------------------------------------


def test_a_child_answers_many_calls_and_is_replaced_after_a_limit(tmp_path, settings):
    settings.SILLOK_PARSE_MEMORY_MB = 256
    text = tmp_path / "a.txt"
    text.write_text("hello\n", encoding="utf-8")
    bomb = _png_bomb(tmp_path / "bomb.png", 7900, 7900)
    target = "sillok.evidence.sandbox_child:inspect_upload"
    with Sandbox() as sandbox:
        for _ in range(3):
            answer = sandbox.call(target, {"path": str(text), "filename": "a.txt", "max_bytes": 99})
            assert answer == {"media_type": "text/plain"}
        with pytest.raises(ParseLimitExceeded) as refused:
            sandbox.call(target, {"path": str(bomb), "filename": "bomb.png", "max_bytes": 10**9})
        assert refused.value.reason == "memory"
        answer = sandbox.call(target, {"path": str(text), "filename": "a.txt", "max_bytes": 99})
        assert answer == {"media_type": "text/plain"}


def test_refusals_raised_in_the_child_come_back_as_themselves(tmp_path):
    from sillok.evidence.inputs.errors import RejectedInput

    text = tmp_path / "a.pdf"
    text.write_text("not a pdf\n", encoding="utf-8")
    with pytest.raises(RejectedInput) as refused:
        run_sandboxed(
            "sillok.evidence.sandbox_child:inspect_upload",
            {"path": str(text), "filename": "a.pdf", "max_bytes": 10**9},
        )
    assert refused.value.code == "type_mismatch"
    assert "named like a PDF document" in refused.value.message


def test_a_child_that_cannot_start_is_a_failure_of_ours_not_of_the_file(tmp_path):
    from sillok.evidence.sandbox import Limits, SandboxFailure

    too_small = Limits(memory_mb=8, seconds=30, cpu_seconds=30, output_mb=1)
    with Sandbox(too_small) as sandbox, pytest.raises(SandboxFailure):
        sandbox.call("builtins:len", {"a": 1})
