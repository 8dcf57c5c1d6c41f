"""`sillok demo [--json]`: load the demo dataset and one demo user per role."""

from __future__ import annotations

import json
from argparse import ArgumentParser
from dataclasses import asdict
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from sillok.custody.readiness import ensure_repository_ready
from sillok.demo.services import DemoDataError, DemoResult, do_load_demo


class Command(BaseCommand):
    # Checked in handle(), after the readiness check: Django's checks open the database, and
    # on SQLite that would create an empty file where a missing repository should be named.
    requires_system_checks: list[str] = []
    help = (
        "Load the demo dataset (four UN General Assembly texts) and one demo user per role. "
        "Generated passwords are printed once; running it again adds nothing and prints none."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--json", action="store_true", help="print users and documents as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        ensure_repository_ready()
        self.check()
        try:
            result = do_load_demo()
        except DemoDataError as exc:
            raise CommandError(str(exc), returncode=2) from None
        if options["json"]:
            self.stdout.write(json.dumps(_as_json(result), indent=2, ensure_ascii=False))
        else:
            self._print(result)

    def _print(self, result: DemoResult) -> None:
        if result.already_loaded:
            self.stdout.write(
                f"The demo is already loaded ({len(result.users)} users, "
                f"{len(result.documents)} documents). Passwords are not shown again; "
                "set a new one with `sillok passwd NAME`."
            )
            return
        created = [u for u in result.users if u.created]
        if created:
            self.stdout.write("Demo users (passwords are shown only now: keep them safe):\n")
            width = max(len(u.username) for u in created) + 2
            self.stdout.write(f"  {'user':<{width}}{'role':<23}{'password':<26}two factors")
            for user in created:
                factors = "REQUIRED at first sign-in" if user.two_factor_required else "optional"
                self.stdout.write(
                    f"  {user.username:<{width}}{user.role:<23}{user.password:<26}{factors}"
                )
            if any(u.two_factor_required for u in created):
                self.stdout.write(
                    "\nUsers whose roles require two factors (admin, vault-keeper, manager) must "
                    "set up an authenticator app (TOTP) when they first sign in."
                )
        existing = [u.username for u in result.users if not u.created]
        if existing:
            self.stdout.write(f"\nAlready there (no password shown): {', '.join(existing)}")
        self.stdout.write("\nDemo documents (stored in the blob store, audited):")
        for doc in result.documents:
            state = "stored" if doc.loaded_now else "already loaded"
            self.stdout.write(
                f"  {doc.symbol or '(draft, no symbol)':<18} {doc.date}  "
                f"sha256:{doc.sha256[:16]}…  {doc.size:>6} bytes  {state}"
            )
        case = result.assessment_case
        if case is not None and case.case_id is not None:
            self.stdout.write(
                f"\nDemo case file (fictional), for demo-legal-expert and demo-legal-expert-2:\n"
                f"  {case.case_id}  {case.title}\n"
                f"  sillok case show {case.case_id} --as demo-legal-expert"
            )


def _as_json(result: DemoResult) -> dict[str, Any]:
    users = []
    for user in result.users:
        item = asdict(user)
        if item["password"] is None:
            del item["password"]  # only a password generated now is ever shown
        users.append(item)
    return {
        "already_loaded": result.already_loaded,
        "users": users,
        "documents": [asdict(doc) for doc in result.documents],
        "case": (
            {"id": result.assessment_case.case_id, "title": result.assessment_case.title}
            if result.assessment_case is not None
            else None
        ),
    }
