"""Background jobs of the evidence app. Each is a thin wrapper around a service function."""

from __future__ import annotations

from typing import Any

from django.tasks import task

from sillok.evidence.derivation import run_derivation_job, run_file_jobs
from sillok.evidence.fixity import queue_next_fixity_round, run_scheduled_fixity
from sillok.evidence.models import DerivationJob, JobStatus


class DerivationFailed(RuntimeError):
    """Raised so that the queue (and `sillok jobs`) shows a failed derivation as FAILED."""


@task(queue_name="default")
def run_derivation(job_id: int) -> str:
    """Run one derivation job (idempotent: a finished job is left as it is)."""
    status = run_derivation_job(job_id)
    if status == JobStatus.FAILED:
        error = DerivationJob.objects.filter(pk=job_id).values_list("error", flat=True).first()
        raise DerivationFailed(f"derivation job {job_id}: {error}")
    return status


@task(queue_name="default")
def derive_file(file_id: int) -> dict[str, str]:
    """Run every queued derivation job of one original file; {deriver: end state}."""
    return run_file_jobs(file_id)


@task(queue_name="default")
def scheduled_fixity() -> dict[str, Any]:
    """A fixity round over a random sample of blobs; then the next round is queued."""
    outcome = run_scheduled_fixity()
    queue_next_fixity_round()
    return outcome
