"""What a new user does: ingest a folder of mixed Korean and English material with the real
`sillok` command, run the worker, and find the OCR text, the transcript, the extracted text,
previews and the custody timeline of every item."""

from __future__ import annotations

import json
import subprocess

import pytest

from sillok.evidence.models import DerivationJob, Item, ItemFile
from sillok.testing.cli import run_sillok
from sillok.workspace.services import do_initialise_repository

from .derive.builders import text_image, write_docx

pytestmark = pytest.mark.django_db(transaction=True)


def _speech(text: str, voice: str, out):
    raw = out.with_suffix(".raw.wav")
    subprocess.run(["espeak-ng", "-v", voice, "-w", str(raw), text], check=True, timeout=60)
    subprocess.run(
        ["ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-i", str(raw), "-ac", "1",
         "-ar", "16000", str(out)],
        check=True, timeout=60,
    )  # fmt: skip
    raw.unlink()
    return out


def test_a_mixed_folder_yields_ocr_text_transcripts_and_custody(repo_home, tmp_path):
    do_initialise_repository()
    folder = tmp_path / "인터뷰 2019"
    folder.mkdir()
    text_image(["인권 침해 기록", "Human Rights Evidence"]).save(folder / "사진.png")
    _speech("The prison camp is near the river.", "en", folder / "testimony.wav")
    write_docx(folder / "보고서.docx")
    (folder / "notes.txt").write_text("요덕 수용소 면담 메모\nInterview notes.\n", encoding="utf-8")

    ingest = run_sillok("ingest", "--json", "--source", "interview 2019", str(folder))
    assert ingest.returncode == 0, ingest.stderr
    assert [json.loads(line)["status"] for line in ingest.stdout.splitlines()] == ["new"] * 4
    worker = run_sillok("worker", "--burst", timeout=600)
    assert worker.returncode == 0, worker.stderr
    assert not DerivationJob.objects.exclude(status="done").exists(), list(
        DerivationJob.objects.exclude(status="done").values("deriver", "status", "error")
    )

    photo = ItemFile.objects.get(original_filename="사진.png").item
    photo_text = run_sillok("item", "text", str(photo.pk)).stdout
    assert "인권" in photo_text and "Evidence" in photo_text
    assert photo.files.filter(kind="preview").exists()

    audio = ItemFile.objects.get(original_filename="testimony.wav").item
    transcript = json.loads(run_sillok("item", "text", str(audio.pk), "--json").stdout)
    assert [part["kind"] for part in transcript] == ["transcript"]
    assert "prison" in transcript[0]["text"].lower() or "camp" in transcript[0]["text"].lower()
    assert transcript[0]["language"] == "en"

    for item in Item.objects.all():
        shown = json.loads(run_sillok("item", "show", str(item.pk), "--json").stdout)
        kinds = {f["kind"] for f in shown["files"]}
        assert "metadata" in kinds, (item.title, kinds)
        custody = json.loads(run_sillok("item", "custody", str(item.pk), "--json").stdout)
        assert custody[0]["action"] == "intake" and custody[0]["channel"] == "cli"
        assert {"derivation"} <= {event["action"] for event in custody}
    assert run_sillok("verify").returncode == 0
