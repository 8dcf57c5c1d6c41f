"""The proof matrix of a case on the web: per charge, each element (contextual, crime, mode of
liability) with its status against the case's standard of proof at a glance, the evidence
linked to it, and the forms that change it (link evidence, reassess or withdraw a link,
assess the element, send the assessment for review, confirm or return it, make a task of a
gap). What the viewer may not see is not in the matrix at all (matrix.build_matrix).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from sillok.assessment import review, services
from sillok.assessment.evidence_refs import parse_evidence_ref
from sillok.assessment.forms import (
    AssessElementForm,
    EvidenceFields,
    GapTaskForm,
    ReassessForm,
    ReviewForm,
    WithdrawForm,
)
from sillok.assessment.gaps import do_task_from_gap, gap_label
from sillok.assessment.matrix import build_matrix
from sillok.assessment.models import (
    Assessment,
    CaseFile,
    Charge,
    Element,
    ElementAssessment,
    ElementStatus,
    EvidenceLink,
    ReviewState,
    Weight,
)
from sillok.assessment.views import _members, change_or_refuse
from sillok.assessment.views_common import (
    case_or_404,
    form_status,
    may_change,
    may_review,
    refused,
    run_service,
)
from sillok.records.kinds import get_kind

SECTIONS = ("contextual", "crime", "mode")
STATUS_MARKS = {"met": "✓", "insufficient": "…", "contradicted": "✗", "no_evidence": "–"}


def _korean() -> bool:
    return (get_language() or "en").startswith("ko")


def _pick(row: dict[str, Any], key: str = "label") -> str:
    """The Korean or English text of a matrix entry, the other when one is missing."""
    first, second = (f"{key}_ko", f"{key}_en") if _korean() else (f"{key}_en", f"{key}_ko")
    return row.get(first) or row.get(second) or ""


def export_links(user: Any, case: CaseFile) -> list[dict[str, str]]:
    """The downloads of the matrix (exports' page), for those whom that page lets in: a
    member who may export evidence (records.export_records)."""
    if not user.has_perm("records.export_records"):
        return []
    try:
        base = reverse("assessment:matrix-export", args=[case.pk])
    except NoReverseMatch:
        return []
    return [{"format": fmt, "url": f"{base}?format={fmt}"} for fmt in ("pdf", "xlsx", "json")]


def evidence_url(ref: str) -> str:
    """The page of a piece of evidence in the matrix (the viewer may see it: build_matrix
    leaves out what they may not)."""
    try:
        kind, pk = parse_evidence_ref(ref)
    except ValueError:
        return ""
    if kind == "item":
        return reverse("evidence:item", args=[pk])
    return reverse("records:record", args=[get_kind(kind).plural, pk])


def _element_view(charge: dict, row: dict, ctx: dict[str, Any]) -> dict[str, Any]:
    """One element of one charge as the page shows it, with the forms that may apply."""
    key = (charge["id"], row["code"])
    assessment: ElementAssessment | None = ctx["assessments"].get(key)
    status = row["status"]
    state = row["review_state"]
    user = ctx["user"]
    can_review = (
        assessment is not None
        and state == ReviewState.IN_REVIEW
        and ctx["may_review"]
        and assessment.assessor_id != user.pk
    )
    return {
        **row,
        "anchor": f"c{charge['id']}-{row['code'].replace('.', '-')}",
        "label": _pick(row),
        "status_label": ElementStatus(status).label if status in ElementStatus.values else status,
        "computed_label": (
            ElementStatus(row["computed_status"]).label
            if row["computed_status"] in ElementStatus.values
            else ""
        ),
        "status_mark": STATUS_MARKS.get(status, "?"),
        "review_label": ReviewState(state).label
        if state in ReviewState.values
        else _("Not assessed"),
        "assessment": assessment,
        "gap_rows": [
            {"key": f"{charge['id']}:{row['code']}:{kind}", "label": gap_label(kind)}
            for kind in row["gaps"]
        ],
        "can_submit": (ctx["can_change"] and assessment is not None and state == ReviewState.DRAFT),
        "can_review": can_review,
        "evidence": [
            {
                **evidence,
                "url": evidence_url(evidence["ref"]),
                "revision": ctx["revisions"].get(evidence["id"]),
                "assessment_label": Assessment(evidence["assessment"]).label,
                "weight_label": Weight(evidence["weight"]).label,
            }
            for evidence in row["evidence"]
        ],
    }


def matrix_context(user: Any, case: CaseFile) -> dict[str, Any]:
    matrix = build_matrix(user, case)
    ctx = {
        "user": user,
        "can_change": may_change(user, case),
        "may_review": may_review(user),
        "assessments": {
            (a.charge_id, a.element.code): a
            for a in ElementAssessment.objects.filter(
                case=case, withdrawn_at__isnull=True
            ).select_related("element")
        },
    }
    # The revision each reassessment form names (concurrent edits are refused, not lost).
    ctx["revisions"] = dict(
        EvidenceLink.objects.filter(case=case, withdrawn_at__isnull=True).values_list(
            "pk", "revision"
        )
    )
    charges = []
    for charge in matrix["charges"]:
        elements = [_element_view(charge, row, ctx) for row in charge["elements"]]
        charges.append(
            {
                **charge,
                "crime_label": _pick(charge["crime"]),
                "mode_label": _pick(charge["mode"]),
                "elements": elements,
                "sections": [
                    {"name": name, "elements": [e for e in elements if e["section"] == name]}
                    for name in SECTIONS
                ],
                "met": sum(1 for e in elements if e["status"] == ElementStatus.MET),
            }
        )
    standard = matrix["case"]["standard"]
    return {
        "case": case,
        "matrix": matrix,
        "charges": charges,
        "standard_label": _pick(standard),
        "rule_text": _pick(standard, "rule"),
        "can_change": ctx["can_change"],
        "may_review": ctx["may_review"],
        "exports": export_links(user, case),
        "members": list(_members(case)),
        "assessments": Assessment.choices,
        "weights": Weight.choices,
        "statuses": ElementStatus.choices,
    }


def render_matrix(
    request: HttpRequest,
    case: CaseFile,
    *,
    error_form: forms.Form | None = None,
    error_at: str = "",
    status: int = 200,
) -> HttpResponse:
    """The matrix page; a form posted from it comes back with its errors above the element
    it was for (`error_at`, the element's anchor)."""
    context = matrix_context(request.user, case)
    context.update({"error_form": error_form, "error_at": error_at})
    return render(request, "assessment/matrix.html", context, status=status)


@never_cache
@login_required
@require_GET
def matrix_page(request: HttpRequest, case_id: int) -> HttpResponse:
    return render_matrix(request, case_or_404(request, case_id))


def _charge_or_404(case: CaseFile, charge_id: int) -> Charge:
    charge = Charge.objects.filter(case=case, pk=charge_id).select_related("crime", "mode").first()
    if charge is None:
        raise Http404("No such charge.")
    return charge


def _element_or_404(case: CaseFile, code: str) -> Element:
    element = Element.objects.filter(framework_id=case.framework_id, code=code).first()
    if element is None:
        raise Http404("No such element.")
    return element


def _anchor(charge: Charge, element: Element) -> str:
    return f"c{charge.pk}-{element.code.replace('.', '-')}"


def _back(case: CaseFile, anchor: str) -> HttpResponse:
    return redirect(reverse("assessment:matrix", args=[case.pk]) + f"#{anchor}")


@login_required
@require_POST
def link_add(request: HttpRequest, case_id: int, charge_id: int, code: str) -> HttpResponse:
    """Link a piece of evidence (a reference people type: X-5, T-3, A-12) to an element."""
    case, refusal = change_or_refuse(request, case_id)
    if refusal:
        return refusal
    charge, element = _charge_or_404(case, charge_id), _element_or_404(case, code)
    form = EvidenceFields(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        link = run_service(form, lambda: _link(request.user, charge, element, data))
        if link is not None:
            messages.success(request, _("The evidence was linked."))
            return _back(case, _anchor(charge, element))
    return render_matrix(
        request, case, error_form=form, error_at=_anchor(charge, element), status=form_status(form)
    )


def _link(user: Any, charge: Charge, element: Element, data: dict[str, Any]) -> EvidenceLink:
    """Parse the typed reference, then the one service call (bad references come back as the
    evidence field's error)."""
    kind, pk = parse_evidence_ref(data["evidence"])
    return services.do_link_evidence(
        user,
        charge,
        element,
        evidence_kind=kind,
        evidence_id=pk,
        passage=data["passage"],
        assessment=data["assessment"],
        weight=data["weight"],
        comment=data["comment"],
    )


def _link_or_404(case: CaseFile, link_id: int) -> EvidenceLink:
    link = (
        EvidenceLink.objects.filter(case=case, pk=link_id, withdrawn_at__isnull=True)
        .select_related("charge", "element")
        .first()
    )
    if link is None:
        raise Http404("No such evidence link.")
    return link


@login_required
@require_POST
def link_reassess(request: HttpRequest, case_id: int, link_id: int) -> HttpResponse:
    case, refusal = change_or_refuse(request, case_id)
    if refusal:
        return refusal
    link = _link_or_404(case, link_id)
    form = ReassessForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        done = run_service(
            form,
            lambda: services.do_reassess_link(
                request.user,
                link,
                revision=data["revision"],
                assessment=data["assessment"],
                weight=data["weight"],
                comment=data["comment"],
            ),
        )
        if done is not None:
            messages.success(request, _("The evidence was assessed again."))
            return _back(case, _anchor(link.charge, link.element))
    anchor = _anchor(link.charge, link.element)
    return render_matrix(request, case, error_form=form, error_at=anchor, status=form_status(form))


@login_required
@require_POST
def link_withdraw(request: HttpRequest, case_id: int, link_id: int) -> HttpResponse:
    case, refusal = change_or_refuse(request, case_id)
    if refusal:
        return refusal
    link = _link_or_404(case, link_id)
    form = WithdrawForm(request.POST)
    if form.is_valid():
        reason = form.cleaned_data["reason"]
        done = run_service(form, lambda: services.do_withdraw(request.user, link, reason=reason))
        if done is not None:
            messages.success(request, _("The evidence link was withdrawn."))
            return _back(case, _anchor(link.charge, link.element))
    anchor = _anchor(link.charge, link.element)
    return render_matrix(request, case, error_form=form, error_at=anchor, status=form_status(form))


@login_required
@require_POST
def element_assess(request: HttpRequest, case_id: int, charge_id: int, code: str) -> HttpResponse:
    """Record the element's status as the rule gives it, or an override with its reason."""
    case, refusal = change_or_refuse(request, case_id)
    if refusal:
        return refusal
    charge, element = _charge_or_404(case, charge_id), _element_or_404(case, code)
    form = AssessElementForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        done = run_service(
            form,
            lambda: review.do_assess_element(
                request.user,
                charge,
                element,
                override_status=data["override_status"],
                override_reason=data["override_reason"],
                comment=data["comment"],
            ),
        )
        if done is not None:
            messages.success(request, _("The element was assessed."))
            return _back(case, _anchor(charge, element))
    return render_matrix(
        request, case, error_form=form, error_at=_anchor(charge, element), status=form_status(form)
    )


def _assessment_or_404(case: CaseFile, assessment_id: int) -> ElementAssessment:
    assessment = (
        ElementAssessment.objects.filter(case=case, pk=assessment_id, withdrawn_at__isnull=True)
        .select_related("charge", "element")
        .first()
    )
    if assessment is None:
        raise Http404("No such assessment.")
    return assessment


@login_required
@require_POST
def assessment_submit(request: HttpRequest, case_id: int, assessment_id: int) -> HttpResponse:
    """Send an element's assessment to a second legal expert (four eyes)."""
    case, refusal = change_or_refuse(request, case_id)
    if refusal:
        return refusal
    assessment = _assessment_or_404(case, assessment_id)
    form = forms.Form(request.POST)
    done = run_service(form, lambda: review.do_submit_assessment(request.user, assessment))
    anchor = _anchor(assessment.charge, assessment.element)
    if done is not None:
        messages.success(request, _("The assessment was sent for review."))
        return _back(case, anchor)
    return render_matrix(request, case, error_form=form, error_at=anchor, status=form_status(form))


@login_required
@require_POST
def assessment_review(request: HttpRequest, case_id: int, assessment_id: int) -> HttpResponse:
    """Confirm an assessment, or return it with a comment: another legal expert than its
    assessor, with review_assessment (the service decides; the page offers it only to them)."""
    case = case_or_404(request, case_id)
    if not may_review(request.user):
        return refused(
            request, _("Confirming an assessment needs the review_assessment permission.")
        )
    assessment = _assessment_or_404(case, assessment_id)
    if assessment.assessor_id == request.user.pk:
        # Four eyes: the service refuses it too; this says why in the user's language.
        return refused(
            request, _("An assessment is confirmed by another legal expert than its assessor.")
        )
    form = ReviewForm(request.POST)
    anchor = _anchor(assessment.charge, assessment.element)
    if form.is_valid():
        data = form.cleaned_data
        if data["decision"] == "confirm":
            call = lambda: review.do_confirm_assessment(  # noqa: E731
                request.user, assessment, comment=data["comment"]
            )
            done_text = _("The assessment is confirmed.")
        else:
            call = lambda: review.do_return_assessment(  # noqa: E731
                request.user, assessment, comment=data["comment"]
            )
            done_text = _("The assessment was returned to its assessor.")
        if run_service(form, call) is not None:
            messages.success(request, done_text)
            return _back(case, anchor)
    return render_matrix(request, case, error_form=form, error_at=anchor, status=form_status(form))


@login_required
@require_POST
def gap_task(request: HttpRequest, case_id: int) -> HttpResponse:
    """Turn a gap of the matrix into an investigative task."""
    case, refusal = change_or_refuse(request, case_id)
    if refusal:
        return refusal
    form = GapTaskForm(request.POST, members=_members(case))
    if form.is_valid():
        data = form.cleaned_data
        task = run_service(
            form,
            lambda: do_task_from_gap(
                request.user,
                case,
                data["gap"],
                assignee=data["assignee"],
                due_date=data["due_date"],
            ),
            {"gap_key": "gap", "key": "gap"},
        )
        if task is not None:
            messages.success(
                request, _("A task was made of the gap: %(title)s") % {"title": task.title}
            )
            return redirect(reverse("assessment:case", args=[case.pk]) + f"#task-{task.pk}")
    anchor = _gap_anchor(data_gap=request.POST.get("gap", ""))
    return render_matrix(request, case, error_form=form, error_at=anchor, status=form_status(form))


def _gap_anchor(data_gap: str) -> str:
    parts = data_gap.split(":")
    if len(parts) == 3 and parts[0].isdigit():
        return f"c{parts[0]}-{parts[1].replace('.', '-')}"
    return ""
