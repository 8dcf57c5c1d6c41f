"""`sillok import KIND FILE --as USER [--mapping M] [--dry-run] [--skip-bad-rows] [--again]
[--json]`."""

from __future__ import annotations

import json
import sys
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext

from sillok.accounts.services import AccountError, find_user
from sillok.records.access import RecordActionRefused
from sillok.records.importing import ImportReport, RowError, import_file, summary_line
from sillok.records.kinds import KINDS, RecordKind, UnknownKind, get_kind


class Command(BaseCommand):
    help = (
        "Import records of one kind from a CSV or XLSX file, acting as USER (whose "
        "permissions apply). Columns match fields by name or label unless --mapping (a saved "
        "mapping's name, or a JSON/YAML file of column -> field) says otherwise. Nothing is "
        "imported from a file with errors unless --skip-bad-rows, and nothing from a file "
        "imported before as the same kind unless --again. Exit 0 on success, 2 when the file "
        "has errors or was imported before (nothing imported) or on bad usage."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        kinds = ", ".join(kind.plural for kind in KINDS)
        parser.add_argument("kind", metavar="KIND", help=f"one of: {kinds}")
        parser.add_argument("file", metavar="FILE", help="a .csv or .xlsx file")
        parser.add_argument(
            "--as", dest="as_user", metavar="USER", required=True, help="import as USER"
        )
        parser.add_argument("--mapping", metavar="M", help="saved mapping name or JSON/YAML file")
        parser.add_argument("--sheet", default="", help="the workbook sheet (default: the first)")
        parser.add_argument(
            "--dry-run", action="store_true", help="check everything, import nothing"
        )
        parser.add_argument(
            "--skip-bad-rows",
            action="store_true",
            help="import the good rows of a file with errors",
        )
        parser.add_argument(
            "--again",
            action="store_true",
            help="import a file that was imported before (the same SHA-256) all the same",
        )
        parser.add_argument("--json", action="store_true", help="print the report as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            kind = get_kind(options["kind"])
        except UnknownKind as exc:
            raise CommandError(str(exc), returncode=2) from None
        try:
            user = find_user(options["as_user"])
        except AccountError as exc:
            raise CommandError(f"--as: {exc}", returncode=2) from None
        try:
            report = import_file(
                user,
                kind.name,
                Path(options["file"]),
                mapping=options["mapping"],
                dry_run=options["dry_run"],
                skip_bad_rows=options["skip_bad_rows"],
                sheet=options["sheet"],
                again=options["again"],
            )
        except RecordActionRefused as exc:
            raise CommandError(f"{user.get_username()}: {exc}", returncode=2) from None
        if options["json"]:
            self.stdout.write(json.dumps(report.as_json(), ensure_ascii=False))
        else:
            self._print(report, kind)
        if report.errors and not report.imported:
            self.stdout.flush()
            sys.exit(2)

    def _print(self, report: ImportReport, kind: RecordKind) -> None:
        for error in report.errors:
            self.stdout.write(f"{_where(error)}: {error.message}")
        for warning in report.warnings:
            self.stdout.write(f"{_where(warning)}: " + gettext("warning: ") + warning.message)
        refused = report.needs_again and not report.dry_run  # the error above says so
        for earlier in [] if refused else report.earlier:
            when = timezone.localtime(earlier.at).strftime("%Y-%m-%d %H:%M %Z")
            self.stdout.write(
                f"imported before: on {when} by {earlier.by}, {earlier.records} {kind.plural} "
                f"from {earlier.file}"
            )
        if report.needs_again:
            self.stdout.write("give --again to import this file again all the same")
        self.stdout.write(summary_line(report, kind))


def _where(error: RowError) -> str:
    return f"row {error.row}" + (f", column {error.column!r}" if error.column else "")
