"""`sillok item show ID [--json]`, `sillok item text ID`, `sillok item custody ID [--json]`,
`sillok item edit ID --as USER --reason WHY --set FIELD=VALUE ...`, `sillok item history ID`
and `sillok item restore ID --number N --as USER --reason WHY`. Editing goes through the one
service (editing.py), as the page and the API do."""

from __future__ import annotations

import json
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from sillok.accounts.services import AccountError, find_user
from sillok.evidence.access import ActionRefused, ItemNotFound, access_item
from sillok.evidence.custody_log import HandlingContext
from sillok.evidence.editing import (
    EditResult,
    VersionNotFound,
    do_edit_item,
    do_restore_item_version,
)
from sillok.evidence.item_history import visible_versions
from sillok.evidence.metadata import MetadataError
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
        "derivatives), `custody` (its chain-of-custody timeline), `edit` (correct its "
        "metadata: --set FIELD=VALUE, repeated; choices take their code, English or Korean "
        "label), `history` (every version of its metadata), `restore` (an earlier version)."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "action", choices=["show", "text", "custody", "edit", "history", "restore"]
        )
        parser.add_argument("item_id", metavar="ID")
        parser.add_argument("--json", action="store_true", help="print JSON")
        parser.add_argument(
            "--as", dest="as_user", metavar="USER", help="see (or edit) the item as USER would"
        )
        parser.add_argument(
            "--set",
            dest="changes",
            action="append",
            default=[],
            metavar="FIELD=VALUE",
            help="edit: a field and its new value (lists separated by commas; empty clears)",
        )
        parser.add_argument("--reason", default="", help="edit, restore: why (required)")
        parser.add_argument(
            "--number", type=int, metavar="N", help="restore: the version to restore"
        )
        parser.add_argument(
            "--revision",
            type=int,
            help="edit, restore: refuse unless the item is still at this revision",
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
        elif action in {"edit", "restore"}:
            self._edit(item, action, options)
        elif action == "history":
            self._print_history(item, options)
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
            self.stdout.write(_text_header(part))
            self.stdout.write(part["text"])

    def _edit(self, item: Item, action: str, options: dict[str, Any]) -> None:
        if not options["as_user"]:
            raise CommandError(f"{action}: say who makes the change with --as USER", returncode=2)
        user = find_user(options["as_user"])  # _item checked it already
        context = HandlingContext.for_cli()
        try:
            if action == "edit":
                result = do_edit_item(
                    user,
                    item,
                    _parse_changes(options["changes"]),
                    expected_revision=options["revision"],
                    reason=options["reason"],
                    context=context,
                )
            else:
                if options["number"] is None:
                    raise CommandError("restore: give the version with --number N", returncode=2)
                result = do_restore_item_version(
                    user,
                    item,
                    options["number"],
                    expected_revision=options["revision"],
                    reason=options["reason"],
                    context=context,
                )
        except (MetadataError, ActionRefused, VersionNotFound) as exc:
            raise CommandError(str(exc), returncode=2) from None
        self._print_edit(result, options["json"])

    def _print_edit(self, result: EditResult, as_json: bool) -> None:
        if as_json:
            data = {
                "changed": result.changed,
                "version": result.version.number if result.version else None,
                "revision": result.item.revision,
            }
            self.stdout.write(json.dumps(data, indent=2, ensure_ascii=False))
        elif not result.changed:
            self.stdout.write(f"item {result.item.pk}: nothing changed")
        else:
            self.stdout.write(
                f"item {result.item.pk}: changed {', '.join(result.changed)} "
                f"(revision {result.item.revision})"
            )

    def _print_history(self, item: Item, options: dict[str, Any]) -> None:
        user = find_user(options["as_user"]) if options["as_user"] else None
        rows = []
        for version in visible_versions(user, item):
            rows.append(
                {
                    "number": version.number,
                    "created_at": version.created_at.isoformat(),
                    "action": version.action,
                    "actor": version.actor.get_username() if version.actor_id else None,
                    "reason": version.reason,
                    "withheld": version.withheld,
                    "snapshot": None if version.withheld else version.snapshot,
                }
            )
        if options["json"]:
            self.stdout.write(json.dumps(rows, indent=2, ensure_ascii=False))
            return
        if not rows:
            self.stdout.write(f"item {item.pk} has not been corrected since intake")
        for row in rows:
            withheld = " (not cleared)" if row["withheld"] else ""
            self.stdout.write(
                f"v{row['number']:<3} {row['created_at']}  {row['action']:<9} "
                f"{row['actor'] or '-':<16} {row['reason']}{withheld}".rstrip()
            )


def _parse_changes(pairs: list[str]) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise CommandError(f"--set {pair!r}: write FIELD=VALUE", returncode=2)
        changes[name.strip()] = value
    if not changes:
        raise CommandError("edit: nothing to change (give --set FIELD=VALUE)", returncode=2)
    return changes


def _text_header(part: dict[str, Any]) -> str:
    """Which derivative this is, in which language, made by which tool."""
    language = f"language {part['language']}" if part["language"] else "language not recorded"
    tool = " ".join(filter(None, [part.get("tool"), part.get("tool_version")]))
    made_by = f"made by {tool}" if tool else "tool not recorded"
    return (
        f"===== {part.get('label') or part['kind']} ({part['kind']}) · {language} · "
        f"{made_by} · sha256 {part['sha256'][:12]} ====="
    )
