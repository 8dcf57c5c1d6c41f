"""The query language: each query runs against a tiny index in FTS5 and in a PostgreSQL
tsvector, and both must find the same documents.

PostgreSQL is the suite's own (`make test` starts it on either backend): the server of
SILLOK_DATABASE_URL on the PostgreSQL run, else SILLOK_TEST_POSTGRES_URL, else the server
`make test` starts. Without one these tests fail: a skipped comparison would pass unseen."""

from __future__ import annotations

import os
import sqlite3  # pysqlite3 after `import sillok`

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sillok.search.analysis import name_terms, terms
from sillok.search.query import FieldFilter, QueryError, parse_query, to_fts5, to_tsquery

# The server scripts/ensure-postgres starts, as in the Makefile's test-postgres target.
DEFAULT_PG_URL = "postgres://postgres@127.0.0.1:5432/postgres"


def postgres_url() -> str:
    return (
        os.environ.get("SILLOK_DATABASE_URL")
        or os.environ.get("SILLOK_TEST_POSTGRES_URL")
        or DEFAULT_PG_URL
    )


# id: (title, names, body)
DOCUMENTS = {
    1: ("고문 증언", ["김정철"], "그는 회령 보위부에서 고문을 당했다고 증언했다."),
    2: ("", [], "He was tortured in the camp at Hoeryong."),
    3: ("", [], "구타와 강제노동이 계속되었다."),
    4: ("", [], "He suffered beatings but was never tortured."),
    5: ("Statement", ["Kim Jong Chol"], "Testimony of a former prisoner."),
}


def _columns(title, names, body):
    return " ".join(terms(title)), " ".join(name_terms(names)), " ".join(terms(body))


@pytest.fixture(scope="module")
def fts5():
    db = sqlite3.connect(":memory:")
    db.execute(
        "CREATE VIRTUAL TABLE f USING fts5(title, names, body, tokenize = "
        "\"unicode61 remove_diacritics 0 tokenchars '_'\")"
    )
    for rowid, document in DOCUMENTS.items():
        db.execute(
            "INSERT INTO f (rowid, title, names, body) VALUES (?, ?, ?, ?)",
            [rowid, *_columns(*document)],
        )
    return db


def _tsvector(title, names, body):
    """The literal the index stores: positions run on across columns, weights A/B/D."""
    lexemes, position = [], 0
    for text, weight in zip(_columns(title, names, body), "ABD", strict=True):
        for term in text.split():
            position += 1
            lexemes.append(f"'{term}':{position}{weight}")
        position += 1  # no phrase across a column boundary
    return " ".join(lexemes)


@pytest.fixture(scope="module")
def postgres():
    url = postgres_url()
    try:
        connection = psycopg.connect(url, connect_timeout=5, autocommit=True)
    except psycopg.OperationalError as exc:
        pytest.fail(
            f"no PostgreSQL at {url} ({exc}): start it with scripts/ensure-postgres or set "
            "SILLOK_TEST_POSTGRES_URL"
        )
    with connection:
        yield connection


def _fts5_hits(db, query):
    sql = "SELECT rowid FROM f WHERE f MATCH ? ORDER BY rowid"
    return {row[0] for row in db.execute(sql, [to_fts5(parse_query(query).expression)])}


def _pg_hits(connection, query):
    tsquery = to_tsquery(parse_query(query).expression)
    return {
        rowid
        for rowid, document in DOCUMENTS.items()
        if connection.execute(
            "SELECT %s::tsvector @@ %s::tsquery", [_tsvector(*document), tsquery]
        ).fetchone()[0]
    }


CASES = [
    ("고문", {1}),
    ("고문당했다", {1}),
    ('"고문을 당했다"', {1}),
    ("보위부 고문", {1}),
    ("torture", {2, 4}),
    ("Tortures", {2, 4}),
    ("torture -beating", {2}),
    ("torture NOT beaten", {2, 4}),
    ("torture NOT beat", {2}),
    ("beating OR 구타", {3, 4}),
    ("beating | 구타", {3, 4}),
    ("(고문 OR torture) 보위부", {1}),
    ("(고문 OR torture) AND (회령 OR Hoeryong)", {1, 2}),
    ('"tortured in the camp"', {2}),
    ('"camp tortured"', set()),
    ("the torture", {2, 4}),
    ("Kim Jong Chol", {1, 5}),
    ("kim jong chol", {1, 5}),
    ("Kim Jŏng-ch'ŏl", {1, 5}),
    ("Kim Chong-chol", {1}),
    ("김정철", {1, 5}),
    ("김정철 고문", {1}),
    ("Kim Jong Chol prisoner", {5}),
]


@pytest.mark.parametrize(("query", "expected"), CASES)
def test_fts5_finds_the_expected_documents(fts5, query, expected):
    assert _fts5_hits(fts5, query) == expected


