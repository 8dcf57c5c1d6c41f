"""Background tasks of the core app.

`record_heartbeat` does nothing but leave an audit entry, so an operator can prove that a
worker is picking up jobs: `sillok jobs --heartbeat`, then `sillok jobs` and `sillok audit log`.
"""

from __future__ import annotations

from typing import Any

from django.tasks import TaskContext, task

from sillok.custody.audit import record_audit


@task(takes_context=True)
def record_heartbeat(context: TaskContext) -> dict[str, Any]:
    """Append a "worker.heartbeat" audit entry naming the job and the worker that ran it.

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
