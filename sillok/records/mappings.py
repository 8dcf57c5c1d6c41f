"""Which spreadsheet column gives which record field: the default matching (a column named
like the field, or like its English or Korean label), mappings given as a dict or a JSON/YAML
file, and mappings saved by name for the next import of the same kind of file."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from django.db import IntegrityError, transaction
from django.utils import translation

from sillok.custody.audit import record_audit
from sillok.records.access import RecordActionRefused
from sillok.records.aliases import HEADERS, IGNORED_HEADERS, KIND_HEADERS, normalise
from sillok.records.fields import FieldSpec, fields_of
from sillok.records.kinds import get_kind
from sillok.records.models import ImportMapping

MAX_MAPPING_NAME = 100
# Columns an export adds beside the fields (exporting.py): bookkeeping the importer never
# sets, so an exported file imports again without a mapping.
BOOKKEEPING_COLUMNS = {
    "id",
    "reference",
    "review_status",
    "created_at",
    "created_by",
    "updated_at",
    "revision",
    "withdrawn_at",
    "withdrawn_reason",
}


class MappingError(ValueError):
    """A mapping that cannot be used; the message says why."""


@dataclass(frozen=True)
class HeaderProblem:
    column: str
    message: str


def _norm(text: Any) -> str:
    return normalise(text)


# A hint after the title ("성별 (남/여)", "birth year [YYYY]") or a required-field star.
HINT_RE = re.compile(r"\s*(\(.*\)|\[.*\]|（.*）|\*|:)\s*$")


def field_names(kind: str) -> dict[str, FieldSpec]:
    return {spec.name: spec for spec in fields_of(kind)}


@lru_cache(maxsize=32)
def default_matches(kind: str) -> dict[str, str]:
    """Normalised column title -> field name: each field's name, English and Korean label,
    then the titles teams write (records/aliases.py: 성명, 성별, 생년, gender, …); "" for
    columns that give no field (an export's bookkeeping, serial numbers). Cached per kind:
    the labels are lazy translations."""
    matches: dict[str, str] = {}
    specs = fields_of(kind)
    for spec in specs:
        titles = [spec.name]
        for language in ("en", "ko"):
            with translation.override(language):
                titles.append(str(spec.label))
        for title in titles:
            matches.setdefault(_norm(title), spec.name)
    own = KIND_HEADERS.get(get_kind(kind).name, {})
    for spec in specs:
        for title in own.get(spec.name, ()):
            matches.setdefault(_norm(title), spec.name)
    for spec in specs:
        for title in HEADERS.get(spec.name, ()):
            matches.setdefault(_norm(title), spec.name)
    for column in (*BOOKKEEPING_COLUMNS, *IGNORED_HEADERS):
        matches.setdefault(_norm(column), "")
    return matches


def _default(defaults: dict[str, str], column: str) -> str | None:
    """The field a column title gives by default, also with a hint after it."""
    key = _norm(column)
    if key in defaults:
        return defaults[key]
    bare = _norm(HINT_RE.sub("", str(column)))
    return defaults.get(bare) if bare else None


def match_columns(
    kind: str, header: list[str], mapping: dict[str, str] | None = None
) -> tuple[dict[int, str], list[HeaderProblem]]:
    """Field name of each header position (positions mapped to "" are ignored), and the
    problems of the header: unknown columns, two columns for one field, unknown fields in
    the mapping, a required field that no column gives."""
    fields = field_names(kind)
    defaults = default_matches(kind)
    given = {_norm(column): target for column, target in (mapping or {}).items()}
    problems: list[HeaderProblem] = []
    by_position: dict[int, str] = {}
    seen_columns: dict[str, int] = {}
    taken: dict[str, str] = {}
    for position, column in enumerate(header):
        key = _norm(column)
        if not key:
            continue  # an untitled column; a value in it is a row error (importing.py)
        if key in seen_columns:
            problems.append(HeaderProblem(column, "this column title appears twice"))
            continue
        seen_columns[key] = position
        target = given[key] if key in given else _default(defaults, column)
        if target is None:
            problems.append(
                HeaderProblem(column, "matches no field; map it to a field or to nothing")
            )
            continue
        target = target.strip()
        if target and target not in fields:
            problems.append(HeaderProblem(column, f"{target!r} is not a field of a {kind}"))
            continue
        if target and target in taken:
            problems.append(
                HeaderProblem(column, f"{taken[target]!r} already gives the field {target!r}")
            )
            continue
        if target:
            taken[target] = column
        by_position[position] = target
    for spec in fields.values():
        if spec.required and spec.name not in taken:
            problems.append(HeaderProblem("", f"no column gives the required field {spec.name!r}"))
    return by_position, problems


def suggested_mapping(kind: str, header: list[str], mapping: dict[str, str] | None = None) -> dict:
    """Column title -> field name ("" for none) as the mapping step pre-fills it."""
    defaults = default_matches(kind)
    given = {_norm(column): target for column, target in (mapping or {}).items()}
    suggestion = {}
    for column in header:
        key = _norm(column)
        if key:
            suggestion[column] = given[key] if key in given else _default(defaults, column) or ""
    return suggestion


def check_columns(kind: str, columns: Any) -> dict[str, str]:
    """A mapping as stored: {column title: field name or ""}, every field one of `kind`."""
    if not isinstance(columns, dict) or not columns:
        raise MappingError("a mapping is an object of column titles and field names")
    fields = field_names(kind)
    cleaned: dict[str, str] = {}
    for column, target in columns.items():
        target = "" if target is None else target
        if not isinstance(column, str) or not isinstance(target, str) or not column.strip():
            raise MappingError("a mapping maps column titles (text) to field names (text)")
        if target.strip() and target.strip() not in fields:
            raise MappingError(f"{target!r} (for column {column!r}) is not a field of a {kind}")
        cleaned[column.strip()] = target.strip()
    return cleaned


def read_mapping_file(path: Path, kind: str) -> dict[str, str]:
    """A mapping from a JSON or YAML file {"column": "field", ...}."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise MappingError(f"cannot read the mapping file {path}: {exc}") from None
    try:
        data = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as exc:
        raise MappingError(f"the mapping file {path.name} is not valid: {exc}") from None
    return check_columns(get_kind(kind).name, data)


def saved_mappings(kind: str) -> list[ImportMapping]:
    return list(ImportMapping.objects.filter(kind=get_kind(kind).name).order_by("name"))


def saved_mapping(kind: str, name: str) -> dict[str, str] | None:
    """The columns of the saved mapping `name` for `kind`; None when there is none."""
    saved = ImportMapping.objects.filter(kind=get_kind(kind).name, name=name).first()
    return None if saved is None else check_columns(saved.kind, saved.columns)


def load_mapping(kind: str, mapping: dict[str, str] | str | None) -> dict[str, str] | None:
    """The columns of `mapping`: a dict as given, or the name of a saved mapping of `kind`,
    or (from the command line) the path of a JSON or YAML file."""
    kind = get_kind(kind).name
    if mapping is None or isinstance(mapping, dict):
        return check_columns(kind, mapping) if mapping else None
    saved = saved_mapping(kind, mapping)
    if saved is not None:
        return saved
    path = Path(mapping).expanduser()
    if path.suffix.lower() in {".json", ".yaml", ".yml"} and path.is_file():
        return read_mapping_file(path, kind)
    plural = get_kind(kind).plural
    raise MappingError(f"no saved mapping {mapping!r} for {plural}, and no such file")


def do_save_mapping(user: Any, kind: str, name: str, columns: dict[str, str]) -> ImportMapping:
    """Save (or replace) the mapping `name` for imports of `kind`, with its audit entry."""
    if not user.has_perm("records.import_records"):
        raise RecordActionRefused("saving an import mapping needs the import_records permission")
    kind = get_kind(kind).name
    name = (name or "").strip()
    if not name or len(name) > MAX_MAPPING_NAME:
        raise MappingError(f"a mapping needs a name of 1 to {MAX_MAPPING_NAME} characters")
    columns = check_columns(kind, columns)
    try:
        with transaction.atomic():
            # Two users replacing the same mapping at once: the row lock makes the second
            # wait and then replace what the first saved, each with its own audit entry.
            mapping = ImportMapping.objects.select_for_update().filter(kind=kind, name=name).first()
            replaced = mapping is not None
            if mapping is None:
                mapping = ImportMapping(kind=kind, name=name, created_by=user)
            mapping.columns = columns
            mapping.save()
            record_audit(
                user,
                "import_mapping.saved",
                object_type="records.importmapping",
                object_id=mapping.pk,
                details={"kind": kind, "name": name, "columns": columns, "replaced": replaced},
            )
    except IntegrityError:
        # Both created the name at once (no row to lock yet): the unique constraint caught it.
        raise MappingError(f"a mapping called {name!r} was saved just now; try again") from None
    return mapping
