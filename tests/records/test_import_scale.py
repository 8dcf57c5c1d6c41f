"""A spreadsheet of 10,000 persons with name variants goes in at once, with a bounded number
of queries, and every imported name can be searched for in any spelling."""

from __future__ import annotations

import csv
import random
import time
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sillok.records.importing import import_file
from sillok.records.models import Act, Person, PersonName, RecordVersion
from sillok.records.names import persons_named

pytestmark = pytest.mark.django_db

SURNAMES = [
    ("김", "Kim"),
    ("리", "Ri"),
    ("박", "Pak"),
    ("최", "Choe"),
    ("정", "Jong"),
    ("강", "Kang"),
]
SYLLABLES = [
    ("철", "Chol"),
    ("영", "Yong"),
    ("수", "Su"),
    ("희", "Hui"),
    ("남", "Nam"),
    ("명", "Myong"),
    ("순", "Sun"),
    ("호", "Ho"),
    ("일", "Il"),
    ("금", "Kum"),
    ("성", "Song"),
    ("혁", "Hyok"),
]
PLACES = ["회령시", "KP-09", "온성군", "KP-01", "KP-08", ""]
STATUSES = ["missing", "detained", "deceased", "released", "unknown"]


def persons_rows(count: int, seed: int = 7) -> list[list[str]]:
    """`count` distinct persons: Hangul names with their romanized form and aliases."""
    rng = random.Random(seed)
    rows = [["name", "name_hangul", "aliases", "sex", "birth_year", "origin", "status"]]
    for number in range(count):
        (sur_ko, sur_en), (a_ko, a_en), (b_ko, b_en) = (
            rng.choice(SURNAMES),
            rng.choice(SYLLABLES),
            rng.choice(SYLLABLES),
        )
        hangul = f"{sur_ko}{a_ko}{b_ko}"
        latin = f"{sur_en} {a_en}-{b_en.lower()} {number}"  # the number keeps rows distinct
        aliases = f"{a_ko}{b_ko}이; {sur_en} {a_en}" if number % 3 == 0 else ""
        year = rng.randint(1940, 2005)
        birth = f"{year}..{year + 2}" if number % 4 == 0 else str(year)
        rows.append(
            [
                latin,
                hangul,
                aliases,
                rng.choice(["male", "female"]),
                birth,
                rng.choice(PLACES),
                rng.choice(STATUSES),
            ]
        )
    return rows


def write_rows(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


def test_ten_thousand_persons_import_in_one_go(analyst, tmp_path, vocabularies):
    path = write_rows(tmp_path / "persons-10000.csv", persons_rows(10_000))
    started, cpu = time.perf_counter(), time.process_time()
    with CaptureQueriesContext(connection) as queries:
        report = import_file(analyst, "persons", path)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(
        f"\nimported 10,000 persons in {elapsed:.2f} s: {10_000 / elapsed:,.0f} rows/s "
        f"({connection.vendor}, {len(queries)} queries; {cpu:.2f} s of CPU in this process)"
    )
    assert report.errors == [] and report.imported == 10_000
    assert Person.objects.count() == 10_000
    assert RecordVersion.objects.filter(kind="person", action="imported").count() == 10_000
    assert PersonName.objects.count() > 30_000
    # Bulk inserts: the number of queries grows with batches, not with rows.
    assert len(queries) < 200
    target = Person.objects.get(name__endswith=" 1234")
    romanized = target.name.rsplit(" ", 1)[0]
    assert target in persons_named(Person.objects.all(), romanized)
    assert target in persons_named(Person.objects.all(), target.name_hangul)
    assert target.romanizations["mr"]


def test_acts_referring_to_thousands_of_persons_fetch_them_in_bulk(analyst, tmp_path, make_record):
    write_rows(tmp_path / "p.csv", persons_rows(3_000, seed=3))
    import_file(analyst, "persons", tmp_path / "p.csv")
    event = make_record(analyst, "event", title="Mass detention")
    rows = [["event", "victim", "violation_type", "date"]]
    rows += [
        [f"E-{event.pk}", f"P-{pk}", "torture", "2010"]
        for pk in Person.objects.values_list("pk", flat=True)
    ]
    path = write_rows(tmp_path / "acts.csv", rows)
    with CaptureQueriesContext(connection) as queries:
        report = import_file(analyst, "acts", path, dry_run=True)
    assert report.ok and report.valid == 3_000
    assert len(queries) < 20, [q["sql"][:80] for q in queries]
    assert import_file(analyst, "acts", path).imported == 3_000
    assert Act.objects.filter(victim__isnull=False).count() == 3_000
