"""Pattern evidence (assessment/patterns.py): counts of acts by violation (with sub-types) ×
year × province × institution, stored with their query on a contextual element, re-runnable,
and recounted over what each viewer may see."""

from __future__ import annotations

import pytest

from sillok.assessment.case_input import CaseInputError
from sillok.assessment.history import versions_of
from sillok.assessment.patterns import count_acts, do_rerun_pattern, do_run_pattern, pattern_result
from sillok.assessment.services import do_add_member

pytestmark = pytest.mark.django_db

WIDESPREAD = "art7-context.widespread-systematic"


@pytest.fixture
def acts(documentation_officer, legal_expert, admin, make_record):
    """Torture (a beating) in North Hamgyong in 2015 by a State Security unit, torture there
    in 2016, detention in South Pyongan in 2015, and one more torture in 2015 in a compartment
    the legal expert is in and their colleague is not."""
    from sillok.accounts.clearance import forget_compartments
    from sillok.accounts.compartments import do_create_compartment, do_grant

    do_create_compartment(admin, "camp-16", name="Camp 16 interviews")
    for user in (documentation_officer, legal_expert):
        do_grant(admin, "camp-16", user.username)
        forget_compartments(user)
    officer = documentation_officer
    event = make_record(officer, "event", title="Arrests and interrogations")

    def act(violation: str, date: str, place: str, **raw):
        return make_record(officer, "act", event=f"E-{event.pk}", violation_type=violation,
                           date=date, place=place, **raw)  # fmt: skip

    unit = make_record(officer, "organization", name="Provincial SSD", institution="state_security")
    beaten = act("torture.beating", "2015-04", "KP-09")
    make_record(officer, "involvement", act=f"A-{beaten.pk}", organization=f"O-{unit.pk}")
    return {
        "beaten": beaten,
        "tortured": act("torture", "2016-01-02", "KP-09"),
        "detained": act("detention", "2015-07", "KP-02"),
        "hidden": act("torture", "2015-09", "KP-09", compartment="camp-16"),
        "act": act,
    }


def cells(result: dict) -> dict[tuple, int]:
    dims = result["dimensions"]
    return {tuple(cell[d] for d in dims): cell["count"] for cell in result["cells"]}


def test_acts_are_counted_by_violation_year_province_and_institution(legal_expert, acts):
    result = count_acts(
        legal_expert,
        {"violations": ["torture"], "date_from": "", "date_to": "", "provinces": [],
         "institutions": [], "dimensions": ["violation", "year", "province", "institution"]},
    )  # fmt: skip
    assert result["total"] == 3  # the sub-type counts under torture; detention does not
    assert cells(result) == {
        ("torture", 2015, "KP-09", ""): 1,
        ("torture", 2016, "KP-09", ""): 1,
        ("torture.beating", 2015, "KP-09", "state_security"): 1,
    }


def test_a_pattern_is_stored_with_its_query_on_a_contextual_element(
    legal_expert, case_file, element, acts
):
    pattern = do_run_pattern(
        legal_expert, case_file, element(WIDESPREAD), title="Torture in North Hamgyong",
        query={"provinces": ["함경북도"], "dimensions": ["year"]},
    )  # fmt: skip
    assert pattern.query["provinces"] == ["KP-09"]
    assert (pattern.result["total"], cells(pattern.result)) == (3, {(2015,): 2, (2016,): 1})
    assert [v.action for v in versions_of("pattern", pattern.pk)] == ["created"]


def test_a_pattern_is_recounted_over_what_each_viewer_may_see(
    legal_expert, second_legal_expert, case_file, element, acts
):
    do_add_member(legal_expert, case_file, second_legal_expert)
    pattern = do_run_pattern(
        legal_expert, case_file, element(WIDESPREAD), title="Torture",
        query={"violations": ["고문 및 잔혹한·비인도적·굴욕적 대우"], "dimensions": ["year"]},
    )  # fmt: skip
    assert pattern_result(legal_expert, pattern)["total"] == 3
    narrow = pattern_result(second_legal_expert, pattern)
    assert (narrow["total"], cells(narrow)) == (2, {(2015,): 1, (2016,): 1})
    assert "acts" not in str(narrow)


def test_an_institution_known_only_from_a_hidden_involvement_is_not_shown(
    legal_expert, manager, case_file, element, acts
):
    from sillok.records.models import Involvement

    do_add_member(legal_expert, case_file, manager)
    Involvement.objects.filter(act=acts["beaten"]).update(sensitivity="strictly_confidential")
    pattern = do_run_pattern(
        legal_expert, case_file, element(WIDESPREAD), title="By institution",
        query={"institutions": ["state_security"], "dimensions": ["institution"]},
    )  # fmt: skip
    assert cells(pattern.result) == {("state_security",): 1}
    assert pattern_result(manager, pattern) == {
        "dimensions": ["institution"],
        "total": 0,
        "cells": [],
    }


def test_running_again_counts_the_records_as_they_are_now(legal_expert, case_file, element, acts):
    pattern = do_run_pattern(
        legal_expert, case_file, element(WIDESPREAD), title="Detention",
        query={"violations": ["detention"]},
    )  # fmt: skip
    assert pattern.result["total"] == 1
    acts["act"]("detention", "2017", "KP-02")
    again = do_rerun_pattern(legal_expert, pattern)
    assert (again.result["total"], again.revision) == (2, 2)
    assert [v.action for v in versions_of("pattern", pattern.pk)] == ["created", "rerun"]
    # The earlier counts stay in the pattern's history.
    assert versions_of("pattern", pattern.pk).first().snapshot["result"]["total"] == 1


def test_bad_queries_and_non_contextual_elements_are_refused(
    legal_expert, case_file, element, acts
):
    from sillok.assessment.models import PatternQuery

    bad = [
        ({"violations": ["no-such-violation"]}, "violations"),
        ({"provinces": ["Atlantis"]}, "provinces"),
        ({"date_from": "last spring"}, "date_from"),
        ({"dimensions": ["weather"]}, "dimensions"),
        ({"colour": "red"}, "query"),
    ]
    for query, field in bad:
        with pytest.raises(CaseInputError) as refused:
            do_run_pattern(legal_expert, case_file, element(WIDESPREAD), title="x", query=query)
        assert refused.value.field == field
    with pytest.raises(CaseInputError) as refused:
        do_run_pattern(legal_expert, case_file, element("art7-1-f.1"), title="x", query={})
    assert refused.value.field == "element"
    assert not PatternQuery.objects.exists()
