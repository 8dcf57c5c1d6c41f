"""Documentation-record benchmarks (issue 4), each against a baseline in the same run:

- Generator: records per second written by bench/synthetic.py through
  records.services.do_import_records (history and audit included), with model values built
  directly and, on a smaller dataset, with every row cleaned by clean_values as imports do.
- CSV import of persons (Hangul names with aliases, sex, birth year or range, origin place,
  status) through records.importing.import_file, rows per second; baseline: the same file
  read with the csv module and written with a bare Person.objects.bulk_create (no
  validation, no history, no audit, no name index), in the same run.
- The page of a person with 1,000 links (to persons, events and places, some pointing at it)
  rendered through the Django test client as an analyst: median and p95 of 20 renders;
  baseline: the page of a person with no links.
"""

from __future__ import annotations

import csv
import secrets
import statistics
import time
from pathlib import Path
from typing import Any

from bench.synthetic import load_world, make_world, write_csv
from bench.synthetic_world import Plan

PERSONS_ONLY = {
    "organizations": 0,
    "events": 0,
    "acts": 0,
    "involvements": 0,
    "testimonies": 0,
    "sources": 0,
    "information": 0,
    "links": 0,
}


def bench_user(username: str, role: str) -> Any:
    from sillok.accounts.models import User
    from sillok.accounts.services import do_create_user

    user = User.objects.filter(username=username).first()
    if user is None:
        user = do_create_user(None, username, role=role, password=secrets.token_urlsafe(24))
    return user


def bench_generator(records: int, validated_records: int) -> dict:
    officer = bench_user("bench-officer", "documentation-officer")
    results = {}
    for label, total, validate in (
        ("direct", records, False),
        ("validated", validated_records, True),
    ):
        world = make_world(Plan.for_records(total), seed=total + int(validate))
        report = load_world(world, officer, validate=validate)
        results[f"{label}_records"] = report.total
        results[f"{label}_seconds"] = round(report.seconds, 2)
        results[f"{label}_records_per_s"] = round(report.records_per_s)
        results[f"{label}_loaded"] = report.counts
    return results


def _bare_bulk_create(path: Path) -> tuple[float, int]:
    """The baseline: the same CSV rows as Person objects, one bulk insert, nothing else."""
    from django.db import transaction

    from sillok.records.models import Person
    from sillok.vocab.models import Place, Term

    started = time.perf_counter()
    places = dict(Place.objects.values_list("code", "pk"))
    songbun = dict(Term.objects.filter(vocabulary__slug="songbun").values_list("code", "pk"))
    people = []
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            first, _, last = row["birth_year"].partition("..")
            people.append(
                Person(
                    name=row["name"],
                    name_hangul=row["name_hangul"],
                    name_latin=row["name_latin"],
                    aliases=[a.strip() for a in row["aliases"].split(";") if a.strip()],
                    roles=[r.strip() for r in row["roles"].split(";") if r.strip()],
                    sex=row["sex"] or "unknown",
                    birth_year_from=int(first) if first else None,
                    birth_year_to=int(last or first) if first else None,
                    origin_id=places.get(row["origin"]),
                    status=row["status"] or "unknown",
                    songbun_id=songbun.get(row["songbun"]),
                    occupation=row["occupation"],
                    notes=row["notes"],
                    sensitivity=row["sensitivity"] or "restricted",
                )
            )
    with transaction.atomic():
        Person.objects.bulk_create(people, batch_size=500)
    return time.perf_counter() - started, len(people)


def bench_person_import(work: Path, sizes: list[int]) -> list[dict]:
    from sillok.records.importing import import_file

    officer = bench_user("bench-officer", "documentation-officer")
    rows = []
    for size in sizes:
        # A seed per size: the rows of one file are not those of another.
        world = make_world(Plan(persons=size, **PERSONS_ONLY), seed=size)
        folder = work / f"persons-{size}"
        path = folder / write_csv(world, folder)[0]["file"]
        base_s, base_rows = _bare_bulk_create(path)
        started = time.perf_counter()
        report = import_file(officer, "persons", path)
        import_s = time.perf_counter() - started
        assert report.ok and report.imported == size == base_rows, report.errors[:3]
        rows.append(
            {
                "rows": size,
                "csv_bytes": path.stat().st_size,
                "baseline_bulk_create_rows_per_s": round(size / base_s),
                "import_rows_per_s": round(size / import_s),
                "import_seconds": round(import_s, 2),
                "import_time_ratio_vs_bulk_create": round(import_s / base_s, 2),
                "target_rows_per_s": 5000,
            }
        )
    return rows


