from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from sillok.core.services import do_initialise_repository


class Command(BaseCommand):
    help = "Create or migrate the Sillok repository in SILLOK_HOME. Safe to run again."

    def handle(self, *args, **options):
        home = settings.SILLOK_HOME
        for sub in ("blobs", "logs"):
            (home / sub).mkdir(parents=True, exist_ok=True)
        call_command("migrate", interactive=False, verbosity=max(0, options["verbosity"] - 1))
        summary = do_initialise_repository()
        self.stdout.write(f"repository ready in {home} ({summary})")
