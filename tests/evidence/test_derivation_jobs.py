"""Derivation jobs: idempotent, failures visible with the deriver's message, retries,
perceptual-hash look-alikes, and the scheduled fixity round."""

from __future__ import annotations

from pathlib import Path

import pytest
from django_tasks_db.models import DBTaskResult
from PIL import Image, ImageDraw

from sillok.evidence import derivation
from sillok.evidence.derivation import run_derivation_job, run_file_jobs
from sillok.evidence.fixity import ensure_fixity_scheduled, run_scheduled_fixity
from sillok.evidence.models import CustodyEvent, DerivationJob, ItemFile, JobStatus
from sillok.evidence.queries import possible_duplicates

from .derive.hwp_builder import COMPRESSED, PASSWORD, paragraph, write_hwp

pytestmark = pytest.mark.django_db


def test_running_a_file_twice_makes_each_derivative_once(ingest, files, documentation_officer):
    result = ingest(documentation_officer, files / "증언_2019년.txt")[0]
    original = ItemFile.objects.get(item_id=result.item, role="original")
    first = run_file_jobs(original.pk)
    assert first and set(first.values()) == {JobStatus.DONE}
    made = ItemFile.objects.filter(derived_from=original).count()
    for job in DerivationJob.objects.filter(source=original):
        assert run_derivation_job(job.pk) == JobStatus.DONE
    assert ItemFile.objects.filter(derived_from=original).count() == made
    text = ItemFile.objects.get(derived_from=original, kind="text")
    assert text.tool and text.tool_version and text.params is not None
    assert CustodyEvent.objects.filter(item_id=result.item, action="derivation").count() == made


def test_an_unexpected_error_is_retried_then_reported(
    ingest, files, documentation_officer, monkeypatch
):
    result = ingest(documentation_officer, files / "report.html")[0]
    job = DerivationJob.objects.get(source__item_id=result.item, deriver="text")

    def explode(*args, **kwargs):
        raise OSError("disk on fire")

    monkeypatch.setattr(derivation, "_store_outputs", explode)
    for attempt in range(1, derivation.MAX_ATTEMPTS + 1):
        DerivationJob.objects.filter(pk=job.pk).update(status=JobStatus.QUEUED)
        state = run_derivation_job(job.pk)
        job.refresh_from_db()
        assert job.attempts == attempt
    assert state == JobStatus.FAILED
    assert "gave up after 3 attempts" in job.error and "disk on fire" in job.error
    # A retry was queued after each failed attempt but the last.
    assert DBTaskResult.objects.filter(
        task_path="sillok.evidence.tasks.run_derivation"
    ).count() == derivation.MAX_ATTEMPTS - 1
    assert derivation.do_retry_job(None, job).status == JobStatus.QUEUED


def test_bad_input_fails_at_once_with_the_derivers_message(
    ingest, tmp_path, documentation_officer, client_for
):
    # A well-formed HWP whose text is password-protected: intake keeps it (it is evidence),
    # the text deriver cannot read it and says so, once, without retrying.
    locked = write_hwp(
        tmp_path / "암호 문서.hwp", [paragraph(["비밀 내용"])], flags=COMPRESSED | PASSWORD
    )
    result = ingest(documentation_officer, locked)[0]
    assert result.status == "new", result
    original = ItemFile.objects.get(item_id=result.item, role="original")
    assert original.media_type == "application/x-hwp"
    states = run_file_jobs(original.pk)
    assert states["text"] == JobStatus.FAILED and states["metadata"] == JobStatus.DONE
    job = DerivationJob.objects.get(source=original, deriver="text")
    assert job.attempts == 1 and "password" in job.error
    page = client_for(documentation_officer).get(f"/items/{result.item}/").content.decode()
    assert "password" in page


def _picture(path: Path, shade: int, box: tuple[int, int, int, int]) -> Path:
    image = Image.new("RGB", (320, 240), (shade, shade, shade))
    draw = ImageDraw.Draw(image)
    draw.rectangle(box, fill=(200, 30, 30))
    draw.ellipse((20, 20, 120, 120), fill=(30, 30, 200))
    image.save(path)
    return path


def test_a_re_encoded_photo_is_suggested_as_a_possible_duplicate(
    ingest, tmp_path, documentation_officer
):
    original = _picture(tmp_path / "camp.png", 240, (150, 60, 300, 200))
    smaller = tmp_path / "camp-small.jpg"
    Image.open(original).resize((160, 120)).save(smaller, quality=70)
    different = tmp_path / "other.png"
    image = Image.new("RGB", (320, 240), "white")
    ImageDraw.Draw(image).polygon([(0, 240), (160, 0), (320, 240)], fill="black")
    image.save(different)
    results = ingest(documentation_officer, original, smaller, different)
    for file in ItemFile.objects.filter(role="original"):
        run_file_jobs(file.pk)
    first = ItemFile.objects.get(original_filename="camp.png").item
    visible = first.__class__.objects.all()
    alike = [(other.pk, distance) for other, distance in possible_duplicates(first, visible)]
    assert [pk for pk, _ in alike] == [results[1].item]
    assert alike[0][1] <= 8


def test_the_scheduled_fixity_round_checks_a_sample_and_queues_the_next(
    ingest, files, documentation_officer, settings
):
    ingest(documentation_officer, files)
    settings.SILLOK_FIXITY_SAMPLE = 2
    assert ensure_fixity_scheduled() is True
    assert ensure_fixity_scheduled() is False  # one schedule, however many workers start
    waiting = DBTaskResult.objects.get(task_path="sillok.evidence.tasks.scheduled_fixity")
    assert waiting.run_after is not None
    outcome = run_scheduled_fixity()
    assert outcome["ok"] is True and outcome["checked"]["blobs"] == 2
    assert CustodyEvent.objects.filter(action="fixity_checked").count() >= 1
