"""The search benchmark (bench/search.py) end to end at a tiny scale: synthetic passages,
the real writer for a sample and the bulk writer for the rest, sizes, and the query mix
through the search service and as LIKE."""

from __future__ import annotations

import pytest

from bench.search_corpus import ITEM_PARTS, make_stories, passages
from bench.search_index import tsvector_literal

pytestmark = pytest.mark.django_db(transaction=True)


def test_passages_are_deterministic_and_placed_like_indexed_documents(vocabularies):
    stories, pool = make_stories(400)
    pool.terms = [[] for _ in pool.texts]
    first = list(passages(stories, pool, {}, 40, compartment_id=None))
    again = list(passages(stories, pool, {}, 40, compartment_id=None, start=20))
    assert [p.text for p in first[20:]] == [p.text for p in again]
    assert all(100 <= len(p.text) <= 400 for p in first)
    items = [p for p in first if p.kind == "item"]
    assert {p.object_id for p in items} == {p.id // ITEM_PARTS + 1 for p in items if p.part == 0}
    from sillok.vocab.models import Place

    # As in search/documents.py: the place is the document's column (a gazetteer place
    # inside a province), never a facet row.
    p = first[0]
    assert Place.objects.get(pk=p.place_id).parent_id is not None
    assert all(f != "place" for f, _, _ in p.facets)


def test_tsvector_literal_weights_and_quotes():
    literal = tsvector_literal(["o'neil"], ["kim"], ["kim", "camp"])
    assert "'o''neil':1A" in literal
    assert "'kim':" in literal and "B" in literal.split("'kim':")[1].split(" ")[0]
    assert "D" in literal.split("'camp':")[1]


def test_a_tiny_benchmark_runs_on_this_backend(vocabularies, roles):
    from bench.search import measure
    from sillok.search.models import SearchDocument, SearchFacetValue

    result = measure(240, sample=40, repeats=1, like_repeats=1)
    assert SearchDocument.objects.count() == 240
    assert SearchFacetValue.objects.filter(facet="violation").count() >= 240
    assert SearchDocument.objects.filter(place__isnull=False).count() == 240
    assert result["indexing_real_analyzer"]["passages"] == 40
    assert result["bulk_build"]["documents"] == 200
    assert result["index_sizes"]["fulltext_index_bytes"] > 0
    keyword = {q["query"]: q for q in result["keyword"]["queries"]}
    like = {q["query"]: q for q in result["like"]["queries"]}
    assert keyword.keys() == like.keys()
    # A common word is found both ways; a substring search finds at least the word's forms.
    assert 0 < keyword["common ko: 구타"]["total"] <= like["common ko: 구타"]["total"]
    assert result["keyword"]["p50_ms"] <= result["keyword"]["p95_ms"]
    assert result["like_over_keyword_p50"] > 0
