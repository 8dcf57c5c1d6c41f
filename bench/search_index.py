"""Writing the search benchmark's passages (bench/search_corpus.py) into the index tables,
in bulk: the layout of sillok/search (migration 0001) without the per-document analyzer.

SQLite: `executemany` into search_document, search_fts (rowid = document id, each column the
terms joined by spaces) and search_facet, in large transactions. PostgreSQL: COPY into
search_document with the `tsv` column as a tsvector literal (title A, names B, body D) and into
search_facet, with the GIN index dropped during the load and built once afterwards (how a
bulk load is done).
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

from bench.search_corpus import Passage

DOC_COLUMNS = (
    "id, kind, object_id, part, title, text, language, sensitivity, compartment_id, "
    "review_status, date_start, place_id, first_indexed_at, indexed_at, text_sha256"
)
FACET_COLUMNS = "document_id, facet, value, sensitivity, compartment_id"
BATCH = 10_000
MAX_POSITION = 16383  # PostgreSQL keeps positions up to this


def _quote_term(term: str) -> str:
    return "'" + term.replace("\\", "\\\\").replace("'", "''") + "'"


def tsvector_literal(title: list[str], names: list[str], body: list[str]) -> str:
    """The tsvector literal of three columns of terms: `'term':1A,7D ...` (positions run on
    across the columns, weights A title, B names, D body)."""
    try:  # the store's own builder where it exists, so both write the same literal
        from sillok.search.store import tsvector_literal as store_literal
    except ImportError:
        pass
    else:
        return store_literal([(title, "A"), (names, "B"), (body, "D")])
    positions: dict[str, list[str]] = {}
    position = 0
    for weight, terms in (("A", title), ("B", names), ("D", body)):
        for term in terms:
            position += 1
            positions.setdefault(term, []).append(f"{min(position, MAX_POSITION)}{weight}")
    return " ".join(f"{_quote_term(t)}:{','.join(p)}" for t, p in positions.items())


def _doc_row(p: Passage, now: datetime) -> list[Any]:
    return [
        p.id,
        p.kind,
        p.object_id,
        p.part,
        p.title,
        p.text,
        p.language,
        p.sensitivity,
        p.compartment_id,
        p.review_status,
        p.date_start,
        p.place_id,
        now,
        now,
        hashlib.sha256(p.text.encode()).hexdigest(),
    ]


def _facet_rows(p: Passage) -> Iterator[list[Any]]:
    for facet, value, sensitivity in p.facets:
        compartment = p.compartment_id if sensitivity == p.sensitivity else None
        yield [p.id, facet, value, sensitivity, compartment]


def bulk_load(passages: Iterable[Passage]) -> dict[str, Any]:
    """Insert every passage; returns counts and seconds (index builds included)."""
    from django.db import connection

    started = time.perf_counter()
    if connection.vendor == "postgresql":
        counts = _load_postgres(passages)
    else:
        counts = _load_sqlite(passages)
    counts["seconds"] = round(time.perf_counter() - started, 1)
    return counts


def _load_sqlite(passages: Iterable[Passage]) -> dict[str, Any]:
    from django.db import connection, transaction

    docs = facets = 0
    now = datetime.now(UTC).replace(tzinfo=None).isoformat(sep=" ")
    doc_sql = f"INSERT INTO search_document ({DOC_COLUMNS}) VALUES ({', '.join(['%s'] * 15)})"  # noqa: S608
    fts_sql = "INSERT INTO search_fts (rowid, title, names, body) VALUES (%s, %s, %s, %s)"
    facet_sql = f"INSERT INTO search_facet ({FACET_COLUMNS}) VALUES (%s, %s, %s, %s, %s)"  # noqa: S608
    iterator = iter(passages)
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size = -262144")  # 256 MiB while loading
    while True:
        batch = [p for _, p in zip(range(BATCH * 10), iterator, strict=False)]
        if not batch:
            break
        with transaction.atomic(), connection.cursor() as cursor:
            for start in range(0, len(batch), BATCH):
                part = batch[start : start + BATCH]
                rows = [_doc_row(p, now) for p in part]
                for row in rows:
                    row[10] = row[10].isoformat()
                cursor.executemany(doc_sql, rows)
                cursor.executemany(
                    fts_sql,
                    [
                        (
                            p.id,
                            " ".join(p.title_terms),
                            " ".join(p.name_terms),
                            " ".join(p.body_terms),
                        )
                        for p in part
                    ],
                )
                facet_rows = [row for p in part for row in _facet_rows(p)]
                cursor.executemany(facet_sql, facet_rows)
                docs += len(part)
                facets += len(facet_rows)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {"documents": docs, "facet_rows": facets}


def _load_postgres(passages: Iterable[Passage]) -> dict[str, Any]:
    from django.db import connection, transaction

    docs = facets = 0
    now = datetime.now(UTC)
    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '512MB'")
        cursor.execute("DROP INDEX IF EXISTS search_document_tsv")
    iterator = iter(passages)
    while True:
        batch = [p for _, p in zip(range(BATCH * 10), iterator, strict=False)]
        if not batch:
            break
        with transaction.atomic(), connection.cursor() as cursor:
            raw = cursor.cursor
            with raw.copy(f"COPY search_document ({DOC_COLUMNS}, tsv) FROM STDIN") as copy:
                for p in batch:
                    row = _doc_row(p, now)
                    row.append(tsvector_literal(p.title_terms, p.name_terms, p.body_terms))
                    copy.write_row(row)
            with raw.copy(f"COPY search_facet ({FACET_COLUMNS}) FROM STDIN") as copy:
                for p in batch:
                    for row in _facet_rows(p):
                        copy.write_row(row)
                        facets += 1
            docs += len(batch)
    index_started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("CREATE INDEX search_document_tsv ON search_document USING gin (tsv)")
        gin_s = time.perf_counter() - index_started
        # Sequences follow the explicit ids; statistics and the visibility map for the planner.
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('search_document', 'id'), "
            "(SELECT COALESCE(MAX(id), 1) FROM search_document))"
        )
        cursor.execute("VACUUM ANALYZE search_document")
        cursor.execute("VACUUM ANALYZE search_facet")
    return {"documents": docs, "facet_rows": facets, "gin_build_seconds": round(gin_s, 1)}


def index_sizes() -> dict[str, Any]:
    """Bytes of the full-text index, the document table and the facet table."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT pg_relation_size('search_document_tsv'), "
                "(SELECT SUM(pg_column_size(tsv)) FROM search_document), "
                "pg_total_relation_size('search_document'), "
                "pg_relation_size('search_document'), "
                "pg_total_relation_size('search_facet'), "
                "pg_database_size(current_database())"
            )
            gin, tsv, doc_total, doc_heap, facet, database = cursor.fetchone()
            return {
                "fulltext_index_bytes": gin + int(tsv or 0),
                "gin_index_bytes": gin,
                "tsvector_column_bytes": int(tsv or 0),
                "document_table_bytes": doc_heap,
                "document_table_with_indexes_bytes": doc_total,
                "facet_table_with_indexes_bytes": facet,
                "database_bytes": database,
            }
    # pysqlite3-binary's SQLite has no dbstat table; the interpreter's own sqlite3 (which
    # sillok replaces in this process) usually has, and reads the page counts of the same
    # file: b-trees only, no FTS5 needed.
    script = (
        "import json, sqlite3, sys; db = sqlite3.connect(f'file:{sys.argv[1]}?mode=ro', "
        "uri=True); print(json.dumps([dict(db.execute('SELECT name, SUM(pgsize) FROM dbstat "
        "GROUP BY name')), dict(db.execute(\"SELECT name, tbl_name FROM sqlite_master WHERE "
        "type = 'index'\"))]))"
    )
    done = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-I", "-c", script, str(connection.settings_dict["NAME"])],
        capture_output=True,
        text=True,
        check=True,
    )
    sizes, owner = json.loads(done.stdout)
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA page_count")
        pages = cursor.fetchone()[0]
        cursor.execute("PRAGMA page_size")
        page_size = cursor.fetchone()[0]

    def total(table: str) -> int:
        return sizes.get(table, 0) + sum(
            size for name, size in sizes.items() if owner.get(name) == table
        )

    fts = sum(size for name, size in sizes.items() if name.startswith("search_fts"))
    return {
        "fulltext_index_bytes": fts,
        "document_table_bytes": sizes.get("search_document", 0),
        "document_table_with_indexes_bytes": total("search_document"),
        "facet_table_with_indexes_bytes": total("search_facet"),
        "database_bytes": pages * page_size,
    }
