"""What the text redactor was unsure of, for the reviewer to check. Pure functions.

A redaction is a proposal; the reviewer reads the whole text, but some places deserve a second
look before the rest, and the review page lists them:

- NAME_ROMANIZED: a name redacted only because it matched a romanization Sillok made from a
  Hangul name (an ordinary English word, or another person, can be spelt the same);
- NAME_PARTIAL: a given name found alone and redacted ("영희" of "김영희"): is it the person?
- NAME_SIMILAR: a name one syllable away from a vault name ("김영히", "이영희"), left as it is:
  a misspelling or an OCR slip of the person's name, or someone else;
- NUMBER: a run of 7 to 15 digits that no phone or ID pattern matched, left as it is;
- OCR_LOW_CONFIDENCE, PDF_TEXT (set by the services): the text the redactor read was
  recognised with low confidence, or a PDF page's text could not be read at all.

Each doubt holds a reason and offsets in the redacted text, never the text it points at: the
review page shows the redacted text around it, which is on the page anyway.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.views.decorators.debug import sensitive_variables

from sillok.redaction.lines import Joined, line_breaks
from sillok.redaction.names import EXACT, PARTIAL, ROMANIZED, NameRegexes

NAME_ROMANIZED = "name_romanized"
NAME_PARTIAL = "name_partial"
NAME_SIMILAR = "name_similar"
NUMBER = "number_unmatched"
OCR_LOW_CONFIDENCE = "ocr_low_confidence"
PDF_TEXT = "pdf_text_unreadable"
REASONS = (NAME_ROMANIZED, NAME_PARTIAL, NAME_SIMILAR, NUMBER, OCR_LOW_CONFIDENCE, PDF_TEXT)

# A number as people write phone and ID numbers: digits in groups joined by spaces, dots,
# hyphens, slashes or brackets, maybe with a leading +. A Korean particle may follow ("로").
_NUMBER = re.compile(r"(?<![0-9A-Za-z+])\+?\(?\d[\d \t().\-/]{5,24}\d(?![0-9A-Za-z])")
_DIGITS_MIN, _DIGITS_MAX = 7, 15
# Dates and year ranges are what a testimony is about: not doubted.
_DATE_LIKE = re.compile(
    r"\d{4}\s*[.\-/]\s*\d{1,2}\s*[.\-/]\s*\d{1,2}\.?|\d{1,2}\s*[.\-/]\s*\d{1,2}\s*[.\-/]\s*\d{4}"
    r"|(?:1[89]|20)\d\d\s*[-–/~]\s*(?:1[89]|20)\d\d"
)


@dataclass(frozen=True)
class Doubt:
    reason: str  # one of REASONS
    start: int  # in the redacted text
    end: int

    def as_dict(self) -> dict[str, Any]:
        return {"reason": self.reason, "start": self.start, "end": self.end}


Match = tuple[int, int, str]


class _Shift:
    """Maps an offset in the source to the redacted text, around the replaced spans."""

    def __init__(self, text: str, kept: list[Match], spans: list[Any]) -> None:
        # (source start, source end, redacted start, redacted end with the kept line breaks)
        self.parts = [
            (s, e, span.start, span.end + len(line_breaks(text[s:e])))
            for (s, e, _), span in zip(kept, spans, strict=True)
        ]

    def __call__(self, position: int) -> int:
        delta = 0
        for start, end, new_start, new_end in self.parts:
            if position < start:
                break
            if position < end:  # inside a placeholder: its start
                return new_start
            delta = new_end - end
        return position + delta


def _overlaps(start: int, end: int, kept: list[Match]) -> bool:
    return any(start < e and s < end for s, e, _ in kept)


@sensitive_variables()
def find(
    text: str,
    view: Joined,
    kept: list[Match],
    spans: list[Any],
    named: list[Match],
    names: NameRegexes,
) -> list[Doubt]:
    """The doubts about one text redaction, in the order of the redacted text."""
    found: list[Doubt] = []
    for (start, end, category), span in zip(kept, spans, strict=True):
        if category != "name":
            continue
        kinds = {kind for s, e, kind in named if start <= s and e <= end}
        if EXACT not in kinds and PARTIAL in kinds:
            found.append(Doubt(NAME_PARTIAL, span.start, span.end))
        elif EXACT not in kinds and ROMANIZED in kinds:
            found.append(Doubt(NAME_ROMANIZED, span.start, span.end))
    shift = _Shift(text, kept, spans)
    loose: list[tuple[int, int, str]] = []
    if names.similar is not None:
        loose += [(m.start(), m.end(), NAME_SIMILAR) for m in names.similar.finditer(view.text)]
    loose += [(m.start(), m.end(), NUMBER) for m in _NUMBER.finditer(view.text) if _numberish(m)]
    for start, end, reason in loose:
        source_start, source_end = view.source_span(start, end)
        if not _overlaps(source_start, source_end, kept):
            found.append(Doubt(reason, shift(source_start), shift(source_end)))
    return sorted(set(found), key=lambda d: (d.start, d.end, d.reason))


def _numberish(match: re.Match[str]) -> bool:
    value = match.group()
    digits = sum(ch.isdigit() for ch in value)
    return _DIGITS_MIN <= digits <= _DIGITS_MAX and not _DATE_LIKE.fullmatch(value.strip())
