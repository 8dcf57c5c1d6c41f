"""Who may read the legal frameworks, and the one shape in which the CLI, the API and the
pages show them.

Frameworks are the law, not evidence: they hold nothing about a case or a witness. They are
readable by anyone who may see case files (assessment.view_cases) or documentation records
(records.view_record), because analysts map acts to elements as much as legal experts do;
partners and users without a role see nothing of them, like the vocabularies.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet

from sillok.assessment.models import Element, ElementKind, Framework
from sillok.vocab.models import Term

READ_PERMISSIONS = ("assessment.view_cases", "records.view_record")


class FrameworkNotFound(LookupError):
    """No framework with that id or code."""


def can_read_frameworks(user: Any) -> bool:
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return any(user.has_perm(permission) for permission in READ_PERMISSIONS)


def frameworks_with_counts() -> QuerySet[Framework]:
    active = Q(elements__active=True)
    return Framework.objects.annotate(
        element_count=Count("elements", filter=active),
        crime_count=Count("elements", filter=active & Q(elements__kind=ElementKind.CRIME)),
    ).order_by("sort_order", "code")


def find_framework(spec: str | int) -> Framework:
    """The framework with this code or numeric id."""
    text = str(spec).strip()
    found = Framework.objects.filter(pk=int(text)) if text.isdigit() else None
    if found is None or not found.exists():
        found = Framework.objects.filter(code=text)
    framework = found.first()
    if framework is None:
        raise FrameworkNotFound(f"no framework {text!r}")
    return framework


def elements_of(framework: Framework, *, include_retired: bool = False) -> list[Element]:
    """Every element of `framework` in file order, with its terms and parent and context
    codes loaded in a fixed number of queries."""
    rows = Element.objects.filter(framework=framework).select_related("parent", "context")
    if not include_retired:
        rows = rows.filter(active=True)
    terms = Term.objects.select_related("vocabulary").order_by("vocabulary__slug", "sort_order")
    return list(rows.order_by("sort_order", "pk").prefetch_related(Prefetch("terms", terms)))


def framework_summary(framework: Framework) -> dict[str, Any]:
    return {
        "id": framework.pk,
        "code": framework.code,
        "name": framework.label_en,
        "label_en": framework.label_en,
        "label_ko": framework.label_ko,
        "origin": framework.origin,
        "elements": getattr(framework, "element_count", None),
        "crimes": getattr(framework, "crime_count", None),
    }


def element_as_dict(element: Element) -> dict[str, Any]:
    return {
        "id": element.pk,
        "code": element.code,
        "kind": element.kind,
        "parent": element.parent.code if element.parent_id else None,
        "context": element.context.code if element.context_id else None,
        "label_en": element.label_en,
        "label_ko": element.label_ko,
        "description_en": element.description_en,
        "description_ko": element.description_ko,
        "korean_ours": element.korean_ours,
        "reference": element.reference,
        "terms": [
            {
                "vocabulary": term.vocabulary.slug,
                "code": term.code,
                "label_en": term.label_en,
                "label_ko": term.label_ko,
            }
            for term in element.terms.all()
        ],
        "data": element.data,
        "active": element.active,
    }


def framework_as_dict(framework: Framework, *, include_retired: bool = False) -> dict[str, Any]:
    """The framework with all its elements (the shape of `sillok frameworks show --json` and
    of GET /api/v1/frameworks/{code})."""
    elements = elements_of(framework, include_retired=include_retired)
    return {
        "id": framework.pk,
        "code": framework.code,
        "name": framework.label_en,
        "label_en": framework.label_en,
        "label_ko": framework.label_ko,
        "description_en": framework.description_en,
        "description_ko": framework.description_ko,
        "source": framework.source,
        "licence": framework.licence,
        "origin": framework.origin,
        "elements": [element_as_dict(element) for element in elements],
    }
