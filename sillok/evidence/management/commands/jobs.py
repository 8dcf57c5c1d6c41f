"""`sillok jobs [--json] [--as USER]`: recent background jobs and their status.

Run by the operator (no --as), it lists every job. With `--as USER` it lists only the jobs
about an item USER may see (derivations of its files): a job's existence says that a file
arrived, which is itself information.
"""

from __future__ import annotations

import json
from argparse import ArgumentParser, ArgumentTypeError
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django_tasks_db.models import DBTaskResult

from sillok.accounts.services import AccountError, find_user
from sillok.custody.canonical import format_time
from sillok.evidence.access import visible_items
from sillok.evidence.models import DerivationJob, ItemFile

# Tasks whose first argument names what they work on: the file, or the derivation job.
FILE_TASKS = {"sillok.evidence.tasks.derive_file"}
DERIVATION_TASKS = {"sillok.evidence.tasks.run_derivation"}
BATCH = 500


def positive_int(raw: str) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise ArgumentTypeError(f"not a whole number: {raw!r}") from None
    if value < 1:
        raise ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def job_dict(job: DBTaskResult) -> dict[str, Any]:
    """What an operator needs to see. Never the arguments, return value or traceback: a
    job's arguments may name people, and the terminal or its scroll-back is not the vault."""
    return {
        "id": str(job.id),
        "task": job.task_path,
        "queue": job.queue_name,
        "status": job.status,
        "enqueued_at": format_time(job.enqueued_at),
        "started_at": format_time(job.started_at) if job.started_at else None,
        "finished_at": format_time(job.finished_at) if job.finished_at else None,
        "workers": job.worker_ids,
        "error": job.exception_class_path or None,
    }


class Command(BaseCommand):
    help = "Show the most recent background jobs and their status (newest first)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--limit", type=positive_int, default=20, metavar="N")
        parser.add_argument(
            "--status",
            choices=["READY", "RUNNING", "SUCCESSFUL", "FAILED"],
            help="only jobs in this state",
        )
        parser.add_argument("--json", action="store_true", help="print the jobs as JSON")
        parser.add_argument(
            "--as",
            dest="as_user",
            metavar="USER",
            help="only the jobs about items USER may see (default: every job, as the operator)",
        )
        parser.add_argument(
            "--heartbeat",
            action="store_true",
            help="first enqueue a heartbeat job (it leaves a worker.heartbeat audit entry)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        user = None
        if options["as_user"]:
            try:
                user = find_user(options["as_user"])
            except AccountError as exc:
                raise CommandError(f"--as: {exc}", returncode=2) from None
            if options["heartbeat"]:
                raise CommandError("--heartbeat is for the operator, not --as", returncode=2)
        if options["heartbeat"]:
            from sillok.custody.tasks import record_heartbeat

            result = record_heartbeat.enqueue()
            if not options["json"]:
                self.stdout.write(f"enqueued heartbeat job {result.id}")
        jobs = DBTaskResult.objects.order_by("-enqueued_at")
        if options["status"]:
            jobs = jobs.filter(status=options["status"])
        if user is None:
            chosen = list(jobs[: options["limit"]])
        else:
            chosen = jobs_visible_to(user, jobs, options["limit"])
        rows = [job_dict(job) for job in chosen]
        if options["json"]:
            self.stdout.write(json.dumps(rows, indent=2, ensure_ascii=False))
            return
        if not rows:
            self.stdout.write("no jobs")
            return
        for row in rows:
            error = f" error={row['error']}" if row["error"] else ""
            self.stdout.write(
                f"{row['enqueued_at']} {row['status']:<10} {row['task']} "
                f"[{row['queue']}] {row['id']}{error}"
            )


def _first_arg(job: DBTaskResult) -> int | None:
    args = (job.args_kwargs or {}).get("args") or []
    return args[0] if args and isinstance(args[0], int) else None


def _file_of(job: DBTaskResult, derivation_files: dict[int, int]) -> int | None:
    first = _first_arg(job)
    if first is None:
        return None
    if job.task_path in FILE_TASKS:
        return first
    return derivation_files.get(first)


def jobs_visible_to(user: Any, jobs: Any, limit: int) -> list[DBTaskResult]:
    """The newest `limit` jobs about a file of an item `user` may see. Jobs about nothing
    in particular (heartbeats, fixity rounds) are the operator's business, not shown."""
    shown: list[DBTaskResult] = []
    candidates = jobs.filter(task_path__in=FILE_TASKS | DERIVATION_TASKS)
    for start in range(0, candidates.count(), BATCH):
        batch = list(candidates[start : start + BATCH])
        job_ids = [_first_arg(job) for job in batch if job.task_path in DERIVATION_TASKS]
        derivation_files = dict(
            DerivationJob.objects.filter(pk__in=job_ids).values_list("pk", "source_id")
        )
        files = {job.pk: _file_of(job, derivation_files) for job in batch}
        allowed = set(
            ItemFile.objects.filter(
                pk__in={f for f in files.values() if f is not None},
                item__in=visible_items(user),
            ).values_list("pk", flat=True)
        )
        shown.extend(job for job in batch if files[job.pk] in allowed)
        if len(shown) >= limit:
            break
    return shown[:limit]
