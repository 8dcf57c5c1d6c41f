"""`sillok worker [--burst]`: run background jobs (django-tasks-db's database worker)."""

from __future__ import annotations

import os
import socket
from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.utils.module_loading import import_string

from sillok.custody.readiness import ensure_repository_ready


def default_worker_id() -> str:
    # Host and process id: an operator reading "worker.heartbeat" in the audit log, or the
    # worker ids of a job, can tell which machine and process ran it. db_worker caps ids at 64.
    return f"{socket.gethostname()}-{os.getpid()}"[-64:]


class Command(BaseCommand):
    # Checked in handle(), after the readiness check: Django's checks open the database, and
    # on SQLite that would create an empty file where a missing repository should be named.
    requires_system_checks: list[str] = []
    help = (
        "Run background jobs from the database queue until stopped (SIGTERM or Ctrl+C: the "
        "job in progress finishes first). --burst drains the queue and exits."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--burst", action="store_true", help="run every job that is ready, then exit"
        )
        parser.add_argument(
            "--queue",
            default="default",
            metavar="NAMES",
            help="queues to take jobs from, comma-separated, '*' for all (default: default)",
        )
        parser.add_argument(
            "--interval",
            type=float,
            default=1.0,
            metavar="SECONDS",
            help="how long to wait when the queue is empty (default: 1)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if "DatabaseBackend" not in settings.TASKS["default"]["BACKEND"]:
            raise CommandError(
                "SILLOK_TASKS is not 'database': jobs run inline and there is nothing to work on",
                returncode=2,
            )
        if options["interval"] < 0:
            raise CommandError("--interval must be zero or more", returncode=2)
        ensure_repository_ready()
        self.check()
        # Apps' start-up duties (e.g. keeping the fixity schedule queued), named in settings
        # so that core depends on no app.
        for path in settings.SILLOK_WORKER_STARTUP:
            import_string(path)()
        # db_worker stops on SIGTERM/SIGINT after the job in progress, exiting with status 0.
        call_command(
            "db_worker",
            batch=options["burst"],
            queue_name=options["queue"],
            interval=options["interval"],
            reload=False,  # never in production: a reload can cut a job short
            startup_delay=not options["burst"],
            worker_id=default_worker_id(),
            verbosity=options["verbosity"],
            stdout=self.stdout,
        )
