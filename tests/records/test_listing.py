"""List filters at the service level (records/listing.py), the one implementation behind the
list pages, the API and the CLI: dates that overlap a period (open ends, unknown dates),
violation types with their sub-types, places with the places below them, text in any
spelling and through related records the user may see, bad filters raised or reported, and
links only when both of their ends are visible."""

from __future__ import annotations

import pytest

from sillok.records.kinds import get_kind
from sillok.records.listing import FilterError, RecordFilters, filter_records, find_place
from sillok.records.services import do_withdraw_record
from sillok.vocab.queries import search_places

pytestmark = pytest.mark.django_db


def ids(user, kind, **filters):
    return set(
        filter_records(user, get_kind(kind), RecordFilters(**filters)).values_list("pk", flat=True)
    )


@pytest.fixture
def dated(analyst, make_record):
    """Events dated in every way a date can be given, by their title."""
    dates = {
        "day": "2015-03-14",
        "year": "2012",
        "range": "2014..2016",
        "open_end": "2017..",  # from 2017, end unknown
        "open_start": "..2011",  # until 2011, start unknown
        "approximate": "~2019",
        "unknown": "",
    }
    return {
        title: make_record(analyst, "event", title=title, date=date).pk
        for title, date in dates.items()
    }


def test_a_period_finds_every_record_whose_dates_overlap_it(analyst, dated):
    found = {pk: title for title, pk in dated.items()}

    def titles(**period):
        return {found[pk] for pk in ids(analyst, "event", **period)}

    assert titles(date_from="2015", date_to="2015") == {"day", "range"}
    assert titles(date_from="2016-06", date_to="2016-12") == {"range"}
    assert titles(date_from="2015-06", date_to="2015-07") == {"range"}  # inside a range
    assert titles(date_from="2020") == {"open_end"}
    assert titles(date_to="2011-06") == {"open_start"}
    assert titles(date_from="2018", date_to="2019") == {"open_end", "approximate"}


def test_an_open_end_overlaps_whatever_lies_on_its_side(analyst, dated):
    assert dated["open_end"] in ids(analyst, "event", date_from="2030")
    assert dated["open_end"] in ids(analyst, "event", date_to="2017-01")
    assert dated["open_end"] not in ids(analyst, "event", date_to="2016")
    assert dated["open_start"] in ids(analyst, "event", date_to="1990")
    assert dated["open_start"] in ids(analyst, "event", date_from="2011-12")
    assert dated["open_start"] not in ids(analyst, "event", date_from="2012")


def test_records_with_unknown_dates_match_no_period(analyst, dated):
    assert dated["unknown"] in ids(analyst, "event")
    for period in (
        {"date_from": "1900"},
        {"date_to": "2100"},
        {"date_from": "1900", "date_to": "2100"},
    ):
        found = ids(analyst, "event", **period)
        assert dated["unknown"] not in found and len(found) == len(dated) - 1, period


def test_a_violation_type_includes_its_sub_types(analyst, make_record):
    event = make_record(analyst, "event", title="Detention")
    other = make_record(analyst, "event", title="Execution")
    victim = make_record(analyst, "person", name="Victim")
    beaten = make_record(
        analyst,
        "act",
        event=f"E-{event.pk}",
        violation_type="torture.beating",
        victim=f"P-{victim.pk}",
    )
    executed = make_record(
        analyst, "act", event=f"E-{other.pk}", violation_type="life.execution.public"
    )
    assert ids(analyst, "act", violation_type="torture") == {beaten.pk}
    assert ids(analyst, "act", violation_type="torture.beating") == {beaten.pk}
    assert ids(analyst, "act", violation_type="life") == {executed.pk}
    assert ids(analyst, "act", violation_type="torture.water") == set()
    assert ids(analyst, "event", violation_type="torture") == {event.pk}
    assert ids(analyst, "person", violation_type="torture") == {victim.pk}


def test_events_and_persons_are_found_only_through_acts_the_user_may_see(
    analyst, reader, make_record
):
    event = make_record(analyst, "event", title="Arrest", sensitivity="internal")
    victim = make_record(analyst, "person", name="Open victim", sensitivity="internal")
    make_record(
        analyst,
        "act",
        event=f"E-{event.pk}",
        victim=f"P-{victim.pk}",
        violation_type="torture",
        sensitivity="restricted",
    )
    assert ids(analyst, "event", violation_type="torture") == {event.pk}
    assert ids(reader, "event", violation_type="torture") == set()
    assert ids(reader, "person", violation_type="torture") == set()


