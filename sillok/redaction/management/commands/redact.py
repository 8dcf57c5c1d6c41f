"""`sillok redact ITEM --as USER [--json]`: make redacted copies of an item for review."""

from __future__ import annotations

import json
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from sillok.accounts.services import AccountError, find_user
from sillok.evidence.access import ItemNotFound, access_item
from sillok.evidence.custody_log import HandlingContext
from sillok.redaction.errors import RedactionError, RedactionRefused
from sillok.redaction.services import do_request_redaction


class Command(BaseCommand):
    help = (
        "Make redacted copies of item ITEM as USER: its texts with names from the identity "
        "vault, phone and ID numbers, addresses and birth dates replaced; its picture with "
        "faces blurred and metadata removed; its PDF without metadata. Each copy waits for "
        "review by someone else (`sillok redaction review`)."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("item_id", metavar="ITEM")
        parser.add_argument("--json", action="store_true", help="print JSON")
        parser.add_argument("--as", dest="as_user", metavar="USER", required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            user = find_user(options["as_user"])
        except AccountError as exc:
            raise CommandError(f"--as: {exc}", returncode=2) from None
        try:
            item = access_item(user, options["item_id"])
            outcome = do_request_redaction(user, item, HandlingContext.for_cli("redaction"))
        except ItemNotFound as exc:
            raise CommandError(str(exc), returncode=2) from None
        except RedactionRefused as exc:
            raise CommandError(str(exc), returncode=2) from None
        except RedactionError as exc:
            raise CommandError(str(exc), returncode=1) from None
        reviews = [
            {
                "review": review.pk,
                "method": review.method,
                "status": review.status,
                "source": review.source.sha256,
                "redacted": review.redacted.sha256,
                "counts": review.summary.get("counts"),
                "faces": review.summary.get("faces"),
                "removed_metadata": review.summary.get("removed_metadata"),
                # What the redactor was unsure of: reasons with offsets or pages, no text.
                "uncertain": review.summary.get("uncertain") or [],
            }
            for review in outcome.reviews
        ]
        if options["json"]:
            data = {"item": item.pk, "reviews": reviews, "left_out": outcome.left_out}
            self.stdout.write(json.dumps(data, indent=2, ensure_ascii=False))
            return
        for entry in reviews:
            what = ""
            if entry["counts"]:
                what = ", ".join(f"{k} {v}" for k, v in entry["counts"].items() if v) or "none"
            elif entry["faces"] is not None:
                what = f"faces {entry['faces']}"
            if entry["uncertain"]:
                what += f"; check first: {len(entry['uncertain'])}"
            self.stdout.write(
                f"review {entry['review']:<5} {entry['method']:<13} {entry['status']:<9} "
                f"{entry['redacted'][:16]}  {what}".rstrip()
            )
        for part in outcome.left_out:
            self.stdout.write(f"left out {part['kind']} {part['file'][:16]}: {part['reason']}")
