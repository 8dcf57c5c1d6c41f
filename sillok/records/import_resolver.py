"""The Resolver of records/resolve.py for imports (records/importing.py): told in advance
what a file refers to, it fetches records, places and items with one query per kind and
thousand ids, and remembers a reference to something missing or invisible as such instead of
asking again."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from sillok.records.access import visible_ids
from sillok.records.fields import FieldError, fields_of, parse_reference
from sillok.records.resolve import Resolver

PREFETCH_CHUNK = 900  # ids per query: below SQLite's oldest limit on query parameters
OUTSIDE_KINDS = ("place", "item")  # link ends and items that are not records
SPLIT_RE = re.compile(r"[;|\n,]")


class ImportResolver(Resolver):
    """The Resolver of records/resolve.py, told in advance what a file refers to: records,
    places and items are fetched with one query per kind and thousand ids, and a reference
    to something missing or invisible is remembered as such instead of asked again."""

    def __init__(self, user: Any) -> None:
        super().__init__(user)
        self._checked: dict[str, set[int]] = defaultdict(set)
        self._visible: set[tuple[str, int]] = set()

    def prefetch_references(self, kind: str, raws: Iterable[dict[str, str]]) -> None:
        wanted: dict[str, set[int]] = defaultdict(set)
        specs = [spec for spec in fields_of(kind) if spec.type in {"record", "ref", "items"}]
        for raw in raws:
            for spec in specs:
                text = raw.get(spec.name)
                if not text:
                    continue
                expected = {"record": spec.kind, "ref": "", "items": "item"}[spec.type]
                parts = SPLIT_RE.split(text) if spec.type == "items" else [text]
                for part in parts:
                    try:
                        ref_kind, pk = parse_reference(part, expected)
                    except FieldError:
                        continue  # clean_values reports it with its row
                    wanted[ref_kind].add(pk)
        for ref_kind, ids in wanted.items():
            self.prefetch(ref_kind, ids)

    def prefetch(self, kind: str, ids: set[int]) -> None:
        if kind in OUTSIDE_KINDS:
            wanted = sorted(set(ids) - self._checked[kind])
            for start in range(0, len(wanted), PREFETCH_CHUNK):
                chunk = wanted[start : start + PREFETCH_CHUNK]
                self._visible |= visible_ids(self.user, [(kind, pk) for pk in chunk])
            self._checked[kind].update(wanted)
            return
        wanted = sorted(pk for pk in ids if (kind, pk) not in self._records)
        for start in range(0, len(wanted), PREFETCH_CHUNK):
            super().prefetch(kind, set(wanted[start : start + PREFETCH_CHUNK]))
        for pk in wanted:
            # Missing or not visible: record() says so without another query.
            self._records.setdefault((kind, pk), None)

    def linkable(self, kind: str, pk: int) -> None:
        if kind in OUTSIDE_KINDS and pk in self._checked[kind]:
            if (kind, pk) not in self._visible:
                raise FieldError(f"no {kind} {pk} (or not one you may see)")
            return
        super().linkable(kind, pk)

    def items(self, values: list[str]) -> list[int]:
        refs = [parse_reference(v, "item") for v in values]
        if not all(pk in self._checked["item"] for _, pk in refs):
            return super().items(values)
        missing = [str(pk) for ref_kind, pk in refs if (ref_kind, pk) not in self._visible]
        if missing:
            raise FieldError(f"no item {', '.join(missing)} (or not one you may see)")
        return [pk for _, pk in refs]
