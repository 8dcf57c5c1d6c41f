"""`sillok witness`: checkpoints sent to witnesses, and those this instance keeps as one."""

from __future__ import annotations

import json
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from sillok.custody.models import WitnessedCheckpoint
from sillok.custody.witness import (
    DeliveryFailed,
    configured_witnesses,
    deliver_pending,
    export_witnessed,
    pending_by_witness,
)


class Command(BaseCommand):
    help = (
        "Checkpoint witnesses. `witness status [--json]`: the configured witnesses and what "
        "is not yet delivered; `witness send`: deliver now (as the worker does); `witness "
        "list [--json]`: checkpoints this instance keeps for others (SILLOK_WITNESS_FOR); "
        "`witness export --key FINGERPRINT --out DIR`: write them as checkpoint files for "
        "`sillok verify --checkpoint DIR` on the repository they came from."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        status = sub.add_parser("status", help="configured witnesses and pending deliveries")
        status.add_argument("--json", action="store_true")
        sub.add_parser("send", help="deliver pending checkpoints now")
        listing = sub.add_parser("list", help="checkpoints kept here for other repositories")
        listing.add_argument("--json", action="store_true")
        export = sub.add_parser("export", help="write kept checkpoints as files")
        export.add_argument("--key", required=True, metavar="FINGERPRINT")
        export.add_argument("--out", required=True, metavar="DIR")

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, f"_{options['subcommand']}")(options)

    def _status(self, options: dict[str, Any]) -> None:
        pending = pending_by_witness()
        rows = []
        for witness in configured_witnesses():
            count, error = pending.get(witness, (0, ""))
            rows.append({"witness": witness, "pending": count, "last_error": error})
        if options["json"]:
            self.stdout.write(json.dumps(rows, indent=2, ensure_ascii=False))
            return
        if not rows:
            self.stdout.write("no witnesses configured (SILLOK_CHECKPOINT_WITNESSES)")
        for row in rows:
            error = f" (last error: {row['last_error']})" if row["last_error"] else ""
            self.stdout.write(f"{row['witness']}: {row['pending']} pending{error}")

    def _send(self, options: dict[str, Any]) -> None:
        counts = deliver_pending(limit=10_000)
        self.stdout.write(f"delivered {counts['delivered']}, failed {counts['failed']}")
        if counts["failed"]:
            raise CommandError(
                "some checkpoints were not delivered; see `witness status`", returncode=1
            )

    def _list(self, options: dict[str, Any]) -> None:
        kept = WitnessedCheckpoint.objects.order_by("key_fingerprint", "seq")
        rows = [
            {
                "key_fingerprint": k.key_fingerprint,
                "seq": k.seq,
                "entry_hash": k.entry_hash,
                "received_at": k.received_at.isoformat(),
            }
            for k in kept
        ]
        if options["json"]:
            self.stdout.write(json.dumps(rows, indent=2))
            return
        for row in rows:
            self.stdout.write(f"{row['key_fingerprint'][:16]}… #{row['seq']} {row['entry_hash']}")

    def _export(self, options: dict[str, Any]) -> None:
        folder = Path(options["out"])
        try:
            written = export_witnessed(options["key"], folder)
        except DeliveryFailed as exc:
            raise CommandError(str(exc), returncode=2) from None
        if not written:
            raise CommandError(f"no checkpoints kept for key {options['key']}", returncode=2)
        self.stdout.write(f"wrote {written} checkpoint files to {folder}")
