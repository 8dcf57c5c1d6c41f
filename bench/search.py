"""Search benchmark (issue 6): `python -m bench --only search [--search-docs N]`.

At N passages (default 1,000,000), on SQLite and on PostgreSQL in the same run (one child
process per backend, each with its own SILLOK_HOME and database, run one after the other):

- indexing throughput through the real analyzer (sillok/search/analysis.py) and the real
  index writer, measured on a sample of passages (`--search-sample`), and the time of the
  bulk build of the rest (each distinct sentence analyzed once, rows written with
  executemany / COPY: bench/search_index.py);
- index size: the FTS5 tables (SQLite) or the GIN index + tsvector column (PostgreSQL), the
  document table and the facet table;
- p50/p95 latency of a mix of keyword queries (common and rare Korean words, English words,
  a phrase, a name, OR, filters) through `sillok.search.services.search` (what the page, the
  API and the CLI call), with its facet counts and the top 20 ranked objects;
- the same queries as substring LIKE (SQLite) / ILIKE (PostgreSQL) over the same passage
  text, with the same counts computed by the same engine (sillok/search/engine.py MatchSet
  over the documents the user may see): the approach of the tools users come from. The
  ratio is LIKE time / keyword time.

Results go to bench/results/search-latest.json (and latest.json with the other groups).
"""

from __future__ import annotations

import argparse
import bisect
import itertools
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.search_corpus import ITEM_PARTS, Passage, describe, make_stories, passages, story_names

DEFAULT_DOCS = 1_000_000
DEFAULT_POSTGRES = "postgres://postgres@127.0.0.1:5432/sillok_bench_search"
RESULTS = Path(__file__).resolve().parent / "results"
GOAL_P95_MS = 100
SLOW_S = 2.0
LIKE_ALL_UP_TO = 200_000  # passages up to which every query of the mix also runs as LIKE
GROUP = 40  # sentences per analyzer call
SEPARATOR = "\n\n"


@dataclass
class Query:
    """One query of the mix: the search-box text, facet selections, and its LIKE form
    (`like`: OR of AND groups of substrings; `kind`, `years`, `facet`: the filters)."""

    label: str
    text: str
    like: list[list[str]]
    filters: dict[str, list[str]] = field(default_factory=dict)
    kind: str | None = None
    years: tuple[int, int] | None = None
    facet: tuple[str, str] | None = None
    like_at_scale: bool = False  # also run as LIKE at a million passages


def query_mix(name: str, name_latin: str, province: str) -> list[Query]:
    return [
        Query("common ko: 구타", "구타", [["구타"]], like_at_scale=True),
        Query("common ko: 수용소", "수용소", [["수용소"]]),
        Query("common ko: 보위부", "보위부", [["보위부"]]),
        Query("rarer ko: 공개처형", "공개처형", [["공개처형"]]),
        Query("rarer ko: 세관", "세관", [["세관"]], like_at_scale=True),
        Query("english: interrogation", "interrogation", [["interrogation"]], like_at_scale=True),
        Query("english: prison camp", "prison camp", [["prison", "camp"]]),
        Query("phrase: forced labour", '"forced labour"', [["forced labour"]]),
        Query(f"name: {name}", name, [[name]], like_at_scale=True),
        Query(f"romanized name: {name_latin}", name_latin, [[name_latin]]),
        Query("OR: 구타 OR 고문", "구타 OR 고문", [["구타"], ["고문"]]),
        Query("AND: 보위부 조사", "보위부 조사", [["보위부", "조사"]], like_at_scale=True),
        Query(
            "type filter",
            "type:testimony 강제송환",
            [["강제송환"]],
            kind="testimony",
            like_at_scale=True,
        ),
        Query("date filter", "date:2015..2019 국경", [["국경"]], years=(2015, 2019)),
        Query(
            "facet filter: place",
            "구타",
            [["구타"]],
            filters={"place": [province]},
            facet=("place", province),
        ),
    ]


