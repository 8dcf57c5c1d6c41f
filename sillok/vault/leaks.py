"""Does a text repeat a detail of a vault entry? Asked before a purpose, a shred reason or a
pseudonym goes where more people can read it than the vault (the audit log, the entry page).

What it catches, for a text T and the decrypted values of one entry:

1. Both sides are folded first: Unicode NFKC (full-width letters and digits, compatibility
   forms), any decimal digit as 0-9, case, diacritics (Chŏng is chong). Every other
   character (space, hyphen, dot, apostrophe, bracket) only separates words, and a word also
   ends where the script changes (Hangul, other letters, digits): "W-17곽훈민별" is 3 words.
2. A value is found where a run of whole words of T, joined, equals it: "곽훈 민별" and
   "곽-훈민별" are 곽훈민별, "010 7391 4482" is 010-7391-4482. A match starts and ends at
   word boundaries, so "criminal" does not hold the name 이민 ("Ri Min"). After Hangul,
   the particles and honorifics in PARTICLES may follow in the same word (곽훈민별씨에게).
3. Names (real and other names): each name in the value (the text outside brackets split at
   , / ; and at a change between Hangul and Latin; inside brackets, a Hangul word of 3-4
   syllables that starts with a known surname, as in "김영희 (옛 이름 김순자)"), whole and in
   every romanization sillok.vocab.romanize makes (RR, MR, the spellings of English texts,
   the same ones the redaction looks for), surname first or last; the given name alone, in
   Hangul and romanized; each word of a name written in several words.
4. Numbers: every run of at least MIN_DIGITS digits in a value (digits joined across up to
   3 separators: a phone, an ID or passport number, a date of birth) is found where any
   MIN_DIGITS consecutive digits of it appear in T, however separated: "+82 10 7391 4482"
   and "７３９１-４４８２" repeat 010-7391-4482.

Minimum lengths keep ordinary words from being refused: a Hangul syllable weighs 2, any
other letter or digit 1. A whole value or a whole name counts from MIN_WHOLE (2 syllables, 4
letters), a part of a name (the given name alone, one word of a name) from MIN_PART (3
syllables, 6 letters); a surname alone never does.

What it cannot catch: a spelling no rule in romanize makes ("Kim Young-hee" for 김영희), a
name in Hanja, translations and descriptions ("the baker from Hoeryong"), part of an
address, note or contact id (only whole values and digit runs are compared), a given name
under MIN_PART (a 2-syllable Hangul given name such as 평화 or 정의 is too often an ordinary
word), a name inside a longer Hangul word with no space before it, numbers spelled out or
shorter than MIN_DIGITS digits unless they are the whole value. It stops slips, not a
keeper who means to leak.

What it refuses that may be harmless: a whole name that is also a word (a person called 이민
makes "이민을" a repeat, not "이민자"), and 7 digits a text shares with any value, a date in a
note included. The keeper rewords; nothing is written until then.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from django.views.decorators.debug import sensitive_variables

from sillok.vault.models import NAME_FIELDS
from sillok.vocab.romanize import is_surname, person_name_romanizations

MIN_WHOLE = 4
MIN_PART = 6
MIN_DIGITS = 7

# Particles and honorifics that follow a name in the same Hangul word; up to two may chain
# (곽훈민별씨에게, 김철이가).
# fmt: off
PARTICLES = frozenset([
    "씨", "님", "군", "양", "께", "께서", "에게", "에게서", "한테", "한테서", "더러", "의",
    "이", "가", "은", "는", "을", "를", "와", "과", "도", "만", "로", "으로", "에", "에서",
    "랑", "이랑", "하고", "이다", "이고", "이며", "입니다",
])
# fmt: on
_MAX_PARTICLES = max(map(len, PARTICLES)) * 2

_HANGUL = re.compile("[가-힣]")
_WORD = re.compile("[가-힣]+|[0-9]+|[^\\W\\d_가-힣]+")
_DIGIT_RUN = re.compile("[0-9]+(?: {0,3}[0-9]+)*")
_BRACKETED = re.compile(r"[(\[{<]([^)\]}>]*)[)\]}>]")  # NFKC has made （［ into ( [
_NAME_SEPARATORS = re.compile("[,/;|·・]")
_NOT_ASCII_ALNUM = re.compile("[^a-z0-9]")


@sensitive_variables()
def repeated_field(text: str, values: Iterable[tuple[str, str]]) -> str | None:
    """The field name of the first value (field, value) that `text` repeats, or None."""
    words, digits = _needles(values)
    folded = _fold(text)
    for window in _digit_windows(folded):
        if window in digits:
            return digits[window]
    return _find_words(_WORD.findall(folded), words)


# Every function here holds values: sensitive_variables keeps them out of error reports
# (it needs plain functions, not generators).


@sensitive_variables()
def _fold(text: str) -> str:
    text = text or ""
    if text.isascii():  # most purposes: the fast path
        return _NOT_ASCII_ALNUM.sub(" ", text.lower())
    out = []
    for char in unicodedata.normalize("NFKC", text):
        if _HANGUL.match(char):
            out.append(char)
            continue
        digit = unicodedata.decimal(char, None)
        if digit is not None:
            out.append(str(digit))
            continue
        for part in unicodedata.normalize("NFKD", char).casefold():
            if part.isalnum():
                out.append(part)
            elif not unicodedata.combining(part):
                out.append(" ")
    return "".join(out)


@sensitive_variables()
def _key(text: str) -> str:
    return "".join(_WORD.findall(_fold(text)))


def _weight(key: str) -> int:
    return len(key) + len(_HANGUL.findall(key))


@sensitive_variables()
def _digit_windows(folded: str) -> list[str]:
    windows = []
    for run in _DIGIT_RUN.findall(folded):
        digits = run.replace(" ", "")
        windows += [digits[i : i + MIN_DIGITS] for i in range(len(digits) - MIN_DIGITS + 1)]
    return windows


@sensitive_variables()
def _needles(values: Iterable[tuple[str, str]]) -> tuple[dict[str, str], dict[str, str]]:
    """({word key: field}, {digit window: field}) for every value."""
    words: dict[str, str] = {}
    digits: dict[str, str] = {}
    for field, value in values:
        value = unicodedata.normalize("NFKC", value or "")
        keys = [(value, MIN_WHOLE)]
        if field in NAME_FIELDS:
            keys += [spelling for name in _names(value) for spelling in _spellings(name)]
        for text, minimum in keys:
            key = _key(text)
            if _weight(key) >= minimum:
                words.setdefault(key, field)
        for window in _digit_windows(_fold(value)):
            digits.setdefault(window, field)
    return words, digits


@sensitive_variables()
def _names(value: str) -> list[str]:
    """The names in a name field's value, without the notes in brackets."""
    names = []
    for part in _NAME_SEPARATORS.split(_BRACKETED.sub(" , ", value)):
        # "김영희 Kim Young-hee": a Hangul name and a Latin one.
        group: list[str] = []
        for word in part.split():
            if group and bool(_HANGUL.search(word)) != bool(_HANGUL.search(group[-1])):
                names.append(" ".join(group))
                group = []
            group.append(word)
        names += [" ".join(group)] if group else []
    for note in _BRACKETED.findall(value):
        words = re.findall("[가-힣]+", note)
        names += [w for w in words if 3 <= len(w) <= 4 and (is_surname(w[:1]) or is_surname(w[:2]))]
    return names


