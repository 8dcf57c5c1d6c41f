"""Intake benchmarks (issue: evidence intake), each against a baseline in the same run.

- Large files: `sillok`'s intake of one file (detect, check, stream-hash into the blob store,
  flush to disk, record) vs. `sha256sum FILE && cp FILE DEST` on the same file, for a
  100 MiB and a 2 GiB file. Peak memory of a `sillok ingest` process for each size shows
  that memory does not grow with the file.
- Many small files: files per second into SQLite through `sillok ingest`'s service path
  (folder walk, checks, batched staging and recording, derivative jobs queued).
"""

from __future__ import annotations

import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

CHUNK = 8 * 1024 * 1024


def _random_file(path: Path, size: int) -> Path:
    block = os.urandom(CHUNK)
    with path.open("wb") as out:
        written = 0
        while written < size:
            piece = block[: min(CHUNK, size - written)]
            out.write(piece)
            written += len(piece)
            # Vary each block a little so the content is not one repeated block.
            block = block[1:] + block[:1]
    return path


def _baseline_seconds(source: Path, dest: Path) -> float:
    started = time.perf_counter()
    subprocess.run(["sha256sum", str(source)], check=True, stdout=subprocess.DEVNULL)
    subprocess.run(["cp", str(source), str(dest)], check=True)
    elapsed = time.perf_counter() - started
    dest.unlink()
    return elapsed


def _ingest_seconds(source: Path) -> tuple[float, str]:
    from sillok.evidence.custody_log import HandlingContext
    from sillok.evidence.intake import do_ingest_file
    from sillok.evidence.metadata import ItemMetadata

    started = time.perf_counter()
    result = do_ingest_file(
        None,
        source,
        filename=source.name,
        metadata=ItemMetadata(),
        context=HandlingContext(channel="cli", reason="benchmark"),
    )
    elapsed = time.perf_counter() - started
    assert result.status == "new", result
    return elapsed, result.sha256 or ""


def _peak_rss_mib_of_cli_ingest(source: Path) -> float:
    """Max resident memory of a `sillok ingest` child process for this file."""
    env = {**os.environ}
    process = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "sillok.cli", "ingest", "--json", str(source)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    return round(usage.ru_maxrss / 1024, 1)  # kilobytes on Linux


def bench_large_files(work: Path, sizes_mib: list[int], repeats: int = 3) -> list[dict]:
    """Median of `repeats` runs per size, each on new content (a second intake of the same
    bytes would be a duplicate and write nothing), each starting after `sync` so neither
    side pays for the other's writes still in the page cache."""
    rows = []
    for mib in sizes_mib:
        base_runs, ingest_runs = [], []
        for repeat in range(repeats):
            source = _random_file(work / f"large-{mib}-{repeat}.bin", mib * 1024 * 1024)
            # Warm the page cache the same way for both: each then reads from memory.
            _baseline_seconds(source, work / "warm.bin")
            os.sync()
            base_runs.append(_baseline_seconds(source, work / "copy.bin"))
            os.sync()
            ingest_runs.append(_ingest_seconds(source)[0])
            source.unlink()
        # A fresh file of the same size for the memory measurement.
        other = _random_file(work / f"other-{mib}.bin", mib * 1024 * 1024)
        os.sync()
        peak = _peak_rss_mib_of_cli_ingest(other)
        other.unlink()
        base_s, ingest_s = statistics.median(base_runs), statistics.median(ingest_runs)
        rows.append(
            {
                "mib": mib,
                "runs": repeats,
                "baseline_sha256sum_cp_mib_s": round(mib / base_s, 1),
                "ingest_mib_s": round(mib / ingest_s, 1),
                "ingest_throughput_vs_baseline": round(base_s / ingest_s, 2),
                "cli_ingest_peak_rss_mib": peak,
            }
        )
    return rows


def bench_small_files(work: Path, count: int) -> dict:
    from sillok.evidence.custody_log import HandlingContext
    from sillok.evidence.intake import do_ingest_paths
    from sillok.evidence.metadata import ItemMetadata

    folder = work / "small"
    folder.mkdir()
    for index in range(count):
        size = 1000 + (index * 37) % 9000
        (folder / f"note-{index:05d}.txt").write_bytes(
            f"증언 {index} ".encode() + os.urandom(size // 2).hex().encode()
        )
    scratch = work / "scratch"
    scratch.mkdir()
    started = time.perf_counter()
    results = do_ingest_paths(
        None,
        [folder],
        metadata=ItemMetadata(),
        context=HandlingContext(channel="cli", reason="benchmark"),
        workdir=scratch,
    )
    elapsed = time.perf_counter() - started
    assert all(r.status == "new" for r in results), [r for r in results if r.status != "new"][:3]
    shutil.rmtree(folder)
    return {
        "files": count,
        "seconds": round(elapsed, 2),
        "files_per_s": round(count / elapsed, 1),
        "peak_rss_mib_of_bench_process": round(
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1
        ),
    }