@pytest.mark.parametrize(("query", "expected"), CASES)
def test_postgresql_finds_the_same_documents(postgres, query, expected):
    assert _pg_hits(postgres, query) == expected


def test_a_word_with_several_terms_needs_all_of_them():
    parsed = parse_query("고문당했다")
    assert parsed.highlight_terms == {"고문", "당하"}
    assert '"고문" AND "당하"' in to_fts5(parsed.expression)


def test_filters_are_taken_out_of_the_text():
    parsed = parse_query(
        'torture type:acts place:"Hoeryong county" place:회령 date:2015..2019 '
        "status:reviewed violation:TORTURE -beating"
    )
    assert parsed.filters == [
        FieldFilter("type", "act"),
        FieldFilter("place", "Hoeryong county"),
        FieldFilter("place", "회령"),
        FieldFilter("date", "2015..2019"),
        FieldFilter("status", "reviewed"),
        FieldFilter("violation", "TORTURE"),
    ]
    assert parsed.text == "torture"
    assert parsed.highlight_terms == {"tortur"}


@pytest.mark.parametrize(
    ("value", "kind"), [("act", "act"), ("acts", "act"), ("Items", "item"), ("item", "item")]
)
def test_type_filter_accepts_singular_and_plural(value, kind):
    assert parse_query(f"type:{value}").filters == [FieldFilter("type", kind)]


@pytest.mark.parametrize("value", ["2015", "2015..2019", "..2019", "2015..", "2015-03..2016"])
def test_date_filters_accept_years_months_and_open_ranges(value):
    parsed = parse_query(f"date:{value}")
    assert parsed.filters == [FieldFilter("date", value)]
    assert parsed.expression is None


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("date:20x5", "date:2015..2019"),
        ("date:2015-13", "not a valid date"),
        ("date:2019..2015", "ends before it starts"),
        ("date:..", "date:2015"),
        ("foo:bar torture", "type:, place:, date:, status:, violation:"),
        ("type:cats", "act"),
        ("status:great", "reviewed"),
        ("place:", "needs a value"),
        ("-type:act torture", "cannot be negated"),
        ('torture "unclosed', "quote"),
        ("(torture", "“(” is not closed"),
        ("torture)", "no matching"),
        ("-beating", "Add a word"),
        ("NOT beating type:act", "Add a word"),
        ("torture OR -beating", "NOT cannot be one side of OR"),
        ("OR torture", "OR needs"),
        ("torture AND", "AND needs"),
        ("torture NOT", "NOT needs"),
        ("(" * 30 + "x" + ")" * 30, "nested"),
        ("x " * 600, "too long"),
    ],
)
def test_malformed_queries_say_what_is_wrong(query, message):
    with pytest.raises(QueryError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_query(query)


def test_a_query_of_only_stopwords_or_filters_has_no_expression():
    assert parse_query("the of a").expression is None
    assert parse_query("type:act").expression is None
    assert parse_query("").expression is None


NASTY = [
    '"',
    "'",
    "\\",
    "*",
    ":",
    "NEAR(",
    "NEAR(a b)",
    "^",
    "a^b",
    "x'); DROP TABLE f; --",
    "'a' & 'b'",
    "!!x",
    "a <-> b",
    "a:*",
    "col:x",
    "title:고문",
    "{title}:x",
    "a''b",
    "\\'",
    "''''",
    "고문' | '",
    "AND AND",
    "x - y",
    "- x",
    "--x",
    "a -",
    "x | | y",
    'he said "a',
    "())(",
    "@#$%^&*",
    "😀고문😀",
    "\x00",
    "a\nb\tc",
    "NOT NOT x",
    "x NOT NOT y",
    "(x) (y) ()",
    '""',
    "x OR OR y",
    "'x':B",
    "x:1A",
    "Kim 'Jong' \"Chol\"",
]


def _assert_backends_accept(query, fts5, postgres):
    try:
        parsed = parse_query(query)
    except QueryError:
        return
    if parsed.expression is None:
        return
    fts5.execute("SELECT rowid FROM f WHERE f MATCH ?", [to_fts5(parsed.expression)]).fetchall()
    if postgres is not None:
        postgres.execute("SELECT %s::tsquery", [to_tsquery(parsed.expression)])


@pytest.mark.parametrize("query", NASTY)
def test_hostile_input_never_breaks_the_backends(fts5, postgres, query):
    _assert_backends_accept(query, fts5, postgres)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.text(alphabet=st.sampled_from(list("ab 고문\"'\\()|-:*^~!&<>NOTRA.x_")), max_size=24))
def test_generated_input_never_breaks_the_backends(fts5, postgres, query):
    _assert_backends_accept(query, fts5, postgres)
