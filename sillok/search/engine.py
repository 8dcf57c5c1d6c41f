"""The backend SQL of search: match, rank, group passages by object, count facets.

Which documents may match is a Django queryset (access.py plus the filters); its WHERE
clause is compiled by Django and placed next to the backend's full-text condition, so that
the permission rule is never restated in SQL here:

- SQLite: FTS5 `search_fts MATCH ?` joined on rowid = search_document.id, ranked by
  `bm25(search_fts, 4.0, 3.0, 1.0)` (a title match weighs more than a name, a name more
  than body text);
- PostgreSQL: `search_document.tsv @@ ?::tsquery`, ranked by `ts_rank` with the weights of
  the tsvector (title A, names B, body D).

One object may have many matching passages: each object counts once, with its best passage.
Facet counts cover the whole match set (not the page) and count objects; many-valued facets
count only the values the user is cleared for (access.facet_value_filter).
"""

# The SQL below is assembled from constants and WHERE clauses compiled by Django; every
# value (the query, ids, limits) is a parameter.
# ruff: noqa: S608

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import QuerySet

from sillok.search.models import SearchDocument, SearchFacetValue

DOCUMENT_TABLE = SearchDocument._meta.db_table
FACET_TABLE = SearchFacetValue._meta.db_table
# bm25 weights of the FTS5 columns title, names, body.
BM25_WEIGHTS = "4.0, 3.0, 1.0"
COLUMNS = "id, kind, object_id, part, place_id, date_start, date_end, review_status"


@dataclass
class Match:
    """The best passage of one matching object."""

    document_id: int
    kind: str
    object_id: int
    part: int
    place_id: int | None
    date_start: date | None
    date_end: date | None
    score: float


@dataclass
class ColumnCounts:
    """Objects in the match set per kind, review status and year of date_start."""

    total: int
    kind: dict[str, int]
    review_status: dict[str, int]
    period: dict[str, int]


def where_clause(query: QuerySet) -> tuple[str, list[Any]] | None:
    """The WHERE clause (over the unaliased table) of a queryset of one table without joins;
    None when it can match nothing. Subqueries in it are self-contained."""
    try:
        sql, params = query.values("id").query.sql_with_params()
    except EmptyResultSet:
        return None
    table = connection.ops.quote_name(query.model._meta.db_table)
    column = connection.ops.quote_name("id")
    head = re.match(rf"SELECT {re.escape(f'{table}.{column}')}(?: AS {column})? FROM {table}", sql)
    if head is None or sql[head.end() :].startswith((" INNER", " LEFT", ",")):
        raise ValueError(f"cannot use this queryset in a search (joins?): {sql[:200]}")
    rest = sql[head.end() :].strip()
    if not rest:
        return "1 = 1", list(params)
    if not rest.startswith("WHERE "):
        raise ValueError(f"cannot use this queryset in a search: {rest[:200]}")
    return rest[len("WHERE ") :], list(params)


def _date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


@dataclass
class Summary:
    """Everything counted over a match set: columns, facet rows, places."""

    columns: ColumnCounts
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    places: dict[int, int] = field(default_factory=dict)
    # Facet-row counts were estimated from every `facet_stride`-th matching object (1: exact).
    facet_stride: int = 1


def _match(row: tuple) -> Match:
    return Match(
        document_id=row[0],
        kind=row[1],
        object_id=row[2],
        part=row[3],
        place_id=row[4],
        date_start=_date(row[5]),
        date_end=_date(row[6]),
        score=float(row[8]),
    )


