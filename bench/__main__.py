"""Sillok benchmarks: `make bench` (or `python -m bench [--postgres URL] [--blob-mib N]`).

Each figure is reported next to a baseline measured in the same run on the same machine, so
the ratio says what an integrity guarantee costs:

- blob store put (hash while streaming, fsync, link into place) vs. a plain buffered copy of
  the same stream to a file; peak Python memory during each (the store must stay constant);
- audit append (row lock on the chain head, SHA-256 over the canonical entry, one transaction
  per entry) vs. inserting the same rows with no chain, one transaction per row;
- verification: audit entries and blob bytes checked per second;
- evidence intake (bench/intake.py): large files vs. `sha256sum && cp`, peak memory for a
  100 MiB and a 2 GiB file, and small files per second into the database.
- documentation records (bench/records.py): the synthetic generator's records per second,
  CSV import of persons vs. a bare bulk insert of the same rows, and the page of a person
  with 1,000 links vs. one with none.
- search (bench/search.py): at `--search-docs` passages (default 1,000,000), on SQLite and
  PostgreSQL (`--search-postgres`, a scratch database it recreates): indexing throughput,
  index size, p50/p95 of keyword queries with facets vs. the same queries as LIKE/ILIKE.
- embedding (bench/embedding.py): passages per second of the semantic-search model on CPU,
  batches of 1/16/64, 1 and 2 BLAS threads.

Results are printed and written to bench/results/latest.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path


class PatternStream:
    """A readable stream of `size` bytes, generated as it is read (it holds one block)."""

    def __init__(self, size: int, block: bytes) -> None:
        self.remaining = size
        self.block = block

    def read(self, n: int = -1) -> bytes:
        if self.remaining <= 0:
            return b""
        if n < 0 or n > len(self.block):
            n = len(self.block)
        n = min(n, self.remaining)
        self.remaining -= n
        return self.block[:n]


def _measure(func) -> tuple[float, int, object]:
    tracemalloc.start()
    started = time.perf_counter()
    result = func()
    elapsed = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return elapsed, peak, result


def bench_blobs(home: Path, mib: int) -> dict:
    from sillok.custody.services import store_blob

    size = mib * 1024 * 1024
    block = os.urandom(1024 * 1024)

    def copy(sync: bool):
        with open(home / "baseline.bin", "wb") as out:
            shutil.copyfileobj(PatternStream(size, block), out, 1024 * 1024)
            if sync:
                out.flush()
                os.fsync(out.fileno())
        (home / "baseline.bin").unlink()

    def put():
        return store_blob(None, PatternStream(size, block), reason="benchmark")

    copy_s, copy_peak, _ = _measure(lambda: copy(False))
    sync_s, _, _ = _measure(lambda: copy(True))
    put_s, put_peak, result = _measure(put)
    return {
        "bytes": size,
        "baseline_copy_mib_s": round(mib / copy_s, 1),
        "baseline_copy_fsync_mib_s": round(mib / sync_s, 1),
        "store_blob_mib_s": round(mib / put_s, 1),
        "store_time_ratio_vs_copy": round(put_s / copy_s, 2),
        "store_time_ratio_vs_copy_fsync": round(put_s / sync_s, 2),
        "baseline_peak_python_mib": round(copy_peak / 2**20, 2),
        "store_peak_python_mib": round(put_peak / 2**20, 2),
        "sha256": result.blob.sha256,
    }


def _plain_log_model():
    """A throwaway table with the audit entry's columns and no chain: the baseline."""
    from django.db import models

    class PlainLogEntry(models.Model):
        seq = models.BigIntegerField(unique=True)
        created_at = models.DateTimeField(auto_now_add=True)
        actor_id = models.BigIntegerField(null=True)
        actor_name = models.CharField(max_length=150)
        action = models.CharField(max_length=100, db_index=True)
        object_type = models.CharField(max_length=100)
        object_id = models.CharField(max_length=100)
        details = models.JSONField(default=dict)
        prev_hash = models.CharField(max_length=64, unique=True)
        entry_hash = models.CharField(max_length=64, unique=True)

        class Meta:
            app_label = "bench"

    return PlainLogEntry


def bench_audit(entries: int) -> dict:
    from django.db import connection, transaction

    from sillok.custody.audit import record_audit

    plain = _plain_log_model()
    with connection.schema_editor() as editor:
        editor.create_model(plain)

    def chained():
        for i in range(entries):
            record_audit(None, "bench.append", object_type="bench", object_id=i, details={"i": i})

    def baseline():
        for i in range(entries):
            with transaction.atomic():
                plain.objects.create(
                    seq=i,
                    actor_name="system",
                    action="bench.baseline",
                    object_type="bench",
                    object_id=str(i),
                    details={"i": i},
                    prev_hash=f"{i:064x}",
                    entry_hash=f"{i + 1:064x}",
                )

    try:
        base_s, _, _ = _measure(baseline)
        chain_s, _, _ = _measure(chained)
    finally:
        with connection.schema_editor() as editor:
            editor.delete_model(plain)
    return {
        "entries": entries,
        "baseline_inserts_per_s": round(entries / base_s),
        "chained_appends_per_s": round(entries / chain_s),
        "append_time_ratio_vs_plain_insert": round(chain_s / base_s, 2),
    }


