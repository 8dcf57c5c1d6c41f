"""Dates with a precision, as people give them: "2015-03-12", "2015-03", "2015", "~2015",
"c. 2015", "2015..2017", "2015-03..2016-06", "unknown"; and back to text.

A date is stored as its first and last possible day plus the precision, so that a query for
"events in 2016" finds a known day, a month in 2016, a year range that overlaps 2016 alike.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from sillok.records.models import DatePrecision

APPROXIMATE_RE = re.compile(r"^(~|c\.|ca\.|circa|approx\.?|약)\s*", re.IGNORECASE)
PART_RE = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")


class DateError(ValueError):
    """Text that is not a date this module understands; the message shows the forms."""


@dataclass(frozen=True)
class FuzzyDate:
    start: dt.date | None
    end: dt.date | None
    precision: str

    def as_text(self) -> str:
        return format_fuzzy_date(self.start, self.end, self.precision)


UNKNOWN = FuzzyDate(None, None, DatePrecision.UNKNOWN)
FORMS = "YYYY-MM-DD, YYYY-MM, YYYY, ~YYYY (approximate) or FROM..UNTIL"


def _bounds(text: str) -> tuple[dt.date, dt.date, str]:
    match = PART_RE.match(text.strip())
    if not match:
        raise DateError(f"{text!r} is not a date; write {FORMS}")
    year, month, day = (int(g) if g else None for g in match.groups())
    if not 1 <= year <= 9999:
        raise DateError(f"{text!r}: year out of range")
    try:
        if month is None:
            return dt.date(year, 1, 1), dt.date(year, 12, 31), DatePrecision.YEAR
        last = calendar.monthrange(year, month)[1]
        if day is None:
            return dt.date(year, month, 1), dt.date(year, month, last), DatePrecision.MONTH
        day_date = dt.date(year, month, day)
    except ValueError:
        raise DateError(f"{text!r} is not a real date") from None
    return day_date, day_date, DatePrecision.DAY


def parse_fuzzy_date(text: str | dt.date | None) -> FuzzyDate:
    """Parse what a person typed; raise DateError saying what forms are understood."""
    if text is None:
        return UNKNOWN
    if isinstance(text, dt.datetime):
        text = text.date()
    if isinstance(text, dt.date):
        return FuzzyDate(text, text, DatePrecision.DAY)
    text = str(text).strip()
    if not text or text.lower() in {"unknown", "?", "모름", "미상"}:
        return UNKNOWN
    approximate = APPROXIMATE_RE.match(text)
    if approximate:
        start, end, _ = _bounds(text[approximate.end() :])
        return FuzzyDate(start, end, DatePrecision.APPROXIMATE)
    if ".." in text or "/" in text:
        first, _, last = text.replace("/", "..").partition("..")
        start = _bounds(first)[0] if first.strip() else None
        end = _bounds(last)[1] if last.strip() else None
        if start is None and end is None:
            raise DateError(f"{text!r}: a range needs at least one end")
        if start and end and end < start:
            raise DateError(f"{text!r}: the range ends before it begins")
        return FuzzyDate(start, end, DatePrecision.RANGE)
    start, end, precision = _bounds(text)
    return FuzzyDate(start, end, precision)


def format_fuzzy_date(start: dt.date | None, end: dt.date | None, precision: str) -> str:
    """The text form `parse_fuzzy_date` reads back to the same value."""
    if precision == DatePrecision.UNKNOWN or (start is None and end is None):
        return ""
    if precision == DatePrecision.DAY and start:
        return start.isoformat()
    if precision == DatePrecision.MONTH and start:
        return start.strftime("%Y-%m")
    if precision == DatePrecision.YEAR and start:
        return str(start.year)
    if precision == DatePrecision.APPROXIMATE and start and end:
        inner = format_fuzzy_date(start, end, _natural_precision(start, end))
        return f"~{inner}" if ".." not in inner else f"~{start.isoformat()}"
    return f"{_compact(start, True)}..{_compact(end, False)}"


def _natural_precision(start: dt.date, end: dt.date) -> str:
    if start == end:
        return DatePrecision.DAY
    if (
        start.day == 1
        and (start.year, start.month) == (end.year, end.month)
        and end.day == calendar.monthrange(end.year, end.month)[1]
    ):
        return DatePrecision.MONTH
    if (start.month, start.day, end.month, end.day) == (1, 1, 12, 31) and start.year == end.year:
        return DatePrecision.YEAR
    return DatePrecision.RANGE


def _compact(day: dt.date | None, is_start: bool) -> str:
    """A range end in its shortest exact form (2015 for 2015-01-01 as a start)."""
    if day is None:
        return ""
    if is_start and (day.month, day.day) == (1, 1):
        return str(day.year)
    if not is_start and (day.month, day.day) == (12, 31):
        return str(day.year)
    if is_start and day.day == 1:
        return day.strftime("%Y-%m")
    if not is_start and day.day == calendar.monthrange(day.year, day.month)[1]:
        return day.strftime("%Y-%m")
    return day.isoformat()
