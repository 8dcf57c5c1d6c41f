"""Semantic search: cross-lingual nearest passages, permissions inside the vector search,
background embedding, the vector mirror on SQLite, and rank fusion."""

from __future__ import annotations

from itertools import count

import numpy as np
import pytest
from django.db import connection
from django_tasks_db.models import DBTaskResult

from sillok.search import embedding, embedding_jobs, vectors
from sillok.search.models import SearchDocument, SearchEmbedding
from sillok.search.semantic import fuse, semantic_hits

pytestmark = pytest.mark.django_db

_object_ids = count(1)

PASSAGES = {
    "torture_en": "He was tortured by guards during the interrogation.",
    "rations_en": "Food rations were stopped for the whole village that winter.",
    "torture_ko": "보위부 요원들이 그를 구타하고 고문했다.",
    "rations_ko": "겨울 동안 마을 전체에 식량 배급이 중단되었다.",
    "weather_en": "The weather was sunny and the market sold apples.",
    "factory_en": "The factory produced steel pipes for export.",
    "weather_ko": "시장에서 사과를 팔았고 날씨가 맑았다.",
}


def make_document(text: str, *, title: str = "", sensitivity: str = "public") -> SearchDocument:
    return SearchDocument.objects.create(
        kind="testimony",
        object_id=next(_object_ids),
        title=title,
        text=text,
        sensitivity=sensitivity,
        text_sha256=embedding.content_hash(title, text),
    )


@pytest.fixture(autouse=True)
def _fresh_matrix():
    # The PostgreSQL in-process matrix is per process: start each test from the database.
    vectors.reset_cache()
    yield
    vectors.reset_cache()


@pytest.fixture(scope="module")
def passage_vectors() -> dict[str, np.ndarray]:
    # Embedded once for the module: the tests below share the corpus, not the rows.
    return dict(zip(PASSAGES, embedding.embed(list(PASSAGES.values())), strict=True))


@pytest.fixture
def corpus(passage_vectors) -> dict[str, SearchDocument]:
    documents = {name: make_document(text) for name, text in PASSAGES.items()}
    vectors.store_vectors(
        [(d.pk, d.text_sha256, passage_vectors[name]) for name, d in documents.items()]
    )
    assert not embedding_jobs.pending_documents().exists()
    return documents


def ranking(query: str, names: list[str], corpus: dict[str, SearchDocument]) -> list[str]:
    allowed = SearchDocument.objects.filter(pk__in=[corpus[n].pk for n in names])
    by_id = {document.pk: name for name, document in corpus.items()}
    return [by_id[i] for i, _ in semantic_hits(allowed, query, k=len(names))]


def test_korean_query_finds_english_passage(corpus):
    ranked = ranking("고문", ["torture_en", "rations_en", "weather_en", "factory_en"], corpus)
    assert ranked[0] == "torture_en"


def test_english_query_finds_korean_passage(corpus):
    ranked = ranking(
        "food rations were stopped", ["torture_ko", "rations_ko", "weather_ko"], corpus
    )
    assert ranked[0] == "rations_ko"


def test_korean_sentence_finds_english_passage_above_unrelated(corpus):
    everything = list(PASSAGES)
    ranked = ranking("식량 배급이 중단되었다", everything, corpus)
    assert ranked.index("rations_en") < ranked.index("weather_en")
    assert ranked.index("rations_en") < ranked.index("factory_en")
    assert set(ranked[:2]) == {"rations_en", "rations_ko"}


def test_similarities_are_cosines_best_first(corpus):
    hits = semantic_hits(SearchDocument.objects.all(), "He was tortured by guards", k=3)
    similarities = [s for _, s in hits]
    assert similarities == sorted(similarities, reverse=True)
    assert hits[0] == (corpus["torture_en"].pk, pytest.approx(similarities[0]))
    assert 0.5 < similarities[0] <= 1.0001


def test_hidden_document_is_never_returned_even_when_nearest(corpus):
    secret = make_document("He was tortured by guards.", sensitivity="restricted")
    embedding_jobs.embed_pending()
    everything = semantic_hits(SearchDocument.objects.all(), "tortured by guards", k=1)
    assert everything[0][0] == secret.pk
    public = SearchDocument.objects.filter(sensitivity="public")
    hits = semantic_hits(public, "tortured by guards", k=len(PASSAGES) + 1)
    assert secret.pk not in [i for i, _ in hits]
    assert hits[0][0] == corpus["torture_en"].pk
    assert len(hits) == len(PASSAGES)


def _unit(seed: int) -> np.ndarray:
    vector = np.random.default_rng(seed).standard_normal(embedding.DIMENSIONS).astype("f4")
    return vector / np.linalg.norm(vector)


