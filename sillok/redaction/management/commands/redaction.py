"""`sillok redaction list --as USER [--item ID] [--status S] [--json]`,
`sillok redaction review ID --approve|--reject [--note TEXT] --as USER`."""

from __future__ import annotations

import json
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from sillok.accounts.services import AccountError, find_user
from sillok.custody.canonical import format_time
from sillok.evidence.access import ItemNotFound
from sillok.redaction.errors import RedactionRefused
from sillok.redaction.models import ReviewStatus
from sillok.redaction.services import (
    ReviewNotFound,
    access_review,
    check_can_review,
    do_review_redaction,
    visible_reviews,
)


class Command(BaseCommand):
    help = (
        "Redacted copies waiting for review: `list` them, or `review ID --approve` / "
        "`--reject --note WHY` one as USER (not the user who asked for it)."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("action", choices=["list", "review"])
        parser.add_argument("review_id", metavar="ID", nargs="?")
        parser.add_argument("--as", dest="as_user", metavar="USER", required=True)
        decision = parser.add_mutually_exclusive_group()
        decision.add_argument("--approve", action="store_true")
        decision.add_argument("--reject", action="store_true")
        parser.add_argument("--note", default="", help="why (required with --reject)")
        parser.add_argument("--item", help="only this item's copies (list)")
        parser.add_argument(
            "--status", default="pending", help="pending, approved, rejected or all (list)"
        )
        parser.add_argument("--json", action="store_true", help="print JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            user = find_user(options["as_user"])
        except AccountError as exc:
            raise CommandError(f"--as: {exc}", returncode=2) from None
        try:
            check_can_review(user)
        except RedactionRefused as exc:
            raise CommandError(str(exc), returncode=2) from None
        if options["action"] == "list":
            self._list(user, options)
        else:
            self._review(user, options)

    def _list(self, user: Any, options: dict[str, Any]) -> None:
        reviews = visible_reviews(user).select_related("requested_by", "redacted")
        if options["status"] != "all":
            if options["status"] not in ReviewStatus.values:
                raise CommandError(f"unknown status {options['status']!r}", returncode=2)
            reviews = reviews.filter(status=options["status"])
        if options["item"]:
            if not options["item"].isdigit():
                raise CommandError("--item takes an item number", returncode=2)
            reviews = reviews.filter(item_id=int(options["item"]))
        rows = [
            {
                "review": r.pk,
                "item": r.item_id,
                "method": r.method,
                "status": r.status,
                "requested_by": r.requested_by.get_username(),
                "requested_at": format_time(r.requested_at),
                "redacted": r.redacted.sha256,
            }
            for r in reviews.order_by("-requested_at", "-pk")
        ]
        if options["json"]:
            self.stdout.write(json.dumps(rows, indent=2, ensure_ascii=False))
            return
        for row in rows:
            self.stdout.write(
                f"{row['review']:<5} item {row['item']:<5} {row['method']:<13} "
                f"{row['status']:<9} {row['requested_by']:<16} {row['requested_at']}"
            )

    def _review(self, user: Any, options: dict[str, Any]) -> None:
        if not options["review_id"]:
            raise CommandError("review: which ID?", returncode=2)
        if not (options["approve"] or options["reject"]):
            raise CommandError("review: say --approve or --reject", returncode=2)
        try:
            review = access_review(user, options["review_id"])
            decided = do_review_redaction(
                user, review, "approve" if options["approve"] else "reject", options["note"]
            )
        except (ReviewNotFound, ItemNotFound):
            raise CommandError(f"no redaction {options['review_id']}", returncode=2) from None
        except RedactionRefused as exc:
            raise CommandError(str(exc), returncode=1) from None
        if options["json"]:
            self.stdout.write(json.dumps({"review": decided.pk, "status": decided.status}))
        else:
            self.stdout.write(f"redaction {decided.pk}: {decided.status}")
