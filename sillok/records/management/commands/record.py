"""`sillok record show REF --as USER [--json]`, `sillok record history REF --as USER [--json]`."""

from __future__ import annotations

import json
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Model

from sillok.accounts.services import AccountError, find_user
from sillok.records.access import RecordNotFound, access_record
from sillok.records.fields import FieldError, fields_of, parse_reference
from sillok.records.history import visible_versions
from sillok.records.kinds import KINDS_BY_NAME
from sillok.records.presentation import record_as_dict, version_dict


class Command(BaseCommand):
    help = (
        "Look at one documentation record as USER would see it: `show` (every field, review "
        "status, sensitivity, revision), `history` (every version: who, when, what, why). "
        "REF is a reference like P-12 or E-3."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("action", choices=["show", "history"])
        parser.add_argument("reference", metavar="REF", help="like P-12, E-3, T-7")
        parser.add_argument("--json", action="store_true", help="print JSON")
        # Records are read with someone's permissions, never the shell's: sensitivity is
        # decided per user, and an operator's convenience must not bypass it.
        parser.add_argument(
            "--as", dest="as_user", metavar="USER", required=True, help="see it as USER would"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            user = find_user(options["as_user"])
        except AccountError as exc:
            raise CommandError(f"--as: {exc}", returncode=2) from None
        record = self._record(user, options["reference"])
        if options["action"] == "show":
            data = record_as_dict(user, record)
            if options["json"]:
                self._out(data)
            else:
                self._print_show(data)
            return
        versions = [version_dict(v) for v in visible_versions(user, record)]
        if options["json"]:
            self._out(versions)
            return
        for v in versions:
            self.stdout.write(
                f"v{v['number']:<3} {v['created_at']}  {v['action']:<10} "
                f"{v['actor'] or '-':<16} {v['reason']}".rstrip()
            )

    def _record(self, user: Any, ref: str) -> Model:
        try:
            kind, pk = parse_reference(ref)
        except FieldError as exc:
            raise CommandError(str(exc), returncode=2) from None
        if kind not in KINDS_BY_NAME:
            raise CommandError(f"{ref!r} is not a documentation record", returncode=2)
        try:
            return access_record(user, kind, pk)
        except RecordNotFound:
            raise CommandError(f"no such record {ref}", returncode=2) from None

    def _out(self, data: Any) -> None:
        self.stdout.write(json.dumps(data, indent=2, ensure_ascii=False))

    def _print_show(self, data: dict[str, Any]) -> None:
        self.stdout.write(f"{data['reference']}  {data['title']}  ({data['kind']})")
        withdrawn = data["withdrawn"]
        state = f"withdrawn: {withdrawn['reason']}" if withdrawn else data["review_status"]
        reviewer = f" (reviewer {data['reviewer']})" if data["reviewer"] else ""
        self.stdout.write(
            f"  {state}{reviewer} · {data['sensitivity']} · revision {data['revision']} · "
            f"created {data['created_at']} by {data['created_by'] or '-'}"
        )
        for spec in fields_of(data["kind"]):
            text = _text(data["values"].get(spec.name))
            if text:
                self.stdout.write(f"  {spec.name}: {text}")


def _text(value: Any) -> str:
    """A value of a record's `values` as one line of text."""
    if value is None or value == "" or value == []:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(_text(v) for v in value)
    if isinstance(value, dict):
        if "reference" in value:
            return f"{value['reference']} {value.get('title') or '(not visible to you)'}"
        english = value.get("label_en") or value.get("name_en") or ""
        korean = value.get("label_ko") or value.get("name_ko") or ""
        return (
            f"{english} / {korean} [{value['code']}]" if korean else f"{english} [{value['code']}]"
        )
    return str(value)
