"""Keeping the index up to date: the queue, its processing, and full re-indexing.

A change to an indexed object writes `IndexQueue` rows for the object and for the objects
whose documents read from it (signals.py), in the transaction of the change: if the change
rolls back, so does its queue row. When the transaction commits, the objects it queued are
re-indexed at once (at most `SYNC_LIMIT`, so the person who made the change finds it); the
rest, and anything left by a crash between the commit and the re-indexing, is taken by
`process_queue` from the `index_queued` job or `sillok reindex --pending`.

`process_queue` rebuilds each queued object from its current state and deletes exactly the
queue rows it read, in the same transaction: a row queued again meanwhile survives and is
processed again. On PostgreSQL the queue rows of an object are locked while it is rebuilt,
so two workers never write one object's documents from two different states; SQLite
serialises writing transactions anyway.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from functools import partial
from itertools import batched
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q

from sillok.search import documents, store
from sillok.search.models import IndexQueue, SearchDocument

logger = logging.getLogger(__name__)

# Objects re-indexed right after the commit that changed them; more go to the job.
SYNC_LIMIT = 500
# Objects per transaction when processing the queue or re-indexing everything.
BATCH = 200

Target = tuple[str, int]


# -- queueing ------------------------------------------------------------------------------


def queue(targets: Iterable[Target]) -> None:
    """Queue `targets` for re-indexing in the current transaction, and re-index them once it
    commits."""
    targets = sorted(set(targets))
    if not targets:
        return
    IndexQueue.objects.bulk_create(
        [IndexQueue(kind=kind, object_id=pk) for kind, pk in targets], batch_size=1000
    )
    if len(targets) > SYNC_LIMIT:
        _enqueue_job()
    # Each change carries its own targets: a callback registered inside a savepoint or
    # transaction that rolls back is dropped with it, so nothing rolled back is indexed and
    # nothing is left over for a later transaction.
    transaction.on_commit(partial(_after_commit, targets))


def _after_commit(targets: list[Target]) -> None:
    if not targets:
        return
    if len(targets) > SYNC_LIMIT:
        # A bulk change (an import): all of it goes to the job, so the import returns
        # without indexing a part of itself; search shows that the index is catching up.
        _enqueue_job()
        return
    try:
        done = process_queue(limit=SYNC_LIMIT, only=targets)
    except Exception:  # the change itself is committed; the job retries the indexing
        logger.exception("search: indexing after commit failed; left to the index job")
        _enqueue_job()
        return
    if done:
        request_embedding()


def request_embedding() -> None:
    """Ask for the embeddings of new or changed documents (search/embedding_jobs.py)."""
    try:
        from sillok.search.embedding_jobs import request_embedding as request
    except ImportError:  # semantic search not installed in this build
        return
    try:
        request()
    except Exception:  # the keyword index is written; embeddings catch up on the next run
        logger.exception("search: could not queue the embedding job")


def _enqueue_job() -> None:
    """Queue the `index_queued` job unless one is already waiting to start. With the
    database task backend the job row commits with the change, so it cannot be lost."""
    from sillok.search.tasks import index_queued, job_waiting

    if "ImmediateBackend" in str(settings.TASKS["default"]["BACKEND"]):
        transaction.on_commit(index_queued.enqueue)
    elif not job_waiting():
        index_queued.enqueue()


def mark_clearance(kind: str, object_id: int, sensitivity: str, compartment_id: Any) -> bool:
    """Give the object's documents its new clearance now, in the transaction of the change
    (no window in which the index shows it to the wrong people); True when it changed."""
    if compartment_id is None:
        differs = ~Q(sensitivity=sensitivity) | Q(compartment_id__isnull=False)
    else:
        differs = ~Q(sensitivity=sensitivity) | ~Q(compartment_id=compartment_id)
    found = SearchDocument.objects.filter(kind=kind, object_id=object_id)
    changed = found.filter(differs).update(sensitivity=sensitivity, compartment_id=compartment_id)
    return changed > 0


def drop_facets(targets: Iterable[Target], facets: Sequence[str]) -> None:
    """Remove facet rows of `targets` read from a record whose clearance just changed; the
    re-indexing after the commit writes them again with the new clearance."""
    by_kind: dict[str, list[int]] = defaultdict(list)
    for kind, pk in targets:
        by_kind[kind].append(pk)
    from sillok.search.models import SearchFacetValue

    for kind, ids in by_kind.items():
        documents_of = SearchDocument.objects.filter(kind=kind, object_id__in=ids)
        SearchFacetValue.objects.filter(
            facet__in=facets, document__in=documents_of.values("pk")
        ).delete()


# -- processing ----------------------------------------------------------------------------


def index_objects(targets: Iterable[Target]) -> int:
    """Rebuild the documents of `targets` from their current state (in the caller's
    transaction); the number of documents written."""
    by_kind: dict[str, list[int]] = defaultdict(list)
    for kind, pk in targets:
        by_kind[kind].append(pk)
    written = 0
    for kind, ids in by_kind.items():
        built = documents.build(kind, ids)
        gone = [(kind, pk) for pk in ids if pk not in built]
        written += store.write_objects(list(built.values()), gone)
    return written


def index_object(kind: str, object_id: int) -> None:
    """Rebuild one object's documents now, in the current transaction."""
    with transaction.atomic():
        index_objects([(kind, object_id)])


