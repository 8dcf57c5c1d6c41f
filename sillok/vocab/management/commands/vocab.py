"""`sillok vocab list [SLUG] [--json] [--include-retired]`, `sillok vocab load [--json]`."""

from __future__ import annotations

import json
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from sillok.accounts.acting import acting_user, add_as_option
from sillok.vocab.access import can_read_vocabularies
from sillok.vocab.queries import (
    UnknownVocabulary,
    term_as_dict,
    terms_of,
    vocabularies_with_counts,
)
from sillok.vocab.services import do_load_shipped_data


class Command(BaseCommand):
    help = (
        "Vocabularies: `list` names them; `list SLUG` prints the terms of one as an indented "
        "tree (--json: a list of terms with id, code, English and Korean label, parent code "
        "and legal mappings); `load` (re)loads the shipped vocabularies and gazetteer, as "
        "`sillok init` does."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("action", choices=["list", "load"])
        parser.add_argument("slug", nargs="?", metavar="SLUG", help="e.g. violations")
        parser.add_argument("--json", action="store_true", help="print JSON")
        parser.add_argument(
            "--include-retired", action="store_true", help="also terms no longer in use"
        )
        add_as_option(parser, "list as USER (who must be allowed to see records, as on the web)")

    def handle(self, *args: Any, **options: Any) -> None:
        user = acting_user(options["as_user"])
        if user is not None:
            check_may_read_vocabularies(user, options["action"])
        if options["action"] == "load":
            if options["slug"]:
                raise CommandError(
                    "`vocab load` loads every shipped file; give no SLUG", returncode=2
                )
            self._load(options["json"])
        elif options["slug"]:
            self._terms(options["slug"], options["json"], options["include_retired"])
        else:
            self._vocabularies(options["json"])

    def _out(self, data: Any) -> None:
        self.stdout.write(json.dumps(data, indent=2, ensure_ascii=False))

    def _vocabularies(self, as_json: bool) -> None:
        rows = [
            {
                "slug": v.slug,
                "label_en": v.label_en,
                "label_ko": v.label_ko,
                "terms": v.active_terms,
            }
            for v in vocabularies_with_counts()
        ]
        if as_json:
            self._out(rows)
            return
        if not rows:
            self.stderr.write("no vocabularies loaded: run `sillok init` or `sillok vocab load`")
        for row in rows:
            self.stdout.write(
                f"{row['slug']:<22} {row['terms']:>5} terms  {row['label_en']} / {row['label_ko']}"
            )

    def _terms(self, slug: str, as_json: bool, include_retired: bool) -> None:
        try:
            terms = list(terms_of(slug, include_retired=include_retired))
        except UnknownVocabulary as exc:
            raise CommandError(str(exc), returncode=2) from None
        if as_json:
            self._out([term_as_dict(term) for term in terms])
            return
        for term in terms:
            korean = f" / {term.label_ko}" if term.label_ko else ""
            retired = "  (retired)" if not term.active else ""
            self.stdout.write(f"{'  ' * term.depth}{term.code}  {term.label_en}{korean}{retired}")

    def _load(self, as_json: bool) -> None:
        summary = do_load_shipped_data()
        if as_json:
            self._out(summary)
            return
        for slug, counts in sorted(summary["vocabularies"].items()):
            self.stdout.write(f"{slug:<22} {_counts(counts)}")
        self.stdout.write(f"{'gazetteer':<22} {_counts(summary['places'])}")


def check_may_read_vocabularies(user: Any, action: str = "list") -> None:
    """The rule of the vocabulary pages: those who may see records may read them. Loading is
    the operator's (`sillok init`), never done as a user."""
    if action != "list":
        raise CommandError(f"`vocab {action}` is for the operator, not --as", returncode=2)
    if not can_read_vocabularies(user):
        raise CommandError(
            f"{user.username} may not read the vocabularies (needs records.view_record)",
            returncode=2,
        )


def _counts(counts: dict[str, Any]) -> str:
    return ", ".join(f"{value} {name}" for name, value in counts.items())
