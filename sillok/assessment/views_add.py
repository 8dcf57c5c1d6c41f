""" "Add to a case" from an item or record page: the form the button opens (the button is a
page action: views_actions.py). The form lists, for every case the user may
change, each element of each charge; a passage of an item's text comes from the selection in
the text viewer (core/static/sillok/passage.js) or is typed ("p3-4", "c120-480", "t12-40").
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from sillok.assessment.access import visible_cases
from sillok.assessment.elements import elements_for_charge
from sillok.assessment.evidence_refs import (
    EvidenceNotFound,
    EvidenceRefError,
    evidence_ref,
    resolve_evidence,
)
from sillok.assessment.forms import AddToCaseForm
from sillok.assessment.models import CaseStatus, Charge, Element
from sillok.assessment.views_common import form_status, refused, run_service
from sillok.assessment.views_display import SECTION_LABELS
from sillok.assessment.views_matrix import _anchor, _link


def targets_for(user: Any) -> list[dict[str, Any]]:
    """The open cases `user` may change, each with its charges and their elements:
    [{case, charges: [{charge, options: [(value, label)]}]}]."""
    cases = visible_cases(user).filter(status=CaseStatus.OPEN).order_by("-pk")
    charges = (
        Charge.objects.filter(case__in=cases, withdrawn_at__isnull=True)
        .select_related("crime", "mode", "case")
        .order_by("case_id", "pk")
    )
    by_case: dict[int, list[Charge]] = {}
    for charge in charges:
        by_case.setdefault(charge.case_id, []).append(charge)
    shown = []
    for case in cases:
        rows = []
        for charge in by_case.get(case.pk, []):
            options = [
                (f"{charge.pk}:{entry.element.pk}", entry.element, entry.section)
                for entry in elements_for_charge(charge.crime, charge.mode)
            ]
            rows.append({"charge": charge, "options": options})
        if rows:
            shown.append({"case": case, "charges": rows})
    return shown


def _target_map(groups: list[dict[str, Any]]) -> dict[str, tuple[Charge, Element]]:
    return {
        value: (row["charge"], element)
        for group in groups
        for row in group["charges"]
        for value, element, _section in row["options"]
    }


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def add_to_case(request: HttpRequest) -> HttpResponse:
    """GET: the form, filled from the page it came from (?evidence=X-5&passage=c17:120-480).
    POST: link the evidence to the chosen element, then to that element in the matrix."""
    user = request.user
    if not user.has_perm("assessment.change_cases"):
        return refused(request, _("Adding evidence to cases is legal experts' work."))
    groups = targets_for(user)
    source = request.POST if request.method == "POST" else None
    initial = {
        "evidence": request.GET.get("evidence", "")[:300],
        "passage": request.GET.get("passage", "")[:100],
    }
    form = AddToCaseForm(source, initial=initial, targets=_target_map(groups))
    status = 200
    if source is not None:
        if form.is_valid():
            data = form.cleaned_data
            charge, element = data["target"]
            link = run_service(form, lambda: _link(user, charge, element, data))
            if link is not None:
                messages.success(request, _("The evidence was linked."))
                url = reverse("assessment:matrix", args=[charge.case_id])
                return redirect(f"{url}#{_anchor(charge, element)}")
        status = form_status(form)
    context = {
        "form": form,
        "groups": groups,
        "evidence": _shown_evidence(user, form["evidence"].value() or ""),
        "section_labels": SECTION_LABELS,
    }
    return render(request, "assessment/add.html", context, status=status)


def _shown_evidence(user: Any, ref: str) -> dict[str, str] | None:
    """What the form is about, named as its own page names it; None when the reference is
    missing, bad or hidden (the form then reports it when posted)."""
    if not ref:
        return None
    try:
        kind, obj = resolve_evidence(user, ref)
    except (EvidenceNotFound, EvidenceRefError):
        return None
    if kind == "item":
        return {"ref": ref, "title": obj.title, "url": reverse("evidence:item", args=[obj.pk])}
    from sillok.records.kinds import get_kind
    from sillok.records.titles import safe_title, viewer_levels

    return {
        "ref": evidence_ref(kind, obj),
        "title": safe_title(obj, viewer_levels(user)),
        "url": reverse("records:record", args=[get_kind(kind).plural, obj.pk]),
    }
