"""`sillok createuser NAME --role ROLE`: create a user with one role."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from sillok.accounts.management.passwords import generate_password, read_password_from_stdin
from sillok.accounts.roles import ROLE_NAMES
from sillok.accounts.services import AccountError, do_create_user


class Command(BaseCommand):
    help = (
        "Create a user with a role. Without --password-stdin a strong password is generated "
        "and printed once. Exit status 2 on bad input, and then nothing is created."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("username", help="the user name to sign in with")
        parser.add_argument("--role", required=True, help=f"one of: {', '.join(ROLE_NAMES)}")
        parser.add_argument("--email", default="", help="e-mail address (optional)")
        parser.add_argument(
            "--password-stdin",
            action="store_true",
            help="read the password from the first line of standard input",
        )
        parser.add_argument("--json", action="store_true", help="print the result as JSON")

    def handle(self, *args, **options) -> None:
        given = options["password_stdin"]
        password = read_password_from_stdin() if given else generate_password()
        try:
            user = do_create_user(
                None,
                options["username"],
                role=options["role"],
                password=password,
                email=options["email"],
            )
        except AccountError as exc:
            raise CommandError(str(exc), returncode=2) from None
        # A password the operator typed is never echoed; a generated one is shown this once.
        if options["json"]:
            result = {"id": user.pk, "username": user.get_username(), "role": options["role"]}
            if not given:
                result["password"] = password
            self.stdout.write(json.dumps(result, ensure_ascii=False))
            return
        self.stdout.write(f"created user {user.get_username()} with role {options['role']}")
        if not given:
            self.stdout.write(f"password (shown only now): {password}")
