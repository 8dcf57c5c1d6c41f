"""search(): matching, ranking, query features, filters, facets and grouping of passages.

Run on SQLite and on PostgreSQL with the same exact expectations: the same data gives the
same result sets and the same facet counts on both backends.
"""

from __future__ import annotations

import pytest
from django.db import connection

from sillok.search.query import QueryError
from sillok.search.services import search
from tests.search.corpus import build_corpus, counts, found, ref

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(documentation_officer, analyst, partner, make_record):
    personas = {"documentation_officer": documentation_officer, "partner": partner}
    return build_corpus(personas, make_record)


def test_words_phrases_and_boolean_operators(world, documentation_officer):
    def ids(text: str) -> set:
        return found(search(documentation_officer, text, facets=False))

    assert ids("interrogation") == ref(world, "beaten", "sealed")
    # Korean inflected forms meet: 고문을 (indexed) and 고문당했다 (indexed) for 고문.
    assert ids("고문") >= ref(world, "beaten", "interview")
    assert ids('"holding centre"') == ref(world, "event")
    assert ids('"centre holding"') == set()
    assert ids("interrogation water") == ref(world, "sealed")
    assert ids("interrogation AND water") == ref(world, "sealed")
    assert ids("interrogation NOT water") == ref(world, "beaten")
    assert ids("interrogation -water") == ref(world, "beaten")
    assert ids("holding OR rations") == ref(world, "event", "rations", "mine", "theirs")
    # A romanized name finds the Hangul one, and the other way round.
    assert ("person", world["victim"].pk) in ids("Kim Jong Chol")
    assert ("person", world["victim"].pk) in ids("김정철")


def test_ranking_puts_title_matches_first_and_results_say_their_kind(world, documentation_officer):
    results = search(documentation_officer, "rations")
    assert found(results) == ref(world, "rations", "mine", "theirs")
    assert results.total == 3
    # "rations" is in the title of the event and of both items, in no other field of
    # the other results: all three rank above zero, best first.
    scores = [hit.score for hit in results.hits]
    assert scores == sorted(scores, reverse=True) and scores[-1] > 0
    assert {hit.kind for hit in results.hits} == {"event", "item"}
    event = next(h for h in results.hits if h.kind == "event")
    assert event.title == "Food rations stopped" and event.url.endswith(
        f"/records/events/{world['rations'].pk}/"
    )
    assert "rations" in event.snippet.text.lower() and event.snippet.highlights


def test_field_filters(world, documentation_officer):
    def ids(text: str) -> set:
        return found(search(documentation_officer, text, facets=False))

    assert ids("type:act") == ref(world, "beaten", "again", "sealed")
    assert ids("type:act date:2016..2017") == ref(world, "again", "sealed")
    assert ids("date:2015") == ref(world, "event", "beaten")
    assert ids("place:guryujang_hoeryong_mss") == ref(world, "event")
    assert ids("place:KP-09") == ref(world, "event", "victim", "rations")
    assert ids("place:KP-09 type:event") == ref(world, "event", "rations")
    # An event has the violation types of its acts.
    assert ids("violation:torture.water") == ref(world, "sealed", "event")
    # A broader term finds the narrower ones; a label works as well as a code.
    assert ids("violation:torture") == ref(world, "beaten", "again", "sealed", "event")
    assert ids("violation:Beating type:act") == ref(world, "beaten", "again")
    assert ids("status:draft type:testimony") == ref(world, "interview")
    assert ids("status:reviewed") == set()
    assert ids("interrogation type:act date:2015") == ref(world, "beaten")
    # Facet selections work like filters; values of one facet are alternatives.
    results = search(documentation_officer, "", filters={"kind": ["event", "testimony"]})
    assert found(results) == ref(world, "event", "rations", "interview")
    assert found(search(documentation_officer, "", filters={"period": ["2016"]})) == ref(
        world, "again"
    )
    # Without words: newest first, undated last.
    order = [(h.kind, h.id) for h in results.hits]
    assert order == [("event", world["event"].pk), ("event", world["rations"].pk),
                     ("testimony", world["interview"].pk)]  # fmt: skip
    with pytest.raises(QueryError):
        search(documentation_officer, "place:Atlantis")
    with pytest.raises(QueryError):
        search(documentation_officer, '"unclosed')


