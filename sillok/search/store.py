"""Writing documents into the index: the `SearchDocument` rows, their facet rows and the
backend's full-text terms (SQLite: the FTS5 table `search_fts`; PostgreSQL: the `tsv`
column), for many objects at once.

Rows are updated in place by (kind, object_id, part), so a document keeps its id (its
embedding stays valid while its text is unchanged) and its `first_indexed_at` (saved-search
alerts report objects first indexed after their last check). Parts an object no longer has
are deleted, with their terms, facets and vectors.

PostgreSQL terms are written as a tsvector literal, never through a text-search
configuration, so both backends index the very terms `analysis` made: title terms get
weight A, names B, body D; positions run on across the columns with a gap of `COLUMN_GAP`
so that a phrase never matches across two columns.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from itertools import batched

from django.db import connection
from django.utils import timezone

from sillok.core.bulk import insert_rows, reserve_ids
from sillok.search.documents import ObjectDocuments, Passage
from sillok.search.models import SearchDocument, SearchFacetValue

COLUMN_GAP = 100
MAX_POSITION = 16383  # PostgreSQL's largest tsvector position
MAX_POSITIONS_PER_TERM = 256  # and the most positions it keeps for one lexeme
CHUNK = 500

DOCUMENT_COLUMNS = (
    "kind",
    "object_id",
    "part",
    "file_id",
    "title",
    "text",
    "language",
    "sensitivity",
    "compartment",
    "created_by",
    "review_status",
    "date_start",
    "date_end",
    "place",
    "first_indexed_at",
    "indexed_at",
    "text_sha256",
)


def tsvector_literal(columns: Sequence[tuple[Sequence[str], str]]) -> str:
    """A tsvector literal for `columns` ((terms, weight) in order): 'term':1A,7A 'other':3B."""
    positions: dict[str, list[str]] = defaultdict(list)
    start = 1
    for terms, weight in columns:
        for offset, term in enumerate(terms):
            spots = positions[term]
            if len(spots) < MAX_POSITIONS_PER_TERM:
                spots.append(f"{min(start + offset, MAX_POSITION)}{weight}")
        start += len(terms) + COLUMN_GAP
    return " ".join(
        "'" + term.replace("\\", "\\\\").replace("'", "''") + "':" + ",".join(spots)
        for term, spots in positions.items()
        if term
    )


def _analyzed(passages: list[Passage]) -> list[tuple[list[str], list[str], list[str]]]:
    """(title terms, names terms, body terms) of each passage, with one batched analysis."""
    from sillok.search import analysis

    texts: list[str] = []
    for passage in passages:
        texts += [passage.title, passage.body]
    analyzed = analysis.analyze_many(texts)
    # Names repeat across a batch (place names above all): each is analysed once.
    name_cache: dict[str, list[str]] = {}
    out = []
    for index, passage in enumerate(passages):
        title = [t.text for t in analyzed[2 * index]]
        body = [t.text for t in analyzed[2 * index + 1]]
        names: dict[str, None] = {}
        for name in passage.names:
            if name not in name_cache:
                name_cache[name] = analysis.name_terms([name])
            names.update(dict.fromkeys(name_cache[name]))
        out.append((title, list(names), body))
    return out


def write_objects(built: Sequence[ObjectDocuments], gone: Iterable[tuple[str, int]] = ()) -> int:
    """Index `built` (replacing what the index held for those objects) and remove the
    documents of the `gone` objects; the number of documents written. Call inside a
    transaction (SQLite id reservation needs its write lock)."""
    delete_objects(gone)
    if not built:
        return 0
    existing: dict[tuple[str, int, int], tuple[int, object]] = {}
    by_kind: dict[str, list[int]] = defaultdict(list)
    for docs in built:
        by_kind[docs.kind].append(docs.object_id)
    for kind, ids in by_kind.items():
        for chunk in batched(ids, CHUNK):
            rows = SearchDocument.objects.filter(kind=kind, object_id__in=chunk).values_list(
                "id", "object_id", "part", "first_indexed_at"
            )
            for pk, object_id, part, first in rows:
                existing[(kind, object_id, part)] = (pk, first)
    now = timezone.now()
    flat = [(docs, passage) for docs in built for passage in docs.passages]
    terms = _analyzed([passage for _, passage in flat])
    fresh = [(d, p) for d, p in flat if (d.kind, d.object_id, p.part) not in existing]
    new_ids = iter(reserve_ids(SearchDocument, len(fresh)))
    keep: set[int] = set()
    inserts, updates, ids = [], [], []
    for docs, passage in flat:
        key = (docs.kind, docs.object_id, passage.part)
        text = passage.text
        values = [
            docs.kind,
            docs.object_id,
            passage.part,
            passage.file_id,
            docs.title,
            text,
            passage.language,
            docs.sensitivity,
            docs.compartment_id,
            docs.created_by_id,
            docs.review_status,
            docs.date_start,
            docs.date_end,
            docs.place_id,
        ]
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        if key in existing:
            pk, first = existing[key]
            keep.add(pk)
            updates.append([*values, first, now, digest, pk])
        else:
            pk = next(new_ids)
            inserts.append([pk, *values, now, now, digest])
        ids.append(pk)
    stale = {pk for pk, _ in existing.values()} - keep
    _delete_documents(stale)
    if updates:
        _clear_terms_and_facets([u[-1] for u in updates])
        _update_documents(updates)
    if inserts:
        insert_rows(SearchDocument, ("id", *DOCUMENT_COLUMNS), inserts)
    _write_terms(list(zip(ids, terms, strict=True)))
    _write_facets(built, flat, ids)
    return len(flat)


def _update_documents(rows: list[list[object]]) -> None:
    fields = [SearchDocument._meta.get_field(name) for name in DOCUMENT_COLUMNS]
    quote = connection.ops.quote_name
    sets = ", ".join(f"{quote(f.column)} = %s" for f in fields)
    sql = f"UPDATE search_document SET {sets} WHERE id = %s"  # noqa: S608  (column names)
    prepared = [
        [
            f.get_db_prep_save(v, connection) if f.get_internal_type() in _ADAPT else v
            for f, v in zip(fields, row[:-1], strict=True)
        ]
        + [row[-1]]
        for row in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, prepared)


_ADAPT = {"DateField", "DateTimeField"}


def _write_terms(rows: list[tuple[int, tuple[list[str], list[str], list[str]]]]) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.executemany(
                "UPDATE search_document SET tsv = %s::tsvector WHERE id = %s",
                [(tsvector_literal([(t, "A"), (n, "B"), (b, "D")]), pk) for pk, (t, n, b) in rows],
            )
        else:
            cursor.executemany(
                "INSERT INTO search_fts(rowid, title, names, body) VALUES (%s, %s, %s, %s)",
                [(pk, " ".join(t), " ".join(n), " ".join(b)) for pk, (t, n, b) in rows],
            )


def _write_facets(built: Sequence[ObjectDocuments], flat: list, ids: list[int]) -> None:
    # Every part of an object carries its facets: a match in any passage can be filtered.
    facets_of = {(d.kind, d.object_id): d.facets for d in built}
    rows = (
        (pk, entry.facet, entry.value[:100], entry.sensitivity, entry.compartment_id)
        for (docs, _), pk in zip(flat, ids, strict=True)
        for entry in facets_of[(docs.kind, docs.object_id)]
    )
    insert_rows(
        SearchFacetValue, ("document", "facet", "value", "sensitivity", "compartment"), rows
    )


def _clear_terms_and_facets(ids: Sequence[int]) -> None:
    with connection.cursor() as cursor:
        for chunk in batched(ids, CHUNK):
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(
                f"DELETE FROM search_facet WHERE document_id IN ({marks})",  # noqa: S608
                list(chunk),
            )
            if connection.vendor != "postgresql":
                # One rowid per statement: a contentless-delete FTS5 table deletes by rowid.
                cursor.executemany(
                    "DELETE FROM search_fts WHERE rowid = %s", [(pk,) for pk in chunk]
                )


def _delete_documents(ids: Iterable[int]) -> None:
    """Delete documents with their terms, facets, embeddings and vectors."""
    ids = list(ids)
    if not ids:
        return
    from sillok.search import vectors

    vectors.delete_vectors(ids)
    _clear_terms_and_facets(ids)
    with connection.cursor() as cursor:
        for chunk in batched(ids, CHUNK):
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(
                f"DELETE FROM search_document WHERE id IN ({marks})",  # noqa: S608
                list(chunk),
            )


def delete_objects(objects: Iterable[tuple[str, int]]) -> int:
    """Remove every document of these (kind, id) objects; how many were removed."""
    by_kind: dict[str, list[int]] = defaultdict(list)
    for kind, object_id in objects:
        by_kind[kind].append(object_id)
    ids: list[int] = []
    for kind, object_ids in by_kind.items():
        for chunk in batched(object_ids, CHUNK):
            ids += SearchDocument.objects.filter(kind=kind, object_id__in=chunk).values_list(
                "id", flat=True
            )
    _delete_documents(ids)
    return len(ids)
