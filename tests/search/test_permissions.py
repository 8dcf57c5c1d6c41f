"""Permissions inside search: results, totals, facet counts, snippets and map points reflect
only what the user may see (the same rules as the objects' own pages)."""

from __future__ import annotations

import pytest

from sillok.search.access import may_search, searchable_documents
from sillok.search.services import search
from tests.search.corpus import build_corpus, counts, found, ref

pytestmark = pytest.mark.django_db

BROAD = "interrogation OR beaten OR 고문 OR rations OR detention OR 김정철 OR 박영희"


@pytest.fixture
def world(documentation_officer, analyst, partner, outsider, make_record):
    personas = {"documentation_officer": documentation_officer, "partner": partner}
    return build_corpus(personas, make_record)


def _everything(results) -> str:
    """All the text a result set shows."""
    parts = [str(results.total)]
    for hit in results.hits:
        parts += [hit.title, hit.snippet.text]
    for facet in results.facets.values():
        parts += [f"{c.value}:{c.label}:{c.count}" for c in facet]
    return "\n".join(parts)


def test_the_officer_sees_everything_the_analyst_not_the_compartment_nor_the_secret(
    world, documentation_officer, analyst
):
    officer = search(documentation_officer, BROAD)
    assert found(officer) == ref(
        world, "victim", "secret", "event", "beaten", "again", "sealed", "interview",
        "rations", "mine", "theirs")  # fmt: skip
    assert counts(officer, "victim_sex") == {"male": 1, "female": 1}

    seen = search(analyst, BROAD)
    visible = ref(
        world, "victim", "event", "beaten", "again", "interview", "rations", "mine", "theirs"
    )
    assert found(seen) == visible
    assert seen.total == len(visible)
    # Counts leave out the compartmented act and the strictly confidential victim.
    assert counts(seen, "kind") == {"person": 1, "event": 2, "act": 2, "testimony": 1, "item": 2}
    assert counts(seen, "period") == {"2010": 1, "2015": 2, "2016": 1}
    # The event has the violation types of its acts, but not the compartmented one's.
    assert counts(seen, "violation") == {"torture": 3, "torture.beating": 3}
    # The act "again" is visible, its victim is not: the victim's sex and age are not
    # counted (they were read from the hidden victim).
    assert counts(seen, "victim_sex") == {"male": 1}
    assert counts(seen, "victim_age") == {"adult": 1}
    # The visible act's title does not name the hidden victim; no snippet comes from a
    # hidden document.
    shown = _everything(seen)
    for secret in ("박영희", "Pak Yong Hui", "sealed case", "Water", "torture.water"):
        assert secret not in shown
    again = next(h for h in seen.hits if h.id == world["again"].pk and h.kind == "act")
    assert "someone you may not see" in again.title


def test_searching_for_hidden_words_finds_no_trace(world, analyst, partner):
    for user in (analyst, partner):
        for text in ("박영희", "Pak Yong Hui", "sealed", "water", "violation:torture.water"):
            results = search(user, text)
            assert results.total == 0 and results.hits == [], (user, text)
            assert all(not values for values in results.facets.values()), (user, text)
            assert results.places == []


def test_a_partner_sees_only_its_own_items_and_an_outsider_nothing(world, partner, outsider):
    results = search(partner, BROAD)
    assert found(results) == ref(world, "mine")
    assert results.total == 1 and counts(results, "kind") == {"item": 1}
    assert counts(results, "violation") == {} and counts(results, "place") == {}
    assert "interview" not in _everything(results).lower()

    assert not may_search(outsider)
    assert not searchable_documents(outsider).exists()
    nothing = search(outsider, BROAD)
    assert nothing.total == 0 and nothing.hits == []
    assert all(not values for values in nothing.facets.values())


def test_a_compartment_member_sees_compartmented_documents(world, documentation_officer, analyst):
    from sillok.accounts.clearance import forget_compartments
    from sillok.accounts.compartments import do_grant

    assert found(search(analyst, "water")) == set()
    do_grant(None, "case-a", analyst.username)
    forget_compartments(analyst)
    assert found(search(analyst, "water")) == ref(world, "sealed")
    assert counts(search(analyst, "interrogation"), "violation")["torture.water"] == 1


def test_pending_counts_only_queued_objects_the_user_may_see(world, analyst, partner):
    from sillok.search.models import IndexQueue

    IndexQueue.objects.create(kind="act", object_id=world["sealed"].pk)
    IndexQueue.objects.create(kind="act", object_id=world["beaten"].pk)
    assert search(analyst, "rations", facets=False).pending == 1
    assert search(partner, "rations", facets=False).pending == 0


def test_semantic_search_is_cross_lingual_and_sees_only_what_the_user_may(
    world, documentation_officer, analyst
):
    from sillok.search.embedding_jobs import embed_pending

    embed_pending()
    # A Korean query finds the English-only act by meaning (hybrid: keyword + semantic).
    officer = search(documentation_officer, "물로 고문", semantic=True)
    assert ("act", world["sealed"].pk) in found(officer)
    assert {hit.via for hit in officer.hits} <= {"keyword", "semantic", "both"}
    assert any(hit.via in {"semantic", "both"} for hit in officer.hits)
    seen = search(analyst, "물로 고문", semantic=True)
    assert ("act", world["sealed"].pk) not in found(seen)
    assert all(hit.title and "Water" not in hit.snippet.text for hit in seen.hits)
