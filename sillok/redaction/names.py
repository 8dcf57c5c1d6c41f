"""Names from the identity vault as patterns: the terms cleaned of notes, the patterns of each
spelling, and the looser patterns whose matches the redactor is unsure of. Pure functions.

A vault name is often stored with a note ("최진수 (가명 아님, 테스트)", "Ri Chol [alias]"): the
note is taken out before any pattern is built, or the Hangul pattern would look for the whole
string, note and all, and find nothing.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from django.views.decorators.debug import sensitive_variables

HANGUL = "\uac00-\ud7a3"
# Shorter terms would wipe out ordinary words (a one-syllable surname is in every sentence).
MIN_HANGUL_TERM = 2
MIN_LATIN_TERM = 3
# Between the letters of a romanized name: nothing, a space, a hyphen or an apostrophe
# ("Young-hee", "Young hee", "Younghee", "Chol-u'n").
_LATIN_JOIN = r"[\s\-\u2010\u2011'\u2019.]?"
_NOT_LATIN_BEFORE = r"(?<![A-Za-z])"
_NOT_LATIN_AFTER = r"(?![A-Za-z])"

# Opening and closing brackets of a note, ASCII and full-width, Korean and CJK.
BRACKETS = {
    "(": ")",
    "[": "]",
    "{": "}",
    "<": ">",
    "（": "）",
    "［": "］",
    "｛": "｝",
    "＜": "＞",
    "【": "】",
    "〔": "〕",
    "〖": "〗",
    "〘": "〙",
    "「": "」",
    "『": "』",
    "〈": "〉",
    "《": "》",
}
_NOTE = re.compile(
    "|".join(f"{re.escape(o)}[^{re.escape(o + c)}]*{re.escape(c)}" for o, c in BRACKETS.items())
)
_ANY_BRACKET = re.compile(f"[{re.escape(''.join(BRACKETS) + ''.join(BRACKETS.values()))}]")

# Kinds of name match: by a spelling the vault holds, by a romanization made from a Hangul
# name (an ordinary English word can look like one), by the given name alone.
EXACT, ROMANIZED, PARTIAL = "exact", "romanized", "partial"


@sensitive_variables()
def clean_term(term: str) -> str:
    """`term` without notes in brackets, its spaces collapsed; "" when nothing of a name is
    left or a bracket stays unmatched (a piece of a note, cut from it by whitespace)."""
    term = unicodedata.normalize("NFC", term)
    while True:  # inner notes first: "김영희 (가명 (테스트))"
        cleaned = _NOTE.sub(" ", term)
        if cleaned == term:
            break
        term = cleaned
    if _ANY_BRACKET.search(term):
        return ""
    return " ".join(term.split()).strip(" ,;:/·")


@sensitive_variables()
def clean_terms(terms: list[str]) -> list[str]:
    """Every term cleaned of its notes, each once, in the order given."""
    cleaned: dict[str, None] = {}
    for term in terms:
        if term and (clean := clean_term(term)):
            cleaned[clean] = None
    return list(cleaned)


def _term_tokens(term: str) -> list[str]:
    return [t for t in re.split(r"[\s\-\u2010\u2011'\u2019.·]+", term) if t]


def is_hangul(term: str) -> bool:
    return bool(re.search(f"[{HANGUL}]", term))


@sensitive_variables()
def name_pattern(term: str) -> str | None:
    """A regular expression for one identity term and its spelling variants, or None when
    the term is too short to redact without wiping out ordinary words."""
    term = clean_term(term)
    tokens = _term_tokens(term)
    if not tokens:
        return None
    letters = "".join(tokens)
    if is_hangul(letters):
        if len(letters) < MIN_HANGUL_TERM:
            return None
        # Hangul: no word boundary after the name, so 김영희가, 김영희는, 김영희의 all match (the
        # particle stays); an optional space between syllables catches "김 영희". Line breaks
        # inside a name are joined before matching (lines.py).
        return r"\s?".join(re.escape(ch) for ch in letters)
    if len(letters) < MIN_LATIN_TERM:
        return None
    variants = [tokens]
    if len(tokens) > 1:
        # Family name first or last: "Kim Young-hee" and "Young-hee Kim".
        variants += [tokens[1:] + tokens[:1], tokens[-1:] + tokens[:-1]]
    bodies = []
    for variant in variants:
        body = _LATIN_JOIN.join(re.escape(ch) for ch in "".join(variant))
        if body not in bodies:
            bodies.append(body)
    return f"{_NOT_LATIN_BEFORE}(?i:{'|'.join(bodies)}){_NOT_LATIN_AFTER}"


@sensitive_variables()
def given_name(term: str) -> str | None:
    """The given name of a Hangul name of three or more syllables ("영희" of "김영희"): found
    alone it is redacted too, and shown to the reviewer as a partial match."""
    from sillok.vocab.romanize import is_surname

    tokens = _term_tokens(clean_term(term))
    if not tokens or not is_hangul(tokens[0]):
        return None
    if len(tokens) > 1:
        given = tokens[-1]
    else:  # 남궁민수: a two-syllable surname
        given = tokens[0][2:] if is_surname(tokens[0][:2]) else tokens[0][1:]
    return given if len(given) >= 2 and is_hangul(given) else None


@sensitive_variables()
def similar_pattern(term: str) -> str | None:
    """A Hangul name of three or more syllables with any one syllable different ("김영히",
    "이영희"): a misspelling, an OCR slip or another person. Not redacted; shown."""
    letters = "".join(_term_tokens(clean_term(term)))
    if not is_hangul(letters) or len(letters) < 3:
        return None
    parts = []
    for i in range(len(letters)):
        chars = [re.escape(ch) for ch in letters]
        chars[i] = f"(?!{re.escape(letters[i])})[{HANGUL}]"
        parts.append(r"\s?".join(chars))
    return "|".join(parts)


@dataclass(frozen=True)
class NameRegexes:
    exact: re.Pattern[str] | None  # spellings the vault holds
    romanized: re.Pattern[str] | None  # romanizations made from Hangul names
    partial: re.Pattern[str] | None  # given names alone
    similar: re.Pattern[str] | None  # one syllable different: shown, not redacted
    used: int  # terms that became patterns
    skipped: int  # too short to redact safely


def _alternation(patterns: list[str]) -> re.Pattern[str] | None:
    return re.compile("|".join(f"(?:{p})" for p in patterns)) if patterns else None


@sensitive_variables()
def name_regexes(terms: list[str], romanized: frozenset[str] = frozenset()) -> NameRegexes:
    """The patterns for `terms`; those in `romanized` are romanizations made by Sillok, not
    spellings anyone wrote down, so their matches are marked for the reviewer."""
    exact: list[str] = []
    roman: list[str] = []
    partial: list[str] = []
    similar: list[str] = []
    skipped = 0
    # The vault's own spellings before Sillok's romanizations (a spelling in both counts as
    # the vault's); longest first, so "김영희" wins over "영희" as one placeholder.
    cleaned = set(clean_terms(terms))
    for term in sorted(cleaned, key=lambda t: (t in romanized, -len(t), t)):
        pattern = name_pattern(term)
        if pattern is None:
            skipped += 1
            continue
        target = roman if term in romanized else exact
        if pattern not in exact and pattern not in roman:
            target.append(pattern)
        given = given_name(term)
        if given and (given_pattern := name_pattern(given)) and given_pattern not in partial:
            partial.append(given_pattern)
        if (close := similar_pattern(term)) and close not in similar:
            similar.append(close)
    return NameRegexes(
        exact=_alternation(exact),
        romanized=_alternation(roman),
        partial=_alternation(partial),
        similar=_alternation(similar),
        used=len(exact) + len(roman),
        skipped=skipped,
    )