def test_facet_counts_cover_the_whole_match_set(world, documentation_officer):
    results = search(documentation_officer, "interrogation OR beaten OR 고문", limit=1)
    assert len(results.hits) == 1
    expected = ref(world, "beaten", "again", "sealed", "interview")
    assert results.total == len(expected)
    assert counts(results, "kind") == {"act": 3, "testimony": 1}
    assert counts(results, "review_status") == {"draft": 4}
    assert counts(results, "period") == {"2015": 1, "2016": 1, "2017": 1}
    violations = counts(results, "violation")
    assert violations["torture"] == 3 and violations["torture.beating"] == 2
    assert violations["torture.water"] == 1
    assert counts(results, "victim_sex") == {"male": 1, "female": 1}
    assert counts(results, "victim_age") == {"adult": 1, "child": 1}
    labels = {c.value: c.label for c in results.facets["kind"]}
    assert labels == {"act": "Act", "testimony": "Testimony"}
    # A facet selection narrows the results and the other counts.
    narrowed = search(documentation_officer, "interrogation OR beaten", filters={
        "victim_sex": ["female"]})  # fmt: skip
    assert found(narrowed) == ref(world, "again")


def test_very_large_match_sets_estimate_facet_rows_from_a_sample(
    world, documentation_officer, settings
):
    exact = search(documentation_officer, "interrogation OR beaten OR 고문", limit=1)
    assert not exact.facets_approximate
    settings.SILLOK_SEARCH_FACET_EXACT_LIMIT = 2  # 4 matching objects: every 2nd is counted
    sampled = search(documentation_officer, "interrogation OR beaten OR 고문", limit=1)
    assert sampled.facets_approximate
    # Totals, kinds, statuses and periods stay exact.
    assert sampled.total == exact.total == 4
    for key in ("kind", "review_status", "period"):
        assert counts(sampled, key) == counts(exact, key)
    # Facet rows are counted on the sample and scaled by the stride: only values the exact
    # count has, never more than twice the objects of the sample.
    estimate = counts(sampled, "violation")
    assert estimate and set(estimate) <= set(counts(exact, "violation"))
    assert all(n % 2 == 0 and n <= sampled.total for n in estimate.values())


def test_place_facet_has_the_hierarchy_and_the_map_has_points(world, documentation_officer):
    from sillok.vocab.models import Place

    results = search(documentation_officer, "detention OR detained")
    assert found(results) == ref(world, "event", "again")
    places = {c.value: c for c in results.facets["place"]}
    hoeryong = Place.objects.get(pk=world["event"].place_id)
    assert places[str(hoeryong.pk)].count == 1
    # Every enclosing place is counted too, and each names its parent.
    assert places[str(hoeryong.parent_id)].count == 1
    assert places[str(hoeryong.pk)].parent == str(hoeryong.parent_id)
    # The map: hits at places with coordinates (Musan County has them).
    musan = Place.objects.get(pk=world["rations"].place_id)
    assert musan.latitude is not None
    points = search(documentation_officer, "rations").places
    assert [(p["id"], p["count"]) for p in points] == [(musan.pk, 1)]
    province = Place.objects.get(code="KP-09")
    selected = search(documentation_officer, "", filters={"place": [str(province.pk)]})
    assert found(selected) == ref(world, "event", "victim", "rations")


def test_one_hit_per_object_with_its_best_passage(world, documentation_officer):
    from sillok.search.models import SearchDocument

    long_text = " ".join(["Rations were cut again and again in the winter."] * 60)
    long_text += " The last passage mentions zucchini only here."
    item = world["theirs"]
    item.description = long_text
    item.save()
    from sillok.search.indexing import index_object

    index_object("item", item.pk)
    assert SearchDocument.objects.filter(kind="item", object_id=item.pk).count() > 2
    results = search(documentation_officer, "rations")
    assert found(results) == ref(world, "rations", "mine", "theirs")
    assert results.total == 3
    assert counts(results, "kind") == {"event": 1, "item": 2}
    zucchini = search(documentation_officer, "zucchini")
    assert found(zucchini) == ref(world, "theirs")
    assert zucchini.hits[0].part > 0 and "zucchini" in zucchini.hits[0].snippet.text


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the FTS5 ranking path of SQLite")
def test_the_ranked_page_checks_fts5_candidates_and_falls_back_when_they_are_hidden(
    world, documentation_officer
):
    from sillok.search import engine
    from sillok.search.access import searchable_documents
    from sillok.search.query import parse_query
    from sillok.search.services import match_expression

    match = match_expression(parse_query("interrogation OR beaten OR 고문"))
    allowed = searchable_documents(documentation_officer)
    everything = engine.MatchSet(allowed, match)
    fast = everything._top_from_fts(50)
    assert fast is not None and len(fast) >= 4
    # The page from FTS5 candidates is the page of the joined, ranked match set.
    joined = everything._run(
        f"SELECT id FROM ({everything.sql}) m ORDER BY score DESC, part, id", everything.params
    )
    assert [row[0] for row in fast] == [row[0] for row in joined]
    # When the best candidates are all hidden, the whole match set is ranked instead.
    nothing = engine.MatchSet(allowed.filter(kind="no such kind"), match)
    assert nothing._top_from_fts(1) is None
    assert nothing.page(5, 0) == []