def bench_verify() -> dict:
    from sillok.custody.verify import verify_repository

    elapsed, peak, report = _measure(lambda: verify_repository(check_blobs=True))
    checked = report.checked if hasattr(report, "checked") else report["checked"]
    return {
        "seconds": round(elapsed, 2),
        "checked": checked,
        "peak_python_mib": round(peak / 2**20, 2),
    }


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--postgres", help="postgres:// URL of a scratch database to use")
    parser.add_argument("--blob-mib", type=int, default=512, help="size of the blob to store")
    parser.add_argument("--entries", type=int, default=2000, help="audit entries to append")
    parser.add_argument(
        "--large-mib",
        type=int,
        nargs="+",
        default=[100, 2048],
        help="sizes of the large files to ingest (MiB)",
    )
    parser.add_argument("--small-files", type=int, default=3000, help="small files to ingest")
    parser.add_argument(
        "--import-rows", type=int, nargs="+", default=[10_000, 50_000], help="CSV rows to import"
    )
    parser.add_argument("--page-links", type=int, default=1000, help="links of the record page")
    parser.add_argument(
        "--synthetic-records", type=int, default=50_000, help="records the generator loads"
    )
    parser.add_argument(
        "--embed-passages", type=int, default=300, help="passages the embedding benchmark embeds"
    )
    parser.add_argument(
        "--search-docs", type=int, default=1_000_000, help="passages the search index holds"
    )
    parser.add_argument(
        "--search-postgres",
        default="postgres://postgres@127.0.0.1:5432/sillok_bench_search",
        help="postgres:// URL of the scratch database the search benchmark recreates",
    )
    parser.add_argument(
        "--only",
        choices=["custody", "intake", "records", "embedding", "search"],
        help="run one group of benchmarks only",
    )
    args = parser.parse_args()
    if args.only == "search":
        # Both backends in child processes of their own (bench/search.py).
        from bench.search import run_both

        _write_latest(
            {"search": run_both(args.search_docs, postgres=args.search_postgres)}, quiet=True
        )
        return 0

    home = Path(tempfile.mkdtemp(prefix="sillok-bench-"))
    os.environ["SILLOK_HOME"] = str(home)
    os.environ["DJANGO_SETTINGS_MODULE"] = "sillok.settings"
    if args.postgres:
        os.environ["SILLOK_DATABASE_URL"] = args.postgres
    from sillok.core import keys

    keys.ensure_keys(home)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0, interactive=False)
    from sillok.workspace.services import do_initialise_repository

    do_initialise_repository()
    results: dict = {
        "database": connection.vendor,
        "python": sys.version.split()[0],
        "cpus": os.cpu_count(),
    }
    try:
        if args.only in (None, "custody"):
            results["blob_store"] = bench_blobs(home, args.blob_mib)
            results["audit_append"] = bench_audit(args.entries)
            results["verify"] = bench_verify()
        if args.only in (None, "intake"):
            from bench.intake import bench_large_files, bench_small_files

            work = home / "bench-inputs"
            work.mkdir()
            results["intake_small_files"] = bench_small_files(work, args.small_files)
            results["intake_large_files"] = bench_large_files(work, args.large_mib)
        if args.only in (None, "records"):
            from bench.records import bench_records

            work = home / "bench-records"
            work.mkdir()
            results |= bench_records(
                work,
                import_rows=args.import_rows,
                page_links=args.page_links,
                records=args.synthetic_records,
            )
        if args.only in (None, "embedding"):
            from bench.embedding import bench_embedding, bench_job, summary

            results["embedding"] = bench_embedding(args.embed_passages)
            results["embedding"]["job"] = bench_job(args.embed_passages)
            print(summary(results["embedding"]))
    finally:
        shutil.rmtree(home, ignore_errors=True)
    if args.only is None:
        from bench.search import run_both

        results["search"] = run_both(args.search_docs, postgres=args.search_postgres)
    _write_latest(results)
    return 0


def _write_latest(results: dict, *, quiet: bool = False) -> None:
    out_dir = Path(__file__).parent / "results"
    out_dir.mkdir(exist_ok=True)
    (out_dir / "latest.json").write_text(json.dumps(results, indent=2, default=str))
    if not quiet:  # the search benchmark prints its own summary
        print(json.dumps(results, indent=2, default=str))


if __name__ == "__main__":
    sys.exit(main())
