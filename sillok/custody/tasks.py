"""Background tasks of the custody app: checkpoint delivery, and the heartbeat that proves a
worker is picking up jobs (an audit entry is all it leaves)."""

from __future__ import annotations

from typing import Any

from django.tasks import TaskContext, task

from sillok.custody.audit import record_audit
from sillok.custody.witness import deliver_pending


@task(queue_name="default")
def deliver_checkpoints() -> dict[str, int]:
    """Send checkpoints not yet delivered to their witnesses (idempotent: each delivery is
    marked when it succeeds, and a witness keeps one copy per checkpoint)."""
    return deliver_pending()


@task(takes_context=True)
def record_heartbeat(context: TaskContext) -> dict[str, Any]:
    """Append a "worker.heartbeat" audit entry naming the job and the worker that ran it:
    `sillok jobs --heartbeat`, then `sillok jobs` and `sillok audit log`.

    Idempotent enough for a retry: a second run adds a second heartbeat, which is the truth.
    """
    result = context.task_result
    entry = record_audit(
        None,
        "worker.heartbeat",
        object_type="job",
        object_id=str(result.id),
        details={"worker": result.worker_ids[-1] if result.worker_ids else ""},
    )
    return {"audit_seq": entry.seq}
