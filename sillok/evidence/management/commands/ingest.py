"""`sillok ingest PATH...`: files, folders (recursive), zip archives and BagIt bags."""

from __future__ import annotations

import json
import sys
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from sillok.accounts.services import AccountError, find_user
from sillok.core.tempfiles import temp_dir
from sillok.evidence.access import ActionRefused
from sillok.evidence.custody_log import HandlingContext
from sillok.evidence.intake import REJECTED, IntakeResult, do_ingest_paths
from sillok.evidence.metadata import MetadataError, check_metadata
from sillok.evidence.models import ConsentForm, ConsentScope, Sensitivity


class Command(BaseCommand):
    help = (
        "Ingest files, folders (recursively), zip archives and BagIt bags (a bag's manifests "
        "are validated first; its Source-Organization becomes the custody source). Exact "
        "duplicates are recorded as a new intake of the existing item, never stored twice; "
        "content held only by items USER may not see is answered as new (a copy that shares "
        "the stored bytes, see docs/evidence.md). "
        "Exit 0 when every input was new or a duplicate, 1 when any was rejected, 2 on bad "
        "usage."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("paths", nargs="+", metavar="PATH")
        parser.add_argument("--source", default="", help="where the material came from")
        parser.add_argument("--collector", default="", help="who collected it")
        parser.add_argument(
            "--sensitivity",
            default=Sensitivity.RESTRICTED,
            choices=[str(v) for v in Sensitivity.values],
            help="sensitivity of the new items (default: restricted)",
        )
        parser.add_argument("--language", action="append", default=[], metavar="TAG")
        parser.add_argument("--tag", action="append", default=[], metavar="TAG")
        parser.add_argument(
            "--consent-scope",
            action="append",
            default=[],
            choices=[str(v) for v in ConsentScope.values],
            help="a purpose the consent covers (repeatable); none: shared for nothing",
        )
        parser.add_argument("--consent-date", default="", metavar="YYYY-MM-DD")
        parser.add_argument(
            "--consent-form", default="", choices=[str(v) for v in ConsentForm.values]
        )
        parser.add_argument(
            "--consent-recipient",
            action="append",
            default=[],
            metavar="NAME",
            help="a prosecutor or jurisdiction consented to (repeatable; needed with "
            "--consent-scope prosecution)",
        )
        parser.add_argument(
            "--compartment",
            default="",
            metavar="CODE",
            help="put the new items into this compartment (with --as: one USER is a member of)",
        )
        parser.add_argument(
            "--graphic",
            action="store_true",
            help="the files show violence, injuries or death: reviewers see them blurred "
            "until they reveal them",
        )
        parser.add_argument("--reason", default="", help="why it is taken in (custody record)")
        parser.add_argument(
            "--as", dest="as_user", metavar="USER", help="record USER as the one who ingests"
        )
        parser.add_argument("--json", action="store_true", help="one JSON object per input file")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            metadata = check_metadata(
                {
                    "source": options["source"],
                    "collector": options["collector"],
                    "sensitivity": options["sensitivity"],
                    "languages": options["language"],
                    "tags": options["tag"],
                    "consent_scope": options["consent_scope"],
                    "consent_date": options["consent_date"],
                    "consent_form": options["consent_form"],
                    "consent_recipients": options["consent_recipient"],
                    "compartment": options["compartment"],
                    "graphic": options["graphic"],
                }
            )
        except MetadataError as exc:
            raise CommandError(str(exc), returncode=2) from None
        actor = self._actor(options["as_user"])
        context = HandlingContext.for_cli(reason=options["reason"])
        as_json = options["json"]
        progress = tqdm(
            unit=" files", desc="ingest", file=sys.stderr, disable=not sys.stderr.isatty()
        )

        def report(result: IntakeResult) -> None:
            progress.update(1)
            if as_json:
                self.stdout.write(json.dumps(result.as_dict(), ensure_ascii=False))
            else:
                self.stdout.write(_line(result))

        try:
            # Owned by this process: removed by the next writer's start if we are killed.
            with temp_dir("ingest-") as workdir:
                results = do_ingest_paths(
                    actor,
                    [Path(p) for p in options["paths"]],
                    metadata=metadata,
                    context=context,
                    workdir=Path(workdir),
                    on_result=report,
                )
        except ActionRefused as exc:
            raise CommandError(str(exc), returncode=2) from None
        finally:
            progress.close()
        self._summary(results, as_json)
        if any(r.status == REJECTED for r in results):
            self.stdout.flush()
            sys.exit(1)

    def _actor(self, username: str | None) -> Any:
        if not username:
            return None
        try:
            return find_user(username)
        except AccountError as exc:
            raise CommandError(f"--as: {exc}", returncode=2) from None

    def _summary(self, results: list[IntakeResult], as_json: bool) -> None:
        if as_json:
            return
        counts = {status: sum(r.status == status for r in results) for status in
                  ("new", "duplicate", "rejected")}
        self.stderr.write(
            f"{counts['new']} new, {counts['duplicate']} duplicates, {counts['rejected']} rejected"
        )


def _line(result: IntakeResult) -> str:
    if result.status == "new":
        return f"new        item {result.item}  {result.sha256}  {result.path}"
    if result.status == "duplicate":
        return f"duplicate  item {result.item}  {result.sha256}  {result.path} ({result.reason})"
    return f"rejected   {result.path}: {result.reason} [{result.code}]"
