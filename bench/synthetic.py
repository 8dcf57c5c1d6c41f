"""Synthetic documentation data in Korean and English: persons, organizations, events, acts,
involvements, testimonies, sources, information and links, from tens to a million records,
the same for the same seed. Entirely fictional (see bench/synthetic_text.py).

    python -m bench.synthetic demo                      the demo dataset (idempotent)
    python -m bench.synthetic generate --persons N --out DIR     CSV files, one per kind
    python -m bench.synthetic generate --records N --load        straight into the database

Records go into the database through records.services.do_import_records, one call per kind
and chunk, as a given user: the real service with its history and audit, without the
spreadsheet reading. `--validate` cleans every row with records.fields.clean_values first
(what an import does); without it the model values are built directly, which is what makes
a million records quick. CSV files are in the importer's format (header: the field names of
records/fields.py) and refer to each other by the ids the records will get when the files
are imported in the order of manifest.json into the database as it is now.

Runs in SILLOK_HOME (default ./var), which `sillok init` must have set up.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.synthetic_world import KIND_ORDER, Catalogue, ItemRef, Plan, Ref, World

DEFAULT_SEED = 7
DEFAULT_CHUNK = 5000


def setup_django() -> None:
    """Django on the repository in SILLOK_HOME (./var by default), as `sillok` does."""
    home = os.environ.get("SILLOK_HOME", "./var")
    os.environ["SILLOK_HOME"] = os.path.abspath(os.path.expanduser(home))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sillok.settings")
    import django

    django.setup()


def make_world(plan: Plan, seed: int = DEFAULT_SEED) -> World:
    """The world of `plan` for `seed`, drawing on the vocabularies in the database."""
    return World(Catalogue(), plan, seed)


# ------------------------------------------------------------------------------ rows


def count_of(world: World, kind: str) -> int:
    return len(world.orgs) if kind == "organization" else world.plan.count(kind)


def batches(world: World, kind: str, size: int) -> Iterator[list[int]]:
    """Indices of `kind` in load order, `size` at a time. Organizations go level by level:
    a unit refers to its parent, which must exist when the unit is written."""
    if kind == "organization":
        order = sorted(range(len(world.orgs)), key=lambda o: (world.orgs[o].depth, o))
        groups: dict[int, list[int]] = {}
        for o in order:
            groups.setdefault(world.orgs[o].depth, []).append(o)
        for group in groups.values():
            for start in range(0, len(group), size):
                yield group[start : start + size]
        return
    total = count_of(world, kind)
    for start in range(0, total, size):
        yield list(range(start, min(total, start + size)))


class RowMaker:
    """The rows of each kind, by index; links must be asked for in order."""

    def __init__(self, world: World) -> None:
        from bench import synthetic_reports as reports

        self.world = world
        self.links = reports.LinkMaker(world)
        self.makers: dict[str, Callable[[int], dict[str, Any] | None]] = {
            "organization": world.organization_row,
            "person": world.person_row,
            "event": world.event_row,
            "act": world.act_row,
            "involvement": world.involvement_row,
            "testimony": lambda t: reports.testimony_row(world, t),
            "source": lambda s: reports.source_row(world, s),
            "information": lambda n: reports.information_row(world, n),
            "link": self.links.row,
        }

    def rows(self, kind: str, indices: list[int]) -> list[tuple[int, dict[str, Any]]]:
        made = ((i, self.makers[kind](i)) for i in indices)
        return [(i, row) for i, row in made if row is not None]


# ------------------------------------------------------------------ raw and model values


def _spec_types(kind: str) -> list[tuple[str, str]]:
    from sillok.records.fields import FIELDS

    return [(spec.name, spec.type) for spec in FIELDS[kind]]


def raw_values(kind: str, row: dict[str, Any], ids: dict[str, list[int]]) -> dict[str, Any]:
    """The row as a person would type it (a spreadsheet's cells): codes, references, text."""
    from sillok.records.kinds import get_kind

    def ref(value: Any) -> str:
        if value is None:
            return ""
        if isinstance(value, Ref):
            return f"{get_kind(value.kind).prefix}-{ids[value.kind][value.index]}"
        if isinstance(value, ItemRef):
            return f"X-{value.pk}"
        return f"place:{value.pk}"

    raw: dict[str, Any] = {}
    for name, type_ in _spec_types(kind):
        value = row.get(name)
        if type_ in {"record", "ref"}:
            raw[name] = ref(value)
        elif type_ in {"term", "place"}:
            raw[name] = value.code if value is not None else ""
        elif type_ == "items":
            raw[name] = [ref(v) for v in value or []]
        elif type_ in {"list", "choices"}:
            raw[name] = list(value or [])
        elif type_ == "bool":
            raw[name] = "yes" if value else "no"
        elif type_ == "date":
            raw[name] = value.isoformat() if value else ""
        else:
            raw[name] = "" if value is None else str(value)
    return raw


def model_values(
    kind: str, row: dict[str, Any], ids: dict[str, list[int]], users: dict[str, Any]
) -> dict[str, Any]:
    """What clean_values would make of the row, built directly (no lookups, no checks)."""
    from sillok.records.dates import parse_fuzzy_date

    values: dict[str, Any] = {}
    for name, type_ in _spec_types(kind):
        value = row.get(name)
        if type_ == "fuzzy_date":
            date = parse_fuzzy_date(value)
            values |= {
                "date_start": date.start,
                "date_end": date.end,
                "date_precision": date.precision,
            }
        elif type_ == "year_range":
            first, _, last = (value or "").partition("..")
            values["birth_year_from"] = int(first) if first else None
            values["birth_year_to"] = int(last or first) if first else None
        elif type_ == "year":
            values[name] = int(value) if value else None
        elif type_ == "record":
            values[name + "_id" if value is not None else name] = (
                ids[value.kind][value.index] if value is not None else None
            )
        elif type_ == "ref":
            kind_, pk = (
                (value.kind, ids[value.kind][value.index])
                if isinstance(value, Ref)
                else (("item", value.pk) if isinstance(value, ItemRef) else ("place", value.pk))
            )
            values |= {f"{name}_kind": kind_, f"{name}_id": pk}
        elif type_ == "items":
            values[name] = [v.pk for v in value or []]
        elif type_ == "user":
            values[name] = users[value] if value else None
        elif type_ == "choice":
            if value:
                values[name] = value
        elif type_ in {"list", "choices"}:
            values[name] = list(value or [])
        else:
            values[name] = value
    return values


# ----------------------------------------------------------------------- into the database


@dataclass
class LoadReport:
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    ids: dict[str, list[int]] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def records_per_s(self) -> float:
        return self.total / self.seconds if self.seconds else 0.0


def _cleaned(
    kind: str,
    rows: list[dict[str, Any]],
    ids: dict[str, list[int]],
    user: Any,
    validate: bool,
    users: dict[str, Any],
) -> list[dict[str, Any]]:
    if not validate:
        return [model_values(kind, row, ids, users) for row in rows]
    from sillok.records.fields import clean_values, parse_reference
    from sillok.records.resolve import Resolver

    resolver = Resolver(user)
    raws = [raw_values(kind, row, ids) for row in rows]
    wanted: dict[str, set[int]] = {}
    for raw in raws:
        for name, type_ in _spec_types(kind):
            if type_ in {"record", "ref"} and raw[name]:
                ref_kind, pk = parse_reference(raw[name])
                if ref_kind not in {"place", "item"}:
                    wanted.setdefault(ref_kind, set()).add(pk)
    for ref_kind, pks in wanted.items():
        resolver.prefetch(ref_kind, pks)
    return [clean_values(kind, raw, resolver) for raw in raws]


def load_world(
    world: World,
    user: Any,
    *,
    chunk: int = DEFAULT_CHUNK,
    validate: bool = False,
    progress: Callable[[str], None] | None = None,
) -> LoadReport:
    """Write the whole world into the database as `user`, kind by kind, `chunk` records per
    call of do_import_records (each call one transaction)."""
    from django.contrib.auth import get_user_model

    from sillok.records.services import do_import_records

    report = LoadReport(ids={kind: [0] * count_of(world, kind) for kind in KIND_ORDER})
    users = {u.username: u for u in get_user_model().objects.filter(username=world.interviewer)}
    maker = RowMaker(world)
    started = time.perf_counter()
    for kind in KIND_ORDER:
        report.counts[kind] = 0
        for indices in batches(world, kind, chunk):
            pairs = maker.rows(kind, indices)
            values = _cleaned(kind, [r for _, r in pairs], report.ids, user, validate, users)
            source = {"name": f"bench.synthetic seed {world.seed}", "rows": len(values)}
            records = do_import_records(user, kind, values, source=source)
            for (index, _), record in zip(pairs, records, strict=True):
                report.ids[kind][index] = record.pk
            report.counts[kind] += len(records)
            if progress:
                progress(f"{kind}: {report.counts[kind]:,} of {count_of(world, kind):,}")
    report.seconds = time.perf_counter() - started
    return report


# ------------------------------------------------------------------------------ CSV files


def next_ids() -> dict[str, int]:
    """The id the next record of each kind will get in the database as it is now."""
    from django.db import connection

    from sillok.records.kinds import get_kind

    found = {}
    with connection.cursor() as cursor:
        for kind in KIND_ORDER:
            table = get_kind(kind).model._meta.db_table
            if connection.vendor == "postgresql":
                cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
                sequence = cursor.fetchone()[0]
                cursor.execute(f"SELECT last_value, is_called FROM {sequence}")  # noqa: S608
                last, called = cursor.fetchone()
                found[kind] = last + 1 if called else last
            else:
                cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
                row = cursor.fetchone()
                found[kind] = (row[0] if row else 0) + 1
    return found


def write_csv(world: World, out: Path, *, chunk: int = DEFAULT_CHUNK) -> list[dict[str, Any]]:
    """One CSV file per kind (organizations: one per level) and manifest.json giving the
    order to import them in."""
    from sillok.records.fields import FIELDS
    from sillok.records.kinds import get_kind

    out.mkdir(parents=True, exist_ok=True)
    first = next_ids()
    ids = {kind: [0] * count_of(world, kind) for kind in KIND_ORDER}
    maker, files = RowMaker(world), []
    for kind in (k for k in KIND_ORDER if count_of(world, k)):
        header = [spec.name for spec in FIELDS[kind]]
        position, depth, writer, handle, entry = first[kind], None, None, None, None
        for indices in batches(world, kind, chunk):
            level = world.orgs[indices[0]].depth if kind == "organization" else None
            if writer is None or level != depth:
                if handle:
                    handle.close()
                depth = level
                name = f"{len(files) + 1:02d}-{get_kind(kind).plural}"
                name += f"-level{level}.csv" if level is not None else ".csv"
                handle = (out / name).open("w", newline="", encoding="utf-8")
                writer = csv.writer(handle)
                writer.writerow(header)
                entry = {"file": name, "kind": get_kind(kind).plural, "rows": 0}
                files.append(entry)
            for index, row in maker.rows(kind, indices):
                ids[kind][index] = position
                position += 1
                raw = raw_values(kind, row, ids)
                writer.writerow(
                    ["; ".join(v) if isinstance(v, list) else v for v in (raw[h] for h in header)]
                )
                entry["rows"] += 1
        if handle:
            handle.close()
    manifest = {
        "generator": "python -m bench.synthetic",
        "seed": world.seed,
        "first_ids": first,
        "note": "References (P-12, E-3) are the ids the records get when the files are "
        "imported in this order into the database as it was when they were written.",
        "files": files,
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False))
    return files


