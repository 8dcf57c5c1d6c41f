"""`sillok passwd NAME`: set a user's password at the console (and lift a lockout)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from sillok.accounts.management.passwords import generate_password, read_password_from_stdin
from sillok.accounts.services import AccountError, do_set_password, find_user


class Command(BaseCommand):
    help = (
        "Set a user's password and lift a login lockout of the account. Without "
        "--password-stdin a strong password is generated and printed once."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        parser.add_argument(
            "--password-stdin",
            action="store_true",
            help="read the password from the first line of standard input",
        )

    def handle(self, *args, **options) -> None:
        given = options["password_stdin"]
        password = read_password_from_stdin() if given else generate_password()
        try:
            user = find_user(options["username"])
            do_set_password(None, user, password)
        except AccountError as exc:
            raise CommandError(str(exc), returncode=2) from None
        self.stdout.write(f"password set for {user.get_username()}")
        if not given:
            self.stdout.write(f"password (shown only now): {password}")