# ------------------------------------------------------------------------------ helpers


def _setup_django(home: Path, database_url: str | None) -> None:
    os.environ["SILLOK_HOME"] = str(home)
    os.environ["DJANGO_SETTINGS_MODULE"] = "sillok.settings"
    if database_url:
        os.environ["SILLOK_DATABASE_URL"] = database_url
    else:
        os.environ.pop("SILLOK_DATABASE_URL", None)
    from sillok.core import keys

    keys.ensure_keys(home)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    from sillok.workspace.services import do_initialise_repository

    do_initialise_repository()


def _percentile(values: list[float], q: float) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[round(q * 100) - 1]


def _summary(timings: list[float]) -> dict[str, float]:
    return {
        "p50_ms": round(_percentile(timings, 0.5), 1),
        "p95_ms": round(_percentile(timings, 0.95), 1),
        "max_ms": round(max(timings), 1),
        "samples": len(timings),
    }


def _log(message: str) -> None:
    print(f"[search bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


# ------------------------------------------------------------------------- the corpus


def analyze_pool(pool: Any, cache_path: Path | None) -> dict[str, Any]:
    """Terms of every distinct sentence, through the real analyzer (once per sentence; a
    cache file shared by the two backends' runs saves the second analysis)."""
    from sillok.search import analysis

    cached: dict[str, list[str]] = {}
    if cache_path is not None and cache_path.exists():
        cached = json.loads(cache_path.read_text(encoding="utf-8"))
    todo = [text for text in pool.texts if text not in cached]
    started = time.perf_counter()
    # Short sentences cost Kiwi more per character than passages: analyze them joined in
    # groups and give each term back to the sentence its offset falls in.
    for start in range(0, len(todo), GROUP):
        group = todo[start : start + GROUP]
        joined = SEPARATOR.join(group)
        ends = list(itertools.accumulate(len(t) + len(SEPARATOR) for t in group))
        found: list[list[str]] = [[] for _ in group]
        for term in analysis.analyze(joined):
            found[min(bisect.bisect_right(ends, term.start), len(group) - 1)].append(term.text)
        for text, terms in zip(group, found, strict=True):
            cached[text] = terms
    seconds = time.perf_counter() - started
    pool.terms = [cached[text] for text in pool.texts]
    if cache_path is not None and todo:
        cache_path.write_text(json.dumps(cached, ensure_ascii=False), encoding="utf-8")
    chars = sum(len(t) for t in todo)
    return {
        "sentences_analyzed": len(todo),
        "analyzer_seconds": round(seconds, 1),
        "analyzer_chars_per_s": round(chars / seconds) if todo and seconds else None,
    }


def name_terms_of(names: list[str]) -> dict[str, list[str]]:
    from sillok.search import analysis

    return {name: list(analysis.name_terms([name])) for name in names}


def real_indexing(sample: list[Passage]) -> dict[str, Any]:
    """Index `sample` through the real path of `sillok reindex`: the objects' documents
    (passages, titles, names, facet rows) handed to `store.write_objects`, which analyzes
    every passage whole (batched Kiwi) and writes the rows, the terms and the facets; in
    transactions of 1,000 passages."""
    from django.db import transaction

    from sillok.search import analysis
    from sillok.search.documents import FacetEntry, ObjectDocuments
    from sillok.search.documents import Passage as StorePassage
    from sillok.search.store import write_objects

    analysis.analyze("워밍업 warm-up")  # the Kiwi model loads once per process, not per write
    objects: dict[tuple[str, int], ObjectDocuments] = {}
    for p in sample:
        docs = objects.get((p.kind, p.object_id))
        if docs is None:
            docs = objects[(p.kind, p.object_id)] = ObjectDocuments(
                kind=p.kind,
                object_id=p.object_id,
                title=p.title,
                sensitivity=p.sensitivity,
                compartment_id=p.compartment_id,
                created_by_id=None,
                review_status=p.review_status,
                date_start=p.date_start,
                place_id=p.place_id,
                facets=[
                    FacetEntry(f, v, s, p.compartment_id if s == p.sensitivity else None)
                    for f, v, s in p.facets
                ],
            )
        docs.passages.append(
            StorePassage(
                part=p.part,
                body=p.text,
                title=p.title if p.part == 0 else "",
                names=p.names if p.part == 0 else [],
                language=p.language,
            )
        )
    built = list(objects.values())
    started = time.perf_counter()
    written = 0
    batch: list[ObjectDocuments] = []
    for docs in [*built, None]:
        if docs is not None:
            batch.append(docs)
        if batch and (docs is None or sum(len(d.passages) for d in batch) >= 1000):
            with transaction.atomic():
                written += write_objects(batch)
            batch = []
    seconds = time.perf_counter() - started
    chars = sum(len(p.text) for p in sample)
    return {
        "passages": written,
        "chars": chars,
        "seconds": round(seconds, 1),
        "passages_per_s": round(written / seconds),
        "chars_per_s": round(chars / seconds),
        "note": "store.write_objects (real analyzer over each whole passage, title and "
        "names + row, term and facet writes), one process, transactions of 1,000 passages",
    }


# --------------------------------------------------------------------------- queries


def _register_like() -> None:
    from django.db.models import Lookup, TextField

    class Like(Lookup):
        """`text LIKE '%word%'` on SQLite (case-insensitive for ASCII), ILIKE on
        PostgreSQL: what a plain substring search does."""

        lookup_name = "bench_like"

        def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
            lhs, lhs_params = self.process_lhs(compiler, connection)
            rhs, rhs_params = self.process_rhs(compiler, connection)
            op = "ILIKE" if connection.vendor == "postgresql" else "LIKE"
            return f"{lhs} {op} {rhs}", [*lhs_params, *rhs_params]

    TextField.register_lookup(Like)


def like_search(user: Any, query: Query) -> dict[str, Any]:
    """The LIKE baseline: the documents the user may see whose text contains the words,
    then the same page, totals and facet counts as the keyword search computes."""
    import datetime as dt

    from django.db.models import Exists, OuterRef, Q

    from sillok.search.access import searchable_documents, visible_facet_values
    from sillok.search.engine import MatchSet

    condition = Q()
    for group in query.like:
        part = Q()
        for word in group:
            escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            part &= Q(text__bench_like=f"%{escaped}%")
        condition |= part
    documents = searchable_documents(user).filter(condition)
    if query.kind:
        documents = documents.filter(kind=query.kind)
    if query.years:
        first, last = query.years
        documents = documents.filter(
            date_start__gte=dt.date(first, 1, 1), date_start__lte=dt.date(last, 12, 31)
        )
    if query.facet:
        facet, value = query.facet
        values = visible_facet_values(user).filter(
            document__kind=OuterRef("kind"),
            document__object_id=OuterRef("object_id"),
            facet=facet,
            value=value,
        )
        documents = documents.filter(Exists(values))
    matches = MatchSet(documents, None)
    hits = matches.page(20, 0)
    columns = matches.column_counts()
    facets = matches.facet_counts(visible_facet_values(user))
    places = matches.place_counts()
    return {"total": columns.total, "hits": len(hits), "facets": len(facets), "places": len(places)}


def keyword_search(user: Any, query: Query) -> dict[str, Any]:
    from sillok.search.services import search

    results = search(user, query.text, filters=query.filters or None, limit=20)
    return {
        "total": results.total,
        "hits": len(results.hits),
        "facets": sorted(results.facets),
    }


def time_queries(user: Any, queries: list[Query], mode: str, repeats: int) -> dict[str, Any]:
    run = keyword_search if mode == "keyword" else like_search
    timings: list[float] = []
    per_query = []
    for query in queries:
        started = time.perf_counter()
        first = run(user, query)  # warm: statements prepared, pages cached
        first_ms = (time.perf_counter() - started) * 1000
        mine = []
        if first_ms > SLOW_S * 1000 and mode == "like":
            # A scan of seconds is not helped by warm caches (the file is in the page cache
            # after the load): the first run is the sample, so a large run ends in minutes.
            mine.append(first_ms)
        else:
            # A keyword query of seconds is timed once more: its p95 is beyond the goal.
            for _ in range(1 if first_ms > SLOW_S * 1000 else repeats):
                started = time.perf_counter()
                run(user, query)
                mine.append((time.perf_counter() - started) * 1000)
        timings += mine
        per_query.append(
            {
                "query": query.label,
                "text": query.text,
                "total": first["total"],
                "hits": first["hits"],
                "median_ms": round(statistics.median(mine), 1),
                "max_ms": round(max(mine), 1),
            }
        )
        _log(
            f"{mode:8} {query.label:40} total={first['total']:>8} "
            f"median={statistics.median(mine):8.1f} ms"
        )
    facets = first.get("facets")
    return {
        **_summary(timings),
        "repeats": repeats,
        "facets_computed": facets,
        "queries": per_query,
    }


def ratios(keyword: dict[str, Any], like: dict[str, Any]) -> dict[str, Any]:
    """LIKE time / keyword time over the queries both ran: per query (medians) and of the
    p50 and p95 of those queries' medians."""
    times = {q["query"]: q["median_ms"] for q in keyword["queries"]}
    pairs = [(times[q["query"]], q["median_ms"], q["query"]) for q in like["queries"]]
    fast = [k for k, _, _ in pairs]
    slow = [v for _, v, _ in pairs]
    return {
        "queries": len(pairs),
        "keyword_p50_ms": round(_percentile(fast, 0.5), 1),
        "keyword_p95_ms": round(_percentile(fast, 0.95), 1),
        "like_p50_ms": round(_percentile(slow, 0.5), 1),
        "like_p95_ms": round(_percentile(slow, 0.95), 1),
        "like_over_keyword_p50": round(_percentile(slow, 0.5) / _percentile(fast, 0.5), 1),
        "like_over_keyword_p95": round(_percentile(slow, 0.95) / _percentile(fast, 0.95), 1),
        "per_query": {label: round(v / k, 1) for k, v, label in pairs if k},
    }


def stage_breakdown(user: Any, query: Query) -> dict[str, float]:
    """Where the time of one keyword search goes: the engine's queries one by one (as
    services.search runs them) and the whole service call."""
    from sillok.search import services
    from sillok.search.access import visible_facet_values
    from sillok.search.engine import MatchSet

    def ms(func: Any) -> float:
        started = time.perf_counter()
        func()
        return round((time.perf_counter() - started) * 1000, 1)

    parsed = services.parse_query(query.text)
    filters = query.filters or {}
    allowed = services.searchable_documents(user).filter(
        services.filter_condition(user, parsed, filters)
    )
    matches = MatchSet(allowed, services.match_expression(parsed))
    return {
        "query": query.label,
        "column_counts_ms": ms(matches.column_counts),
        "page_ms": ms(lambda: matches.page(20, 0)),
        "facet_counts_ms": ms(lambda: matches.facet_counts(visible_facet_values(user))),
        "place_counts_ms": ms(matches.place_counts),
        "service_total_ms": ms(lambda: keyword_search(user, query)),
    }


def explain_slowest(user: Any, queries: list[Query], per_query: list[dict]) -> str:
    """The backend's plan of the full-text match of the slowest keyword query."""
    from django.db import connection

    from sillok.search.access import searchable_documents
    from sillok.search.engine import MatchSet
    from sillok.search.query import parse_query, to_fts5, to_tsquery

    slowest = max(per_query, key=lambda q: q["median_ms"])
    query = next(q for q in queries if q.label == slowest["query"])
    parsed = parse_query(query.text)
    if parsed.expression is None:
        return ""
    pg = connection.vendor == "postgresql"
    match = to_tsquery(parsed.expression) if pg else to_fts5(parsed.expression)
    matches = MatchSet(searchable_documents(user), match)
    prefix = "EXPLAIN (ANALYZE, BUFFERS) " if pg else "EXPLAIN QUERY PLAN "
    with connection.cursor() as cursor:
        cursor.execute(prefix + f"WITH m AS ({matches.sql}) SELECT COUNT(*) FROM m", matches.params)
        rows = cursor.fetchall()
    plan = "\n".join(" ".join(str(c) for c in row) for row in rows)
    return f"{query.label}: {query.text}\n{plan}"


# ---------------------------------------------------------------------- one backend


def run_backend(args: argparse.Namespace) -> dict[str, Any]:
    home = Path(tempfile.mkdtemp(prefix="sillok-bench-search-", dir=args.workdir))
    try:
        _log(f"{args.backend}: home {home}")
        _setup_django(home, args.database_url)
        return measure(
            args.docs,
            sample=args.sample,
            repeats=args.repeats,
            like_repeats=args.like_repeats,
            terms_cache=Path(args.terms_cache) if args.terms_cache else None,
        )
    finally:
        if not args.keep:
            shutil.rmtree(home, ignore_errors=True)


def _shifted(items: Iterable[Passage], shift: int) -> Iterator[Passage]:
    for p in items:
        p.id += shift
        yield p


def measure(
    docs: int,
    *,
    sample: int = 20_000,
    repeats: int = 5,
    like_repeats: int = 2,
    terms_cache: Path | None = None,
) -> dict[str, Any]:
    """Build an index of `docs` passages in the current database (the first `sample`
    through the real writer) and time the query mix both ways."""
    from django.db import connection
    from django.db.models import Max

    from bench.records import bench_user
    from bench.search_index import bulk_load, index_sizes
    from bench.synthetic_people import latin_name
    from sillok.accounts.models import Compartment
    from sillok.search.models import SearchDocument
    from sillok.vocab.models import Place

    _register_like()
    user = bench_user("bench-analyst", "analyst")
    compartment, _ = Compartment.objects.get_or_create(code="bench-case", name="Bench case")
    started = time.perf_counter()
    stories, pool = make_stories(docs)
    corpus = describe(stories, pool) | {"generate_seconds": round(time.perf_counter() - started, 1)}
    _log(f"{connection.vendor}: {corpus}")
    corpus |= analyze_pool(pool, terms_cache)
    names = name_terms_of(story_names(stories))
    _log(f"analyzed: {corpus}")
    # Whole items only (an item's passages are consecutive).
    sample_size = min(sample, docs) // ITEM_PARTS * ITEM_PARTS
    sample = list(passages(stories, pool, names, sample_size, compartment_id=compartment.pk))
    real = real_indexing(sample)
    _log(f"real indexing: {real}")
    # The bulk ids follow those the store gave the sample.
    shift = (SearchDocument.objects.aggregate(top=Max("id"))["top"] or 0) - sample_size
    rest = passages(stories, pool, names, docs, compartment_id=compartment.pk, start=sample_size)
    bulk = bulk_load(_shifted(rest, shift))
    bulk["documents_per_s"] = (
        round(bulk["documents"] / bulk["seconds"]) if bulk["seconds"] else None
    )
    _log(f"bulk build: {bulk}")
    sizes = index_sizes()
    _log(f"sizes: {sizes}")
    # Query values from the data: a victim of a well-documented story and its province.
    story = next(s for s in stories[3:] if s.names)
    name = story.names[0]
    latin = latin_name(name) or name  # as English reports spell it ("Pak Jong-su")
    place = Place.objects.get(
        pk=story.place_path[1] if len(story.place_path) > 1 else story.place_id
    )
    queries = query_mix(name, latin, str(place.pk))
    keyword = time_queries(user, queries, "keyword", repeats)
    # A LIKE scan of a million passages takes many seconds: at that size a subset of the
    # mix (common, rare, English, name, filtered) is run that way.
    like_queries = queries if docs <= LIKE_ALL_UP_TO else [q for q in queries if q.like_at_scale]
    like = time_queries(user, like_queries, "like", like_repeats)
    compared = ratios(keyword, like)
    result = {
        "database": connection.vendor,
        "documents": docs,
        "corpus": corpus,
        "indexing_real_analyzer": real,
        "bulk_build": bulk,
        "index_sizes": sizes,
        "keyword": keyword,
        "like": like,
        "like_vs_keyword": compared,
        "like_over_keyword_p50": compared["like_over_keyword_p50"],
        "like_over_keyword_p95": compared["like_over_keyword_p95"],
        "goal_p95_ms": GOAL_P95_MS,
        "goal_met": keyword["p95_ms"] <= GOAL_P95_MS,
    }
    try:
        slowest = max(keyword["queries"], key=lambda q: q["median_ms"])["query"]
        result["slowest_keyword_breakdown"] = stage_breakdown(
            user, next(q for q in queries if q.label == slowest)
        )
        _log(f"breakdown: {result['slowest_keyword_breakdown']}")
    except Exception as exc:  # noqa: BLE001 - a diagnostic, never a failure
        result["slowest_keyword_breakdown"] = f"(none: {exc})"
    try:
        result["slowest_keyword_plan"] = explain_slowest(user, queries, keyword["queries"])
    except Exception as exc:  # noqa: BLE001 - a plan is a diagnostic, never a failure
        result["slowest_keyword_plan"] = f"(no plan: {exc})"
    return result


# ------------------------------------------------------------------------ both backends


def _fresh_postgres(url: str) -> None:
    """Drop and create the benchmark database named in `url` (never the dev database)."""
    import psycopg
    from psycopg import sql

    base, _, name = url.rpartition("/")
    if not name or name in {"postgres", "sillok", "template0", "template1"}:
        raise SystemExit(f"refusing to recreate the database {name!r}: name a scratch one")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def run_both(
    docs: int,
    *,
    postgres: str | None = DEFAULT_POSTGRES,
    sample: int = 20_000,
    repeats: int = 5,
    like_repeats: int = 2,
    backends: tuple[str, ...] = ("sqlite", "postgresql"),
    workdir: str | None = None,
    write: bool = True,
) -> dict[str, Any]:
    """Each backend in a child process of its own, one after the other; their results."""
    results: dict[str, Any] = {"documents": docs, "cpus": os.cpu_count()}
    scratch = Path(tempfile.mkdtemp(prefix="sillok-bench-search-", dir=workdir))
    try:
        for backend in backends:
            out = scratch / f"{backend}.json"
            command = [
                sys.executable, "-m", "bench.search", "--backend", backend, "--docs", str(docs),
                "--sample", str(sample), "--repeats", str(repeats),
                "--like-repeats", str(like_repeats), "--out", str(out),
                "--terms-cache", str(scratch / "terms.json"),
            ]  # fmt: skip
            if workdir:
                command += ["--workdir", workdir]
            if backend == "postgresql":
                if not postgres:
                    results[backend] = {"skipped": "no PostgreSQL URL"}
                    continue
                try:
                    _fresh_postgres(postgres)
                except Exception as exc:  # noqa: BLE001 - reported, the other backend runs
                    results[backend] = {"skipped": f"PostgreSQL unavailable: {exc}"}
                    continue
                command += ["--database-url", postgres]
            env = {k: v for k, v in os.environ.items() if k != "SILLOK_DATABASE_URL"}
            done = subprocess.run(command, env=env, check=False)  # noqa: S603
            if done.returncode or not out.exists():
                results[backend] = {"failed": f"exit status {done.returncode}"}
            else:
                results[backend] = json.loads(out.read_text())
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    if write:
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / "search-latest.json").write_text(json.dumps(results, indent=2, default=str))
    print(summary(results), flush=True)
    return results


