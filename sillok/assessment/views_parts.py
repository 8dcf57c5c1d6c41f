"""The parts of a case posted from its page: suspects (a person or a unit found by reference
or name), charges (crime × suspect × mode of liability), tasks and their status; and the
suspect page (profile from the records, superior-responsibility path). POST views come back to
the case page with their errors (400, or 409 when the row changed or was withdrawn since).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from sillok.assessment import services
from sillok.assessment.forms import ChargeForm, SuspectForm, TaskForm, TaskUpdateForm
from sillok.assessment.models import CaseFile, CaseTask, Suspect
from sillok.assessment.profile import suspect_profile
from sillok.assessment.views import _charges, _members, _suspects, change_or_refuse, render_case
from sillok.assessment.views_common import case_or_404, form_status, run_service
from sillok.assessment.views_display import suspect_labels, suspect_rows


@login_required
@require_POST
def suspect_add(request: HttpRequest, case_id: int) -> HttpResponse:
    case, refusal = change_or_refuse(request, case_id)
    if refusal:
        return refusal
    form = SuspectForm(request.POST, user=request.user)
    if form.is_valid():
        kind, record = form.cleaned_data["record"]
        suspect = run_service(
            form,
            lambda: services.do_add_suspect(
                request.user, case, notes=form.cleaned_data["notes"], **{kind: record}
            ),
            {"person": "record", "organization": "record", "suspect": "record"},
        )
        if suspect is not None:
            messages.success(request, _("The suspect was added."))
            return redirect("assessment:case", case.pk)
    return render_case(request, case, bound={"suspect_form": form}, status=form_status(form))


@login_required
@require_POST
def charge_add(request: HttpRequest, case_id: int) -> HttpResponse:
    case, refusal = change_or_refuse(request, case_id)
    if refusal:
        return refusal
    suspects = _suspects(case)
    form = ChargeForm(
        request.POST,
        case=case,
        suspects=suspects,
        suspect_labels=suspect_labels(request.user, suspects),
    )
    if form.is_valid():
        data = form.cleaned_data
        charge = run_service(
            form,
            lambda: services.do_add_charge(
                request.user,
                case,
                crime=data["crime"],
                suspect=data["suspect"],
                mode=data["mode"],
                notes=data["notes"],
            ),
        )
        if charge is not None:
            messages.success(request, _("The charge was added."))
            return redirect("assessment:case", case.pk)
    return render_case(request, case, bound={"charge_form": form}, status=form_status(form))


@login_required
@require_POST
def task_add(request: HttpRequest, case_id: int) -> HttpResponse:
    case, refusal = change_or_refuse(request, case_id)
    if refusal:
        return refusal
    form = TaskForm(request.POST, case=case, members=_members(case), charges=_charges(case))
    if form.is_valid():
        data = form.cleaned_data
        task = run_service(
            form,
            lambda: services.do_create_task(
                request.user,
                case,
                title=data["title"],
                description=data["description"],
                assignee=data["assignee"],
                due_date=data["due_date"],
                charge=data["charge"],
                elements=list(data["elements"]),
            ),
        )
        if task is not None:
            messages.success(request, _("The task was added."))
            return redirect("assessment:case", case.pk)
    return render_case(request, case, bound={"task_form": form}, status=form_status(form))


def _task_or_404(case: CaseFile, task_id: int) -> CaseTask:
    task = CaseTask.objects.filter(case=case, pk=task_id).first()
    if task is None:
        raise Http404("No such task.")
    return task


@login_required
@require_POST
def task_update(request: HttpRequest, case_id: int, task_id: int) -> HttpResponse:
    """Status, assignee and due date of one task, from its line on the case page."""
    case, refusal = change_or_refuse(request, case_id)
    if refusal:
        return refusal
    task = _task_or_404(case, task_id)
    form = TaskUpdateForm(request.POST, members=_members(case))
    if form.is_valid():
        data = form.cleaned_data
        done = run_service(
            form,
            lambda: services.do_update_task(
                request.user,
                task,
                revision=data["revision"],
                status=data["status"],
                assignee=data["assignee"],
                due_date=data["due_date"],
            ),
        )
        if done is not None:
            messages.success(request, _("The task was saved."))
            return redirect(f"{case_url(case)}#task-{task.pk}")
    form.task = task  # type: ignore[attr-defined]
    return render_case(request, case, bound={"task_update_form": form}, status=form_status(form))


def case_url(case: CaseFile) -> str:
    return reverse("assessment:case", args=[case.pk])


@never_cache
@login_required
@require_GET
def suspect_page(request: HttpRequest, case_id: int, suspect_id: int) -> HttpResponse:
    """A suspect's profile gathered from the records the viewer may see (involvements, units,
    chain of command) and the superior-responsibility paths to the acts."""
    case = case_or_404(request, case_id)
    suspect = Suspect.objects.filter(case=case, pk=suspect_id).first()
    if suspect is None:
        raise Http404("No such suspect.")
    [row] = suspect_rows(request.user, [suspect])
    profile = suspect_profile(request.user, suspect)
    korean = (get_language() or "en").startswith("ko")
    for entry in [*profile["involvements"], *(p["involvement"] for p in profile["superior_paths"])]:
        first, second = ("degree_ko", "degree_en") if korean else ("degree_en", "degree_ko")
        entry["degree"] = entry.get(first) or entry.get(second) or ""
    context = {"case": case, "suspect": row, "profile": profile}
    return render(request, "assessment/suspect.html", context)
