"""Load legal frameworks (shipped YAML in data/frameworks/, or an administrator's own file)
into Framework and Element rows; idempotent, like the vocabularies (vocab/loading.py).

1. The file is read and checked completely (framework_files.py) and every vocabulary term it
   names is resolved before anything is written; a bad file changes nothing.
2. Elements are matched by (framework, code): labels, wording, terms and data follow the
   file; an element that left the file is retired (inactive), never deleted, because charges
   and evidence links may point at it.
3. The rows and the audit entry `assessment.frameworks_loaded` are written in one transaction.

Shipped frameworks belong to Sillok: a local file cannot take the code of a shipped one, and
a shipped file does not overwrite a local framework of the same code (it is refused).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from sillok.assessment.framework_files import (
    ElementSpec,
    FrameworkFileError,
    FrameworkSpec,
    read_framework_file,
)
from sillok.assessment.models import Element, Framework
from sillok.custody.audit import record_audit
from sillok.vocab.models import Origin, Term

DATA_DIR = Path(__file__).resolve().parent / "data" / "frameworks"
MANAGE_PERMISSION = "assessment.manage_frameworks"
FRAMEWORK_FIELDS = (
    "label_en",
    "label_ko",
    "description_en",
    "description_ko",
    "source",
    "licence",
    "sort_order",
)

__all__ = [
    "FrameworkFileError",
    "FrameworkLoadRefused",
    "do_load_framework_file",
    "do_load_shipped_frameworks",
    "load_shipped_frameworks",
    "shipped_framework_files",
]


class FrameworkLoadRefused(PermissionError):
    """The user may not load frameworks."""


def shipped_framework_files() -> list[Path]:
    return sorted(DATA_DIR.glob("*.yaml"))


def resolve_terms(spec: FrameworkSpec) -> dict[str, list[int]]:
    """Term ids for each element code; FrameworkFileError names an unknown term."""
    wanted_vocabularies = {v for e in spec.elements for v, _ in e.terms} | {
        f.vocabulary for e in spec.elements for f in e.term_filters
    }
    terms_by_vocabulary: dict[str, list[Term]] = {slug: [] for slug in wanted_vocabularies}
    for term in Term.objects.filter(vocabulary__slug__in=wanted_vocabularies).select_related(
        "vocabulary"
    ):
        terms_by_vocabulary[term.vocabulary.slug].append(term)
    resolved: dict[str, list[int]] = {}
    for element in spec.elements:
        ids: list[int] = []
        for vocabulary, code in element.terms:
            match = [t for t in terms_by_vocabulary[vocabulary] if t.code == code and t.active]
            if not match:
                raise FrameworkFileError(
                    f"{element.where}: terms: unknown vocabulary term {vocabulary}:{code}"
                )
            ids.append(match[0].pk)
        for term_filter in element.term_filters:
            if not terms_by_vocabulary[term_filter.vocabulary]:
                raise FrameworkFileError(
                    f"{element.where}: terms_with: unknown vocabulary {term_filter.vocabulary!r}"
                )
            for term in terms_by_vocabulary[term_filter.vocabulary]:
                value = (term.data or {}).get(term_filter.key)
                held = value if isinstance(value, list) else [value]
                if term.active and any(v in held for v in term_filter.values):
                    ids.append(term.pk)
        resolved[element.code] = sorted(set(ids))
    return resolved


def _element_values(spec: ElementSpec, parent: Element | None) -> dict[str, Any]:
    return {
        "parent_id": parent.pk if parent else None,
        "kind": spec.kind,
        "label_en": spec.label_en,
        "label_ko": spec.label_ko,
        "description_en": spec.description_en,
        "description_ko": spec.description_ko,
        "korean_ours": spec.korean_ours,
        "reference": spec.reference,
        "data": spec.data,
        "sort_order": spec.sort_order,
        "active": True,
    }


def load_framework(spec: FrameworkSpec, *, origin: str) -> tuple[Framework, dict[str, int]]:
    """Create or update one framework and its elements from a checked spec; returns the
    framework and counts of elements created, updated and retired."""
    term_ids = resolve_terms(spec)
    now = timezone.now()
    counts = {"created": 0, "updated": 0, "retired": 0}
    with transaction.atomic():
        framework = Framework.objects.select_for_update().filter(code=spec.code).first()
        if framework is not None and framework.origin != origin:
            owner = "shipped with Sillok" if framework.origin == Origin.SHIPPED else "added locally"
            raise FrameworkFileError(
                f"{spec.source_name}: the framework {spec.code!r} exists and was {owner}; "
                "choose another code"
            )
        framework_values = {name: getattr(spec, name) for name in FRAMEWORK_FIELDS}
        if framework is None:
            framework = Framework.objects.create(code=spec.code, origin=origin, **framework_values)
            counts["framework_created"] = 1
        elif any(getattr(framework, k) != v for k, v in framework_values.items()):
            for name, value in framework_values.items():
                setattr(framework, name, value)
            framework.updated_at = now
            framework.save()
            counts["framework_updated"] = 1
        existing = {e.code: e for e in Element.objects.filter(framework=framework)}
        current_terms = _current_terms(framework)
        by_code: dict[str, Element] = {}
        for spec_element in spec.elements:
            element = _save_element(
                framework, spec_element, by_code, existing, term_ids, current_terms, origin, counts
            )
            by_code[spec_element.code] = element
        _link_contexts(spec, by_code, existing, now, counts)
        stale = [e for code, e in existing.items() if code not in by_code and e.active]
        for element in stale:
            element.active = False
            element.updated_at = now
            element.save(update_fields=["active", "updated_at"])
        counts["retired"] = len(stale)
    return framework, counts


def _current_terms(framework: Framework) -> dict[int, set[int]]:
    links = Element.terms.through.objects.filter(element__framework=framework)
    current: dict[int, set[int]] = {}
    for element_id, term_id in links.values_list("element_id", "term_id"):
        current.setdefault(element_id, set()).add(term_id)
    return current


def _save_element(
    framework: Framework,
    spec: ElementSpec,
    by_code: dict[str, Element],
    existing: dict[str, Element],
    term_ids: dict[str, list[int]],
    current_terms: dict[int, set[int]],
    origin: str,
    counts: dict[str, int],
) -> Element:
    parent = by_code.get(spec.parent_code) if spec.parent_code else None
    values = _element_values(spec, parent)
    element = existing.get(spec.code)
    wanted_terms = set(term_ids[spec.code])
    if element is None:
        element = Element.objects.create(
            framework=framework, code=spec.code, origin=origin, **values
        )
        counts["created"] += 1
    else:
        changed = any(getattr(element, k) != v for k, v in values.items())
        changed = changed or current_terms.get(element.pk, set()) != wanted_terms
        if not changed:
            return element
        for name, value in values.items():
            setattr(element, name, value)
        element.updated_at = timezone.now()
        element.save()
        counts["updated"] += 1
    element.terms.set(wanted_terms)
    return element


def _link_contexts(
    spec: FrameworkSpec,
    by_code: dict[str, Element],
    existing: dict[str, Element],
    now: Any,
    counts: dict[str, int],
) -> None:
    """Set each crime's context once every element exists (a context may come later)."""
    for spec_element in spec.elements:
        element = by_code[spec_element.code]
        context = by_code[spec_element.context_code] if spec_element.context_code else None
        context_id = context.pk if context else None
        if element.context_id == context_id:
            continue
        element.context_id = context_id
        element.updated_at = now
        element.save(update_fields=["context", "updated_at"])
        if spec_element.code in existing:
            counts["updated"] += 1


