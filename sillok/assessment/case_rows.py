"""What every case service shares: fetching the case again under a lock, the revision check,
withdrawn rows, bumping a row's revision, and the user a person names.

A service never trusts the case object its caller passes in: `lock_case` fetches it again
through access_case inside the service's transaction (so a case its caller may no longer see
is refused like a missing one) and checks that the user may change it.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _

from sillok.accounts.models import User
from sillok.assessment.access import CaseActionRefused, access_case, check_can_change_case
from sillok.assessment.case_input import CaseInputError
from sillok.assessment.models import CaseFile

MAX_TITLE = 500
MAX_TEXT = 20000
MAX_REASON = 2000


class StaleRevision(CaseActionRefused):
    """The row changed since the user loaded it."""


def lock_case(user: Any, case: CaseFile) -> CaseFile:
    # Two experts changing one case at once: the second waits for the first, then sees its
    # revision (and its compartment membership, re-read here).
    locked = access_case(user, case.pk, for_update=True)
    check_can_change_case(user, locked)
    return locked


def lock_row(user: Any, row: models.Model) -> tuple[CaseFile, models.Model]:
    case = lock_case(user, row.case)
    return case, type(row).objects.select_for_update().get(pk=row.pk)


def check_revision(row: models.Model, revision: int | None) -> None:
    if revision is None:
        raise CaseInputError("revision", _("say which revision you changed"))
    if row.revision != int(revision):
        raise StaleRevision(
            _(
                "this was changed by someone else (revision %(now)d, you changed revision "
                "%(yours)d); reload it and make your change again"
            )
            % {"now": row.revision, "yours": int(revision)}
        )


def check_active(row: models.Model) -> None:
    if getattr(row, "withdrawn_at", None) is not None:
        raise CaseActionRefused(_("this was withdrawn; it cannot be changed"))


def bump(row: models.Model) -> None:
    row.revision += 1
    row.updated_at = timezone.now()
    row.save()


def member_user(member: Any) -> User:
    if isinstance(member, User):
        return member
    found = User.objects.filter(username__iexact=str(member or "").strip()).first()
    if found is None:
        raise CaseInputError("member", _("no user %(name)r") % {"name": member})
    return found
