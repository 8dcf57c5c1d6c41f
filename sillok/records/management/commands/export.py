"""`sillok export KIND --purpose P [--recipient R] --format csv|xlsx|json --out FILE --as USER
[--include-withdrawn] [--json]`."""

from __future__ import annotations

import json
import os
import tempfile
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from sillok.accounts.services import AccountError, find_user
from sillok.evidence.models import ConsentScope
from sillok.records.access import RecordActionRefused
from sillok.records.consent import ConsentError, check_share
from sillok.records.exporting import (
    FORMATS,
    ExportResult,
    do_export_records,
    write_left_out_csv,
)
from sillok.records.kinds import KINDS, UnknownKind, get_kind

SHOWN_LEFT_OUT = 20  # the text summary names this many; --json and the file list them all


def left_out_path(out: Path) -> Path:
    """The note beside a CSV export: persons.csv -> persons.left-out.csv."""
    return out.with_name(f"{out.stem}.left-out.csv")


class Command(BaseCommand):
    help = (
        "Export every record of one kind that USER may see and the witnesses consented to "
        "share for PURPOSE (withdrawn records only with --include-withdrawn). What consent "
        "does not cover is left out: listed on stderr (all of it with --json), and noted in "
        'the file by reference and reason (JSON: "left_out"; XLSX: a "left out" sheet; '
        "CSV: FILE.left-out.csv beside it). The CSV and XLSX columns are those `sillok "
        "import` reads. Exit 0 on success, 2 on bad usage or when USER may not export."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        kinds = ", ".join(kind.plural for kind in KINDS)
        parser.add_argument("kind", metavar="KIND", help=f"one of: {kinds}")
        parser.add_argument(
            "--purpose",
            default="",
            metavar="PURPOSE",
            help=f"what the export is for (required): {', '.join(ConsentScope.values)}",
        )
        parser.add_argument(
            "--recipient",
            default="",
            metavar="NAME",
            help="for --purpose prosecution (required there): the prosecutor or jurisdiction",
        )
        parser.add_argument(
            "--format", choices=sorted(FORMATS), help="default: from the --out file's suffix"
        )
        parser.add_argument("--out", metavar="FILE", required=True, help="the file to write")
        parser.add_argument(
            "--as", dest="as_user", metavar="USER", required=True, help="export as USER"
        )
        parser.add_argument("--include-withdrawn", action="store_true")
        parser.add_argument("--json", action="store_true", help="print a JSON summary")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            kind = get_kind(options["kind"])
            share = check_share(options["purpose"], options["recipient"])
        except UnknownKind as exc:
            raise CommandError(str(exc), returncode=2) from None
        except ConsentError as exc:
            raise CommandError(f"--purpose/--recipient: {exc}", returncode=2) from None
        out = Path(options["out"]).expanduser()
        fmt = options["format"] or out.suffix.lower().lstrip(".")
        if fmt not in FORMATS:
            raise CommandError("say --format csv, xlsx or json", returncode=2)
        if not out.parent.is_dir():
            raise CommandError(f"--out: no folder {out.parent}", returncode=2)
        try:
            user = find_user(options["as_user"])
        except AccountError as exc:
            raise CommandError(f"--as: {exc}", returncode=2) from None
        try:
            result = self._export(user, kind.name, fmt, out, share, options["include_withdrawn"])
        except RecordActionRefused as exc:
            raise CommandError(f"{user.get_username()}: {exc}", returncode=2) from None
        note = left_out_path(out) if fmt == "csv" else None
        if options["json"]:
            self.stdout.write(json.dumps(_summary(result, fmt, out, note), ensure_ascii=False))
        else:
            self.stdout.write(f"exported {result.count} {kind.plural} to {out}")
            self._print_left_out(result, note)

    def _export(
        self, user: Any, kind: str, fmt: str, out: Path, share: Any, include_withdrawn: bool
    ) -> ExportResult:
        # Written beside the target and renamed once complete (and audited): a failed export
        # never leaves a partial file under the name asked for.
        with _partial(out) as (stream, partial):
            result = do_export_records(
                user, kind, fmt, stream, share=share, include_withdrawn=include_withdrawn
            )
            stream.close()
            if fmt == "csv":
                with _partial(left_out_path(out)) as (note, note_partial):
                    write_left_out_csv(note, result.left_out_list)
                    note.close()
                    os.replace(note_partial, left_out_path(out))
            os.replace(partial, out)
        return result

    def _print_left_out(self, result: ExportResult, note: Path | None) -> None:
        share = result.share
        purpose = share.purpose_label.lower()
        if share.recipient:
            purpose += f" ({share.recipient})"
        entries = result.left_out_list
        if not entries:
            self.stderr.write(f"nothing left out: consent covers {purpose} for all of it")
            return
        self.stderr.write(f"left out {len(entries)} without consent to {purpose}:")
        for entry in entries[:SHOWN_LEFT_OUT]:
            self.stderr.write(f"  {entry}")
        if len(entries) > SHOWN_LEFT_OUT:
            self.stderr.write(f"  … and {len(entries) - SHOWN_LEFT_OUT} more (--json lists all)")
        if note is not None:
            self.stderr.write(f"the list is in {note}")


class _partial:
    """A temporary file beside `target`, removed on the way out unless renamed into place."""

    def __init__(self, target: Path) -> None:
        self.target = target

    def __enter__(self) -> tuple[Any, str]:
        handle, self.path = tempfile.mkstemp(
            dir=self.target.parent, prefix=f".{self.target.name}.", suffix=".part"
        )
        self.stream = os.fdopen(handle, "wb")
        return self.stream, self.path

    def __exit__(self, *exc: object) -> None:
        self.stream.close()
        if os.path.exists(self.path):
            os.unlink(self.path)


def _summary(result: ExportResult, fmt: str, out: Path, note: Path | None) -> dict[str, Any]:
    summary: dict[str, Any] = {
        "exported": result.count,
        "kind": result.kind,
        "format": fmt,
        "file": str(out),
        "purpose": result.share.purpose,
        "recipient": result.share.recipient,
        "left_out": [entry.as_dict() for entry in result.left_out_list],
    }
    if note is not None:
        summary["left_out_file"] = str(note)
    return summary
