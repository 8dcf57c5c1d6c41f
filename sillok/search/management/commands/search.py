"""`sillok search QUERY [--semantic] [--as USER] [--limit N] [--offset N] [--type K] [--json]`."""

from __future__ import annotations

import json
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from sillok.accounts.acting import acting_user, add_as_option
from sillok.search.access import NO_SEARCH, OPERATOR, may_search
from sillok.search.services import MAX_LIMIT, QueryError, SemanticUnavailable, search

SNIPPET_WIDTH = 80


class Command(BaseCommand):
    help = (
        'Search items and records: words (any inflected form), "phrases", AND/OR/NOT and '
        "field filters such as type:act place:Hoeryong date:2015..2019 status:reviewed "
        "violation:torture. With --as USER, only what USER may see (totals and facet counts "
        "included); without it, as the operator at the shell."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("query", metavar="QUERY", nargs="+", help="what to search for")
        parser.add_argument(
            "--semantic", action="store_true", help="add semantic, cross-lingual matches"
        )
        parser.add_argument("--limit", type=int, default=20, help=f"at most N (1-{MAX_LIMIT})")
        parser.add_argument("--offset", type=int, default=0, help="skip the first N")
        parser.add_argument(
            "--type", action="append", default=[], metavar="K", help="only this kind (repeat)"
        )
        parser.add_argument("--json", action="store_true", help="print JSON")
        add_as_option(parser, "search as USER (only what USER may see)")

    def handle(self, *args: Any, **options: Any) -> None:
        user = acting_user(options["as_user"])
        if user is None:
            user = OPERATOR
        elif not may_search(user):
            raise CommandError(str(NO_SEARCH), returncode=2)
        limit, offset = options["limit"], options["offset"]
        if not 1 <= limit <= MAX_LIMIT:
            raise CommandError(f"--limit must be between 1 and {MAX_LIMIT}", returncode=2)
        if offset < 0:
            raise CommandError("--offset must not be negative", returncode=2)
        try:
            results = search(
                user,
                " ".join(options["query"]),
                filters={"kind": options["type"]},
                semantic=options["semantic"],
                limit=limit,
                offset=offset,
            )
        except QueryError as exc:
            raise CommandError(f"query: {exc}", returncode=2) from None
        except SemanticUnavailable as exc:
            raise CommandError(str(exc), returncode=1) from None
        if options["json"]:
            from sillok.search.api import results_as_dict

            self.stdout.write(json.dumps(results_as_dict(results), indent=2, ensure_ascii=False))
            return
        self._print(results)

    def _print(self, results: Any) -> None:
        shown = len(results.hits)
        self.stdout.write(f"{results.total} found" + (f", {shown} shown" if shown else ""))
        if results.pending:
            self.stdout.write(f"({results.pending} recent changes not yet indexed)")
        for hit in results.hits:
            snippet = " ".join(hit.snippet.text.split())
            if len(snippet) > SNIPPET_WIDTH:
                snippet = snippet[: SNIPPET_WIDTH - 1] + "…"
            self.stdout.write(f"{hit.kind:<12} {hit.id:>7}  {hit.title}")
            if snippet:
                self.stdout.write(f"{'':<21}{snippet}")
