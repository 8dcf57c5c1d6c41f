"""Redacted copies waiting for a decision: redaction's line of the home page's "waiting for
you" (core/waiting.py; registered in RedactionConfig.ready).

The count is the pending copies of the items the user may see (services.visible_reviews, the
queue's own predicate), for a user who may review (services.can_review), less the copies they
asked for themselves: the requester may not decide on their own request (four eyes,
services.do_review_redaction).
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from sillok.core.waiting import SHOWN_ENTRIES, WaitingEntry, WaitingWork
from sillok.redaction.models import ReviewStatus


def waiting_for(user: Any) -> list[WaitingWork]:
    # Imported here: the services load the redaction engines (text, images, PDFs), which
    # no process needs at start-up, when RedactionConfig.ready registers this provider.
    from sillok.redaction.services import can_review, visible_reviews

    if not can_review(user):
        return []
    waiting = visible_reviews(user).filter(status=ReviewStatus.PENDING).exclude(requested_by=user)
    first = list(
        waiting.select_related("item")
        .only("pk", "item__id", "item__title")
        .order_by("-requested_at", "-pk")[: SHOWN_ENTRIES + 1]
    )
    count = len(first) if len(first) <= SHOWN_ENTRIES else waiting.count()
    entries = tuple(
        WaitingEntry(
            title=_("Redacted copy %(number)s") % {"number": review.pk}
            + (f" — {review.item.title}" if review.item.title else ""),
            url=reverse("redaction:review", args=[review.pk]),
        )
        for review in first[:SHOWN_ENTRIES]
    )
    return [
        WaitingWork(
            key="redaction.review",
            label=_("Redacted copies to review"),
            count=count,
            url=reverse("redaction:reviews"),
            entries=entries,
        )
    ]
