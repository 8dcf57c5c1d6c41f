"""`sillok reindex [--kind KIND ...] [--pending] [--embeddings] [--json]`: rebuild the search
index (operator command: it reads everything, as the index must, and shows nothing of it)."""

from __future__ import annotations

import json
import sys
import time
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from sillok.search import indexing
from sillok.search.documents import INDEXED_KINDS


class Command(BaseCommand):
    help = (
        "Rebuild the search index: every object of each kind (default: all), removing the "
        "documents of objects that are gone or withdrawn. --pending only works through the "
        "queue of changes not yet indexed; --embeddings then computes missing embeddings."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--kind",
            action="append",
            default=[],
            choices=list(INDEXED_KINDS),
            help="re-index only this kind (repeatable)",
        )
        parser.add_argument(
            "--pending", action="store_true", help="only the queued changes, not everything"
        )
        parser.add_argument(
            "--embeddings",
            action="store_true",
            help="also compute the embeddings of documents that lack a current one",
        )
        parser.add_argument(
            "--progress",
            action="store_true",
            help="show the progress bar even when stderr is not a terminal",
        )
        parser.add_argument("--json", action="store_true", help="print the summary as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        show = options["progress"] or sys.stderr.isatty()
        summary: dict[str, Any] = {}
        if options["pending"]:
            if options["kind"]:
                raise CommandError(
                    "--pending works through the whole queue; drop --kind", returncode=2
                )
            summary["pending_before"] = indexing.pending_count()
            summary["objects"] = indexing.process_queue()
        else:
            bar = tqdm(unit=" objects", desc="reindex", file=sys.stderr, disable=not show)

            def progress(done: int, total: int) -> None:
                bar.total = total
                bar.n = done
                bar.refresh()

            try:
                summary.update(indexing.reindex(kinds=options["kind"] or None, progress=progress))
            except ValueError as exc:
                raise CommandError(str(exc), returncode=2) from None
            finally:
                bar.close()
        if options["embeddings"]:
            summary["embedded"] = _embed(show)
        summary["seconds"] = round(time.monotonic() - started, 2)
        if options["json"]:
            self.stdout.write(json.dumps(summary, ensure_ascii=False))
            return
        lines = [f"re-indexed {summary['objects']} objects"]
        if "documents" in summary:
            lines[0] += f" into {summary['documents']} documents"
            lines.append(f"removed the documents of {summary['removed']} objects gone")
        if "embedded" in summary:
            lines.append(f"embedded {summary['embedded']} documents")
        lines.append(f"in {summary['seconds']} s")
        self.stdout.write("\n".join(lines))


def _embed(show: bool) -> int:
    try:
        from sillok.search.semantic import embed_pending
    except ImportError:
        try:
            from sillok.search.embedding_jobs import embed_pending
        except ImportError:
            raise CommandError("semantic search is not available in this installation") from None
    return embed_pending()