def load_shipped_frameworks() -> dict[str, dict[str, int]]:
    """Load every shipped framework file; returns per-framework counts. Needs the shipped
    vocabularies in the database (their terms are linked)."""
    results = {}
    for path in shipped_framework_files():
        spec = read_framework_file(path)
        if spec.code != path.stem:
            raise FrameworkFileError(f"{path.name}: framework {spec.code!r} != file name")
        _, results[spec.code] = load_framework(spec, origin=Origin.SHIPPED)
    return results


def do_load_shipped_frameworks(*, audit: bool = True) -> dict[str, Any]:
    """Load (or update) the shipped frameworks; idempotent. `audit=False` when the caller
    records the load in its own audit entry (`sillok init`)."""
    with transaction.atomic():
        frameworks = load_shipped_frameworks()
        changed = {code: counts for code, counts in frameworks.items() if any(counts.values())}
        if audit and changed:
            record_audit(
                None,
                "assessment.frameworks_loaded",
                details={"origin": Origin.SHIPPED, "frameworks": changed},
            )
    return {"frameworks": frameworks, "changed": changed}


def do_load_framework_file(user: Any, path: Path) -> Framework:
    """Load an administrator's own framework file (origin local); loading it again updates
    it. Refused without assessment.manage_frameworks, and for the code of a shipped
    framework."""
    if user is None or not user.has_perm(MANAGE_PERMISSION):
        raise FrameworkLoadRefused(f"loading a framework needs the {MANAGE_PERMISSION} permission")
    spec = read_framework_file(Path(path))
    with transaction.atomic():
        framework, counts = load_framework(spec, origin=Origin.LOCAL)
        record_audit(
            user,
            "assessment.frameworks_loaded",
            object_type="assessment.framework",
            object_id=framework.pk,
            details={
                "origin": Origin.LOCAL,
                "file": spec.source_name,
                "frameworks": {framework.code: counts},
            },
        )
    return framework
