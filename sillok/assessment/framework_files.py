"""Reading and checking a legal framework file (YAML) before anything is written.

A file describes one framework and its element tree (format: docs/assessment.md "Legal
frameworks"). Everything that can be checked without the database is checked here, and every
error names the file and the path of the node in it ("rome-statute.yaml: art7 > art7-1-f >
art7-1-f.1: ..."), so an administrator can fix a file without reading code. Vocabulary terms
are resolved against the database by frameworks.py, which reports unknown ones the same way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from sillok.assessment.models import ElementKind

FRAMEWORK_CODE_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
# Element codes: lower-case letters, digits, '-' and '.', e.g. "art7-1-f.1".
ELEMENT_CODE_RE = re.compile(r"^[a-z0-9][a-z0-9.-]{0,119}$")
TERM_CODE_RE = re.compile(r"^[a-z0-9_.]+$")
WEIGHTS = ("low", "medium", "high")
# What each kind of element may hold directly beneath it.
ALLOWED_CHILDREN: dict[str, set[str]] = {
    ElementKind.GROUP: {
        ElementKind.GROUP,
        ElementKind.CRIME,
        ElementKind.CONTEXTUAL,
        ElementKind.MODE,
        ElementKind.STANDARD,
    },
    ElementKind.CRIME: {ElementKind.ELEMENT},
    ElementKind.MODE: {ElementKind.ELEMENT},
    ElementKind.CONTEXTUAL: set(),
    ElementKind.ELEMENT: set(),
    ElementKind.STANDARD: set(),
}
FRAMEWORK_KEYS = {
    "framework",
    "label",
    "description",
    "source",
    "licence",
    "korean_ours",
    "vocabulary",
    "sort_order",
    "elements",
}
ELEMENT_KEYS = {
    "code",
    "kind",
    "label",
    "description",
    "reference",
    "context",
    "terms",
    "terms_with",
    "data",
    "korean_ours",
    "children",
}
RULE_DEFAULTS: dict[str, Any] = {
    "independent_sources": 1,
    "first_hand": 0,
    "weight": "low",
    "uncontradicted": False,
}


class FrameworkFileError(ValueError):
    """A framework file is malformed or cannot be loaded; the message says where and why."""


@dataclass(frozen=True)
class TermFilter:
    """Every active term of `vocabulary` whose data[key] holds one of `values`."""

    vocabulary: str
    key: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class ElementSpec:
    code: str
    where: str  # the node's path in the file, for error messages
    parent_code: str | None
    kind: str
    label_en: str
    label_ko: str
    description_en: str
    description_ko: str
    korean_ours: bool
    reference: str
    context_code: str | None
    terms: tuple[tuple[str, str], ...]  # (vocabulary slug, term code)
    term_filters: tuple[TermFilter, ...]
    data: dict
    sort_order: int


@dataclass(frozen=True)
class FrameworkSpec:
    code: str
    source_name: str  # the file name, for error messages
    label_en: str
    label_ko: str
    description_en: str
    description_ko: str
    source: str
    licence: str
    sort_order: int
    elements: list[ElementSpec] = field(default_factory=list)


def read_framework_file(path: Path) -> FrameworkSpec:
    """Read and check one framework file; FrameworkFileError names what is wrong."""
    try:
        with path.open(encoding="utf-8") as handle:
            document = yaml.safe_load(handle)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise FrameworkFileError(f"{path.name}: cannot be read as UTF-8 YAML: {exc}") from None
    return parse_framework(document, path.name)


def _text(value: Any, where: str, key: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str | int | float):
        raise FrameworkFileError(f"{where}: {key} must be text")
    return str(value).strip()


def _labels(node: dict, key: str, where: str, *, required: bool) -> tuple[str, str]:
    value = node.get(key)
    if value is None:
        value = {}
    if not isinstance(value, dict):
        raise FrameworkFileError(f"{where}: {key} must be a mapping with en and ko")
    unknown = set(value) - {"en", "ko"}
    if unknown:
        raise FrameworkFileError(f"{where}: {key} has unknown languages {sorted(unknown)}")
    english = _text(value.get("en"), where, f"{key}.en")
    korean = _text(value.get("ko"), where, f"{key}.ko")
    if required and not english:
        raise FrameworkFileError(f"{where}: {key}.en (the English label) is required")
    return english, korean


def _bool(value: Any, where: str, key: str, default: bool) -> bool:
    if value is None:
        return default
    if not isinstance(value, bool):
        raise FrameworkFileError(f"{where}: {key} must be true or false")
    return value


def parse_framework(document: Any, source_name: str) -> FrameworkSpec:
    """Check one framework document and flatten its element tree (parents first)."""
    if not isinstance(document, dict) or "framework" not in document:
        raise FrameworkFileError(f"{source_name}: not a framework file (no 'framework' key)")
    unknown = set(document) - FRAMEWORK_KEYS
    if unknown:
        raise FrameworkFileError(f"{source_name}: unknown keys {sorted(unknown)}")
    code = _text(document["framework"], source_name, "framework")
    if not FRAMEWORK_CODE_RE.match(code):
        raise FrameworkFileError(
            f"{source_name}: framework code {code!r} must be lower-case letters, digits and '-'"
        )
    label_en, label_ko = _labels(document, "label", source_name, required=True)
    description_en, description_ko = _labels(document, "description", source_name, required=False)
    sort_order = document.get("sort_order", 100)
    if not isinstance(sort_order, int) or isinstance(sort_order, bool) or sort_order < 0:
        raise FrameworkFileError(f"{source_name}: sort_order must be a whole number >= 0")
    spec = FrameworkSpec(
        code=code,
        source_name=source_name,
        label_en=label_en,
        label_ko=label_ko,
        description_en=description_en,
        description_ko=description_ko,
        source=_text(document.get("source"), source_name, "source"),
        licence=_text(document.get("licence"), source_name, "licence"),
        sort_order=sort_order,
    )
    walker = _TreeWalker(
        source_name,
        default_vocabulary=_text(
            document.get("vocabulary") or "violations", source_name, "vocabulary"
        ),
        korean_ours=_bool(document.get("korean_ours"), source_name, "korean_ours", False),
    )
    walker.walk(document.get("elements"), None, None, source_name)
    if not walker.specs:
        raise FrameworkFileError(f"{source_name}: the framework has no elements")
    _check_contexts(walker.specs, source_name)
    spec.elements.extend(walker.specs)
    return spec


class _TreeWalker:
    """Flattens the element tree, checking each node against its parent."""

    def __init__(self, source_name: str, *, default_vocabulary: str, korean_ours: bool) -> None:
        self.source_name = source_name
        self.default_vocabulary = default_vocabulary
        self.korean_ours = korean_ours
        self.specs: list[ElementSpec] = []
        self.seen: dict[str, str] = {}

    def walk(
        self, nodes: Any, parent_code: str | None, parent_kind: str | None, where: str
    ) -> None:
        if nodes is None:
            return
        if not isinstance(nodes, list):
            raise FrameworkFileError(f"{where}: elements/children must be a list")
        for node in nodes:
            self.specs.append(self.element(node, parent_code, parent_kind, where))
            spec = self.specs[-1]
            self.walk(node.get("children"), spec.code, spec.kind, spec.where)

    def element(
        self, node: Any, parent_code: str | None, parent_kind: str | None, parent_where: str
    ) -> ElementSpec:
        if not isinstance(node, dict):
            raise FrameworkFileError(f"{parent_where}: each element must be a mapping")
        code = _text(node.get("code"), parent_where, "code")
        where = f"{parent_where} > {code or '(no code)'}"
        if parent_code is None:
            where = f"{self.source_name}: {code or '(no code)'}"
        if not ELEMENT_CODE_RE.match(code):
            raise FrameworkFileError(
                f"{where}: code must be lower-case letters, digits, '-' and '.' (got {code!r})"
            )
        if code in self.seen:
            raise FrameworkFileError(
                f"{where}: duplicate code {code!r} (also at {self.seen[code]})"
            )
        self.seen[code] = where
        unknown = set(node) - ELEMENT_KEYS
        if unknown:
            raise FrameworkFileError(f"{where}: unknown keys {sorted(unknown)}")
        kind = _text(node.get("kind"), where, "kind")
        if kind not in ElementKind.values:
            raise FrameworkFileError(
                f"{where}: unknown kind {kind!r} (one of {', '.join(ElementKind.values)})"
            )
        if parent_kind is None and kind != ElementKind.GROUP:
            raise FrameworkFileError(f"{where}: a top-level element must be a group, not {kind}")
        if parent_kind is not None and kind not in ALLOWED_CHILDREN[parent_kind]:
            raise FrameworkFileError(f"{where}: a {parent_kind} cannot hold a {kind}")
        data = node.get("data") or {}
        if not isinstance(data, dict):
            raise FrameworkFileError(f"{where}: data must be a mapping")
        if kind == ElementKind.STANDARD:
            check_standard_data(data, where)
        context = node.get("context")
        if context is not None and kind != ElementKind.CRIME:
            raise FrameworkFileError(f"{where}: only a crime has a context")
        label_en, label_ko = _labels(node, "label", where, required=True)
        description_en, description_ko = _labels(node, "description", where, required=False)
        return ElementSpec(
            code=code,
            where=where,
            parent_code=parent_code,
            kind=kind,
            label_en=label_en,
            label_ko=label_ko,
            description_en=description_en,
            description_ko=description_ko,
            korean_ours=_bool(node.get("korean_ours"), where, "korean_ours", self.korean_ours),
            reference=_text(node.get("reference"), where, "reference"),
            context_code=_text(context, where, "context") or None,
            terms=self.term_refs(node.get("terms"), where),
            term_filters=self.term_filters(node.get("terms_with"), where),
            data=data,
            sort_order=len(self.specs),
        )

    def term_refs(self, value: Any, where: str) -> tuple[tuple[str, str], ...]:
        if value is None:
            return ()
        if not isinstance(value, list):
            raise FrameworkFileError(f"{where}: terms must be a list of term codes")
        refs = []
        for entry in value:
            text = _text(entry, where, "terms")
            vocabulary, _, code = text.rpartition(":")
            vocabulary = vocabulary or self.default_vocabulary
            if not TERM_CODE_RE.match(code) or not TERM_CODE_RE.match(vocabulary):
                raise FrameworkFileError(f"{where}: terms: {text!r} is not a term code")
            refs.append((vocabulary, code))
        return tuple(refs)

    def term_filters(self, value: Any, where: str) -> tuple[TermFilter, ...]:
        if value is None:
            return ()
        entries = value if isinstance(value, list) else [value]
        filters = []
        for entry in entries:
            if not isinstance(entry, dict):
                raise FrameworkFileError(f"{where}: terms_with must be a mapping")
            entry = dict(entry)
            vocabulary = _text(entry.pop("vocabulary", None), where, "terms_with.vocabulary")
            if len(entry) != 1:
                raise FrameworkFileError(
                    f"{where}: terms_with needs exactly one data key besides vocabulary"
                )
            ((key, wanted),) = entry.items()
            values = wanted if isinstance(wanted, list) else [wanted]
            filters.append(
                TermFilter(
                    vocabulary or self.default_vocabulary,
                    str(key),
                    tuple(_text(v, where, f"terms_with.{key}") for v in values),
                )
            )
        return tuple(filters)


def check_standard_data(data: dict, where: str) -> None:
    """A standard of proof needs a rank and a rule the matrix can apply."""
    rank = data.get("rank")
    if not isinstance(rank, int) or isinstance(rank, bool) or rank < 1:
        raise FrameworkFileError(f"{where}: bad rule: data.rank must be a whole number >= 1")
    rule = data.get("rule")
    if not isinstance(rule, dict):
        raise FrameworkFileError(f"{where}: bad rule: data.rule must be a mapping")
    unknown = set(rule) - set(RULE_DEFAULTS)
    if unknown:
        raise FrameworkFileError(f"{where}: bad rule: unknown keys {sorted(unknown)}")
    full = {**RULE_DEFAULTS, **rule}
    for key in ("independent_sources", "first_hand"):
        value = full[key]
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise FrameworkFileError(f"{where}: bad rule: {key} must be a whole number >= 0")
    if full["independent_sources"] < 1:
        raise FrameworkFileError(f"{where}: bad rule: independent_sources must be at least 1")
    if full["first_hand"] > full["independent_sources"]:
        raise FrameworkFileError(
            f"{where}: bad rule: first_hand ({full['first_hand']}) cannot exceed "
            f"independent_sources ({full['independent_sources']})"
        )
    if full["weight"] not in WEIGHTS:
        raise FrameworkFileError(f"{where}: bad rule: weight must be one of {', '.join(WEIGHTS)}")
    if not isinstance(full["uncontradicted"], bool):
        raise FrameworkFileError(f"{where}: bad rule: uncontradicted must be true or false")


def _check_contexts(specs: list[ElementSpec], source_name: str) -> None:
    """A crime's context names a group of this file that holds contextual elements."""
    by_code = {spec.code: spec for spec in specs}
    for spec in specs:
        if spec.context_code is None:
            continue
        target = by_code.get(spec.context_code)
        if target is None:
            raise FrameworkFileError(
                f"{spec.where}: context {spec.context_code!r} is not an element of this file"
            )
        holds_contextual = any(
            s.parent_code == target.code and s.kind == ElementKind.CONTEXTUAL for s in specs
        )
        if target.kind != ElementKind.GROUP or not holds_contextual:
            raise FrameworkFileError(
                f"{spec.where}: context {spec.context_code!r} must be a group of contextual "
                "elements"
            )