def process_queue(limit: int | None = None, *, only: Sequence[Target] | None = None) -> int:
    """Re-index queued objects (oldest first; `only`: just these, if queued) until the queue
    is empty or `limit` objects are done; the number of objects re-indexed."""
    done = 0
    wanted = list(only) if only is not None else None
    while limit is None or done < limit:
        size = BATCH if limit is None else min(BATCH, limit - done)
        with transaction.atomic():
            if wanted is not None:
                if not wanted:
                    break
                chunk, wanted = wanted[:size], wanted[size:]
                objects = set(chunk)
            else:
                heads = IndexQueue.objects.order_by("pk").values_list("kind", "object_id")
                objects = set(heads[: size * 4])
                objects = set(sorted(objects)[:size])
            if not objects:
                break
            rows = _lock_rows(objects)
            if not rows:
                if wanted is None:
                    break
                continue
            present = {(kind, pk) for _id, kind, pk in rows}
            index_objects(present)
            IndexQueue.objects.filter(pk__in=[row[0] for row in rows]).delete()
            done += len(present)
    return done


def _lock_rows(objects: set[Target]) -> list[tuple[int, str, int]]:
    """The queue rows of `objects`, locked until the transaction ends (PostgreSQL)."""
    by_kind: dict[str, list[int]] = defaultdict(list)
    for kind, pk in objects:
        by_kind[kind].append(pk)
    condition = Q()
    for kind, ids in by_kind.items():
        condition |= Q(kind=kind, object_id__in=ids)
    query = IndexQueue.objects.filter(condition).order_by("pk")
    if connection.vendor == "postgresql":
        query = query.select_for_update()
    return list(query.values_list("pk", "kind", "object_id"))


def pending_count() -> int:
    """How many objects wait in the queue (shown as a notice with search results)."""
    return IndexQueue.objects.values("kind", "object_id").distinct().count()


# -- everything ----------------------------------------------------------------------------


def count_objects(kinds: Sequence[str] | None = None) -> dict[str, int]:
    kinds = list(kinds or documents.INDEXED_KINDS)
    out = {}
    for kind in kinds:
        query = documents.item_queryset() if kind == "item" else documents.record_queryset(kind)
        out[kind] = query.count()
    return out


def reindex(
    *,
    kinds: Sequence[str] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """Rebuild the documents of every object of `kinds` (default: all indexed kinds) and
    remove those of objects that no longer exist or are withdrawn; `progress(done, total)`
    is called after each batch. Returns {"objects", "documents", "removed", "kinds"}."""
    kinds = list(kinds or documents.INDEXED_KINDS)
    unknown = set(kinds) - set(documents.INDEXED_KINDS)
    if unknown:
        raise ValueError(f"not an indexed kind: {', '.join(sorted(unknown))}")
    totals = count_objects(kinds)
    total = sum(totals.values())
    done = written = removed = 0
    for kind in kinds:
        query = documents.item_queryset() if kind == "item" else documents.record_queryset(kind)
        ids = list(query.order_by("pk").values_list("pk", flat=True))
        for chunk in batched(ids, BATCH):
            with transaction.atomic():
                batch = list(query.filter(pk__in=chunk))
                built = (
                    documents.build_items(batch)
                    if kind == "item"
                    else documents.build_records(kind, batch)
                )
                present = {d.object_id for d in built}
                gone = [(kind, pk) for pk in chunk if pk not in present]
                written += store.write_objects(built, gone)
            done += len(chunk)
            if progress:
                progress(done, total)
        removed += _remove_orphans(kind, set(ids))
    return {"objects": done, "documents": written, "removed": removed, "kinds": totals}


def _remove_orphans(kind: str, live: set[int]) -> int:
    indexed = set(
        SearchDocument.objects.filter(kind=kind).values_list("object_id", flat=True).distinct()
    )
    orphans = indexed - live
    with transaction.atomic():
        return store.delete_objects((kind, pk) for pk in orphans)
