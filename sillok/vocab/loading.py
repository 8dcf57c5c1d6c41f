"""Load the shipped vocabularies (`data/*.yaml`) into the database; idempotent.

Shipped terms are matched by (vocabulary, code): labels, data and parents follow the files;
a shipped term that left the files is retired (inactive), never deleted, because records may
point at it. Terms added locally are left alone. The file format is documented in
docs/vocabularies.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from django.db import transaction
from django.utils import timezone

from sillok.vocab.models import Origin, Term, Vocabulary

DATA_DIR = Path(__file__).resolve().parent / "data"
# Files that describe places, not thesauri (loaded by gazetteer.py).
PLACE_FILES = {"dprk_provinces", "facilities", "places_abroad"}
CODE_RE = re.compile(r"^[a-z0-9_.]+$")


class VocabularyFileError(ValueError):
    """A shipped or administrator-supplied vocabulary file is malformed; says where."""


@dataclass(frozen=True)
class TermSpec:
    code: str
    parent_code: str | None
    label_en: str
    label_ko: str
    description_en: str
    description_ko: str
    data: dict
    sort_order: int


def _labels(node: dict, key: str, where: str, *, required: bool) -> tuple[str, str]:
    value = node.get(key) or {}
    if not isinstance(value, dict):
        raise VocabularyFileError(f"{where}: {key} must be a mapping with en and ko")
    english, korean = str(value.get("en") or "").strip(), str(value.get("ko") or "").strip()
    if required and not english:
        raise VocabularyFileError(f"{where}: {key}.en is required")
    return english, korean


def parse_vocabulary(document: Any, source: str) -> tuple[dict, list[TermSpec]]:
    """Check one vocabulary document and flatten its term tree (parents before children)."""
    if not isinstance(document, dict) or not document.get("vocabulary"):
        raise VocabularyFileError(f"{source}: not a vocabulary file (no 'vocabulary' key)")
    slug = str(document["vocabulary"])
    label_en, label_ko = _labels(document, "label", source, required=True)
    desc_en, desc_ko = _labels(document, "description", source, required=False)
    header = {
        "slug": slug,
        "label_en": label_en,
        "label_ko": label_ko,
        "description_en": desc_en,
        "description_ko": desc_ko,
    }
    specs: list[TermSpec] = []
    seen: set[str] = set()

    def walk(nodes: Any, parent: str | None) -> None:
        if not isinstance(nodes, list):
            raise VocabularyFileError(f"{source}: terms/children must be a list")
        for node in nodes:
            code = str((node or {}).get("code") or "")
            where = f"{source}: term {code or '(no code)'}"
            if not CODE_RE.match(code):
                raise VocabularyFileError(f"{where}: code must match [a-z0-9_.]+")
            if code in seen:
                raise VocabularyFileError(f"{where}: code used twice")
            seen.add(code)
            data = node.get("data") or {}
            if not isinstance(data, dict):
                raise VocabularyFileError(f"{where}: data must be a mapping")
            specs.append(
                TermSpec(
                    code,
                    parent,
                    *_labels(node, "label", where, required=True),
                    *_labels(node, "description", where, required=False),
                    data,
                    len(specs),
                )
            )
            walk(node.get("children") or [], code)

    walk(document.get("terms") or [], None)
    return header, specs


def shipped_vocabulary_files() -> list[Path]:
    return sorted(p for p in DATA_DIR.glob("*.yaml") if p.stem not in PLACE_FILES)


def read_yaml(path: Path) -> Any:
    try:
        with path.open(encoding="utf-8") as handle:
            return yaml.safe_load(handle)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise VocabularyFileError(f"{path.name}: cannot be read as UTF-8 YAML: {exc}") from None


def load_vocabulary(header: dict, specs: list[TermSpec], *, origin: str) -> dict[str, int]:
    """Create or update one vocabulary and its terms; returns counts of what changed."""
    now = timezone.now()
    counts = {"created": 0, "updated": 0, "retired": 0}
    with transaction.atomic():
        vocabulary, _ = Vocabulary.objects.update_or_create(
            slug=header["slug"], defaults={**header, "origin": origin}
        )
        existing = {t.code: t for t in Term.objects.filter(vocabulary=vocabulary)}
        by_code: dict[str, Term] = {}
        for spec in specs:
            parent = by_code.get(spec.parent_code) if spec.parent_code else None
            values = {
                "parent": parent,
                "label_en": spec.label_en,
                "label_ko": spec.label_ko,
                "description_en": spec.description_en,
                "description_ko": spec.description_ko,
                "data": spec.data,
                "sort_order": spec.sort_order,
                "active": True,
                "depth": parent.depth + 1 if parent else 0,
            }
            term = existing.get(spec.code)
            if term is None:
                term = Term.objects.create(
                    vocabulary=vocabulary, code=spec.code, origin=origin, **values
                )
                counts["created"] += 1
            elif term.origin == origin and any(getattr(term, k) != v for k, v in values.items()):
                for name, value in values.items():
                    setattr(term, name, value)
                term.updated_at = now
                term.save()
                counts["updated"] += 1
            by_code[spec.code] = term
        stale = [
            t
            for code, t in existing.items()
            if code not in by_code and t.origin == origin and t.active
        ]
        for term in stale:
            term.active = False
            term.updated_at = now
            term.save(update_fields=["active", "updated_at"])
        counts["retired"] = len(stale)
        rebuild_term_paths(vocabulary)
    return counts


def rebuild_term_paths(vocabulary: Vocabulary) -> None:
    """Recompute `path` and `depth` of every term of `vocabulary` from the parent links."""
    terms = list(
        Term.objects.filter(vocabulary=vocabulary).only("pk", "parent_id", "path", "depth")
    )
    by_id = {t.pk: t for t in terms}
    changed = []
    for term in terms:
        chain, node, guard = [], term, 0
        while node is not None and guard < 64:
            chain.append(node.pk)
            node = by_id.get(node.parent_id) if node.parent_id else None
            guard += 1
        path = "/" + "/".join(str(pk) for pk in reversed(chain)) + "/"
        if term.path != path or term.depth != len(chain) - 1:
            term.path, term.depth = path, len(chain) - 1
            changed.append(term)
    Term.objects.bulk_update(changed, ["path", "depth"], batch_size=500)


def load_shipped_vocabularies() -> dict[str, dict[str, int]]:
    """Load every shipped vocabulary file; returns per-vocabulary counts."""
    results = {}
    for path in shipped_vocabulary_files():
        header, specs = parse_vocabulary(read_yaml(path), path.name)
        if header["slug"] != path.stem:
            raise VocabularyFileError(f"{path.name}: vocabulary {header['slug']!r} != file name")
        results[header["slug"]] = load_vocabulary(header, specs, origin=Origin.SHIPPED)
    return results
