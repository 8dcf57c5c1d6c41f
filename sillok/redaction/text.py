"""Text redaction: names from the identity vault, phone numbers, ID numbers, addresses and
birth dates replaced by placeholders. A pure function: no database, no files.

The result is a proposal for a person to review, never a guarantee: patterns miss what they
do not describe (a name spelt in a way the vault does not know, an address written as prose).
Where a pattern could mean personal data or not, it errs towards redacting; the reviewer puts
back nothing (a redacted copy is made again or rejected), so a false positive costs a little
readability and a miss could cost a life.

Spans describe where the placeholders are (offsets in the redacted text and in the source)
and their category, never the strings they replace: spans are stored and shown to reviewers.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

# Marks frames whose locals hold witnesses' names or their texts, so that Django's error
# reports leave them out. Importing it needs Django installed, not configured.
from django.views.decorators.debug import sensitive_variables

from sillok.redaction import doubts
from sillok.redaction.doubts import Doubt
from sillok.redaction.lines import Joined, joined, line_breaks
from sillok.redaction.names import (
    EXACT,
    HANGUL,
    PARTIAL,
    ROMANIZED,
    NameRegexes,
    name_regexes,
)

# Bump when a pattern changes: it is part of each redacted copy's provenance.
RULES_VERSION = "2"

NAME, PHONE, ID, ADDRESS, BIRTH_DATE = "name", "phone", "id", "address", "birth_date"
PLACEHOLDERS = {
    NAME: "[NAME]",
    PHONE: "[PHONE]",
    ID: "[ID]",
    ADDRESS: "[ADDRESS]",
    BIRTH_DATE: "[BIRTH DATE]",
}
# On a tie (two matches of the same length at the same place) the earlier category wins.
PRIORITY = (ID, PHONE, BIRTH_DATE, ADDRESS, NAME)


@dataclass(frozen=True)
class Span:
    category: str
    start: int  # in the redacted text: where the placeholder is
    end: int
    source_start: int  # in the (NFC-normalised) source text
    source_end: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "category": self.category,
            "start": self.start,
            "end": self.end,
            "source_start": self.source_start,
            "source_end": self.source_end,
        }


@dataclass(frozen=True)
class TextRedaction:
    text: str
    spans: list[Span]
    terms_used: int  # identity terms that became patterns
    terms_skipped: int  # too short to redact safely: the reviewer is told how many
    # What the redactor was unsure of, for the reviewer: offsets in the redacted text.
    uncertain: list[Doubt] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(PLACEHOLDERS, 0)
        for span in self.spans:
            counts[span.category] += 1
        return counts


# --- Patterns -----------------------------------------------------------------------------

_D = r"(?<!\d)"  # not in the middle of a longer number
_DE = r"(?!\d)"
# Between the groups of a phone number: a space, or a dot or hyphen with spaces around it.
_SEP = r"(?:[ \t]?[.\-][ \t]?|\s)?"

PHONE_PATTERNS = [
    # ROK mobile and landline, with or without separators: 010-1234-5678, 02-123-4567.
    rf"{_D}01[016789]{_SEP}\d{{3,4}}{_SEP}\d{{4}}{_DE}",
    rf"{_D}0(?:2|[3-6][1-5]|70)[\s.\-)]\s?\d{{3,4}}[\s.\-]\d{{4}}{_DE}",
    # +82 and 0082: the leading zero of the area code is dropped (sometimes kept in brackets).
    rf"(?:\+|{_D}00)82{_SEP}(?:\(0\))?\d{{1,2}}{_SEP}\d{{3,4}}{_SEP}\d{{4}}{_DE}",
    # DPRK (+850): Pyongyang numbers such as +850 2 381 1234, and long mobile numbers.
    rf"(?:\+|{_D}00)850[\s.\-]?\d{{1,4}}[\s.\-]?\d{{3,4}}[\s.\-]?\d{{3,4}}(?:[\s.\-]?\d{{1,4}})?{_DE}",
    # PRC mobile (escapees' contacts in China): 11 digits starting 13-19.
    rf"(?:\+86[\s.\-]?)?{_D}1[3-9]\d[\s.\-]?\d{{4}}[\s.\-]?\d{{4}}{_DE}",
    # Any other international number: + country code and 6-14 more digits in groups.
    r"\+\d{1,3}(?:[\s.\-]?\(?\d{1,5}\)?){2,6}(?!\d)",
]

ID_PATTERNS = [
    # ROK resident (and alien) registration number: yymmdd-Gnnnnnn, also partly masked.
    rf"{_D}\d{{2}}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\s?-?\s?[1-8][\d*xX]{{6}}{_DE}",
    # PRC resident ID: 17 digits and a check digit.
    rf"{_D}\d{{17}}[\dXx]{_DE}",
    # Passport-like: one or two capitals and 7-9 digits (M12345678); ROK 2021 form M123A4567.
    r"(?<![A-Za-z0-9])[A-Z]{1,2}\d{7,9}(?![A-Za-z0-9])",
    r"(?<![A-Za-z0-9])[A-Z]\d{3}[A-Z]\d{4}(?![A-Za-z0-9])",
]

_KO_UNIT = rf"[{HANGUL}0-9]{{1,12}}"
_KO_REGION = rf"[{HANGUL}]{{1,10}}(?:특별시|광역시|특별자치시|특별자치도|도|시|군|구)"
ADDRESS_PATTERNS = [
    # Road-name address: 서울특별시 강남구 테헤란로 12, 성남시 분당구 정자일로 95번길 4.
    rf"(?:{_KO_REGION}\s+){{1,4}}(?:{_KO_UNIT}(?:읍|면|동|리|가)\s+)*"
    rf"{_KO_UNIT}(?:대로|로|길)\s*\d+(?:\s*번길)?(?:\s*\d+)?(?:-\d+)?"
    rf"(?:\s*,?\s*\d+동\s*\d+호|\s*\d+호|\s*\d+층)?",
    # Lot-number address: 서울시 강남구 역삼동 123-4번지; DPRK neighbourhood unit: 5인민반.
    rf"(?:{_KO_REGION}\s+){{1,4}}(?:{_KO_UNIT}(?:읍|면|동|리|가)\s+)*{_KO_UNIT}(?:읍|면|동|리|가)"
    rf"\s*(?:산\s*)?\d+(?:-\d+)?(?:\s*번지)?(?:\s*,?\s*\d+동\s*\d+호|\s*\d+호)?",
    rf"(?:{_KO_REGION}\s+){{0,4}}{_KO_UNIT}(?:동|리|구|읍|로동자구)\s*\d+\s*인민반"
    rf"(?:\s*\d+(?:호|층))?",
    # English: 221B Baker Street, 12 Main St. Apt 4.
    r"(?<![\w])\d{1,5}[A-Za-z]?\s+(?:[A-Z][A-Za-z'\-]+\s){1,4}"
    r"(?:Street|St|Road|Rd|Avenue|Ave|Boulevard|Blvd|Lane|Ln|Drive|Dr|Way|Court|Ct|Place|Pl"
    r"|Square|Sq|Terrace|Close|Crescent|Highway|Hwy)\b\.?"
    r"(?:,?\s*(?:Apt|Apartment|Unit|Suite|Flat|#)\.?\s*[\w\-]+)?",
    # Romanized Korean: 12 Teheran-ro, Gangnam-gu / Teheran-ro 12-3 / 45 Jeongja-dong.
    r"(?<![\w])\d{1,5}(?:-\d{1,4})?,?\s+[A-Z][a-z]+-?(?:daero|ro|gil|dong)\b"
    r"(?:\s*\d+(?:beon)?-?gil)?(?:,\s*[A-Z][a-z]+-(?:gu|si|gun|eup|myeon|do))*",
    r"(?<![\w])[A-Z][a-z]+-(?:daero|ro|gil)\s+\d{1,5}(?:-\d{1,4})?"
    r"(?:,\s*[A-Z][a-z]+-(?:gu|si|gun|eup|myeon|dong|do))*",
]

_MONTHS = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
_DATE = (
    r"(?:\d{4}\s*[.\-/]\s*\d{1,2}\s*[.\-/]\s*\d{1,2}\.?"  # 1990.03.05, 1990-3-5
    r"|\d{1,2}\s*[.\-/]\s*\d{1,2}\s*[.\-/]\s*\d{4}"  # 05.03.1990, 3/5/1990
    r"|\d{4}\s*년(?:\s*\d{1,2}\s*월)?(?:\s*\d{1,2}\s*일)?"  # 1990년 3월 5일
    rf"|\d{{1,2}}\s+{_MONTHS},?\s+\d{{4}}"  # 5 March 1990
    rf"|{_MONTHS}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}"  # March 5, 1990
    r"|(?<!\d)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])(?!\d)"  # 900305
    r"|\d{4}(?!\d))"  # a year alone, only right after a cue
)
_BIRTH_CUE = (
    r"(?:생년월일|출생일|출생년도|출생 연도|생일|태어난 날|"
    r"(?<![A-Za-z])(?i:date\s+of\s+birth|birth\s*date|birthday|d\.?o\.?b\.?"
    r"|born(?:\s+on|\s+in)?))"
)
BIRTH_PATTERNS = [
    # A date followed by 생 / 출생 ("1990년 3월 5일생", "1990.03.05 출생").
    rf"(?:\d{{4}}\s*[.\-/]\s*\d{{1,2}}\s*[.\-/]\s*\d{{1,2}}\.?|\d{{4}}\s*년(?:\s*\d{{1,2}}\s*월)?"
    rf"(?:\s*\d{{1,2}}\s*일)?|(?<!\d)\d{{2}}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01]))"
    rf"(?=\s*(?:생(?![{HANGUL}])|생으로|생이|생인|출생))",
]


def _compile(patterns: list[str]) -> list[re.Pattern[str]]:
    return [re.compile(p) for p in patterns]


_CATEGORY_PATTERNS = {
    PHONE: _compile(PHONE_PATTERNS),
    ID: _compile(ID_PATTERNS),
    ADDRESS: _compile(ADDRESS_PATTERNS),
    BIRTH_DATE: _compile(BIRTH_PATTERNS),
}
# After a cue: the date after "생년월일", "DOB", "born on"; any number after "여권번호",
# "passport no." (group "value" is what is redacted; the cue stays readable).
_BIRTH_AFTER_CUE = re.compile(rf"{_BIRTH_CUE}\s*(?:은|는|:|：|-|–)?\s*(?P<value>{_DATE})")
_ID_AFTER_CUE = re.compile(
    r"(?:주민등록번호|주민번호|외국인등록번호|여권\s*번호|공민증\s*번호|신분증\s*번호"
    r"|(?<![A-Za-z])(?i:passport|identity\s+card|id\s+card|id)(?:\s*(?:no\.?|number|#))?)"
    r"\s*(?:은|는|:|：)?\s*(?P<value>[A-Za-z0-9][A-Za-z0-9\-*]{4,}[0-9*])"
)


# --- Redaction ----------------------------------------------------------------------------

Match = tuple[int, int, str]  # start, end, category (in the source text)


@sensitive_variables()
def _category_matches(text: str) -> list[Match]:
    found: list[Match] = []
    for category, patterns in _CATEGORY_PATTERNS.items():
        for pattern in patterns:
            found += [(m.start(), m.end(), category) for m in pattern.finditer(text)]
    for regex, category in ((_BIRTH_AFTER_CUE, BIRTH_DATE), (_ID_AFTER_CUE, ID)):
        found += [(m.start("value"), m.end("value"), category) for m in regex.finditer(text)]
    return found


@sensitive_variables()
def _name_matches(text: str, names: NameRegexes) -> list[tuple[int, int, str]]:
    """(start, end, kind of name match) for every name pattern that applies."""
    found = []
    for kind, regex in ((EXACT, names.exact), (ROMANIZED, names.romanized)):
        if regex is not None:
            found += [(m.start(), m.end(), kind) for m in regex.finditer(text)]
    if names.partial is not None:
        found += [(m.start(), m.end(), PARTIAL) for m in names.partial.finditer(text)]
    return found


@sensitive_variables()
def _matches(text: str, view: Joined, names: NameRegexes) -> tuple[list[Match], list[Match]]:
    """Matches in the text as it is and in its joined view (lines.py), mapped back to the
    text; and the name matches with their kind (exact, romanized, partial)."""
    found = _category_matches(text)
    named = _name_matches(text, names)
    for start, end, category in _category_matches(view.text):
        found.append((*view.source_span(start, end), category))
    for start, end, kind in _name_matches(view.text, names):
        named.append((*view.source_span(start, end), kind))
    found += [(start, end, NAME) for start, end, _ in named]
    return _strip_edges(text, found), _strip_edges(text, named)


@sensitive_variables()
def _strip_edges(text: str, found: list[Match]) -> list[Match]:
    """Leave surrounding spaces and a trailing full stop outside the placeholder."""
    clean = []
    for start, end, category in found:
        while start < end and text[start].isspace():
            start += 1
        while end > start and (text[end - 1].isspace() or text[end - 1] in ".,"):
            end -= 1
        if end > start:
            clean.append((start, end, category))
    return sorted(set(clean))


def _resolve_overlaps(found: list[Match]) -> list[Match]:
    """Non-overlapping matches: the longest wins, then the earlier category in PRIORITY; a
    match that overlaps a kept one is merged into it (its text is redacted either way)."""
    ranked = sorted(found, key=lambda m: (-(m[1] - m[0]), PRIORITY.index(m[2]), m[0]))
    kept: list[list[Any]] = []
    for start, end, category in ranked:
        overlapping = [k for k in kept if start < k[1] and k[0] < end]
        if overlapping:
            for k in overlapping:  # widen, so that no character of either stays visible
                k[0], k[1] = min(k[0], start), max(k[1], end)
            continue
        kept.append([start, end, category])
    kept.sort()
    merged: list[Match] = []
    for start, end, category in kept:
        if merged and start < merged[-1][1]:  # two widened matches now touch
            last = merged[-1]
            merged[-1] = (last[0], max(last[1], end), last[2])
        else:
            merged.append((start, end, category))
    return merged


@sensitive_variables()
def redact_text(
    text: str, terms: list[str], *, romanized: frozenset[str] = frozenset()
) -> TextRedaction:
    """`text` with names (`terms` and their variants), phone numbers, ID numbers, addresses
    and birth dates replaced by placeholders, the spans of those placeholders, and what the
    redactor was unsure of (`uncertain`). `romanized`: the terms that are romanizations made
    from Hangul names rather than spellings the vault holds."""
    text = unicodedata.normalize("NFC", text)
    names = name_regexes(
        [unicodedata.normalize("NFC", t) for t in terms if t and t.strip()],
        frozenset(unicodedata.normalize("NFC", t) for t in romanized),
    )
    view = joined(text)
    found, named = _matches(text, view, names)
    kept = _resolve_overlaps(found)
    pieces, spans, cursor, offset = [], [], 0, 0
    for start, end, category in kept:
        placeholder = PLACEHOLDERS[category]
        pieces.append(text[cursor:start])
        offset += start - cursor
        spans.append(Span(category, offset, offset + len(placeholder), start, end))
        # A match across lines takes its line breaks along: the lines stay lines.
        placeholder += line_breaks(text[start:end])
        pieces.append(placeholder)
        offset += len(placeholder)
        cursor = end
    pieces.append(text[cursor:])
    uncertain = doubts.find(text, view, kept, spans, named, names)
    return TextRedaction("".join(pieces), spans, names.used, names.skipped, uncertain)
