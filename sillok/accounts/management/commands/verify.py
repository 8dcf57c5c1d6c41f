"""`sillok verify`: re-walk the audit chain, check checkpoints, re-hash blobs."""

from __future__ import annotations

import json
import sys
from argparse import ArgumentParser, ArgumentTypeError
from datetime import UTC, datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from sillok.accounts.acting import acting_user, add_as_option
from sillok.custody.checkpoints import CheckpointFileError, load_checkpoint_file
from sillok.custody.services import run_verification
from sillok.custody.verify import ERROR, VerificationReport
from sillok.custody.witness import checkpoint_files_in


def positive_int(raw: str) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise ArgumentTypeError(f"not a whole number: {raw!r}") from None
    if value < 1:
        raise ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def since_date(raw: str) -> datetime:
    """A date (YYYY-MM-DD, midnight UTC) or an ISO 8601 time with a zone."""
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        raise ArgumentTypeError(f"not a date like 2026-11-01: {raw!r}") from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value


class Command(BaseCommand):
    help = (
        "Re-walk the audit chain, check every signed checkpoint (and exported checkpoint "
        "files), re-hash every recorded blob. Exit 0 when all is well, 1 when problems were "
        "found, 2 on bad input. The outcome is recorded in the audit log. Without --as it "
        "runs as the operator (as from cron); with --as USER it needs accounts.run_verify "
        "and the audit entry names USER."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--json", action="store_true", help="print the report as JSON")
        parser.add_argument(
            "--checkpoint",
            metavar="FILE_OR_DIR",
            action="extend",
            nargs="+",
            default=[],
            help="an exported checkpoint file, or a folder of them (every *.json inside), to "
            "check the chain against (repeatable)",
        )
        add_as_option(parser, "run as USER (needs accounts.run_verify; default: the operator)")
        parser.add_argument(
            "--skip-blobs", action="store_true", help="check the audit log only, not the blobs"
        )
        parser.add_argument(
            "--sample",
            metavar="N",
            type=positive_int,
            help="re-hash N recorded blobs chosen at random instead of all of them",
        )
        parser.add_argument(
            "--since",
            metavar="DATE",
            type=since_date,
            help="re-hash only blobs recorded on or after DATE (YYYY-MM-DD or ISO time, UTC)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["skip_blobs"] and (options["sample"] or options["since"]):
            raise CommandError(
                "--sample and --since choose blobs; --skip-blobs checks none", returncode=2
            )
        try:
            paths = checkpoint_files_in(options["checkpoint"])
            if options["checkpoint"] and not paths:
                raise CheckpointFileError("no checkpoint files (*.json) in the folder given")
            files = [load_checkpoint_file(path) for path in paths]
        except CheckpointFileError as exc:
            raise CommandError(str(exc), returncode=2) from None
        actor = acting_user(options["as_user"], "accounts.run_verify")
        report = run_verification(
            actor,
            checkpoint_files=files,
            check_blobs=not options["skip_blobs"],
            sample=options["sample"],
            since=options["since"],
        )
        if options["json"]:
            self.stdout.write(json.dumps(report.as_dict(), indent=2, ensure_ascii=False))
        else:
            self._write_summary(report)
        if not report.ok:
            self.stdout.flush()
            sys.exit(1)

    def _write_summary(self, report: VerificationReport) -> None:
        checked = report.checked
        self.stdout.write(
            f"audit log: {checked.get('audit_entries', 0)} entries, "
            f"{checked.get('checkpoints', 0)} checkpoints, "
            f"{checked.get('external_checkpoints', 0)} checkpoint files"
        )
        if "blobs" in checked:
            self.stdout.write(
                f"blobs: {checked['blobs']} recorded blobs re-hashed "
                f"({checked['blob_bytes']} bytes), {checked['stored_blobs']} in the store"
            )
        else:
            self.stdout.write("blobs: skipped")
        if not checked.get("checkpoint_witnesses"):
            self.stdout.write(
                "note: no checkpoint witness is configured (SILLOK_CHECKPOINT_WITNESSES); "
                "checkpoints that never leave this machine can be re-signed by whoever holds "
                "its key"
            )
        for problem in report.problems:
            label = "PROBLEM" if problem.severity == ERROR else "info"
            owners = report.blob_context.get(problem.sha256 or "", {}).get("items")
            where = f" (item {', '.join(map(str, owners))})" if owners else ""
            self.stdout.write(f"{label} {problem.kind}: {problem.message}{where}")
        unlisted = sum(report.counts.values()) - len(report.problems)
        if unlisted:
            self.stdout.write(f"... and {unlisted} more (see --json for counts by kind)")
        if report.ok:
            self.stdout.write("OK: nothing differs")
        else:
            self.stdout.write(f"FAILED: {report.error_count} problems found")