def summary(results: dict[str, Any]) -> str:
    lines = [f"Search benchmark at {results['documents']:,} passages ({results['cpus']} CPUs)"]
    for backend in ("sqlite", "postgresql"):
        r = results.get(backend)
        if not r:
            continue
        if "keyword" not in r:
            lines.append(f"  {backend}: {r}")
            continue
        k, like, real, bulk, size = (
            r["keyword"], r["like"], r["indexing_real_analyzer"], r["bulk_build"], r["index_sizes"]
        )  # fmt: skip
        c = r["like_vs_keyword"]
        mib = 2**20
        lines += [
            f"  {backend}:",
            f"    keyword + facets + top 20: p50 {k['p50_ms']} ms, p95 {k['p95_ms']} ms "
            f"(goal p95 <= {GOAL_P95_MS} ms: {'met' if r['goal_met'] else 'MISSED'})",
            f"    {'ILIKE' if backend == 'postgresql' else 'LIKE'} baseline, same counts, "
            f"{c['queries']} queries (medians): p50 {c['like_p50_ms']} ms, p95 "
            f"{c['like_p95_ms']} ms vs keyword p50 {c['keyword_p50_ms']} ms, p95 "
            f"{c['keyword_p95_ms']} ms on those queries -> {c['like_over_keyword_p50']}x (p50), "
            f"{c['like_over_keyword_p95']}x (p95)",
            f"    indexing, real analyzer + writer: {real['passages_per_s']} passages/s "
            f"(sample of {real['passages']:,}; {real['chars_per_s']:,} chars/s)",
            f"    bulk build of {bulk['documents']:,} passages (terms cached per sentence): "
            f"{bulk['seconds']} s ({bulk['documents_per_s']} passages/s)",
            f"    full-text index {size['fulltext_index_bytes'] / mib:.0f} MiB, documents "
            f"{size['document_table_with_indexes_bytes'] / mib:.0f} MiB, facets "
            f"{size['facet_table_with_indexes_bytes'] / mib:.0f} MiB "
            f"({bulk['facet_rows']:,} rows), database {size['database_bytes'] / mib:.0f} MiB",
        ]
        if isinstance(r.get("slowest_keyword_breakdown"), dict):
            lines.append(
                f"    slowest keyword query, per engine step: {r['slowest_keyword_breakdown']}"
            )
        for q in k["queries"]:
            other = next((x for x in like["queries"] if x["query"] == q["query"]), None)
            against = (
                f"  like {other['median_ms']:8.1f} ms ({other['total']:>7} objects)"
                if other
                else ""
            )
            lines.append(
                f"      {q['query']:38} keyword {q['median_ms']:7.1f} ms ({q['total']:>7} objects)"
                + against
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.search", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--backend", choices=["sqlite", "postgresql"])
    parser.add_argument("--docs", type=int, default=DEFAULT_DOCS)
    parser.add_argument("--database-url")
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES)
    parser.add_argument("--sample", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--like-repeats", type=int, default=2)
    parser.add_argument("--out")
    parser.add_argument("--terms-cache")
    parser.add_argument("--workdir")
    parser.add_argument("--keep", action="store_true", help="keep the benchmark home")
    parser.add_argument(
        "--backends", nargs="+", default=["sqlite", "postgresql"], help="without --backend"
    )
    args = parser.parse_args(argv)
    if args.backend is None:
        run_both(
            args.docs,
            postgres=args.postgres,
            sample=args.sample,
            repeats=args.repeats,
            like_repeats=args.like_repeats,
            workdir=args.workdir,
            backends=tuple(args.backends),
        )
        return 0
    result = run_backend(args)
    if args.out:
        Path(args.out).write_text(json.dumps(result, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
