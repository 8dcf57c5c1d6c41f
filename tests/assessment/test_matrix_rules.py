"""The rule of a standard of proof on evidence facts (assessment/rules.py), without a database:
independence through shared origins, first-hand counts, weights, contradiction, and the rule
read aloud in English and Korean."""

from __future__ import annotations

from sillok.assessment.rules import EvidenceFact, OriginUnit, evaluate, rule_text

RGB = {"independent_sources": 2, "first_hand": 1, "weight": "medium", "uncontradicted": False}
CC = {"independent_sources": 2, "first_hand": 2, "weight": "medium", "uncontradicted": True}
BRD = {"independent_sources": 3, "first_hand": 2, "weight": "high", "uncontradicted": True}


def fact(pk, *keys, assessment="supports", weight="medium", first_hand=True, hearsay=False):
    unit = OriginUnit(keys=frozenset(keys), first_hand=first_hand, hearsay=hearsay)
    return EvidenceFact(link_id=pk, assessment=assessment, weight=weight, units=(unit,))


def test_no_links_means_no_evidence():
    result = evaluate([], RGB)
    assert (result.status, result.independent_sources, result.supporting) == ("no_evidence", 0, 0)


def test_two_first_hand_witnesses_meet_reasonable_grounds():
    result = evaluate([fact(1, "person:1"), fact(2, "person:2")], RGB)
    assert (result.status, result.independent_sources, result.first_hand) == ("met", 2, 2)


def test_two_sources_of_the_same_person_are_not_independent():
    result = evaluate([fact(1, "person:1"), fact(2, "person:1")], RGB)
    assert (result.status, result.independent_sources, result.supporting) == (
        "insufficient",
        1,
        2,
    )
    assert any("needs 2 independent sources" in reason for reason in result.reasons)


def test_origins_joined_through_a_third_are_one_origin():
    # A was heard from persons 1 and 2; B from 2 and 3: one chain of shared origins.
    joined = [fact(1, "person:1", "person:2"), fact(2, "person:2", "person:3")]
    assert evaluate(joined, RGB).independent_sources == 1


def test_hearsay_only_is_never_first_hand():
    facts = [
        fact(1, "person:1", first_hand=False, hearsay=True),
        fact(2, "person:2", first_hand=False, hearsay=True),
    ]
    result = evaluate(facts, RGB)
    assert (result.status, result.independent_sources, result.first_hand) == (
        "insufficient",
        2,
        0,
    )


def test_low_weight_evidence_does_not_count_for_a_medium_rule():
    result = evaluate([fact(1, "person:1", weight="low"), fact(2, "person:2")], RGB)
    assert (result.status, result.independent_sources, result.supporting) == (
        "insufficient",
        1,
        2,
    )


def test_contradiction_defeats_a_rule_that_asks_for_none():
    facts = [
        fact(1, "person:1"),
        fact(2, "person:2"),
        fact(3, "person:3", assessment="contradicts"),
    ]
    assert evaluate(facts, RGB).status == "met"
    assert evaluate(facts, CC).status == "contradicted"
    # A low-weight contradiction does not reach a medium rule.
    weak = facts[:2] + [fact(3, "person:3", assessment="contradicts", weight="low")]
    assert evaluate(weak, CC).status == "met"


def test_only_contradicting_evidence_is_contradicted_and_context_counts_for_nothing():
    assert evaluate([fact(1, "person:1", assessment="contradicts")], RGB).status == "contradicted"
    assert evaluate([fact(1, "person:1", assessment="context")], RGB).status == "no_evidence"


def test_beyond_reasonable_doubt_needs_three_high_weight_origins():
    high = [fact(i, f"person:{i}", weight="high") for i in (1, 2, 3)]
    assert evaluate(high, BRD).status == "met"
    assert evaluate(high[:2] + [fact(3, "person:3")], BRD).status == "insufficient"


def test_the_rule_reads_in_english_and_korean():
    assert rule_text(RGB, "en") == (
        "at least 2 independent sources of medium weight or more, at least 1 of them first-hand"
    )
    assert rule_text(CC, "en").endswith(", and no contradicting evidence of that weight")
    korean = rule_text(BRD, "ko")
    assert "독립" in korean and "3" in korean and "직접" in korean
