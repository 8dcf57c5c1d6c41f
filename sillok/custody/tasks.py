"""Background tasks of the custody app."""

from __future__ import annotations

from django.tasks import task

from sillok.custody.witness import deliver_pending


@task(queue_name="default")
def deliver_checkpoints() -> dict[str, int]:
    """Send checkpoints not yet delivered to their witnesses (idempotent: each delivery is
    marked when it succeeds, and a witness keeps one copy per checkpoint)."""
    return deliver_pending()
