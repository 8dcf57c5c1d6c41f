"""Element assessments waiting for a second legal expert: the assessment line of the home
page's "waiting for you" (core/waiting.py; registered in AssessmentConfig.ready).

An assessment in review may be confirmed or returned by anyone holding
`assessment.review_assessment` who sees its case, except its assessor (four eyes,
review.py). So a user's count is the assessments in review, not withdrawn, in the cases they
may see (access.visible_cases: permission, compartment, clearance), less their own. A user who
may review gets a line even at zero, so they learn where reviews appear.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from sillok.assessment.access import can_view_cases, visible_cases
from sillok.assessment.models import ElementAssessment, ReviewState
from sillok.core.waiting import SHOWN_ENTRIES, WaitingEntry, WaitingWork


def may_review_assessments(user: Any) -> bool:
    return can_view_cases(user) and user.has_perm("assessment.review_assessment")


def waiting_assessments(user: Any) -> Any:
    return (
        ElementAssessment.objects.filter(
            case__in=visible_cases(user),
            review_state=ReviewState.IN_REVIEW,
            withdrawn_at__isnull=True,
        )
        .exclude(assessor=user)
        .order_by("-pk")
    )


def waiting_for(user: Any) -> list[WaitingWork]:
    """One line, "Element assessments to review", with the newest few (two queries)."""
    if not may_review_assessments(user):
        return []
    query = waiting_assessments(user)
    newest = list(query.select_related("case", "element", "charge__crime")[: SHOWN_ENTRIES + 1])
    count = len(newest) if len(newest) <= SHOWN_ENTRIES else query.count()
    entries = tuple(
        WaitingEntry(
            title=f"{row.case.title}: {row.charge.crime.code} — {row.element.code}",
            url=reverse("assessment:matrix", args=[row.case_id]),
        )
        for row in newest[:SHOWN_ENTRIES]
    )
    cases = {row.case_id for row in newest}
    url = (
        reverse("assessment:matrix", args=[cases.pop()])
        if len(cases) == 1 and count == len(newest)
        else reverse("assessment:cases")
    )
    return [
        WaitingWork(
            key="assessment.review",
            label=_("Element assessments to review"),
            count=count,
            url=url,
            entries=entries,
        )
    ]
