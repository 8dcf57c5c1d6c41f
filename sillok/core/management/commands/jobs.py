"""`sillok jobs [--json]`: recent background jobs and their status."""

from __future__ import annotations

import json
from argparse import ArgumentParser, ArgumentTypeError
from typing import Any

from django.core.management.base import BaseCommand
from django_tasks_db.models import DBTaskResult

from sillok.custody.canonical import format_time


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
            "--heartbeat",
            action="store_true",
            help="first enqueue a heartbeat job (it leaves a worker.heartbeat audit entry)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["heartbeat"]:
            from sillok.core.tasks import record_heartbeat

            result = record_heartbeat.enqueue()
            if not options["json"]:
                self.stdout.write(f"enqueued heartbeat job {result.id}")
        jobs = DBTaskResult.objects.order_by("-enqueued_at")
        if options["status"]:
            jobs = jobs.filter(status=options["status"])
        rows = [job_dict(job) for job in jobs[: options["limit"]]]
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
