"""Background jobs of the search app: re-indexing what the queue holds (search/indexing.py).

`index_queued` is queued when a change queued more objects than are re-indexed right after
its commit, or when that re-indexing failed; it works through the queue a slice at a time and
queues itself again while rows remain. Every run is safe to repeat: the queue rows are the
truth, a job only finds them or not.
"""

from __future__ import annotations

from django.tasks import task

from sillok.search.models import IndexQueue

JOB_SLICE = 5000


@task(queue_name="default")
def index_queued() -> int:
    """Re-index up to `JOB_SLICE` queued objects; queue the next slice while any remain."""
    from sillok.search.indexing import process_queue, request_embedding

    done = process_queue(limit=JOB_SLICE)
    if done:
        request_embedding()
    if IndexQueue.objects.exists() and not job_waiting():
        index_queued.enqueue()
    return done


def job_waiting() -> bool:
    """Whether an `index_queued` job is queued and not started (database backend only;
    elsewhere a second job merely finds less to do)."""
    try:
        from django_tasks_db.models import DBTaskResult
    except ImportError:
        return False
    from django.tasks import TaskResultStatus, task_backends

    if type(task_backends["default"]).__module__.split(".")[0] != "django_tasks_db":
        return False
    waiting = DBTaskResult.objects.filter(
        status=TaskResultStatus.READY, task_path=index_queued.module_path
    )
    return waiting.exists()
