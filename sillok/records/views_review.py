"""Review and withdrawal from the record page: send for review (choosing a reviewer other than
the author), complete, return with a comment, withdraw and reinstate. POST only; the service
enforces every rule (peer review, locks), the page only offers what may apply."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.db.models import Model
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sillok.records.access import RecordActionRefused, check_can_change, check_can_review
from sillok.records.kinds import RecordKind
from sillok.records.models import ReviewStatus
from sillok.records.services import (
    do_complete_review,
    do_reinstate_record,
    do_return_for_changes,
    do_submit_for_review,
    do_withdraw_record,
)
from sillok.records.views_common import posted_revision, record_or_404, refused

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def reviewers_for(user: Any, record: Model) -> list[Any]:
    """Who may be asked to review: active users with review_record, neither the author nor
    the sender (the service checks again, and that they are cleared for the record)."""
    users = get_user_model().objects.with_perm("records.review_record", backend=MODEL_BACKEND)
    excluded = {pk for pk in (record.created_by_id, user.pk) if pk}
    return list(users.filter(is_active=True).exclude(pk__in=excluded).order_by("username"))


def review_state(user: Any, kind: RecordKind, record: Model) -> dict:
    can_change = user.has_perm("records.change_record")
    withdrawn = record.withdrawn_at is not None
    status = record.review_status
    can_submit = can_change and status == ReviewStatus.DRAFT and not withdrawn
    return {
        "status": status,
        "reviewer": record.reviewer,
        "can_submit": can_submit,
        "reviewers": reviewers_for(user, record) if can_submit else [],
        "can_finish": (
            status == ReviewStatus.IN_REVIEW
            and record.reviewer_id == user.pk
            and user.has_perm("records.review_record")
        ),
        "can_withdraw": can_change and not withdrawn and status != ReviewStatus.IN_REVIEW,
        "can_reinstate": can_change and withdrawn,
    }


def _act(
    request: HttpRequest,
    kind: RecordKind,
    record_id: int,
    check: Callable[[Any], None],
    action: Callable[[Model], Any],
    done: str,
) -> HttpResponse:
    """Fetch and authorise, check the permission (403), run the service (a refusal shows on
    the record page with 409), then back to the record page."""
    from sillok.records.views import render_record

    record = record_or_404(request, kind, record_id)
    try:
        check(request.user)
    except RecordActionRefused as exc:
        return refused(request, str(exc))
    try:
        action(record)
    except RecordActionRefused as exc:
        return render_record(request, kind, record, review_error=str(exc), status=409)
    messages.success(request, done)
    return redirect("records:record", kind.plural, record.pk)


def _comment(request: HttpRequest, name: str = "comment") -> str:
    return request.POST.get(name, "")


@login_required
@require_POST
def submit_for_review(request: HttpRequest, kind: RecordKind, record_id: int) -> HttpResponse:
    def action(record: Model) -> Any:
        reviewer = None
        if request.POST.get("reviewer", "").isdigit():
            reviewer = get_user_model().objects.filter(pk=int(request.POST["reviewer"])).first()
        return do_submit_for_review(
            request.user,
            record,
            reviewer,
            expected_revision=posted_revision(request),
            comment=_comment(request),
        )

    return _act(request, kind, record_id, check_can_change, action, _("Sent for review."))


@login_required
@require_POST
def complete_review(request: HttpRequest, kind: RecordKind, record_id: int) -> HttpResponse:
    def action(record: Model) -> Any:
        return do_complete_review(
            request.user,
            record,
            expected_revision=posted_revision(request),
            comment=_comment(request),
        )

    return _act(request, kind, record_id, check_can_review, action, _("The review is complete."))


@login_required
@require_POST
def return_for_changes(request: HttpRequest, kind: RecordKind, record_id: int) -> HttpResponse:
    def action(record: Model) -> Any:
        return do_return_for_changes(
            request.user,
            record,
            comment=_comment(request),
            expected_revision=posted_revision(request),
        )

    message = _("Returned to the author for changes.")
    return _act(request, kind, record_id, check_can_review, action, message)


@login_required
@require_POST
def withdraw(request: HttpRequest, kind: RecordKind, record_id: int) -> HttpResponse:
    def action(record: Model) -> Any:
        return do_withdraw_record(
            request.user,
            record,
            reason=_comment(request, "reason"),
            expected_revision=posted_revision(request),
        )

    return _act(request, kind, record_id, check_can_change, action, _("The record was withdrawn."))


@login_required
@require_POST
def reinstate(request: HttpRequest, kind: RecordKind, record_id: int) -> HttpResponse:
    def action(record: Model) -> Any:
        return do_reinstate_record(
            request.user,
            record,
            reason=_comment(request, "reason"),
            expected_revision=posted_revision(request),
        )

    return _act(request, kind, record_id, check_can_change, action, _("The record was reinstated."))
