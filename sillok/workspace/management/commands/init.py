from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connection

from sillok.core.filemodes import make_private, make_private_dirs, sqlite_files
from sillok.workspace.services import do_initialise_repository


class Command(BaseCommand):
    help = "Create or migrate the Sillok repository in SILLOK_HOME. Safe to run again."

    def handle(self, *args, **options):
        home = settings.SILLOK_HOME
        for sub in ("blobs", "logs"):
            make_private_dirs(home / sub)
        call_command("migrate", interactive=False, verbosity=max(0, options["verbosity"] - 1))
        summary = do_initialise_repository()
        # After migrate, so that a new SQLite database is among them (it may live elsewhere).
        database = []
        if connection.vendor == "sqlite":
            database = sqlite_files(connection.settings_dict["NAME"])
        changed, failures = make_private(home, also=database)
        if changed:
            self.stdout.write(f"made {changed} paths private to their owner (0700/0600)")
        for failure in failures:
            self.stderr.write(f"warning: cannot make private: {failure}")
        self.stdout.write(f"repository ready in {home} ({summary})")
