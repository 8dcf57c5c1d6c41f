"""Derivatives: planning jobs for an original and running one job.

A DerivationJob is (source file, deriver, parameter key): queued once however often it is
planned, claimed by a conditional UPDATE so two workers never run it together, and finished
in one transaction that records every output file, its provenance and the custody event
(through derivatives.py, the one way a derivative is stored).
Originals are only ever read: the deriver gets a private copy in a temporary folder.

Every deriver runs in a sandboxed child process (sandbox.py) on that copy, under memory, time
and output limits; the parent checks what it names and stores the outputs. The jobs of one
file share a child (`run_file_jobs`); a child never serves two files.

Failures: bad input (DerivationError) fails the job at once with the deriver's message, and so
does a child that breaks a limit or crashes on the file (ParseLimitExceeded: the same input
fails the same way); a missing tool (DeriverUnavailable) marks it skipped; anything else is
retried with back-off up to MAX_ATTEMPTS times.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import pickle
import shutil
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from sillok.core.tempfiles import temp_dir
from sillok.custody.audit import lock_head
from sillok.custody.canonical import canonical_json
from sillok.custody.services import open_blob
from sillok.evidence.custody_log import HandlingContext, record_custody_event
from sillok.evidence.derivatives import DerivativeSpec, put_derivative, record_derivative
from sillok.evidence.derive import all_derivers
from sillok.evidence.derive.base import (
    Derivation,
    DerivationError,
    DerivedFile,
    Deriver,
    DeriverUnavailable,
)
from sillok.evidence.models import (
    CustodyAction,
    DerivationJob,
    ItemFile,
    JobStatus,
    PerceptualHash,
)
from sillok.evidence.sandbox import ParseLimitExceeded, Sandbox, limits_for, maybe

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
RETRY_DELAYS = (timedelta(seconds=30), timedelta(minutes=5))
# A job "running" for longer than this was left by a worker that died: it may be claimed again.
STALE_RUNNING = timedelta(hours=6)


def deriver_named(name: str) -> Deriver:
    for deriver in all_derivers():
        if deriver.name == name:
            return deriver
    raise LookupError(f"no deriver named {name!r}")


def params_key(deriver: Deriver) -> str:
    return hashlib.sha256(
        canonical_json({"deriver": deriver.name, "params": deriver.params()}).encode()
    ).hexdigest()


def schedule_derivations(source: ItemFile, *, new_file: bool = False) -> None:
    """Plan every applicable deriver for the original `source` and queue one job that runs
    them (idempotent: a (file, deriver, params) already planned is not planned again).

    Called inside the intake transaction: with the database queue the jobs commit with the
    item or not at all, so no intake can lose its derivatives. With the inline backend
    (demo, SILLOK_TASKS=immediate) they run after the commit instead, outside the lock.
    """
    wanted = {(d.name, params_key(d)) for d in all_derivers() if d.applies_to(source.media_type)}
    if not new_file:  # a file recorded just now has no jobs yet: spare the query
        wanted -= set(
            DerivationJob.objects.filter(source=source).values_list("deriver", "params_key")
        )
    if wanted:
        DerivationJob.objects.bulk_create(
            DerivationJob(source=source, deriver=name, params_key=key)
            for name, key in sorted(wanted)
        )
        _enqueue_file(source.pk)


def schedule_derivations_for(new_files: list[ItemFile]) -> None:
    """`schedule_derivations` for originals recorded just now, with one insert for all
    their jobs (the intake of a folder records files by the batch)."""
    derivers = [(d, params_key(d)) for d in all_derivers()]
    jobs, queued = [], []
    for source in new_files:
        wanted = [
            DerivationJob(source=source, deriver=d.name, params_key=key)
            for d, key in derivers
            if d.applies_to(source.media_type)
        ]
        if wanted:
            jobs.extend(wanted)
            queued.append(source.pk)
    DerivationJob.objects.bulk_create(jobs)
    for file_id in queued:
        _enqueue_file(file_id)


def _enqueue_file(file_id: int) -> None:
    from sillok.evidence.tasks import derive_file

    if _inline_backend():
        transaction.on_commit(lambda: derive_file.enqueue(file_id))
    else:
        derive_file.enqueue(file_id)


def _inline_backend() -> bool:
    return "ImmediateBackend" in str(settings.TASKS["default"]["BACKEND"])


def _enqueue(job: DerivationJob, run_after: Any = None) -> None:
    """Queue one job on its own (a retry, or a re-run asked for by a person)."""
    from sillok.evidence.tasks import run_derivation

    task = run_derivation
    # The inline backend cannot defer; a retry there simply runs again now.
    if run_after is not None and not _inline_backend():
        task = run_derivation.using(run_after=run_after)
    result = task.enqueue(job.pk)
    DerivationJob.objects.filter(pk=job.pk).update(task_id=str(result.id)[:64])


def run_file_jobs(file_id: int) -> dict[str, str]:
    """Run every queued job of one file, one after the other, in one sandbox;
    {deriver: end state}."""
    jobs = DerivationJob.objects.filter(source_id=file_id, status=JobStatus.QUEUED)
    with Sandbox() as sandbox:
        return {job.deriver: run_derivation_job(job.pk, sandbox) for job in jobs.order_by("pk")}


def do_retry_job(actor: Any, job: DerivationJob) -> DerivationJob:
    """Queue a failed or skipped job again (after a tool was installed, say)."""
    updated = DerivationJob.objects.filter(
        pk=job.pk, status__in=[JobStatus.FAILED, JobStatus.SKIPPED]
    ).update(status=JobStatus.QUEUED, attempts=0, error="")
    if updated:
        _enqueue(job)
    job.refresh_from_db()
    return job


def _claim(job_id: int) -> bool:
    """Mark the job running if it is queued (or stale); False when another worker has it or
    it is finished. A conditional UPDATE: two workers racing for it cannot both win."""
    now = timezone.now()
    claimable = Q(status=JobStatus.QUEUED) | Q(
        status=JobStatus.RUNNING, started_at__lt=now - STALE_RUNNING
    )
    return bool(
        DerivationJob.objects.filter(claimable, pk=job_id).update(
            status=JobStatus.RUNNING, started_at=now
        )
    )


def _finish(job_id: int, status: str, error: str = "", **fields: Any) -> None:
    DerivationJob.objects.filter(pk=job_id).update(
        status=status, error=error[:2000], finished_at=timezone.now(), **fields
    )


def run_derivation_job(job_id: int, sandbox: Sandbox | None = None) -> str:
    """Run one job to its end state; return that state. Safe to call more than once.
    The deriver runs in `sandbox` (a new one when not given)."""
    if not _claim(job_id):
        return DerivationJob.objects.get(pk=job_id).status
    job = DerivationJob.objects.select_related("source", "source__item").get(pk=job_id)
    DerivationJob.objects.filter(pk=job_id).update(attempts=job.attempts + 1)
    job.attempts += 1
    try:
        deriver = deriver_named(job.deriver)
        version = deriver.tool_version()
        with temp_dir("derive-") as workdir:
            source_copy = _copy_of_source(job.source, workdir)
            outdir = workdir / "out"
            outdir.mkdir()
            derivation = _derive(deriver, source_copy, job.source.media_type, outdir, sandbox)
            _store_outputs(job, deriver, version, derivation)
    except DeriverUnavailable as exc:
        _finish(job_id, JobStatus.SKIPPED, str(exc))
        return JobStatus.SKIPPED
    except (DerivationError, ParseLimitExceeded) as exc:
        _finish(job_id, JobStatus.FAILED, str(exc))
        return JobStatus.FAILED
    except Exception as exc:
        logger.exception("derivation job %s (%s) failed", job_id, job.deriver)
        return _retry_or_fail(job, exc)
    return JobStatus.DONE


def _derive(
    deriver: Deriver, source: Path, media_type: str, outdir: Path, sandbox: Sandbox | None
) -> Derivation:
    """Run `deriver` on `source` in a sandboxed child; its outputs, checked to be files it
    wrote in `outdir` (a child whose parser was subverted must not name the keys folder)."""
    args = {
        "deriver": base64.b64encode(pickle.dumps(deriver)).decode("ascii"),
        "source": str(source),
        "media_type": media_type,
        "outdir": str(outdir),
    }
    with maybe(sandbox) as box:
        answer = box.call(
            "sillok.evidence.sandbox_child:run_deriver",
            args,
            limits=limits_for(deriver.name),
            reap=True,
        )
    files = [
        DerivedFile(
            path=_output_path(outdir, str(entry["name"])),
            kind=str(entry["kind"]),
            media_type=str(entry["media_type"]),
            language=str(entry.get("language") or ""),
            details=dict(entry.get("details") or {}),
        )
        for entry in answer["files"]
    ]
    return Derivation(
        files=files,
        phashes=[str(value) for value in answer["phashes"]],
        details=dict(answer.get("details") or {}),
    )


def _output_path(outdir: Path, name: str) -> Path:
    path = outdir / name
    resolved = path.resolve()
    if not resolved.is_relative_to(outdir.resolve()) or path.is_symlink() or not resolved.is_file():
        raise DerivationError(f"the deriver named an output outside its folder: {name[:100]!r}")
    return resolved


def _retry_or_fail(job: DerivationJob, exc: Exception) -> str:
    message = f"{type(exc).__name__}: {exc}"
    if job.attempts >= MAX_ATTEMPTS:
        _finish(job.pk, JobStatus.FAILED, f"gave up after {job.attempts} attempts: {message}")
        return JobStatus.FAILED
    delay = RETRY_DELAYS[min(job.attempts - 1, len(RETRY_DELAYS) - 1)]
    DerivationJob.objects.filter(pk=job.pk).update(status=JobStatus.QUEUED, error=message[:2000])
    _enqueue(job, run_after=timezone.now() + delay)
    return JobStatus.QUEUED


def _copy_of_source(source: ItemFile, workdir: Path) -> Path:
    # The suffix helps tools that look at names (exiftool, ffmpeg); the name itself is ours,
    # never the user's, so no path or shell trick in a filename can reach a tool.
    suffix = Path(source.original_filename).suffix[:16]
    if not suffix.isascii() or not suffix[1:].isalnum():
        suffix = ""
    target = workdir / f"source{suffix}"
    with open_blob(source.sha256) as stream, target.open("wb") as out:
        shutil.copyfileobj(stream, out, 1024 * 1024)
    target.chmod(0o400)
    return target


def _store_outputs(job: DerivationJob, deriver: Deriver, version: str, derivation: Any) -> None:
    puts = [(output, put_derivative(output.path)) for output in derivation.files]
    context = HandlingContext.for_job(job.pk)
    with transaction.atomic():
        lock_head()
        current = DerivationJob.objects.select_for_update().get(pk=job.pk)
        if current.status == JobStatus.DONE:  # finished by another worker meanwhile
            return
        made = [
            record_derivative(
                None, job.source, put, _spec(deriver, version, output), context, job=job
            )
            for output, put in puts
        ]
        for frame, value in enumerate(derivation.phashes):
            PerceptualHash.objects.get_or_create(
                file=job.source, frame=frame, defaults={"value": value}
            )
        if not made and derivation.phashes:
            record_custody_event(
                None,
                job.source.item,
                CustodyAction.DERIVATION,
                context,
                file=job.source,
                details={
                    "deriver": deriver.name,
                    "tool": deriver.tool,
                    "phashes": len(derivation.phashes),
                },
            )
        DerivationJob.objects.filter(pk=job.pk).update(
            status=JobStatus.DONE,
            error="",
            tool_version=version[:200],
            finished_at=timezone.now(),
        )


def _spec(deriver: Deriver, version: str, output: DerivedFile) -> DerivativeSpec:
    return DerivativeSpec(
        kind=output.kind,
        media_type=output.media_type,
        tool=deriver.tool,
        tool_version=version,
        deriver=deriver.name,
        params=deriver.params(),
        details=output.details,
        language=output.language,
        name=output.path.name,
    )