def _linked_person(officer: Any, links: int) -> tuple[Any, Any, int]:
    """A person with `links` links (persons, events, places; a quarter of the person links
    point at it) and a person with none."""
    from sillok.records.models import Event, Person
    from sillok.records.services import do_create_record, do_import_records
    from sillok.vocab.models import Place, Term

    def person(name: str) -> Any:
        return do_create_record(
            officer,
            "person",
            {"name": name, "name_hangul": name, "roles": ["perpetrator"], "status": "unknown"},
        )

    hub, lonely = person("백만길"), person("황보영")
    relation = {t.code: t for t in Term.objects.filter(vocabulary__slug="relation_types")}
    n_places = min(links // 5, Place.objects.count())
    n_events = min(links * 3 // 10, Event.objects.count())
    places = list(Place.objects.order_by("pk").values_list("pk", flat=True)[:n_places])
    events = list(Event.objects.order_by("pk").values_list("pk", flat=True)[:n_events])
    persons = list(
        Person.objects.exclude(sensitivity="strictly_confidential")
        .exclude(pk__in=[hub.pk, lonely.pk])
        .order_by("pk")
        .values_list("pk", flat=True)[: links - len(places) - len(events)]
    )
    rows = []
    for n, pk in enumerate(persons):
        ends = [("person", hub.pk), ("person", pk)]
        if n % 4 == 3:
            ends.reverse()  # read from the other end: "subordinate of"
        rows.append(_link(ends, relation["superior_of" if n % 4 == 3 else "associate_of"]))
    rows += [_link([("person", hub.pk), ("event", pk)], relation["witnessed"]) for pk in events]
    rows += [_link([("person", hub.pk), ("place", pk)], relation["resided_at"]) for pk in places]
    do_import_records(officer, "link", rows, source={"name": "bench record page"})
    return hub, lonely, len(rows)


def _link(ends: list[tuple[str, int]], relation: Any) -> dict:
    (from_kind, from_id), (to_kind, to_id) = ends
    return {
        "from_kind": from_kind,
        "from_id": from_id,
        "to_kind": to_kind,
        "to_id": to_id,
        "relation": relation,
        "certainty": "likely",
        "comment": "벤치마크용 연결 (synthetic)",
        "sensitivity": "restricted",
    }


def _renders(client: Any, url: str, times: int) -> tuple[list[float], bytes]:
    first = client.get(url)  # warm: templates compiled, caches filled
    assert first.status_code == 200, (url, first.status_code)
    timings = []
    for _ in range(times):
        started = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    return timings, response.content


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[-1]


def bench_record_page(links: int = 1000, renders: int = 20) -> dict:
    from django.test import Client

    officer = bench_user("bench-officer", "documentation-officer")
    analyst = bench_user("bench-analyst", "analyst")
    hub, lonely, made = _linked_person(officer, links)
    client = Client(HTTP_HOST="localhost")  # a host the settings allow
    client.force_login(analyst)
    full, page = _renders(client, f"/records/persons/{hub.pk}/", renders)
    empty, _ = _renders(client, f"/records/persons/{lonely.pk}/", renders)
    return {
        "links": made,
        "links_rendered": page.count(b">L-"),
        "renders": renders,
        "page_bytes": len(page),
        "baseline_no_links_median_ms": round(statistics.median(empty), 1),
        "baseline_no_links_p95_ms": round(_p95(empty), 1),
        "median_ms": round(statistics.median(full), 1),
        "p95_ms": round(_p95(full), 1),
        "time_ratio_vs_no_links": round(statistics.median(full) / statistics.median(empty), 2),
        "target_ms": 300,
    }


def bench_records(work: Path, *, import_rows: list[int], page_links: int, records: int) -> dict:
    """All record benchmarks; the generator's records are the page's link targets."""
    return {
        "synthetic_load": bench_generator(records, max(1000, records // 5)),
        "records_import_persons": bench_person_import(work, import_rows),
        "records_page": bench_record_page(page_links),
    }
