"""The real `sillok` command: ingest, worker --burst, item show/text/custody, verify."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sillok.custody.blobstore import get_blob_store
from sillok.evidence.models import CustodyEvent, DerivationJob, Item, ItemFile
from sillok.testing.cli import run_sillok
from sillok.workspace.services import do_initialise_repository

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def initialised(repo_home):
    # A private home: the tests below corrupt blobs on purpose.
    do_initialise_repository()


def _ingest_json(*paths: Path, extra: tuple[str, ...] = ()) -> tuple[int, list[dict]]:
    run = run_sillok("ingest", "--json", *extra, *map(str, paths))
    lines = [json.loads(line) for line in run.stdout.splitlines() if line.strip()]
    return run.returncode, lines


def test_ingest_prints_one_json_object_per_file_and_exits_0(initialised, files):
    code, lines = _ingest_json(files, extra=("--source", "interview", "--sensitivity", "internal"))
    assert code == 0
    assert len(lines) == 3
    for line in lines:
        assert set(line) >= {"path", "status", "item", "sha256", "reason"}
        assert line["status"] == "new"
        assert len(line["sha256"]) == 64
    assert set(Item.objects.values_list("sensitivity", flat=True)) == {"internal"}
    event = CustodyEvent.objects.first()
    assert event.channel == "cli" and "@" in event.place


def test_ingest_says_duplicate_and_exits_1_when_anything_is_rejected(initialised, files, tmp_path):
    _ingest_json(files / "photo.png")
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    code, lines = _ingest_json(files / "photo.png", empty)
    assert code == 1
    by_status = {line["status"]: line for line in lines}
    assert by_status["duplicate"]["item"] == Item.objects.get().pk
    assert by_status["rejected"]["reason"] and by_status["rejected"]["item"] is None


def test_ingest_of_a_missing_path_is_a_rejection_not_a_crash(initialised, tmp_path):
    code, lines = _ingest_json(tmp_path / "nothing-here")
    assert code == 1
    assert lines[0]["status"] == "rejected"


def test_worker_burst_makes_text_derivatives_that_item_text_prints(initialised, files):
    _ingest_json(files / "증언_2019년.txt")
    item = Item.objects.get()
    run = run_sillok("worker", "--burst")
    assert run.returncode == 0, run.stderr
    statuses = dict(DerivationJob.objects.values_list("deriver", "status"))
    assert statuses["text"] == "done" and statuses["metadata"] == "done"
    shown = run_sillok("item", "show", str(item.pk), "--json")
    assert shown.returncode == 0, shown.stderr
    data = json.loads(shown.stdout)
    roles = {(f["role"], f["kind"]) for f in data["files"]}
    assert ("original", "original") in roles and ("derivative", "text") in roles
    text_file = next(f for f in data["files"] if f["kind"] == "text")
    assert text_file["provenance"]["tool"]
    assert text_file["provenance"]["derived_from"] == data["files"][0]["sha256"]
    text = run_sillok("item", "text", str(item.pk))
    assert "공개처형" in text.stdout and "Yodok" in text.stdout
    custody = json.loads(run_sillok("item", "custody", str(item.pk), "--json").stdout)
    assert [e["action"] for e in custody][0] == "intake"
    assert "derivation" in {e["action"] for e in custody}


def test_item_show_of_an_unknown_item_exits_2(initialised):
    run = run_sillok("item", "show", "999999", "--json")
    assert run.returncode == 2
    assert "no item" in run.stderr


def test_verify_names_the_item_whose_blob_has_a_flipped_byte(initialised, files, settings):
    _ingest_json(files / "photo.png", files / "report.html")
    target = ItemFile.objects.get(original_filename="photo.png")
    path = Path(settings.SILLOK_HOME) / "blobs"
    blob_file = next(p for p in path.rglob(target.sha256))
    data = bytearray(blob_file.read_bytes())
    data[10] ^= 0x01
    blob_file.chmod(0o600)
    blob_file.write_bytes(bytes(data))
    assert get_blob_store().rehash(target.sha256).sha256 != target.sha256
    run = run_sillok("verify", "--json")
    assert run.returncode == 1
    report = json.loads(run.stdout)
    corrupt = [p for p in report["problems"] if p["kind"] == "blob_corrupt"]
    assert len(corrupt) == 1 and corrupt[0]["sha256"] == target.sha256
    assert corrupt[0]["items"] == [target.item_id]
    failed = CustodyEvent.objects.filter(action="fixity_failed")
    assert [e.item_id for e in failed] == [target.item_id]
    assert CustodyEvent.objects.filter(action="fixity_checked").exclude(
        item_id=target.item_id
    ).exists()
    human = run_sillok("verify")
    assert f"(item {target.item_id})" in human.stdout


def test_verify_since_a_future_date_rehashes_no_blob(initialised, files):
    _ingest_json(files / "photo.png")
    run = run_sillok("verify", "--json", "--since", "2999-01-01")
    assert run.returncode == 0, run.stdout
    assert json.loads(run.stdout)["checked"]["blobs"] == 0
    bad = run_sillok("verify", "--since", "yesterday")
    assert bad.returncode == 2
