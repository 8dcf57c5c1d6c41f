"""`sillok audit checkpoint` and `sillok audit log`: signed checkpoints and reading the log."""

from __future__ import annotations

import json
import os
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from sillok.accounts.acting import acting_user, add_as_option
from sillok.accounts.management.commands.verify import positive_int
from sillok.custody.canonical import format_time
from sillok.custody.checkpoints import export_json
from sillok.custody.models import AuditCheckpoint, AuditEntry
from sillok.custody.services import create_checkpoint


def write_new_file(path: str, text: str) -> None:
    """Write a file that must not exist yet: an exported checkpoint is never overwritten."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        raise CommandError(
            f"{path} exists; checkpoint files are never overwritten", returncode=2
        ) from None
    except OSError as exc:
        raise CommandError(f"cannot create {path}: {exc.strerror}", returncode=2) from None
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text)
        out.flush()
        os.fsync(out.fileno())


class Command(BaseCommand):
    help = (
        "Audit log. `audit checkpoint [--export FILE] [--json]` signs a checkpoint of the "
        "chain now; `audit log [--limit N] [--json]` shows the newest entries."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", metavar="SUBCOMMAND", required=True)
        checkpoint = sub.add_parser(
            "checkpoint",
            help="sign a checkpoint of the audit chain as it is now",
            description=(
                "Sign a checkpoint of the audit chain as it is now (the request itself is "
                "recorded first, so the checkpoint covers it). Export it with --export and "
                "keep the file somewhere the repository's administrators cannot change."
            ),
        )
        checkpoint.add_argument(
            "--export", metavar="FILE", help="write the checkpoint file here ('-' for stdout)"
        )
        checkpoint.add_argument("--reason", default="", help="why, recorded in the audit log")
        checkpoint.add_argument("--json", action="store_true", help="print the file as JSON")
        add_as_option(
            checkpoint, "sign as USER (needs accounts.create_checkpoint; default: the operator)"
        )
        log = sub.add_parser(
            "log", help="show the newest audit entries", description="Show the newest entries."
        )
        log.add_argument("--limit", metavar="N", type=positive_int, default=20)
        log.add_argument("--json", action="store_true", help="print entries as JSON")
        add_as_option(log, "read as USER (needs accounts.view_audit; default: the operator)")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["subcommand"] == "checkpoint":
            self._checkpoint(options)
        else:
            self._log(options)

    def _checkpoint(self, options: dict[str, Any]) -> None:
        target = options["export"]
        if target and target != "-" and os.path.exists(target):
            # Checked before signing too, so a refused export leaves no orphan checkpoint.
            raise CommandError(
                f"{target} exists; checkpoint files are never overwritten", returncode=2
            )
        actor = acting_user(options["as_user"], "accounts.create_checkpoint")
        checkpoint = create_checkpoint(actor, reason=options["reason"])
        text = export_json(checkpoint)
        if target == "-" or options["json"]:
            self.stdout.write(text, ending="")
        if target and target != "-":
            write_new_file(target, text)
        if not options["json"] and target != "-":
            where = f", exported to {target}" if target else ""
            self.stdout.write(f"checkpoint at #{checkpoint.seq} ({checkpoint.entry_hash}){where}")

    def _log(self, options: dict[str, Any]) -> None:
        acting_user(options["as_user"], "accounts.view_audit")
        newest = list(AuditEntry.objects.order_by("-seq")[: options["limit"]])
        newest.reverse()
        if options["json"]:
            self.stdout.write(
                json.dumps([_entry_dict(e) for e in newest], indent=2, ensure_ascii=False)
            )
            return
        pinned = set(
            AuditCheckpoint.objects.filter(seq__in=[e.seq for e in newest]).values_list(
                "seq", flat=True
            )
        )
        for entry in newest:
            mark = " [checkpoint]" if entry.seq in pinned else ""
            target = f" {entry.object_type}:{entry.object_id}" if entry.object_type else ""
            details = json.dumps(entry.details, ensure_ascii=False, sort_keys=True)
            self.stdout.write(
                f"#{entry.seq} {format_time(entry.created_at)} {entry.actor_name or '-'} "
                f"{entry.action}{target} {details}{mark}"
            )


def _entry_dict(entry: AuditEntry) -> dict[str, Any]:
    return {
        "seq": entry.seq,
        "time": format_time(entry.created_at),
        "actor_id": entry.actor_id,
        "actor": entry.actor_name,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "details": entry.details,
        "prev_hash": entry.prev_hash,
        "entry_hash": entry.entry_hash,
    }