@sensitive_variables()
def _spellings(name: str) -> list[tuple[str, int]]:
    """(spelling, minimum weight) of a name: whole, romanized, reordered, and its parts."""
    words = name.split()
    found = [(name, MIN_WHOLE)]
    if not _HANGUL.search(name):
        # A Latin name also in the other order (Young-hee Kim, Kim Young-hee) and by word.
        found += [(" ".join(words[1:] + words[:1]), MIN_WHOLE)]
        found += [(" ".join(words[-1:] + words[:-1]), MIN_WHOLE)]
        return found + [(word, MIN_PART) for word in words]
    compact = "".join(words)
    cut = 2 if len(compact) >= 3 and is_surname(compact[:2]) else 1
    found.append((compact[cut:], MIN_PART))  # the given name alone
    for spelling in dict.fromkeys([name, compact]):
        found += _romanized(spelling, MIN_WHOLE)
    if len(words) > 1:
        for word in words:
            found += [(word, MIN_PART), *_romanized(word, MIN_PART)]
    return found


@sensitive_variables()
def _romanized(hangul: str, minimum: int) -> list[tuple[str, int]]:
    found = []
    for forms in person_name_romanizations(hangul).values():
        for form in forms:
            surname, _, given = form.partition(" ")
            found += [(form, minimum), (f"{given} {surname}", minimum), (given, MIN_PART)]
    return found


@sensitive_variables()
def _find_words(words: list[str], needles: dict[str, str]) -> str | None:
    """The field of a needle that a run of whole words equals (or, for Hangul, is followed
    by particles within the run's last word), or None."""
    # A run stops growing as soon as it is no needle's beginning: a few steps per word.
    prefixes = {needle[:end] for needle in needles for end in range(1, len(needle))}
    for first in range(len(words)):
        joined = ""
        for word in words[first:]:
            start = len(joined)
            joined += word
            if joined in needles:
                return needles[joined]
            if _HANGUL.match(word):
                for cut in range(max(start + 1, len(joined) - _MAX_PARTICLES), len(joined)):
                    head = joined[:cut]
                    if head in needles and _are_particles(joined[cut:]):
                        return needles[head]
            if joined not in prefixes:
                break
    return None


@sensitive_variables()
def _are_particles(rest: str) -> bool:
    return rest in PARTICLES or any(
        rest[:cut] in PARTICLES and rest[cut:] in PARTICLES for cut in range(1, len(rest))
    )
