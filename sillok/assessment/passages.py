"""Passages: the part of an evidence item an evidence link rests on.

A person types a passage as
- "p3" or "p3-4": pages (of a PDF, a scan read by OCR);
- "c120-480": characters 120 to 480 of the item's first text derivative (extracted text, OCR
  or transcript), counted from 0, end excluded; "c17:120-480" names derivative 17;
- "t12.5-40" or "t1:05-2:30": seconds of audio or video (minutes:seconds accepted).
Korean page markers ("3쪽", "3-4쪽", "3~4페이지") and the en dash or tilde between numbers are
accepted too. Stored on EvidenceLink.passage as {"pages": [3, 4]}, {"derivative": 17,
"start": 120, "end": 480} or {"seconds": [12.5, 40.0]}; {} is the whole item.

`check_passage` holds a passage against what the item has: its page count, the length of its
text derivative, its duration. What the item cannot tell (no page count, no transcript) is
refused rather than stored unchecked: a prosecutor must be able to find the passage.
"""

from __future__ import annotations

import re
from typing import Any

from django.utils.translation import gettext as _

from sillok.evidence.derive.base import TEXT_KINDS
from sillok.evidence.models import Item, ItemFile


class PassageError(ValueError):
    """A passage that cannot be read or does not fit the item; the message says why."""

    field = "passage"


_RANGE = r"\s*(?P<a>{n})\s*(?:[-–~]\s*(?P<b>{n}))?\s*"
_NUMBER = r"\d+"
_TIME = r"\d+(?::\d{1,2})?(?:\.\d+)?"
PAGES_RE = re.compile(rf"^p{_RANGE.format(n=_NUMBER)}$", re.IGNORECASE)
KOREAN_PAGES_RE = re.compile(rf"^{_RANGE.format(n=_NUMBER)}(?:쪽|페이지|면)$")
CHARACTERS_RE = re.compile(
    r"^c\s*(?:(?P<d>\d+)\s*:)?\s*(?P<a>\d+)\s*[-–~]\s*(?P<b>\d+)\s*$", re.IGNORECASE
)
SECONDS_RE = re.compile(rf"^t{_RANGE.format(n=_TIME)}$", re.IGNORECASE)


def _seconds(text: str) -> float:
    if ":" in text:
        minutes, seconds = text.split(":", 1)
        if float(seconds) >= 60:
            raise PassageError(_("%(time)s is not a time (seconds under 60)") % {"time": text})
        return int(minutes) * 60 + float(seconds)
    return float(text)


def parse_passage(spec: str) -> dict[str, Any]:
    """The stored form of a passage typed as `spec`; {} for an empty spec (the whole item).
    Raises PassageError naming the forms it accepts."""
    text = (spec or "").strip()
    if not text:
        return {}
    if match := PAGES_RE.match(text) or KOREAN_PAGES_RE.match(text):
        first = int(match["a"])
        last = int(match["b"]) if match["b"] else first
        if first < 1 or last < first:
            raise PassageError(_("%(spec)s: pages start at 1 and run forwards") % {"spec": text})
        return {"pages": [first, last]}
    if match := CHARACTERS_RE.match(text):
        start, end = int(match["a"]), int(match["b"])
        if end <= start:
            raise PassageError(_("%(spec)s: the end must come after the start") % {"spec": text})
        passage: dict[str, Any] = {"start": start, "end": end}
        if match["d"]:
            passage["derivative"] = int(match["d"])
        return passage
    if match := SECONDS_RE.match(text):
        start = _seconds(match["a"])
        end = _seconds(match["b"]) if match["b"] else start
        if end < start:
            raise PassageError(_("%(spec)s: the end must come after the start") % {"spec": text})
        return {"seconds": [start, end]}
    raise PassageError(
        _(
            "%(spec)s is not a passage: write p3 or p3-4 (pages), c120-480 (characters of "
            "the text) or t12.5-40 (seconds)"
        )
        % {"spec": text}
    )


def _page_count(files: list[ItemFile]) -> int | None:
    counts = []
    for file in files:
        for key in ("pages", "pages_total"):
            value = file.details.get(key)
            if isinstance(value, int) and not isinstance(value, bool) and value > 0:
                counts.append(value)
    return max(counts) if counts else None


def _duration(files: list[ItemFile]) -> float | None:
    found = [
        float(file.details["duration_s"])
        for file in files
        if isinstance(file.details.get("duration_s"), int | float)
    ]
    return max(found) if found else None


def _text_length(file: ItemFile) -> int:
    characters = file.details.get("characters")
    if isinstance(characters, int) and not isinstance(characters, bool):
        return characters
    from sillok.evidence.queries import read_text

    text, _truncated = read_text(file, limit=file.size)
    return len(text)


def check_passage(item: Item, passage: dict[str, Any]) -> dict[str, Any]:
    """`passage` if it lies within `item` (with the text derivative filled in for a character
    range); PassageError saying what the item has otherwise."""
    if not passage:
        return {}
    files = list(item.files.all())
    if "pages" in passage:
        first, last = passage["pages"]
        count = _page_count(files)
        if count is None:
            raise PassageError(_("this item has no known page count; cite characters or the whole"))
        if last > count:
            raise PassageError(
                _("this item has %(count)d page(s); page %(page)d is not in it")
                % {"count": count, "page": last}
            )
        return {"pages": [first, last]}
    if "seconds" in passage:
        start, end = passage["seconds"]
        duration = _duration(files)
        if duration is None:
            raise PassageError(_("this item has no known duration (no transcript yet)"))
        if end > duration:
            raise PassageError(
                _("this item lasts %(duration)s seconds; %(end)s is beyond its end")
                % {"duration": f"{duration:g}", "end": f"{end:g}"}
            )
        return {"seconds": [float(start), float(end)]}
    texts = [file for file in files if file.kind in TEXT_KINDS]
    wanted = passage.get("derivative")
    if wanted is not None:
        texts = [file for file in texts if file.pk == wanted]
        if not texts:
            raise PassageError(_("this item has no text derivative %(id)s") % {"id": wanted})
    if not texts:
        raise PassageError(_("this item has no text derivative to cite characters of"))
    derivative = texts[0]
    length = _text_length(derivative)
    if passage["end"] > length:
        raise PassageError(
            _("the text of this item has %(length)d characters; %(end)d is beyond its end")
            % {"length": length, "end": passage["end"]}
        )
    return {"derivative": derivative.pk, "start": passage["start"], "end": passage["end"]}


def _seconds_label(value: float) -> str:
    minutes, seconds = divmod(value, 60)
    return f"{int(minutes)}:{seconds:04.1f}"


def describe_passage(passage: dict[str, Any] | None) -> str:
    """How a passage reads in the matrix and exports: "p. 3", "pp. 3–4", "chars 120–480",
    "0:12.5–0:40.0"; "" for the whole item."""
    if not passage:
        return ""
    if "pages" in passage:
        first, last = passage["pages"]
        if first == last:
            return _("p. %(page)d") % {"page": first}
        return _("pp. %(first)d–%(last)d") % {"first": first, "last": last}
    if "seconds" in passage:
        start, end = passage["seconds"]
        if start == end:
            return _seconds_label(start)
        return f"{_seconds_label(start)}–{_seconds_label(end)}"
    return _("chars %(start)d–%(end)d") % {"start": passage["start"], "end": passage["end"]}
