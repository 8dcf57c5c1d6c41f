"""Redaction pages: ask for redacted copies of an item (POST from the item page), the list of
copies waiting for review, one copy with its placeholders highlighted or its blurred picture,
and the decision. Thin: permission, fetch-and-authorise, one service call."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from sillok.evidence.access import ItemNotFound, access_item
from sillok.evidence.custody_log import HandlingContext
from sillok.evidence.queries import read_text
from sillok.redaction.errors import RedactionError, RedactionRefused
from sillok.redaction.models import RedactionMethod, ReviewStatus
from sillok.redaction.presenting import doubt_list, text_segments
from sillok.redaction.services import (
    ReviewNotFound,
    access_review,
    can_request,
    can_review,
    do_request_redaction,
    do_review_redaction,
    visible_reviews,
)


def _refused(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "redaction/refused.html", {"message": message}, status=403)


@login_required
@require_POST
def request_redaction(request: HttpRequest, item_id: int) -> HttpResponse:
    if not can_request(request.user):
        return _refused(request, _("Making redacted copies needs the right to change items."))
    try:
        item = access_item(request.user, item_id)
    except ItemNotFound:
        raise Http404("No such item.") from None
    try:
        outcome = do_request_redaction(
            request.user, item, HandlingContext.for_request(request, reason="redaction")
        )
    except RedactionError as exc:
        messages.error(request, str(exc))
        return redirect("evidence:item", item.pk)
    count = len(outcome.reviews)
    messages.success(
        request,
        ngettext(
            "%(count)d redacted copy is waiting for review by someone else.",
            "%(count)d redacted copies are waiting for review by someone else.",
            count,
        )
        % {"count": count},
    )
    for part in outcome.left_out:
        messages.warning(request, _("Left out: %(reason)s") % {"reason": part["reason"]})
    return redirect(f"{reverse('redaction:reviews')}?item={item.pk}")


@never_cache
@login_required
@require_GET
def review_list(request: HttpRequest) -> HttpResponse:
    if not (can_review(request.user) or can_request(request.user)):
        return _refused(request, _("Redaction reviews need the right to review or change."))
    reviews = visible_reviews(request.user).select_related(
        "item", "source", "requested_by", "reviewed_by"
    )
    status = request.GET.get("status", ReviewStatus.PENDING)
    if status in ReviewStatus.values:
        reviews = reviews.filter(status=status)
    item_id = request.GET.get("item", "")
    if item_id.isdigit():
        reviews = reviews.filter(item_id=int(item_id))
    return render(
        request,
        "redaction/reviews.html",
        {
            "reviews": reviews.order_by("-requested_at", "-pk")[:200],
            "status": status,
            "statuses": ReviewStatus.choices,
            "item_id": item_id if item_id.isdigit() else "",
        },
    )


def _review_or_404(request: HttpRequest, review_id: int):
    try:
        return access_review(request.user, review_id)
    except ReviewNotFound:
        raise Http404("No such redaction.") from None


@never_cache
@login_required
@require_GET
def review_detail(request: HttpRequest, review_id: int) -> HttpResponse:
    if not (can_review(request.user) or can_request(request.user)):
        return _refused(request, _("Redaction reviews need the right to review or change."))
    review = _review_or_404(request, review_id)
    return render(request, "redaction/review.html", _review_context(request, review))


def _review_context(request: HttpRequest, review, **extra) -> dict:
    context = {
        "review": review,
        "item": review.item,
        "can_decide": (
            can_review(request.user)
            and review.status == ReviewStatus.PENDING
            and review.requested_by_id != request.user.pk
        ),
        "own_request": review.requested_by_id == request.user.pk,
        **extra,
    }
    text = ""
    if review.method == RedactionMethod.TEXT:
        text, truncated = read_text(review.redacted)
        uncertain = review.summary.get("uncertain") or []
        context["segments"] = text_segments(text, review.summary.get("spans", []), uncertain)
        context["truncated"] = truncated
    context["doubts"] = doubt_list(text, review.summary)
    if review.method == RedactionMethod.IMAGE:
        context["original_preview"] = (
            review.item.files.filter(kind="preview", derived_from=review.source)
            .order_by("pk")
            .first()
        )
    return context


@login_required
@require_POST
def decide(request: HttpRequest, review_id: int) -> HttpResponse:
    if not can_review(request.user):
        return _refused(request, _("Reviewing redactions needs the right to review or change."))
    review = _review_or_404(request, review_id)
    decision = request.POST.get("decision", "")
    try:
        do_review_redaction(request.user, review, decision, request.POST.get("note", ""))
    except RedactionRefused as exc:
        context = _review_context(request, review, error=str(exc))
        return render(request, "redaction/review.html", context, status=409)
    except ItemNotFound:
        raise Http404("No such redaction.") from None
    if decision == "approve":
        messages.success(request, _("The redacted copy is approved for use."))
    else:
        messages.success(request, _("The redacted copy is rejected."))
    return redirect("redaction:reviews")
