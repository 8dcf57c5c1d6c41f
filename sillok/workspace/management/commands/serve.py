"""`sillok serve`: the web UI and API under gunicorn (never Django's development server)."""

from __future__ import annotations

import os
from argparse import ArgumentParser, ArgumentTypeError
from typing import Any

from django.core.management.base import BaseCommand
from django.db import connections
from gunicorn.app.base import BaseApplication

from sillok.custody.readiness import ensure_repository_ready

# Like gunicorn's default line, but the path without its query string (%(U)s, not the request
# line %(r)s), and neither referrer nor user agent: query strings and referrers can carry
# search terms that name people, and an access log is kept longer and read more widely than
# the repository itself.
ACCESS_LOG_FORMAT = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms'


def _bounded_int(low: int, high: int):
    def parse(raw: str) -> int:
        try:
            value = int(raw)
        except ValueError:
            raise ArgumentTypeError(f"not a whole number: {raw!r}") from None
        if not low <= value <= high:
            raise ArgumentTypeError(f"must be between {low} and {high}, got {value}")
        return value

    return parse


def default_workers() -> int:
    # Twice the cores, at most 8: each worker also has threads, and on SQLite more processes
    # only queue on the single write lock.
    return max(2, min(8, 2 * (os.cpu_count() or 1)))


def bind_address(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host and not host.startswith("[") else f"{host}:{port}"


class SillokServer(BaseApplication):
    """gunicorn, configured here rather than from a file or GUNICORN_CMD_ARGS."""

    def __init__(self, settings: dict[str, Any]) -> None:
        self.settings = settings
        super().__init__(prog="sillok serve")

    def load_config(self) -> None:
        for name, value in self.settings.items():
            self.cfg.set(name, value)

    def load(self):
        # The application settings name (sillok.wsgi), as Django's own servers load it.
        from django.conf import settings as django_settings
        from django.utils.module_loading import import_string

        return import_string(django_settings.WSGI_APPLICATION)


def gunicorn_settings(options: dict[str, Any]) -> dict[str, Any]:
    return {
        "bind": [bind_address(options["host"], options["port"])],
        "workers": options["workers"],
        # Threads keep a worker responsive while one request streams a large upload, and
        # the heartbeat timeout below then only kills a worker that is truly stuck.
        "worker_class": "gthread",
        "threads": options["threads"],
        "timeout": options["timeout"],
        "graceful_timeout": 30,
        "keepalive": 5,
        # Recycle workers now and then so a slow leak cannot grow for months; the jitter keeps
        # them from all restarting at once.
        "max_requests": 2000,
        "max_requests_jitter": 200,
        "accesslog": None if options["no_access_log"] else "-",
        "access_log_format": ACCESS_LOG_FORMAT,
        "errorlog": "-",
        "loglevel": "info",
        "proc_name": "sillok",
        # gunicorn's runtime control socket (a Unix socket in $HOME) is not needed, and one
        # fewer way to reconfigure a running server is one fewer thing to secure.
        "control_socket_disable": True,
        "preload_app": False,
    }


class Command(BaseCommand):
    # Checked in handle(), after the readiness check: Django's checks open the database, and
    # on SQLite that would create an empty file where a missing repository should be named.
    requires_system_checks: list[str] = []
    help = (
        "Serve the web UI and API with gunicorn, static files included. Put it behind a "
        "reverse proxy that terminates TLS (and set SILLOK_HTTPS=true). SIGTERM stops it "
        "gracefully."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
        parser.add_argument("--port", type=_bounded_int(1, 65535), default=8000)
        parser.add_argument(
            "--workers",
            type=_bounded_int(1, 256),
            default=default_workers(),
            help="worker processes (default: twice the cores, 2 to 8)",
        )
        parser.add_argument(
            "--threads", type=_bounded_int(1, 64), default=4, help="threads per worker"
        )
        parser.add_argument(
            "--timeout",
            type=_bounded_int(5, 3600),
            default=120,
            help="seconds before a silent worker is restarted (default: 120)",
        )
        parser.add_argument(
            "--no-access-log", action="store_true", help="do not log requests to stdout"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        ensure_repository_ready()
        self.check()
        # The workers are forked from this process: a database connection opened by the
        # readiness check must not be shared by all of them.
        connections.close_all()
        # gunicorn's arbiter exits through sys.exit (0 after a graceful SIGTERM stop).
        SillokServer(gunicorn_settings(options)).run()
