"""`sillok export KIND --format csv|xlsx|json --out FILE --as USER [--include-withdrawn]`."""

from __future__ import annotations

import json
import os
import tempfile
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from sillok.accounts.services import AccountError, find_user
from sillok.records.access import RecordActionRefused
from sillok.records.exporting import FORMATS, do_export_records
from sillok.records.kinds import KINDS, UnknownKind, get_kind


class Command(BaseCommand):
    help = (
        "Export every record of one kind that USER may see to a CSV, XLSX or JSON file "
        "(withdrawn records only with --include-withdrawn). The CSV and XLSX columns are "
        "those `sillok import` reads, so an export imports again. Exit 0 on success, 2 on "
        "bad usage or when USER may not export."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        kinds = ", ".join(kind.plural for kind in KINDS)
        parser.add_argument("kind", metavar="KIND", help=f"one of: {kinds}")
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
        except UnknownKind as exc:
            raise CommandError(str(exc), returncode=2) from None
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
        count = self._export(user, kind.name, fmt, out, options["include_withdrawn"])
        if options["json"]:
            summary = {"exported": count, "kind": kind.plural, "format": fmt, "file": str(out)}
            self.stdout.write(json.dumps(summary, ensure_ascii=False))
        else:
            self.stdout.write(f"exported {count} {kind.plural} to {out}")

    def _export(self, user: Any, kind: str, fmt: str, out: Path, include_withdrawn: bool) -> int:
        # Written beside the target and renamed once complete (and audited): a failed export
        # never leaves a partial file under the name asked for.
        handle, partial = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".part")
        try:
            with os.fdopen(handle, "wb") as stream:
                count = do_export_records(
                    user, kind, fmt, stream, include_withdrawn=include_withdrawn
                )
            os.replace(partial, out)
        except RecordActionRefused as exc:
            raise CommandError(f"{user.get_username()}: {exc}", returncode=2) from None
        finally:
            if os.path.exists(partial):
                os.unlink(partial)
        return count
