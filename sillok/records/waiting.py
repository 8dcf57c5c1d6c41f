"""Records waiting for their reviewer: the records' line of the home page's "waiting for you"
(core/waiting.py; registered in RecordsConfig.ready).

A record in review is assigned to one reviewer, and only that reviewer may finish or return
it (services._check_reviewer). So a user's count is the records in review assigned to them,
among the records they may see (access.visible_records: clearance and compartments), less
any they wrote themselves: peer review forbids the author to review (the service refuses to
assign one, and a record written before that rule must not be counted either).
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from sillok.core.waiting import SHOWN_ENTRIES, WaitingEntry, WaitingWork
from sillok.records.access import can_view_records, visible_records
from sillok.records.kinds import KINDS, RecordKind
from sillok.records.models import ReviewStatus
from sillok.records.titles import visible_titles


def may_review_records(user: Any) -> bool:
    """The permissions the review actions ask for (access.check_can_review) on a user who may
    see records at all."""
    return can_view_records(user) and user.has_perm("records.review_record")


def _waiting(user: Any, kind: RecordKind) -> Any:
    return (
        visible_records(user, kind)
        .filter(review_status=ReviewStatus.IN_REVIEW, reviewer=user, withdrawn_at__isnull=True)
        .exclude(created_by=user)
    )


def _entries(user: Any, waiting: list[tuple[RecordKind, list[int]]]) -> tuple[WaitingEntry, ...]:
    """The first SHOWN_ENTRIES waiting records, kind by kind, each titled as its page titles
    it for `user` (one query per kind shown)."""
    entries: list[WaitingEntry] = []
    for kind, pks in waiting:
        wanted = pks[: SHOWN_ENTRIES - len(entries)]
        if not wanted:
            break
        titles = visible_titles(user, kind.name, set(wanted))
        entries.extend(
            WaitingEntry(
                title=f"{kind.prefix}-{pk} {titles[pk]}",
                url=reverse("records:record", args=[kind.plural, pk]),
            )
            for pk in wanted
            if pk in titles
        )
    return tuple(entries)


def _queue_url(waiting: list[tuple[RecordKind, list[int]]]) -> str:
    """The list of records in review when they are all of one kind, else the records page
    (the lists are per kind)."""
    if len(waiting) != 1:
        return reverse("records:home")
    query = urlencode({"review_status": ReviewStatus.IN_REVIEW})
    return f"{reverse('records:list', args=[waiting[0][0].plural])}?{query}"


def waiting_for(user: Any) -> list[WaitingWork]:
    """One line, "Records to review", for a user who may review: the count over every kind
    (zero included, so a reviewer learns where reviews appear) and the first few records.
    One query per kind, and one per kind whose records are named."""
    if not may_review_records(user):
        return []
    waiting: list[tuple[RecordKind, list[int]]] = []
    count = 0
    for kind in KINDS:
        query = _waiting(user, kind)
        # The newest few by id, and a count only when there are more than fit on the page.
        pks = list(query.order_by("-pk").values_list("pk", flat=True)[: SHOWN_ENTRIES + 1])
        if pks:
            waiting.append((kind, pks))
            count += len(pks) if len(pks) <= SHOWN_ENTRIES else query.count()
    return [
        WaitingWork(
            key="records.review",
            label=_("Records to review"),
            count=count,
            url=_queue_url(waiting),
            entries=_entries(user, waiting),
        )
    ]