# ---------------------------------------------------------------------------------- CLI


def _user(username: str) -> Any:
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(username=username, is_active=True).first()
    if user is None:
        raise SystemExit(f"no active user {username!r} (`sillok demo` creates the demo users)")
    return user


def _generate(args: argparse.Namespace) -> int:
    plan = Plan.for_records(args.records) if args.records else Plan.for_persons(args.persons)
    for name in (
        "organizations",
        "events",
        "acts",
        "involvements",
        "testimonies",
        "sources",
        "information",
        "links",
    ):
        if getattr(args, name) is not None:
            setattr(plan, name, getattr(args, name))
    world = make_world(plan, args.seed)
    if args.out:
        started = time.perf_counter()
        files = write_csv(world, Path(args.out), chunk=args.chunk)
        rows = sum(f["rows"] for f in files)
        print(
            f"wrote {rows:,} rows in {len(files)} files to {args.out} "
            f"in {time.perf_counter() - started:.1f} s"
        )
    if args.load:
        world.interviewer = args.user
        report = load_world(
            world,
            _user(args.user),
            chunk=args.chunk,
            validate=args.validate,
            progress=(lambda m: print(m, file=sys.stderr)) if args.verbose else None,
        )
        print(
            json.dumps(
                {
                    "loaded": report.counts,
                    "total": report.total,
                    "seconds": round(report.seconds, 2),
                    "records_per_s": round(report.records_per_s),
                },
                indent=2,
            )
        )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.synthetic", description=__doc__.split("\n")[0]
    )
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser("demo", help="load the demo dataset (after `sillok demo`)")
    demo.add_argument("--json", action="store_true", help="print the result as JSON")
    gen = commands.add_parser("generate", help="generate a dataset: CSV files and/or load it")
    size = gen.add_mutually_exclusive_group()
    size.add_argument(
        "--persons", type=int, default=600, help="persons (other kinds in proportion)"
    )
    size.add_argument("--records", type=int, help="about this many records in all")
    for name in (
        "organizations",
        "events",
        "acts",
        "involvements",
        "testimonies",
        "sources",
        "information",
        "links",
    ):
        gen.add_argument(f"--{name}", type=int, help=f"number of {name} (default: in proportion)")
    gen.add_argument("--seed", type=int, default=DEFAULT_SEED)
    gen.add_argument("--out", help="write CSV files (and manifest.json) into this folder")
    gen.add_argument("--load", action="store_true", help="load into the database")
    gen.add_argument("--user", default="demo-documentation-officer", help="load as this user")
    gen.add_argument("--chunk", type=int, default=DEFAULT_CHUNK, help="records per import call")
    gen.add_argument("--validate", action="store_true", help="clean every row as imports do")
    gen.add_argument("-v", "--verbose", action="store_true", help="report progress")
    args = parser.parse_args(argv)
    if args.command == "generate" and not (args.out or args.load):
        parser.error("say where the data goes: --out DIR, --load, or both")
    setup_django()
    if args.command == "demo":
        from bench.synthetic_demo import main as demo_main

        return demo_main(json_output=args.json)
    return _generate(args)


if __name__ == "__main__":
    sys.exit(main())
