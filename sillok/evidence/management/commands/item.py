"""`sillok item show ID [--json]`, `sillok item text ID`, `sillok item custody ID [--json]`."""

from __future__ import annotations

import json
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from sillok.accounts.services import AccountError, find_user
from sillok.evidence.access import ItemNotFound, access_item
from sillok.evidence.models import Item
from sillok.evidence.queries import (
    custody_dict,
    custody_timeline,
    item_dict,
    text_parts,
)


class Command(BaseCommand):
    help = (
        "Look at one item: `show` (metadata, files with role, sha256, media type and "
        "provenance, derivative jobs), `text` (the text of its extracted, OCR and transcript "
        "derivatives), `custody` (its chain-of-custody timeline)."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("action", choices=["show", "text", "custody"])
        parser.add_argument("item_id", metavar="ID")
        parser.add_argument("--json", action="store_true", help="print JSON")
        parser.add_argument(
            "--as", dest="as_user", metavar="USER", help="see the item as USER would"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        item = self._item(options["item_id"], options["as_user"])
        action = options["action"]
        if action == "show":
            data = item_dict(item)
            if options["json"]:
                self.stdout.write(json.dumps(data, indent=2, ensure_ascii=False))
            else:
                self._print_show(data)
        elif action == "text":
            self._print_text(item, options["json"])
        else:
            events = [custody_dict(e) for e in custody_timeline(item)]
            if options["json"]:
                self.stdout.write(json.dumps(events, indent=2, ensure_ascii=False))
            else:
                for event in events:
                    self.stdout.write(
                        f"{event['time']}  {event['action']:<17} {event['actor']:<16} "
                        f"{event['channel']:<6} {event['place']}  {event['reason']}"
                    )

    def _item(self, item_id: str, username: str | None) -> Item:
        if username:
            try:
                user = find_user(username)
            except AccountError as exc:
                raise CommandError(f"--as: {exc}", returncode=2) from None
            try:
                return access_item(user, item_id)
            except ItemNotFound as exc:
                raise CommandError(str(exc), returncode=2) from None
        # The operator at the server's shell holds the keys and the database already.
        item = Item.objects.filter(pk=int(item_id)).first() if item_id.isdigit() else None
        if item is None:
            raise CommandError(f"no item {item_id}", returncode=2)
        return item

    def _print_show(self, data: dict[str, Any]) -> None:
        self.stdout.write(f"item {data['id']}: {data['title']}")
        for key in ("kind", "sensitivity", "source", "collector", "collected_on", "languages"):
            if data.get(key):
                self.stdout.write(f"  {key}: {data[key]}")
        for file in data["files"]:
            what = file["role"] if file["role"] == "original" else f"derivative:{file['kind']}"
            self.stdout.write(
                f"  {what:<22} {file['sha256']}  {file['size']:>10}  {file['media_type']}"
            )
        for job in data["jobs"]:
            error = f"  {job['error']}" if job["error"] else ""
            self.stdout.write(f"  job {job['deriver']:<10} {job['status']}{error}")

    def _print_text(self, item: Item, as_json: bool) -> None:
        parts = text_parts(item)
        if as_json:
            self.stdout.write(json.dumps(parts, indent=2, ensure_ascii=False))
            return
        if not parts:
            self.stderr.write(f"item {item.pk} has no text derivatives (yet: see `sillok jobs`)")
        for part in parts:
            self.stdout.write(f"===== {part['kind']} ({part['language'] or '?'}) =====")
            self.stdout.write(part["text"])