class MatchSet:
    """The documents that match a full-text expression (or, without one, every allowed
    document) among `allowed`; each method runs one query."""

    def __init__(self, allowed: QuerySet, match: str | None) -> None:
        self.empty = False
        # Matching objects the user may see, once `summary` has counted them.
        self.allowed_objects: int | None = None
        where = where_clause(allowed)
        if where is None:
            self.empty = True
            self.sql, self.params = "", []
            return
        condition, params = where
        table = connection.ops.quote_name(DOCUMENT_TABLE)
        cols = ", ".join(f"{table}.{c}" for c in COLUMNS.split(", "))
        if match is None:
            self.sql = f"SELECT {cols}, 0.0 AS score FROM {table} WHERE {condition}"
            self.params = params
        elif connection.vendor == "postgresql":
            self.sql = (
                f"SELECT {cols}, ts_rank({table}.tsv, %s::tsquery) AS score FROM {table} "
                f"WHERE {table}.tsv @@ %s::tsquery AND ({condition})"
            )
            self.params = [match, match, *params]
        else:
            self.sql = (
                f"SELECT {cols}, -bm25(search_fts, {BM25_WEIGHTS}) AS score "
                f"FROM search_fts JOIN {table} ON {table}.id = search_fts.rowid "
                f"WHERE search_fts MATCH %s AND ({condition})"
            )
            self.params = [match, *params]
            # For the ranked page: the best passages straight from FTS5 (a top-N sort over
            # the full-text index alone), then checked against `condition`.
            self._fts_match, self._condition, self._condition_params = match, condition, params
        self.ranked = match is not None

    def _run(self, sql: str, params: list[Any]) -> list[tuple]:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    def page(self, limit: int, offset: int) -> list[Match]:
        """The best passage of each matching object, best first (without a full-text
        expression: newest first), `limit` objects from `offset`."""
        if self.empty or limit <= 0:
            return []
        if self.ranked:
            found = self._top_passages(offset + limit)
            if found is not None:
                return found[offset : offset + limit]
        order = (
            "score DESC, "
            if self.ranked
            else "CASE WHEN date_start IS NULL THEN 1 ELSE 0 END, date_start DESC, "
        )
        sql = (
            f"WITH m AS ({self.sql}), g AS (SELECT m.*, ROW_NUMBER() OVER "
            "(PARTITION BY kind, object_id ORDER BY score DESC, part, id) AS rn FROM m) "
            f"SELECT {COLUMNS}, score FROM g WHERE rn = 1 "
            f"ORDER BY {order}kind, object_id LIMIT %s OFFSET %s"
        )
        return [_match(row) for row in self._run(sql, [*self.params, limit, offset])]

    def _top_passages(self, want: int) -> list[Match] | None:
        """The `want` best objects from the best passages alone (a top-N sort, no window
        over every match): an object not among the first passages scores no better than
        the last of them. None when those passages hold too few objects."""
        window = want * 8 + 50
        rows = self._top_from_fts(window) if connection.vendor == "sqlite" else None
        if rows is None:
            sql = (
                f"SELECT {COLUMNS}, score FROM ({self.sql}) m "
                "ORDER BY score DESC, part, id LIMIT %s"
            )
            rows = self._run(sql, [*self.params, window])
        best: dict[tuple[str, int], tuple] = {}
        for row in rows:
            best.setdefault((row[1], row[2]), row)
        if len(rows) == window and len(best) < want:
            return None
        ordered = sorted(best.values(), key=lambda row: (-float(row[8]), row[1], row[2]))
        return [_match(row) for row in ordered[:want]]

    def _top_from_fts(self, window: int) -> list[tuple] | None:
        """SQLite: the `window` best allowed passages, ranking in FTS5 alone (no join with
        every match: 2-3x faster for common words at a million passages) and checking the
        best candidates against the allowed documents afterwards. None when too many of the
        candidates are not allowed (the caller then ranks the joined match set)."""
        if window > 4000:  # deep pages: too many ids to pass as parameters
            return None
        if self.allowed_objects is not None:
            # When filters or permissions leave few of the full-text matches, most candidates
            # would be refused: rank the (small) allowed match set directly.
            ((passages,),) = self._run(
                "SELECT COUNT(*) FROM search_fts WHERE search_fts MATCH %s", [self._fts_match]
            )
            if self.allowed_objects * 4 < passages:
                return None
        table = connection.ops.quote_name(DOCUMENT_TABLE)
        candidates = self._run(
            f"SELECT rowid, -bm25(search_fts, {BM25_WEIGHTS}) AS score FROM search_fts "
            "WHERE search_fts MATCH %s ORDER BY score DESC, rowid LIMIT %s",
            [self._fts_match, window * 2],
        )
        if not candidates:
            return []
        scores = dict(candidates)
        marks = ", ".join(["%s"] * len(scores))
        allowed = self._run(
            f"SELECT {', '.join(f'{table}.{c}' for c in COLUMNS.split(', '))} FROM {table} "
            f"WHERE {table}.id IN ({marks}) AND ({self._condition})",
            [*scores, *self._condition_params],
        )
        if len(allowed) < window and len(candidates) == window * 2:
            return None  # more matches exist beyond the candidates: rank the whole set
        rows = [(*row, scores[row[0]]) for row in allowed]
        rows.sort(key=lambda row: (-row[8], row[3], row[0]))
        return rows[:window]

    def best_passages(self, limit: int) -> list[tuple[int, float]]:
        """(document id, score) of the best passage of the `limit` best objects (hybrid)."""
        return [(m.document_id, m.score) for m in self.page(limit, 0)]

    def _objects(self) -> str:
        """CTEs m (matching passages, evaluated once) and o (one row per matching object:
        its first passage, which carries the object's columns and facet rows like all of
        its passages do)."""
        return (
            f"WITH m AS MATERIALIZED ({self.sql}), o AS MATERIALIZED (SELECT MIN(id) AS id, "
            "kind, object_id, MIN(review_status) AS review_status, "
            "MIN(date_start) AS date_start, MIN(place_id) AS place_id "
            "FROM m GROUP BY kind, object_id) "
        )

    def summary(self, visible_values: QuerySet | None, *, exact_limit: int = 0) -> Summary:
        """Column counts, facet-row counts (only values in `visible_values`; none counted
        when it is None) and objects per place, with one evaluation of the match.

        Totals, kinds, statuses, periods and places are always exact. Facet rows (several
        per object) cost most to count: above `exact_limit` matching objects (0: no limit)
        they are counted on a systematic sample, every k-th object by id with
        k = objects // exact_limit, and scaled by k (`Summary.facet_stride`). The sample is
        drawn from what the user may see, so an estimate reveals nothing more than a count."""
        summary = Summary(ColumnCounts(0, defaultdict(int), defaultdict(int), defaultdict(int)))
        if self.empty:
            return summary
        text = "CAST(NULL AS TEXT)"
        # CAST(date AS TEXT) is ISO 8601 on both backends: its first four characters are
        # the year.
        parts = [
            "SELECT 'c' AS t, kind AS a, review_status AS b, "
            "SUBSTR(CAST(date_start AS TEXT), 1, 4) AS c, COUNT(*) AS n FROM o "
            "GROUP BY kind, review_status, SUBSTR(CAST(date_start AS TEXT), 1, 4)",
            f"SELECT 'p', CAST(place_id AS TEXT), {text}, {text}, COUNT(*) FROM o "
            "WHERE place_id IS NOT NULL GROUP BY place_id",
        ]
        params = list(self.params)
        where = where_clause(visible_values) if visible_values is not None else None
        if where is not None:
            condition, facet_params = where
            facet = connection.ops.quote_name(FACET_TABLE)
            sample = ""
            if exact_limit > 0:
                # The stride is computed from the same count in SQL and in Python
                # (integer division truncates on both backends).
                sample = (
                    f"(o.id %% (SELECT CASE WHEN COUNT(*) > {int(exact_limit)} THEN "
                    f"COUNT(*) / {int(exact_limit)} ELSE 1 END FROM o)) = 0 AND "
                )
            parts.append(
                f"SELECT 'f', {facet}.facet, {facet}.value, {text}, COUNT(*) FROM o "
                f"JOIN {facet} ON {facet}.document_id = o.id WHERE {sample}({condition}) "
                f"GROUP BY {facet}.facet, {facet}.value"
            )
            params += facet_params
        sql = self._objects() + " UNION ALL ".join(parts)
        columns = summary.columns
        for tag, a, b, c, n in self._run(sql, params):
            if tag == "c":
                columns.total += n
                columns.kind[a] += n
                if b:
                    columns.review_status[b] += n
                if c:
                    columns.period[c] += n
            elif tag == "p":
                summary.places[int(a)] = n
            else:
                summary.facets.setdefault(a, {})[b] = n
        self.allowed_objects = columns.total
        if exact_limit > 0 and columns.total > exact_limit:
            stride = columns.total // exact_limit
            summary.facet_stride = stride
            summary.facets = {
                name: {value: n * stride for value, n in values.items()}
                for name, values in summary.facets.items()
            }
        return summary

    def column_counts(self) -> ColumnCounts:
        """Objects per kind, review status and year of the start date, in one query."""
        counts = ColumnCounts(0, defaultdict(int), defaultdict(int), defaultdict(int))
        if self.empty:
            return counts
        # CAST(date AS TEXT) is ISO 8601 on both backends: its first four characters are
        # the year.
        sql = (
            f"WITH m AS ({self.sql}) SELECT kind, review_status, y, COUNT(*) FROM "
            "(SELECT DISTINCT kind, object_id, review_status, "
            "SUBSTR(CAST(date_start AS TEXT), 1, 4) AS y FROM m) o "
            "GROUP BY kind, review_status, y"
        )
        for kind, status, year, count in self._run(sql, self.params):
            counts.total += count
            counts.kind[kind] += count
            if status:
                counts.review_status[status] += count
            if year:
                counts.period[year] += count
        return counts

    def facet_counts(self, visible_values: QuerySet) -> dict[str, dict[str, int]]:
        """{facet: {value: objects}} over the match set, counting only the facet values in
        `visible_values` (a SearchFacetValue queryset: the user's clearance)."""
        if self.empty:
            return {}
        where = where_clause(visible_values)
        if where is None:
            return {}
        condition, params = where
        facet = connection.ops.quote_name(FACET_TABLE)
        # Every passage of an object carries the object's facet rows (store.py), so the
        # rows of the matching passages are those of the matching objects.
        sql = (
            f"WITH m AS ({self.sql}) SELECT facet, value, COUNT(*) FROM (SELECT DISTINCT "
            f"{facet}.facet AS facet, {facet}.value AS value, m.kind, m.object_id FROM m "
            f"JOIN {facet} ON {facet}.document_id = m.id WHERE {condition}) v "
            "GROUP BY facet, value"
        )
        found: dict[str, dict[str, int]] = defaultdict(dict)
        for name, value, count in self._run(sql, [*self.params, *params]):
            found[name][value] = count
        return found

    def place_counts(self) -> dict[int, int]:
        """{place id: objects} of the places the matching objects are at (the map)."""
        if self.empty:
            return {}
        sql = (
            f"WITH m AS ({self.sql}) SELECT place_id, COUNT(*) FROM "
            "(SELECT DISTINCT place_id, kind, object_id FROM m WHERE place_id IS NOT NULL) p "
            "GROUP BY place_id"
        )
        return {place: count for place, count in self._run(sql, self.params)}

    def objects_of(self, document_ids: list[int]) -> set[tuple[str, int]]:
        """Which of `document_ids`' objects are in the match set (hybrid totals)."""
        if self.empty or not document_ids:
            return set()
        marks = ", ".join(["%s"] * len(document_ids))
        table = connection.ops.quote_name(DOCUMENT_TABLE)
        sql = (
            f"WITH m AS ({self.sql}) SELECT DISTINCT m.kind, m.object_id FROM m "
            f"JOIN {table} s ON s.kind = m.kind AND s.object_id = m.object_id "
            f"WHERE s.id IN ({marks})"
        )
        return {(k, o) for k, o in self._run(sql, [*self.params, *document_ids])}
