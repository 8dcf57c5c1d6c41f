"""What each kind's documents and facet values contain (search/documents.py)."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest

from sillok.search.documents import age_group, build, split_passages, stricter
from sillok.search.models import SearchDocument, SearchFacetValue
from sillok.search.store import tsvector_literal
from sillok.testing.search import index_pending


def test_long_text_is_cut_at_paragraph_and_sentence_ends():
    paragraph = "첫 문장입니다. " * 40  # ~360 characters
    text = "\n\n".join([paragraph.strip()] * 6)
    passages = split_passages(text, size=1200)
    assert len(passages) == 2
    assert all(len(p) <= 1200 for p in passages)
    assert all(p.endswith("입니다.") for p in passages)
    one_sentence = "word " * 600
    assert all(len(p) <= 1200 for p in split_passages(one_sentence))
    assert split_passages("  ") == []


def test_age_groups_follow_the_birth_years_and_the_act_date():
    def person(low, high=None):
        return SimpleNamespace(birth_year_from=low, birth_year_to=high)

    assert age_group(person(2000), date(2010, 1, 1)) == "child"
    assert age_group(person(1990, 1991), date(2010, 1, 1)) == "adult"
    assert age_group(person(1940), date(2010, 1, 1)) == "older"
    assert age_group(person(1990, 1995), date(2010, 1, 1)) == "unknown"  # 15..20
    assert age_group(person(None), date(2010, 1, 1)) == "unknown"
    assert age_group(person(1990), None) == "unknown"


def test_a_value_read_through_two_records_needs_both_clearances():
    assert stricter(("internal", None), ("restricted", None)) == ("restricted", None)
    assert stricter(("public", 3), ("internal", None)) == ("internal", 3)
    assert stricter(("public", 3), ("public", 4)) is None


def test_tsvector_literal_weights_positions_and_quoting():
    literal = tsvector_literal([(["kim", "o'neil"], "A"), (["kim"], "B"), (["a\\b"], "D")])
    assert literal == "'kim':1A,103B 'o''neil':2A 'a\\\\b':204D"


@pytest.fixture
def world(documentation_officer, make_record):
    officer = documentation_officer
    victim = make_record(
        officer,
        "person",
        name="김정철",
        name_latin="Kim Jong Chol",
        sex="male",
        birth_year="2000",
        sensitivity="strictly_confidential",
        notes="Worked at the mine.",
    )
    event = make_record(
        officer,
        "event",
        title="Detention at Hoeryong",
        description="Held for weeks.",
        place="회령시",
        date="2010-05",
        sensitivity="internal",
    )
    act = make_record(
        officer,
        "act",
        event=f"E-{event.pk}",
        victim=f"P-{victim.pk}",
        violation_type="torture.beating",
        date="2010-05",
        description="Beaten during interrogation.",
        sensitivity="internal",
    )
    index_pending()
    return SimpleNamespace(victim=victim, event=event, act=act)


def _doc(kind, pk, part=0):
    return SearchDocument.objects.get(kind=kind, object_id=pk, part=part)


def _facets(kind, pk):
    rows = SearchFacetValue.objects.filter(document__kind=kind, document__object_id=pk)
    return {(f.facet, f.value, f.sensitivity) for f in rows}


def test_an_act_names_no_other_record_and_takes_facets_with_their_clearance(world):
    act = _doc("act", world.act.pk)
    assert act.sensitivity == "internal"
    assert act.date_start == date(2010, 5, 1)
    assert "김정철" not in act.text and "Kim" not in act.title + act.text
    assert "Beaten during interrogation." in act.text
    facets = _facets("act", world.act.pk)
    # The victim's sex and age come with the victim's clearance, the violation with the act's.
    assert ("victim_sex", "male", "strictly_confidential") in facets
    assert ("victim_age", "child", "strictly_confidential") in facets
    assert ("violation", "torture.beating", "internal") in facets
    assert any(f[0] == "violation" and f[1] != "torture.beating" for f in facets)  # ancestor


def test_event_rolls_up_violations_and_has_its_place_hierarchy(world):
    event = _doc("event", world.event.pk)
    assert event.place_id == world.event.place_id
    facets = _facets("event", world.event.pk)
    assert ("violation", "torture.beating", "internal") in facets
    # The place and its parents are found through the document's place column and the
    # gazetteer (search/facets.py), not through facet rows.
    assert not {value for facet, value, _ in facets if facet == "place"}


def test_a_person_is_found_by_names_and_own_notes(world):
    person = _doc("person", world.victim.pk)
    assert person.title == "김정철"
    assert person.text == "Worked at the mine."
    assert person.sensitivity == "strictly_confidential"
    assert person.review_status == "draft"


def test_build_leaves_out_withdrawn_and_missing_records(world, documentation_officer):
    from sillok.records.services import do_withdraw_record

    do_withdraw_record(documentation_officer, world.act, reason="duplicate")
    assert build("act", [world.act.pk, 999999]) == {}
    assert not SearchDocument.objects.filter(kind="act", object_id=world.act.pk).exists()