def test_a_place_includes_the_places_below_it_by_code_or_by_name(analyst, make_record):
    city = next(p for p in search_places("회령") if p.kind == "city")
    province = city.parent
    while province.kind != "province":
        province = province.parent
    here = make_record(analyst, "event", title="Hoeryong", place=city.code)
    there = make_record(analyst, "event", title="Pyongyang", place="KP-01")
    origin = make_record(analyst, "person", name="From Hoeryong", origin=city.code)
    assert ids(analyst, "event", place=province.code) == {here.pk}
    assert ids(analyst, "event", place=city.code) == {here.pk}
    assert ids(analyst, "event", place="평양") == {there.pk}
    assert ids(analyst, "event", place=str(province.pk)) == {here.pk}
    assert ids(analyst, "person", place=province.code) == {origin.pk}
    assert find_place("Atlantis") is None


def test_text_finds_names_in_any_spelling_references_and_related_records(
    analyst, reader, make_record
):
    kim = make_record(analyst, "person", name="Witness 7", name_hangul="김영희")
    hidden = make_record(analyst, "person", name="Hidden Pak", sensitivity="restricted")
    event = make_record(analyst, "event", title="Arrest", description="taken at night")
    seen_act = make_record(
        analyst, "act", event=f"E-{event.pk}", victim=f"P-{kim.pk}", violation_type="torture"
    )
    hidden_act = make_record(
        analyst,
        "act",
        event=f"E-{event.pk}",
        victim=f"P-{hidden.pk}",
        violation_type="torture",
        sensitivity="internal",
    )
    assert ids(analyst, "person", q="Kim Yŏnghŭi") == {kim.pk}
    assert ids(analyst, "person", q=f"P-{kim.pk}") == {kim.pk}
    assert ids(analyst, "event", q="at night") == {event.pk}
    assert ids(analyst, "act", q="김영희") == {seen_act.pk}
    assert ids(analyst, "act", q="Hidden Pak") == {hidden_act.pk}
    # The reader sees the act but not its victim: the victim's name must not find it.
    assert hidden_act.pk in ids(reader, "act")
    assert ids(reader, "act", q="Hidden Pak") == set()


def test_review_status_sensitivity_status_relation_and_withdrawn(analyst, make_record):
    missing = make_record(analyst, "person", name="Missing", status="missing")
    detained = make_record(
        analyst, "person", name="Detained", status="detained", sensitivity="internal"
    )
    make_record(
        analyst,
        "link",
        **{"from": f"P-{missing.pk}", "to": f"P-{detained.pk}", "relation": "sibling_of"},
    )
    do_withdraw_record(analyst, missing, reason="duplicate")
    assert ids(analyst, "person") == {detained.pk}
    assert ids(analyst, "person", include_withdrawn=True) == {missing.pk, detained.pk}
    assert ids(analyst, "person", status="detained") == {detained.pk}
    assert ids(analyst, "person", sensitivity="internal") == {detained.pk}
    assert ids(analyst, "person", review_status="reviewed") == set()
    assert len(ids(analyst, "link", relation="sibling_of")) == 1
    assert ids(analyst, "link", relation="superior_of") == set()


def test_a_bad_filter_raises_or_is_reported_and_left_out(analyst, make_record):
    event = make_record(analyst, "event", title="Arrest", date="2015")
    events = get_kind("event")
    with pytest.raises(FilterError) as raised:
        filter_records(analyst, events, RecordFilters(violation_type="colour"))
    assert raised.value.field == "violation_type"
    with pytest.raises(FilterError) as raised:
        filter_records(analyst, get_kind("source"), RecordFilters(place="KP-09"))
    assert raised.value.field == "place"
    errors: dict[str, str] = {}
    bad = RecordFilters(date_from="soon", place="Atlantis", review_status="lost", date_to="2016")
    found = filter_records(analyst, events, bad, errors=errors)
    assert set(errors) == {"date_from", "place", "review_status"}
    assert "No such place" in errors["place"]
    assert list(found) == [event]  # date_to still applies


def test_links_are_listed_only_when_both_ends_are_visible(analyst, reader, make_record):
    open_person = make_record(analyst, "person", name="Open", sensitivity="internal")
    other = make_record(analyst, "person", name="Other", sensitivity="internal")
    hidden = make_record(analyst, "person", name="Hidden", sensitivity="restricted")
    both = make_record(
        analyst,
        "link",
        **{
            "from": f"P-{open_person.pk}",
            "to": f"P-{other.pk}",
            "relation": "sibling_of",
            "sensitivity": "internal",
        },
    )
    make_record(
        analyst,
        "link",
        **{
            "from": f"P-{open_person.pk}",
            "to": f"P-{hidden.pk}",
            "relation": "sibling_of",
            "sensitivity": "internal",
        },
    )
    assert ids(reader, "link") == {both.pk}
    assert len(ids(analyst, "link")) == 2
