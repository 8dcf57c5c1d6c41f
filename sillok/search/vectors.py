"""Where passage vectors live and how the nearest ones are found, on each backend.

Both backends keep every vector in `SearchEmbedding` (search_embedding: document, model, text
hash, 512 float32). Nearest-neighbour candidates come from:

- SQLite: the sqlite-vec table `search_vec` (migration 0002; rowid = document id, cosine
  distance), written and deleted together with the `SearchEmbedding` rows by the functions
  below. sqlite-vec 0.1.9 scans exhaustively (no approximate index), in C, over its own
  compact storage.
- PostgreSQL: pgvector is not part of PostgreSQL and is often not installable (it is not on
  the PostgreSQL 15 this was developed with), so the vectors are searched in process: the
  whole `search_embedding` matrix is loaded once per process, kept while (row count, newest
  row) is unchanged, and scored with one matrix-vector product (exact cosine, vectors are
  normalised). Memory: 512 × 4 bytes per passage, so 1,000,000 passages take 2 GB per web
  process (float16 would halve that at a small precision cost; not done). `pgvector_available`
  reports whether the extension could be used instead. The same in-process matrix can
  serve SQLite too (`SILLOK_VECTOR_INDEX=memory`, see `index_kind`): sqlite-vec's scan took
  320 ms over 200,000 vectors where the matrix product took 20 ms (2 busy cores).

Permissions: the caller passes the queryset of documents the user may see. The best
candidates are checked against it with one `id IN (...)` query; if fewer than k survive, the
candidate window widens (×4, up to sqlite-vec's limit of 4096), and if that is still not
enough the allowed documents' vectors are scored exactly. A document outside the queryset is
never returned, however near it is.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from itertools import batched

import numpy as np
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.db.models import Count, Max, QuerySet
from django.utils import timezone

from sillok.search import embedding
from sillok.search.models import SearchDocument, SearchEmbedding

# sqlite-vec refuses a larger k in a KNN query.
MAX_WIDTH = 4096
# Rows per statement when deleting and per chunk when scoring exactly.
CHUNK = 1000
# Below this many vectors the in-process matrix is reloaded as soon as it changes; above, at
# most once per REFRESH_SECONDS (embedding jobs write every few seconds while they run and a
# reload of a large matrix takes seconds). A stale matrix never leaks: candidates are always
# checked against the allowed queryset, which no longer holds deleted documents.
SMALL_INDEX = 50_000
REFRESH_SECONDS = 30.0


def _is_sqlite() -> bool:
    return connection.vendor == "sqlite"


def index_kind() -> str:
    """Where nearest-neighbour candidates come from: "sqlite-vec" or "memory".
    `SILLOK_VECTOR_INDEX` (setting or environment): "auto" (default) is sqlite-vec on SQLite
    and memory on PostgreSQL; "memory" on SQLite trades 2 KB of RAM per passage and process
    for ~15× faster queries (measured at 200,000 vectors: 20 ms vs. 320 ms)."""
    configured = getattr(settings, "SILLOK_VECTOR_INDEX", None)
    if configured is None:
        configured = os.environ.get("SILLOK_VECTOR_INDEX", "auto")
    if configured not in {"auto", "sqlite-vec", "memory"}:
        raise ImproperlyConfigured("SILLOK_VECTOR_INDEX must be auto, sqlite-vec or memory")
    if configured == "auto":
        return "sqlite-vec" if _is_sqlite() else "memory"
    if configured == "sqlite-vec" and not _is_sqlite():
        raise ImproperlyConfigured("SILLOK_VECTOR_INDEX=sqlite-vec needs the SQLite database")
    return configured


def store_vectors(
    rows: Sequence[tuple[int, str, np.ndarray]], model: str = embedding.MODEL_NAME
) -> None:
    """Save (document id, text hash, vector) rows, replacing earlier vectors of those
    documents. Run inside the transaction that should hold them."""
    if not rows:
        return
    delete_vectors([document_id for document_id, _, _ in rows])
    now = timezone.now()
    SearchEmbedding.objects.bulk_create(
        SearchEmbedding(
            document_id=document_id,
            model=model,
            text_sha256=text_hash,
            vector=embedding.to_bytes(vector),
            created_at=now,
        )
        for document_id, text_hash, vector in rows
    )
    if _is_sqlite():
        with connection.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO search_vec(rowid, embedding) VALUES (%s, %s)",
                [(document_id, embedding.to_bytes(vector)) for document_id, _, vector in rows],
            )


def delete_vectors(document_ids: Iterable[int]) -> None:
    """Remove the vectors of these documents (call before deleting the documents: bulk and
    raw deletes do not cascade to `SearchEmbedding`, nor to the sqlite-vec table)."""
    for chunk in batched(document_ids, CHUNK):
        SearchEmbedding.objects.filter(document_id__in=chunk).delete()
        if _is_sqlite():
            with connection.cursor() as cursor:
                # One rowid per statement: vec0 serves `rowid = ?` as a point lookup.
                cursor.executemany("DELETE FROM search_vec WHERE rowid = %s", [(i,) for i in chunk])


def nearest(
    allowed: QuerySet[SearchDocument],
    query: np.ndarray,
    k: int,
    *,
    min_similarity: float = -1.0,
) -> list[tuple[int, float]]:
    """The k allowed documents nearest to `query`: [(document id, cosine similarity)], best
    first, none below `min_similarity`."""
    if k <= 0:
        return []
    allowed = allowed.order_by()
    query = np.asarray(query, dtype=np.float32)
    width = min(max(4 * k, 64), MAX_WIDTH)
    while True:
        candidates = _candidates(query, width)
        permitted = set(
            allowed.filter(pk__in=[i for i, _ in candidates]).values_list("pk", flat=True)
        )
        hits = [(i, s) for i, s in candidates if i in permitted and s >= min_similarity][:k]
        exhausted = len(candidates) < width
        below = bool(candidates) and candidates[-1][1] < min_similarity
        if len(hits) >= k or exhausted or below:
            return hits
        if width >= MAX_WIDTH:
            break
        width = min(width * 4, MAX_WIDTH)
    return [(i, s) for i, s in _exact(allowed, query, k) if s >= min_similarity]


def _candidates(query: np.ndarray, width: int) -> list[tuple[int, float]]:
    if index_kind() == "sqlite-vec":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT rowid, distance FROM search_vec WHERE embedding MATCH %s AND k = %s "
                "ORDER BY distance",
                [embedding.to_bytes(query), width],
            )
            return [(int(rowid), 1.0 - float(distance)) for rowid, distance in cursor.fetchall()]
    return _matrix.candidates(query, width)


def _exact(allowed: QuerySet[SearchDocument], query: np.ndarray, k: int) -> list[tuple[int, float]]:
    """Score every allowed document's vector (the fallback when the nearest candidates are
    mostly hidden from this user), keeping a running top k."""
    rows = SearchEmbedding.objects.filter(
        document__in=allowed.values("pk"), model=embedding.MODEL_NAME
    ).values_list("document_id", "vector")
    best_ids = np.empty(0, dtype=np.int64)
    best_scores = np.empty(0, dtype=np.float32)
    for ids, matrix in _chunks(rows.iterator(chunk_size=CHUNK)):
        best_ids = np.concatenate([best_ids, ids])
        best_scores = np.concatenate([best_scores, matrix @ query])
        if len(best_scores) > k:
            keep = np.argpartition(-best_scores, k)[:k]
            best_ids, best_scores = best_ids[keep], best_scores[keep]
    order = np.argsort(-best_scores, kind="stable")
    return [(int(best_ids[i]), float(best_scores[i])) for i in order]


def _chunks(rows: Iterator[tuple[int, bytes]]) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    for chunk in batched(rows, CHUNK):
        ids = np.fromiter((i for i, _ in chunk), dtype=np.int64, count=len(chunk))
        matrix = np.frombuffer(b"".join(v for _, v in chunk), dtype="<f4")
        yield ids, matrix.reshape(len(chunk), embedding.DIMENSIONS)


class _MatrixIndex:
    """All vectors of the current model as one float32 matrix (PostgreSQL; SQLite with
    SILLOK_VECTOR_INDEX=memory)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.ids = np.empty(0, dtype=np.int64)
        self.matrix = np.empty((0, embedding.DIMENSIONS), dtype=np.float32)
        self.key: tuple[int, object] | None = None
        self.loaded_at = 0.0

    def candidates(self, query: np.ndarray, width: int) -> list[tuple[int, float]]:
        ids, matrix = self.current()
        scores = matrix @ query
        if width < len(scores):
            top = np.argpartition(-scores, width)[:width]
            order = top[np.argsort(-scores[top], kind="stable")]
        else:
            order = np.argsort(-scores, kind="stable")
        return [(int(ids[i]), float(scores[i])) for i in order]

    def current(self) -> tuple[np.ndarray, np.ndarray]:
        with self.lock:
            fresh = time.monotonic() - self.loaded_at < REFRESH_SECONDS
            if self.key is None or not (fresh and len(self.ids) > SMALL_INDEX):
                state = SearchEmbedding.objects.aggregate(n=Count("pk"), latest=Max("created_at"))
                key = (state["n"], state["latest"])
                if key != self.key:
                    self.load()
                    self.key = key
                self.loaded_at = time.monotonic()
            return self.ids, self.matrix

    def load(self) -> None:
        rows = SearchEmbedding.objects.filter(model=embedding.MODEL_NAME)
        # Filled in place: stacking chunks would hold the matrix twice (4 GB at 1M passages).
        size = rows.count()
        ids = np.empty(size, dtype=np.int64)
        matrix = np.empty((size, embedding.DIMENSIONS), dtype=np.float32)
        filled = 0
        vectors = rows.values_list("document_id", "vector").iterator(chunk_size=CHUNK)
        for chunk_ids, chunk in _chunks(vectors):
            end = filled + len(chunk_ids)
            if end > len(ids):  # rows written since the count
                ids = np.concatenate([ids, np.empty(end - len(ids), dtype=np.int64)])
                matrix = np.vstack([matrix, np.empty((end - len(matrix), matrix.shape[1]), "f4")])
            ids[filled:end], matrix[filled:end] = chunk_ids, chunk
            filled = end
        self.ids, self.matrix = ids[:filled], matrix[:filled]


_matrix = _MatrixIndex()


def reset_cache() -> None:
    """Forget the in-process matrix (tests; after a bulk rewrite of the vectors)."""
    global _matrix
    _matrix = _MatrixIndex()


def pgvector_available() -> bool:
    """Whether this PostgreSQL server offers the pgvector extension (not used yet: the
    in-process matrix works everywhere; pgvector would save its memory per process)."""
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'vector'")
        return cursor.fetchone() is not None
