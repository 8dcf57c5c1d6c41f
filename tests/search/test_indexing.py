"""Index updates: in the transaction of the change, never lost (search/indexing.py)."""

from __future__ import annotations

import io

import pytest
from django.db import connection, transaction

from sillok.search.indexing import SYNC_LIMIT, process_queue, reindex
from sillok.search.models import IndexQueue, SearchDocument, SearchFacetValue
from sillok.testing.search import index_pending

pytestmark = pytest.mark.django_db


def _docs(kind, pk):
    return SearchDocument.objects.filter(kind=kind, object_id=pk)


def _fts_rows(ids) -> int:
    marks = ", ".join(["%s"] * len(ids))
    if connection.vendor == "postgresql":
        sql = f"SELECT count(*) FROM search_document WHERE id IN ({marks}) AND tsv != ''"
    else:
        sql = f"SELECT count(*) FROM search_fts WHERE rowid IN ({marks})"
    with connection.cursor() as cursor:
        cursor.execute(sql, list(ids))  # noqa: S608  (placeholders only)
        return cursor.fetchone()[0]


def _matches(term: str) -> set[int]:
    """Document ids whose terms include `term` (straight from the backend structure)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT id FROM search_document WHERE tsv @@ %s::tsquery", [f"'{term}'"])
        else:
            cursor.execute("SELECT rowid FROM search_fts WHERE search_fts MATCH %s", [term])
        return {row[0] for row in cursor.fetchall()}


def test_a_change_is_indexed_when_its_transaction_commits(
    documentation_officer, make_record, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        person = make_record(documentation_officer, "person", name="김정철", notes="고문당했다")
    docs = list(_docs("person", person.pk))
    assert [d.part for d in docs] == [0]
    assert not IndexQueue.objects.exists()
    assert docs[0].pk in _matches("고문")
    assert docs[0].pk in _matches("kimjongchol")  # a romanized key of the name


def test_a_rolled_back_change_leaves_no_queue_row_and_no_document(
    documentation_officer, make_record, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        make_record(documentation_officer, "person", name="Rolled Back")
        raise RuntimeError("rollback")
    assert not callbacks
    assert not IndexQueue.objects.exists()
    assert not SearchDocument.objects.exists()


def test_a_crash_after_the_commit_leaves_the_queue_row_for_the_job(
    documentation_officer, make_record
):
    # The django_db transaction never commits, as if the process died after the commit and
    # before the re-indexing: the queue row is there, and the job finishes the work.
    person = make_record(documentation_officer, "person", name="Crash Test", notes="survivor")
    assert IndexQueue.objects.filter(kind="person", object_id=person.pk).exists()
    assert not _docs("person", person.pk).exists()
    from sillok.search.tasks import index_queued

    assert index_queued.call() >= 1
    assert _docs("person", person.pk).count() == 1
    assert not IndexQueue.objects.exists()


def test_a_row_queued_again_while_processing_survives(documentation_officer, make_record):
    person = make_record(documentation_officer, "person", name="Twice")
    from sillok.search import indexing

    original = indexing.index_objects

    def index_and_change_meanwhile(targets):
        written = original(targets)
        IndexQueue.objects.create(kind="person", object_id=person.pk)  # a later change
        return written

    indexing.index_objects = index_and_change_meanwhile
    try:
        assert process_queue(limit=1) == 1
    finally:
        indexing.index_objects = original
    assert IndexQueue.objects.filter(kind="person", object_id=person.pk).count() == 1


def test_raising_sensitivity_updates_the_index_in_the_same_transaction(
    documentation_officer, make_record
):
    from sillok.records.services import do_update_record

    victim = make_record(documentation_officer, "person", name="Victim", sex="female")
    event = make_record(documentation_officer, "event", title="An event", sensitivity="internal")
    act = make_record(
        documentation_officer,
        "act",
        event=f"E-{event.pk}",
        victim=f"P-{victim.pk}",
        violation_type="torture.beating",
        sensitivity="internal",
    )
    index_pending()
    assert set(_docs("person", victim.pk).values_list("sensitivity", flat=True)) == {"restricted"}
    assert SearchFacetValue.objects.filter(facet="victim_sex", document__object_id=act.pk)
    do_update_record(
        documentation_officer,
        victim,
        {"sensitivity": "strictly_confidential"},
        expected_revision=victim.revision,
    )
    # Not yet re-indexed (the commit never comes here), yet already hidden.
    assert IndexQueue.objects.filter(kind="act", object_id=act.pk).exists()
    assert set(_docs("person", victim.pk).values_list("sensitivity", flat=True)) == {
        "strictly_confidential"
    }
    sexes = SearchFacetValue.objects.filter(facet="victim_sex", document__object_id=act.pk)
    assert not sexes.exclude(sensitivity="strictly_confidential").exists()
    index_pending()
    assert sexes.get().sensitivity == "strictly_confidential"


def test_a_withdrawn_record_leaves_the_index(documentation_officer, make_record):
    from sillok.records.services import do_withdraw_record

    # Records are never deleted (append-only tables): withdrawal is how one goes.
    withdrawn = make_record(documentation_officer, "person", name="Withdrawn")
    index_pending()
    ids = list(SearchDocument.objects.values_list("pk", flat=True))
    assert _fts_rows(ids) == 1
    do_withdraw_record(documentation_officer, withdrawn, reason="duplicate entry")
    assert not SearchDocument.objects.exists()  # at once, before any re-indexing
    assert _fts_rows(ids) == 0
    index_pending()
    assert not SearchDocument.objects.exists()


def test_a_moved_involvement_updates_the_old_act(documentation_officer, make_record):
    from sillok.records.models import Involvement

    unit = "state_security.provincial"
    org = make_record(documentation_officer, "organization", name="Unit 1", institution=unit)
    event = make_record(documentation_officer, "event", title="E")
    acts = [
        make_record(
            documentation_officer, "act", event=f"E-{event.pk}", violation_type="torture.beating"
        )
        for _ in range(2)
    ]
    involvement = make_record(
        documentation_officer, "involvement", act=f"A-{acts[0].pk}", organization=f"O-{org.pk}"
    )
    index_pending()

    def institutions(act):
        rows = SearchFacetValue.objects.filter(facet="institution", document__kind="act")
        return set(rows.filter(document__object_id=act.pk).values_list("value", flat=True))

    # The unit's institution and its parent in the vocabulary.
    assert institutions(acts[0]) == {"state_security", "state_security.provincial"}
    involvement = Involvement.objects.get(pk=involvement.pk)
    involvement.act = acts[1]
    involvement.save()
    index_pending()
    assert institutions(acts[0]) == set()
    assert institutions(acts[1]) == {"state_security", "state_security.provincial"}


def test_a_spreadsheet_import_is_queued_and_indexed(analyst, make_user, vocabularies):
    from sillok.records.services import do_import_records

    rows = [{"name": f"Imported {n}", "notes": f"note {n}"} for n in range(SYNC_LIMIT + 3)]
    records = do_import_records(analyst, "person", rows, source={"name": "people.csv"})
    queued = set(IndexQueue.objects.values_list("object_id", flat=True))
    assert queued == {r.pk for r in records}
    from django_tasks_db.models import DBTaskResult

    # More than are indexed right after the commit: the index job is queued with the import.
    assert DBTaskResult.objects.filter(task_path__endswith="index_queued").exists()
    index_pending()
    assert SearchDocument.objects.filter(kind="person").count() == len(rows)


def test_an_item_and_its_text_derivative_are_indexed(documentation_officer, tmp_path, repo_home):
    from sillok.custody.services import put_blob, record_blob
    from sillok.evidence.custody_log import HandlingContext
    from sillok.evidence.intake import do_ingest_paths
    from sillok.evidence.metadata import ItemMetadata
    from sillok.evidence.models import FileRole, Item, ItemFile

    source = tmp_path / "notes.txt"
    source.write_text("배급 메모\n", encoding="utf-8")
    work = tmp_path / "work"
    work.mkdir()
    do_ingest_paths(
        documentation_officer,
        [source],
        metadata=ItemMetadata(title="Ration notes", sensitivity="internal", tags=["rations"]),
        context=HandlingContext(channel="cli", place="test", reason="test"),
        workdir=work,
    )
    item = Item.objects.get()
    index_pending()
    assert list(_docs("item", item.pk).values_list("part", flat=True)) == [0]
    text = ("배급이 중단되었다. " * 200).strip()
    put = put_blob(io.BytesIO(text.encode()))
    stored = record_blob(None, put, reason="test")
    ItemFile.objects.create(
        item=item,
        role=FileRole.DERIVATIVE,
        blob=stored.blob,
        sha256=put.sha256,
        size=put.size,
        media_type="text/plain",
        kind="ocr",
        language="ko",
        derived_from=item.files.get(role=FileRole.ORIGINAL),
    )
    index_pending()
    parts = list(_docs("item", item.pk).order_by("part"))
    assert len(parts) >= 3
    assert parts[0].file_id is None and parts[1].file_id is not None
    assert parts[1].language == "ko" and parts[1].sensitivity == "internal"
    assert parts[1].pk in _matches("배급")


def test_reindex_keeps_ids_and_first_indexed_at_and_removes_orphans(
    documentation_officer, make_record
):
    person = make_record(documentation_officer, "person", name="Kept", notes="x")
    index_pending()
    before = _docs("person", person.pk).get()
    SearchDocument.objects.create(kind="person", object_id=10**9, sensitivity="public")
    progress = []
    summary = reindex(progress=lambda done, total: progress.append((done, total)))
    after = _docs("person", person.pk).get()
    assert (after.pk, after.first_indexed_at) == (before.pk, before.first_indexed_at)
    assert after.indexed_at > before.indexed_at
    assert summary["removed"] == 1 and summary["objects"] == 1
    assert progress[-1] == (1, 1)
    assert not _docs("person", 10**9).exists()


def test_the_reindex_command_prints_a_summary(documentation_officer, make_record):
    import json

    from django.core.management import call_command

    make_record(documentation_officer, "person", name="Queued")
    out = io.StringIO()
    call_command("reindex", "--pending", "--json", stdout=out)
    assert json.loads(out.getvalue())["objects"] == 1
    assert not IndexQueue.objects.exists()
    out = io.StringIO()
    call_command("reindex", "--kind", "person", stdout=out)
    assert out.getvalue().startswith("re-indexed 1 objects into 1 documents")