@pytest.mark.parametrize(
    ("max_width", "index"), [(vectors.MAX_WIDTH, "auto"), (64, "auto"), (64, "memory")]
)
def test_allowed_document_is_found_behind_many_nearer_hidden_ones(
    monkeypatch, settings, max_width, index
):
    # 70 hidden vectors closer than the one allowed: the first candidate window (64) holds
    # none the user may see, so the search widens (or, capped at 64, scores exactly).
    monkeypatch.setattr(vectors, "MAX_WIDTH", max_width)
    settings.SILLOK_VECTOR_INDEX = index
    query = _unit(1)
    hidden = [make_document(f"hidden {n}", sensitivity="restricted") for n in range(70)]
    visible = make_document("visible")
    far = make_document("far")
    rows = [(d.pk, d.text_sha256, query + 0.01 * _unit(100 + n)) for n, d in enumerate(hidden)]
    rows += [(visible.pk, visible.text_sha256, query + 0.5 * _unit(2)), (far.pk, "", -query)]
    vectors.store_vectors([(pk, h, v / np.linalg.norm(v)) for pk, h, v in rows])
    allowed = SearchDocument.objects.filter(sensitivity="public")
    hits = vectors.nearest(allowed, query, k=1)
    assert [i for i, _ in hits] == [visible.pk]
    assert vectors.nearest(allowed, query, k=5, min_similarity=0.0) == hits


def test_embed_pending_is_idempotent_and_follows_text_changes():
    first = make_document("The prisoners were forced to work in the mine.")
    second = make_document("수용소에서 강제 노동을 했다.")
    assert embedding_jobs.embed_pending(batch=1) == 2
    assert embedding_jobs.embed_pending() == 0
    before = embedding.from_bytes(SearchEmbedding.objects.get(pk=first.pk).vector).copy()

    first.text = "She crossed the Tumen river at night."
    first.text_sha256 = embedding.content_hash("", first.text)
    first.save()
    assert embedding_jobs.embed_pending() == 1
    stored = SearchEmbedding.objects.get(pk=first.pk)
    assert stored.text_sha256 == first.text_sha256
    assert stored.model == embedding.MODEL_NAME
    assert float(embedding.from_bytes(stored.vector) @ before) < 0.9
    hits = semantic_hits(SearchDocument.objects.all(), "두만강을 건넜다", k=1)
    assert hits[0][0] == first.pk
    assert SearchEmbedding.objects.filter(pk=second.pk).count() == 1


def test_embed_pending_respects_limit():
    for n in range(3):
        make_document(f"passage number {n} about the border")
    assert embedding_jobs.embed_pending(limit=2) == 2
    assert embedding_jobs.pending_documents().count() == 1


def test_document_deleted_while_being_embedded_gets_no_vector(monkeypatch):
    kept = make_document("The guards confiscated the letters.")
    gone = make_document("The house was demolished.")
    real_embed = embedding.embed

    def embed_while_indexer_deletes(texts):
        vectors.delete_vectors([gone.pk])
        SearchDocument.objects.filter(pk=gone.pk).delete()
        return real_embed(texts)

    monkeypatch.setattr(embedding, "embed", embed_while_indexer_deletes)
    assert embedding_jobs.embed_pending() == 1
    assert list(SearchEmbedding.objects.values_list("pk", flat=True)) == [kept.pk]


def test_deleted_vectors_leave_the_vector_table_and_results(corpus):
    gone = corpus["torture_en"]
    vectors.delete_vectors([gone.pk])
    assert not SearchEmbedding.objects.filter(pk=gone.pk).exists()
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM search_vec WHERE rowid = %s", [gone.pk])
            assert cursor.fetchone()[0] == 0
            cursor.execute("SELECT count(*) FROM search_vec")
            assert cursor.fetchone()[0] == len(PASSAGES) - 1
    hits = semantic_hits(SearchDocument.objects.all(), "He was tortured by guards", k=10)
    assert gone.pk not in [i for i, _ in hits]
    assert embedding_jobs.pending_documents().get() == gone


def test_request_embedding_queues_one_job_and_the_job_drains_the_backlog():
    make_document("They were sent to a labour camp.")
    embedding_jobs.request_embedding()
    embedding_jobs.request_embedding()
    waiting = DBTaskResult.objects.filter(task_path=embedding_jobs.embed_documents.module_path)
    assert waiting.count() == 1
    waiting.delete()
    assert embedding_jobs.embed_documents.call() == 1
    assert not embedding_jobs.pending_documents().exists()
    assert not waiting.exists()  # nothing left: the job does not queue itself again


def test_fuse_ranks_documents_found_by_both_first():
    keyword = [(1, 9.0), (2, 5.0), (3, 1.0)]
    semantic = [(3, 0.6), (4, 0.5), (5, 0.1)]
    fused = fuse(keyword, semantic)
    assert [(i, via) for i, _, via in fused] == [
        (3, "both"),
        (1, "keyword"),
        (2, "keyword"),  # ties with 4 (both second in their list): keyword order first
        (4, "semantic"),
    ]
    assert fused[0][1] == pytest.approx(1 / 63 + 1 / 61)
    assert fused[1][1] == pytest.approx(1 / 61)
    # document 5 is found only semantically and is below the similarity threshold
    assert 5 not in [i for i, _, _ in fused]


def test_fuse_keeps_weak_semantic_rank_of_keyword_hits():
    fused = fuse([(7, 1.0)], [(8, 0.9), (7, 0.05)])
    assert [(i, via) for i, _, via in fused] == [(7, "both"), (8, "semantic")]
    assert fuse([], []) == []
