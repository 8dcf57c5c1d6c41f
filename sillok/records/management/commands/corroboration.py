"""`sillok corroboration REF --as USER [--json]`, `sillok corroboration --rebuild`."""

from __future__ import annotations

import json
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from sillok.accounts.services import AccountError, find_user
from sillok.records.access import RecordNotFound, access_record
from sillok.records.corroboration import KINDS, Corroboration, corroboration_of
from sillok.records.corroboration_store import rebuild
from sillok.records.fields import FieldError, parse_reference


class Command(BaseCommand):
    help = (
        "How many independent sources support an act or event, as USER may see it: first-hand "
        "sources, hearsay chains, contradicting information. REF is like A-12 or E-3. "
        "--rebuild recomputes the stored corroboration of every act and event (lists and "
        "search filter on it)."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("reference", metavar="REF", nargs="?", help="like A-12 or E-3")
        parser.add_argument("--json", action="store_true", help="print JSON")
        # Counted with someone's permissions, never the shell's: what counts depends on what
        # the user may see.
        parser.add_argument("--as", dest="as_user", metavar="USER", help="count as USER would")
        parser.add_argument(
            "--rebuild", action="store_true", help="recompute every stored corroboration"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["rebuild"]:
            if options["reference"] or options["as_user"]:
                # The stored rows serve every viewer: recomputing them is the operator's.
                raise CommandError("--rebuild takes no REF and no --as", returncode=2)
            counts = rebuild()
            if options["json"]:
                self.stdout.write(json.dumps(counts))
            else:
                self.stdout.write(f"recomputed {counts['act']} acts and {counts['event']} events")
            return
        if not options["reference"] or not options["as_user"]:
            raise CommandError("give REF and --as USER (or --rebuild)", returncode=2)
        try:
            user = find_user(options["as_user"])
        except AccountError as exc:
            raise CommandError(f"--as: {exc}", returncode=2) from None
        ref = options["reference"]
        try:
            kind, pk = parse_reference(ref)
        except FieldError as exc:
            raise CommandError(str(exc), returncode=2) from None
        if kind not in KINDS:
            raise CommandError(
                f"{ref}: corroboration is counted for acts (A-) and events (E-)", returncode=2
            )
        try:
            record = access_record(user, kind, pk)
        except RecordNotFound:
            raise CommandError(f"no such record {ref}", returncode=2) from None
        result = corroboration_of(user, kind, record)
        if options["json"]:
            self.stdout.write(json.dumps(result.as_dict(), indent=2, ensure_ascii=False))
        else:
            self._print(result)

    def _print(self, result: Corroboration) -> None:
        data = result.as_dict()
        flags = [
            "single source" if data["single_source"] else "corroborated",
            *(["contradicted"] if data["contradicted"] else []),
        ]
        if not data["information"]:
            flags = ["no information"]
        self.stdout.write(
            f"{data['ref']}: {data['independent_sources']} independent sources, "
            f"{data['first_hand']} first-hand ({', '.join(flags)})"
        )
        for entry in data["information"]:
            grading = f"{entry['reliability'] or '?'}{entry['credibility']}"
            notes = []
            if entry["first_hand"]:
                notes.append("first-hand")
            if entry["heard_from"]:
                notes.append("heard from " + ", ".join(entry["heard_from"]))
            if entry["contradicts"]:
                notes.append("contradicts " + ", ".join(entry["contradicts"]))
            self.stdout.write(
                f"  {entry['ref']:<8} {entry['source']:<8} {entry['connection']:<11} {grading:<3} "
                f"{' '.join(entry['origin_keys'])}" + (f"  ({'; '.join(notes)})" if notes else "")
            )
        for chain in data["hearsay_chains"]:
            self.stdout.write("  hearsay: " + " ← ".join(chain))
