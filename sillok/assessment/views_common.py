"""What every case page shares: fetch-and-authorise, refusals, and how a service's refusal of
bad input comes back onto the form that sent it.

A case the user may not see answers 404 like a missing one (assessment/access.py); a user
without `assessment.view_cases` at all gets 403 on the list (like the records pages), and 404
on any case address, so that probing ids tells nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from sillok.assessment.access import (
    CaseActionRefused,
    CaseNotFound,
    access_case,
    check_can_change_case,
    check_can_review_assessments,
)
from sillok.assessment.models import CaseFile

# Errors the services raise for input they refuse: each is shown on the form that sent it.
INPUT_ERRORS: tuple[type[Exception], ...] = (ValueError, LookupError)


def case_or_404(request: HttpRequest, case_id: int, *, for_update: bool = False) -> CaseFile:
    """The case if the user may see it; 404 for missing and hidden alike."""
    try:
        return access_case(request.user, case_id, for_update=for_update)
    except CaseNotFound:
        raise Http404("No such case.") from None


def refused(request: HttpRequest, message: str, *, status: int = 403) -> HttpResponse:
    """The page that says why an action is not allowed (the user may see the case)."""
    return render(request, "assessment/refused.html", {"message": message}, status=status)


def may_change(user: Any, case: CaseFile) -> bool:
    try:
        check_can_change_case(user, case)
    except CaseActionRefused:
        return False
    return True


def may_review(user: Any) -> bool:
    try:
        check_can_review_assessments(user)
    except CaseActionRefused:
        return False
    return True


def refusal_text(user: Any, case: CaseFile | None) -> str:
    """Why `user` may not change `case` (or open one), in the user's language."""
    if case is None or not user.has_perm("assessment.change_cases"):
        return _("Changing case files is legal experts' work (the change_cases permission).")
    return _("This case is closed; it must be reopened before it can be changed.")


def put_error(form: forms.Form, exc: Exception, aliases: dict[str, str] | None = None) -> None:
    """Show a service's refusal on the field it names (when the form has it, under its name
    in the form: `aliases`), else above the form."""
    field = getattr(exc, "field", None)
    field = (aliases or {}).get(field, field) if field else None
    message = getattr(exc, "message", None) or (exc.args[0] if exc.args else str(exc))
    if field and field in form.fields:
        form.add_error(field, str(message))
    else:
        form.add_error(None, str(message))


def run_service(
    form: forms.Form, call: Callable[[], Any], aliases: dict[str, str] | None = None
) -> Any | None:
    """Run one service call for a valid form; when the service refuses, put its reason on the
    form, set `form.status` (400 bad input, 409 a conflict: changed by someone else since,
    withdrawn, closed) and return None. The service changed nothing: it runs in one
    transaction."""
    try:
        return call()
    except CaseActionRefused as exc:
        form.status = 409  # type: ignore[attr-defined]
        form.add_error(None, str(exc))
    except INPUT_ERRORS as exc:
        form.status = 400  # type: ignore[attr-defined]
        put_error(form, exc, aliases)
    return None


def form_status(form: forms.Form) -> int:
    """The status of a page that shows `form` again with its errors."""
    return getattr(form, "status", 400)
