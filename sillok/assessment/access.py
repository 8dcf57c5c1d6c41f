"""Who may see and change which case file: one predicate for pages, API, CLI, exports and
counts (STYLE rule 2).

A user sees a case file when they hold `assessment.view_cases`, are a member of the case's
compartment (created with the case) and are cleared for its sensitivity: the one clearance
rule of accounts/clearance.py, with no exception for administrators. Changing a case (its
suspects, charges, evidence links, tasks) needs `assessment.change_cases`; confirming another
expert's element assessment needs `assessment.review_assessment`. Missing and forbidden look
the same (CaseNotFound); refusing a case that exists is audited and alerts the administrators.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from sillok.accounts.clearance import clearance_filter, log_denied_access, refusal_reason
from sillok.assessment.models import CaseFile, CaseStatus


class CaseNotFound(LookupError):
    """No such case file, or not one this user may see."""

    def __init__(self, case_id: Any) -> None:
        super().__init__(f"no case {case_id}")
        self.case_id = case_id


class CaseActionRefused(PermissionError):
    """The user may see the case but not do this with it; the message says what is missing."""


def can_view_cases(user: Any) -> bool:
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and user.has_perm("assessment.view_cases")
    )


def visible_cases(user: Any) -> QuerySet[CaseFile]:
    """The case files `user` may see (the compartment and sensitivity rule)."""
    if not can_view_cases(user):
        return CaseFile.objects.none()
    return CaseFile.objects.filter(clearance_filter(user))


def access_case(user: Any, case_id: Any, *, for_update: bool = False) -> CaseFile:
    """The case file if `user` may see it; CaseNotFound for missing and forbidden alike.
    `for_update` locks the row (call inside a transaction)."""
    try:
        pk = int(case_id)
    except (TypeError, ValueError):
        raise CaseNotFound(case_id) from None
    query = visible_cases(user)
    if for_update:
        query = query.select_for_update()
    case = query.filter(pk=pk).first()
    if case is None:
        _log_if_hidden(user, pk)
        raise CaseNotFound(case_id)
    return case


def _log_if_hidden(user: Any, pk: int) -> None:
    """Audit and alert when the refused case exists (a missing id is not an alert)."""
    hidden = CaseFile.objects.filter(pk=pk).values("sensitivity", "compartment_id").first()
    if hidden is None or user is None or not user.is_authenticated:
        return
    if can_view_cases(user):
        reason = refusal_reason(user, hidden["sensitivity"], hidden["compartment_id"])
    else:
        reason = "role"
    log_denied_access(user, "case", pk, reason)


def check_can_change_case(user: Any, case: CaseFile, *, reopening: bool = False) -> None:
    """Refuse changes by a user without `change_cases`, and changes to a closed case other
    than reopening it. The caller fetched `case` through access_case, so membership is
    already settled."""
    if not user.has_perm("assessment.change_cases"):
        raise CaseActionRefused(
            _("changing case files needs the change_cases permission (legal experts)")
        )
    if case.status == CaseStatus.CLOSED and not reopening:
        raise CaseActionRefused(_("this case is closed; reopen it before changing it"))


def check_can_review_assessments(user: Any) -> None:
    if not user.has_perm("assessment.review_assessment"):
        raise CaseActionRefused(
            _(
                "confirming an element assessment needs the review_assessment permission "
                "(legal experts)"
            )
        )
