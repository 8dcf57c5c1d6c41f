"""Read-only pages of the legal frameworks: /cases/frameworks/ lists them and
/cases/frameworks/<code>/ shows one as a tree (crimes and their elements, the contextual
elements they share, modes of liability, standards of proof with their rules in words, and
the violation terms linked to each element), in the user's language with the other beside it.

Readable by whoever may see case files or documentation records
(framework_queries.can_read_frameworks); others get the refusal page (403).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from sillok.assessment.elements import standard_rule
from sillok.assessment.framework_queries import (
    FrameworkNotFound,
    can_read_frameworks,
    elements_of,
    find_framework,
    frameworks_with_counts,
)
from sillok.assessment.models import Element, ElementKind, Framework
from sillok.assessment.rules import rule_text


@dataclass
class ElementNode:
    element: Element
    rule_text: str = ""
    children: list[ElementNode] = field(default_factory=list)


def _refused(request: HttpRequest) -> HttpResponse:
    message = _("The legal frameworks are shown to those who may see case files or records.")
    return render(request, "assessment/refused.html", {"message": message}, status=403)


def _tree(framework: Framework) -> list[ElementNode]:
    language = "ko" if (get_language() or "en").startswith("ko") else "en"
    nodes: dict[int, ElementNode] = {}
    roots: list[ElementNode] = []
    for element in elements_of(framework):
        node = ElementNode(element)
        if element.kind == ElementKind.STANDARD:
            node.rule_text = rule_text(standard_rule(element), language)
        nodes[element.pk] = node
        parent = nodes.get(element.parent_id) if element.parent_id else None
        (parent.children if parent else roots).append(node)
    return roots


@login_required
@require_GET
def framework_list(request: HttpRequest) -> HttpResponse:
    if not can_read_frameworks(request.user):
        return _refused(request)
    frameworks = list(frameworks_with_counts())
    return render(request, "assessment/frameworks.html", {"frameworks": frameworks})


@login_required
@require_GET
def framework_page(request: HttpRequest, code: str) -> HttpResponse:
    if not can_read_frameworks(request.user):
        return _refused(request)
    try:
        framework = find_framework(code)
    except FrameworkNotFound:
        raise Http404(_("No such legal framework.")) from None
    context: dict[str, Any] = {"framework": framework, "tree": _tree(framework)}
    return render(request, "assessment/frameworks_detail.html", context)
