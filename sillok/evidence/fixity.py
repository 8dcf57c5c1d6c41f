"""Fixity of evidence: every blob that verification re-hashes is traced to the items whose
files it holds, and the outcome goes into each item's custody trail.

Per item and run, one custody event: "fixity_checked" when all of the item's checked files
were intact, "fixity_failed" (naming the files and the problem) otherwise. A scheduled job
(`run_scheduled_fixity`) checks a random sample every interval, so that over time every file
is re-read without one run having to read the whole repository.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from sillok.custody.audit import lock_head
from sillok.custody.verify import Problem, VerificationReport
from sillok.evidence.custody_log import HandlingContext, record_custody_event
from sillok.evidence.models import CustodyAction, Item, ItemFile

BATCH = 500
SCHEDULED_TASK_PATH = "sillok.evidence.tasks.scheduled_fixity"


class EvidenceFixityObserver:
    """Collects the outcome per blob, then records one custody event per item touched."""

    def __init__(self, context: HandlingContext | None = None) -> None:
        self.context = context or HandlingContext(channel="verify", reason="fixity check")
        self.pending: list[tuple[str, Problem | None]] = []
        # item id -> list of (sha256, role, problem kind or None)
        self.outcomes: dict[int, list[tuple[str, str, str | None]]] = defaultdict(list)
        self.problem_items: dict[str, list[int]] = defaultdict(list)

    def blob_checked(self, sha256: str, problem: Problem | None) -> None:
        self.pending.append((sha256, problem))
        if len(self.pending) >= BATCH:
            self._resolve()

    def _resolve(self) -> None:
        by_hash = {sha256: problem for sha256, problem in self.pending}
        self.pending = []
        rows = ItemFile.objects.filter(sha256__in=list(by_hash)).values_list(
            "item_id", "sha256", "role"
        )
        for item_id, sha256, role in rows:
            problem = by_hash[sha256]
            self.outcomes[item_id].append((sha256, role, problem.kind if problem else None))
            if problem is not None and item_id not in self.problem_items[sha256]:
                self.problem_items[sha256].append(item_id)

    def finish(self, actor: Any, report: VerificationReport, *, record: bool = True) -> None:
        self._resolve()
        for sha256, items in self.problem_items.items():
            report.blob_context[sha256] = {"items": sorted(items)}
        if not record:
            return
        item_ids = sorted(self.outcomes)
        for start in range(0, len(item_ids), BATCH):
            self._record(actor, item_ids[start : start + BATCH])

    def _record(self, actor: Any, item_ids: list[int]) -> None:
        with transaction.atomic():
            lock_head()
            for item in Item.objects.filter(pk__in=item_ids).order_by("pk"):
                outcomes = self.outcomes[item.pk]
                failed = [o for o in outcomes if o[2] is not None]
                record_custody_event(
                    actor,
                    item,
                    CustodyAction.FIXITY_FAILED if failed else CustodyAction.FIXITY_CHECKED,
                    self.context,
                    details={
                        "files_checked": len(outcomes),
                        "failed": [
                            {"sha256": sha, "role": role, "problem": kind}
                            for sha, role, kind in failed
                        ],
                    },
                )


def run_scheduled_fixity() -> dict[str, Any]:
    """One scheduled round: verify the audit chain and a random sample of blobs; abort
    resumable uploads that were abandoned."""
    from sillok.custody.services import run_verification
    from sillok.evidence.uploads import do_expire_uploads

    report = run_verification(None, sample=settings.SILLOK_FIXITY_SAMPLE)
    return {
        "ok": report.ok,
        "problems": report.error_count,
        "checked": report.checked,
        "uploads_expired": do_expire_uploads(),
    }


def ensure_fixity_scheduled() -> bool:
    """Queue the next scheduled fixity round unless one is already waiting; True if queued.

    Under the audit head lock: two workers starting at once must not start two schedules.
    """
    if settings.SILLOK_FIXITY_INTERVAL_HOURS <= 0 or "DatabaseBackend" not in str(
        settings.TASKS["default"]["BACKEND"]
    ):
        return False
    from django_tasks_db.models import DBTaskResult

    with transaction.atomic():
        lock_head()
        waiting = DBTaskResult.objects.filter(
            task_path=SCHEDULED_TASK_PATH, status__in=["READY", "RUNNING"]
        ).exists()
        if waiting:
            return False
        queue_next_fixity_round()
    return True


def queue_next_fixity_round() -> None:
    from sillok.evidence.tasks import scheduled_fixity

    run_after = timezone.now() + timedelta(hours=settings.SILLOK_FIXITY_INTERVAL_HOURS)
    scheduled_fixity.using(run_after=run_after).enqueue()
