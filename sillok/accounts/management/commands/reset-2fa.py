"""`sillok reset-2fa NAME`: remove a user's second-factor devices (a lost phone)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from sillok.accounts.roles import requires_two_factor
from sillok.accounts.services import AccountError, find_user
from sillok.accounts.twofactor import do_reset_two_factor


class Command(BaseCommand):
    help = (
        "Remove every two-factor device of a user. Users whose role requires two factors "
        "must enrol a new device at their next sign-in."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")

    def handle(self, *args, **options) -> None:
        try:
            user = find_user(options["username"])
        except AccountError as exc:
            raise CommandError(str(exc), returncode=2) from None
        removed = do_reset_two_factor(None, user)
        self.stdout.write(f"removed {removed} two-factor device(s) of {user.get_username()}")
        if requires_two_factor(user):
            self.stdout.write("they will be asked to set up a new one at their next sign-in")
