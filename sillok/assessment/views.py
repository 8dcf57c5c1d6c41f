"""Case files on the web: the list of the cases a user may see (with the form that opens a new
one), and the case page (summary, strategy notes, members, suspects, charges, tasks). Forms
posted from the case page come back to it with their errors (status 400, nothing changed).
Suspects, charges and tasks are in views_parts, the matrix in views_matrix, "add to case" in
views_add. Thin: access check, one service call, render.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sillok.assessment import services
from sillok.assessment.access import can_view_cases, visible_cases
from sillok.assessment.forms import (
    CaseEditForm,
    CaseForm,
    ChargeForm,
    MemberForm,
    SuspectForm,
    TaskForm,
)
from sillok.assessment.models import CaseFile, Charge, Suspect, TaskStatus
from sillok.assessment.views_common import (
    case_or_404,
    form_status,
    may_change,
    refusal_text,
    refused,
    run_service,
)
from sillok.assessment.views_display import (
    charge_rows,
    suspect_labels,
    suspect_rows,
    task_rows,
)


def _no_cases(request: HttpRequest) -> HttpResponse:
    return refused(request, _("Case files are for legal experts and managers (view_cases)."))


def _may_open(user: Any) -> bool:
    return user.has_perm("assessment.change_cases")


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def case_list(request: HttpRequest) -> HttpResponse:
    """The cases the user may see; a legal expert opens a new one from the form below."""
    if not can_view_cases(request.user):
        return _no_cases(request)
    form = None
    status = 200
    if request.method == "POST":
        if not _may_open(request.user):
            return refused(request, refusal_text(request.user, None))
        form = CaseForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            case = run_service(
                form,
                lambda: services.do_create_case(
                    request.user,
                    data["title"],
                    framework=data["framework"],
                    standard=data["standard"],
                    strategy=data["strategy"],
                    sensitivity=data["sensitivity"],
                ),
            )
            if case is not None:
                messages.success(request, _("The case was opened."))
                return redirect("assessment:case", case.pk)
        status = form_status(form)
    elif _may_open(request.user):
        form = CaseForm()
    cases = visible_cases(request.user).select_related("framework", "standard").order_by("-pk")
    context = {"cases": cases, "form": form}
    return render(request, "assessment/list.html", context, status=status)


def _members(case: CaseFile) -> QuerySet:
    return case.compartment.members.filter(is_active=True).order_by("username")


def _suspects(case: CaseFile) -> QuerySet:
    return Suspect.objects.filter(case=case, withdrawn_at__isnull=True).select_related(
        "person", "organization"
    )


def _charges(case: CaseFile) -> QuerySet:
    return Charge.objects.filter(case=case, withdrawn_at__isnull=True).select_related(
        "crime", "mode", "suspect__person", "suspect__organization"
    )


def case_forms(case: CaseFile, user: Any, bound: dict[str, forms.Form]) -> dict[str, Any]:
    """The case page's forms, bound ones (with their errors) in place of empty ones."""
    members, suspects, charges = _members(case), _suspects(case), _charges(case)
    empty = {
        "edit_form": lambda: CaseEditForm(
            initial={"revision": case.revision, "title": case.title, "strategy": case.strategy}
        ),
        "member_form": lambda: MemberForm(),
        "suspect_form": lambda: SuspectForm(user=user),
        "charge_form": lambda: ChargeForm(
            case=case, suspects=suspects, suspect_labels=suspect_labels(user, suspects)
        ),
        "task_form": lambda: TaskForm(case=case, members=members, charges=charges),
    }
    return {name: bound.get(name) or make() for name, make in empty.items()}


def render_case(
    request: HttpRequest,
    case: CaseFile,
    *,
    bound: dict[str, forms.Form] | None = None,
    status: int = 200,
) -> HttpResponse:
    """The case page; a form posted to it comes back in `bound` with its errors."""
    user = request.user
    can_change = may_change(user, case)
    charges = list(_charges(case))
    context = {
        "case": case,
        "members": list(_members(case)),
        "suspects": suspect_rows(user, list(_suspects(case))),
        "charges": charge_rows(user, charges),
        "tasks": task_rows(case),
        "can_change": can_change,
        "task_statuses": TaskStatus.choices,
    }
    if can_change:
        context.update(case_forms(case, user, bound or {}))
        # A task line posted with an error: its form, shown on that line.
        context["task_update_form"] = (bound or {}).get("task_update_form")
    return render(request, "assessment/case.html", context, status=status)


@never_cache
@login_required
@require_GET
def case_page(request: HttpRequest, case_id: int) -> HttpResponse:
    return render_case(request, case_or_404(request, case_id))


def change_or_refuse(request: HttpRequest, case_id: int) -> tuple[CaseFile, HttpResponse | None]:
    """The case, and a refusal when the user may see it but not change it."""
    case = case_or_404(request, case_id)
    if not may_change(request.user, case):
        return case, refused(request, refusal_text(request.user, case))
    return case, None


@login_required
@require_POST
def case_edit(request: HttpRequest, case_id: int) -> HttpResponse:
    case, refusal = change_or_refuse(request, case_id)
    if refusal:
        return refusal
    form = CaseEditForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        done = run_service(
            form,
            lambda: services.do_update_case(
                request.user,
                case,
                revision=data["revision"],
                reason=data["reason"],
                title=data["title"],
                strategy=data["strategy"],
            ),
        )
        if done is not None:
            messages.success(request, _("The case was saved."))
            return redirect("assessment:case", case.pk)
    return render_case(request, case, bound={"edit_form": form}, status=form_status(form))


@login_required
@require_POST
def member_add(request: HttpRequest, case_id: int) -> HttpResponse:
    case, refusal = change_or_refuse(request, case_id)
    if refusal:
        return refusal
    form = MemberForm(request.POST)
    if form.is_valid():
        member = form.cleaned_data["username"]
        done = run_service(
            form,
            lambda: services.do_add_member(request.user, case, member) or True,
            {"member": "username"},
        )
        if done is not None:
            messages.success(
                request,
                _("%(name)s is now a member of this case.") % {"name": member.get_username()},
            )
            return redirect("assessment:case", case.pk)
    return render_case(request, case, bound={"member_form": form}, status=form_status(form))
