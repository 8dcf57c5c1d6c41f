"""`sillok compartment create CODE --name NAME [--description D] | grant CODE USER |
revoke CODE USER | list [--json]`: an operator command, like createuser."""

from __future__ import annotations

import json
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from sillok.accounts.compartments import (
    CompartmentError,
    compartment_rows,
    do_create_compartment,
    do_grant,
    do_revoke,
)


class Command(BaseCommand):
    help = (
        "Compartments (cases or projects only their members see): create one, grant or "
        "revoke a user's membership, list them with their members. Exit status 2 on bad input."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        create = actions.add_parser("create", help="create a compartment")
        create.add_argument("code", help="short code: lower-case letters, digits, - and _")
        create.add_argument("--name", required=True, help="a name people recognise")
        create.add_argument("--description", default="")
        for name, text in (("grant", "make USER a member"), ("revoke", "end USER's membership")):
            sub = actions.add_parser(name, help=text)
            sub.add_argument("code")
            sub.add_argument("username", metavar="USER")
        listing = actions.add_parser("list", help="every compartment and its members")
        listing.add_argument("--json", action="store_true", help="print JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        try:
            if action == "create":
                compartment = do_create_compartment(
                    None,
                    options["code"],
                    name=options["name"],
                    description=options["description"],
                )
                self.stdout.write(f"created compartment {compartment.code}")
            elif action == "grant":
                done = do_grant(None, options["code"], options["username"])
                verb = "granted" if done else "already a member:"
                self.stdout.write(f"{verb} {options['username']} in {options['code']}")
            elif action == "revoke":
                done = do_revoke(None, options["code"], options["username"])
                verb = "revoked" if done else "not a member:"
                self.stdout.write(f"{verb} {options['username']} in {options['code']}")
            else:
                self._list(options["json"])
        except CompartmentError as exc:
            raise CommandError(str(exc), returncode=2) from None

    def _list(self, as_json: bool) -> None:
        rows = compartment_rows()
        if as_json:
            self.stdout.write(json.dumps(rows, indent=2, ensure_ascii=False))
            return
        for row in rows:
            members = ", ".join(row["members"]) or "-"
            self.stdout.write(f"{row['code']:<20} {row['name']}  members: {members}")
