"""Dates with a precision, as people type them."""

from __future__ import annotations

import datetime as dt

import pytest

from sillok.records.dates import DateError, format_fuzzy_date, parse_fuzzy_date


@pytest.mark.parametrize(
    ("text", "start", "end", "precision"),
    [
        ("2015-03-12", "2015-03-12", "2015-03-12", "day"),
        ("2015-03", "2015-03-01", "2015-03-31", "month"),
        ("2016-02", "2016-02-01", "2016-02-29", "month"),
        ("2015", "2015-01-01", "2015-12-31", "year"),
        ("~2015", "2015-01-01", "2015-12-31", "approximate"),
        ("c. 2015-06", "2015-06-01", "2015-06-30", "approximate"),
        ("약 1998", "1998-01-01", "1998-12-31", "approximate"),
        ("2015..2017", "2015-01-01", "2017-12-31", "range"),
        ("2015-03..2016-06", "2015-03-01", "2016-06-30", "range"),
        ("..1997", None, "1997-12-31", "range"),
        ("2010..", "2010-01-01", None, "range"),
    ],
)
def test_typed_dates_become_their_first_and_last_possible_day(text, start, end, precision):
    date = parse_fuzzy_date(text)
    assert date.start == (dt.date.fromisoformat(start) if start else None)
    assert date.end == (dt.date.fromisoformat(end) if end else None)
    assert date.precision == precision


@pytest.mark.parametrize(
    "text",
    [
        "2015-03-12",
        "2015-03",
        "2015",
        "~2015",
        "~2015-06",
        "2015..2017",
        "2015-03..2016-06",
        "2015-03-02..2015-03-09",
        "..1997",
        "2010..",
    ],
)
def test_the_text_form_reads_back_to_the_same_date(text):
    date = parse_fuzzy_date(text)
    again = parse_fuzzy_date(format_fuzzy_date(date.start, date.end, date.precision))
    assert again == date


@pytest.mark.parametrize("text", ["", "unknown", "?", "미상"])
def test_unknown_dates_have_no_bounds(text):
    date = parse_fuzzy_date(text)
    assert (date.start, date.end, date.precision) == (None, None, "unknown")
    assert date.as_text() == ""


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2015-02-30", "not a real date"),
        ("March 2015", "not a date"),
        ("2017..2015", "ends before it begins"),
        ("..", "at least one end"),
        ("2015-13", "not a real date"),
    ],
)
def test_nonsense_dates_are_refused_with_a_reason(text, message):
    with pytest.raises(DateError, match=message):
        parse_fuzzy_date(text)
