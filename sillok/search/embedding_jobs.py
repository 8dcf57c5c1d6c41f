"""Computing passage embeddings in the background.

`embed_pending` embeds every search document whose vector is missing or stale (made by
another model, or from text whose hash differs from the document's `text_sha256`), a batch at
a time, each batch committed with its vectors: a crash loses at most the batch in hand, and a
rerun continues where it stopped (idempotent). The `embed_documents` job runs it in slices
and queues itself again while work remains; the indexer queues it after commit through
`request_embedding()`, which avoids piling up jobs that would only find nothing to do.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.tasks import task

from sillok.search import embedding, vectors
from sillok.search.models import SearchDocument

# Documents one job embeds before handing over to a fresh job (keeps each job short enough
# that a deploy or worker restart interrupts little work).
JOB_SLICE = 2048


def pending_documents() -> QuerySet[SearchDocument]:
    """Documents without a current embedding."""
    return SearchDocument.objects.filter(
        Q(embedding__isnull=True)
        | ~Q(embedding__model=embedding.MODEL_NAME)
        | ~Q(embedding__text_sha256=F("text_sha256"))
    )


def embed_pending(
    limit: int | None = None, batch: int = 64, progress: Callable[[int], None] | None = None
) -> int:
    """Embed up to `limit` pending documents (all when None); returns how many. `progress`
    is called with the size of each committed batch (a progress bar's update)."""
    done, after = 0, 0
    while limit is None or done < limit:
        size = batch if limit is None else min(batch, limit - done)
        # Walking ids upwards guarantees progress even if a document keeps changing: one
        # that changes again after being embedded is picked up by the next run.
        rows = list(
            pending_documents()
            .filter(pk__gt=after)
            .order_by("pk")
            .values_list("pk", "title", "text", "text_sha256")[:size]
        )
        if not rows:
            break
        matrix = embedding.embed(
            [embedding.passage_input(title, text) for _, title, text, _ in rows]
        )
        with transaction.atomic():
            # A document the indexer deleted while we embedded must not get a vector (its
            # foreign key would fail the commit): lock the rows that remain, in id order.
            present = set(
                SearchDocument.objects.select_for_update()
                .filter(pk__in=[row[0] for row in rows])
                .order_by("pk")
                .values_list("pk", flat=True)
            )
            # The hash stored is the one read with the text: if the text changed meanwhile,
            # the hashes differ and the document stays pending.
            stored = [
                (pk, text_hash, matrix[n])
                for n, (pk, _, _, text_hash) in enumerate(rows)
                if pk in present
            ]
            vectors.store_vectors(stored)
        done += len(stored)
        after = rows[-1][0]
        if progress is not None:
            progress(len(stored))
    return done


@task(queue_name="default")
def embed_documents() -> int:
    """Embed a slice of pending documents; queue the next slice while any remain."""
    done = embed_pending(limit=JOB_SLICE)
    if done and pending_documents().exists():
        request_embedding()
    return done


def request_embedding() -> None:
    """Queue `embed_documents` unless one is already waiting to start. Call after commit
    (`transaction.on_commit(request_embedding)`) so the job sees the new documents."""
    if _waiting():
        return
    embed_documents.enqueue()


def _waiting() -> bool:
    try:
        from django_tasks_db.models import DBTaskResult
    except ImportError:  # another task backend: a duplicate job only finds nothing to do
        return False
    from django.tasks import TaskResultStatus, task_backends

    if type(task_backends["default"]).__module__.split(".")[0] != "django_tasks_db":
        return False
    waiting = DBTaskResult.objects.filter(
        status=TaskResultStatus.READY, task_path=embed_documents.module_path
    )
    return waiting.exists()
