"""Result snippets: the part of a passage where the query's terms are densest, marked.

The text is analyzed like the index, so a highlight marks what matched: 고문 in 고문을, the
whole word "tortured" for the stem tortur. The caller passes only text the user may see
and the positive terms of the query; nothing else is looked at.
"""

from __future__ import annotations

import bisect
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from sillok.search.analysis import analyze

ELLIPSIS = "…"
_WORD = 32  # a candidate word reaches at most this far either side of a probe's hit
_SEPARATOR = ". "
_MAX_CANDIDATES = 64  # the earliest; a passage rarely has more, a snippet shows fewer


@dataclass
class Snippet:
    text: str
    highlights: list[tuple[int, int]] = field(default_factory=list)  # offsets into text

    def html(self) -> SafeString:
        """The text escaped, each highlight wrapped in <mark>."""
        parts, position = [], 0
        for start, end in self.highlights:
            parts.append(escape(self.text[position:start]))
            parts.append(f"<mark>{escape(self.text[start:end])}</mark>")
            position = end
        parts.append(escape(self.text[position:]))
        return mark_safe("".join(parts))  # noqa: S308 - every piece of text is escaped above

    def __str__(self) -> str:
        return self.text


def make_snippet(text: str, highlight_terms: Iterable[str], *, length: int = 240) -> Snippet:
    """About `length` characters of `text` around the window holding the most distinct
    highlight terms (the earliest such window), cut between words, with the terms marked."""
    text = text or ""
    wanted = frozenset(highlight_terms)
    matches = _find(text, wanted) if wanted else []
    start, end = _window(text, matches, length)
    prefix = ELLIPSIS if start > 0 else ""
    suffix = ELLIPSIS if end < len(text) else ""
    shift = len(prefix) - start
    spans = _merge((s, e) for s, e, _ in matches if s >= start and e <= end)
    return Snippet(prefix + text[start:end] + suffix, [(s + shift, e + shift) for s, e in spans])


def _find(text: str, wanted: frozenset[str]) -> list[tuple[int, int, str]]:
    """(start, end, term) of each occurrence of a wanted term, in order.

    Analysing a whole passage costs milliseconds, times twenty hits a page. Only the words
    that could hold a term are analysed: those containing the term itself or, for a stem
    whose ending may change, its beginning (당하 in 당했다; a Snowball stem less its last
    letter: happi in happy). Irregular Korean stems (걷 in 걸었다) are not found."""
    folded = _fold(text)
    if folded is None:  # folding changed the length: offsets would not line up
        return [(t.start, t.end, t.text) for t in analyze(text) if t.text in wanted]
    spans: set[tuple[int, int]] = set()
    for term in wanted:
        for probe in _probes(term):
            position = folded.find(probe)
            while position >= 0:
                spans.add(_word_around(text, position))
                position = folded.find(probe, position + 1)
    # The candidate words as sentences of one analysis: one Kiwi call, not one per word,
    # and ". " (Kiwi reads word lists cut by newlines several times slower).
    origins, joined, cursor = [], [], 0
    for start, end in sorted(spans)[:_MAX_CANDIDATES]:
        origins.append((cursor, start))
        joined.append(text[start:end])
        cursor += end - start + len(_SEPARATOR)
    found = []
    for term in analyze(_SEPARATOR.join(joined)):
        if term.text in wanted:
            line_start, start = origins[bisect.bisect_right(origins, (term.start, len(text))) - 1]
            shift = start - line_start
            found.append((term.start + shift, term.end + shift, term.text))
    return sorted(set(found))


def _probes(term: str) -> tuple[str, ...]:
    if term.isascii():
        return (term[: max(1, min(len(term) - 1, 6))],)
    if len(term) >= 2 and term[-1] in "하되":  # 당하 → 당했다, 아니되 → 아니돼
        return (term[:-1],)
    return (term,)


_LATIN_FOLD = {
    cp: unicodedata.normalize("NFKD", chr(cp))[0]
    for cp in range(0xC0, 0x250)
    if len(unicodedata.normalize("NFKD", chr(cp))) > 1
}
_FOLD = _LATIN_FOLD | {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}


def _fold(text: str) -> str | None:
    """`text` lower-cased, full-width and accented Latin letters made plain, or None when
    that would change its length or the text is not NFC."""
    if not unicodedata.is_normalized("NFC", text):  # probes are NFC
        return None
    folded = text.translate(_FOLD).lower()
    return folded if len(folded) == len(text) else None


def _word_around(text: str, position: int) -> tuple[int, int]:
    """The span of the space-delimited word at `position`, at most _WORD characters either
    side (Korean or Chinese text may run long without a space)."""
    low = max(0, position - _WORD)
    start = max(text.rfind(" ", low, position), text.rfind("\n", low, position)) + 1
    start = max(start, low)
    high = min(len(text), position + _WORD)
    ends = [i for i in (text.find(" ", position, high), text.find("\n", position, high)) if i >= 0]
    return start, min(ends) if ends else high


def _window(text: str, matches: list[tuple[int, int, str]], length: int) -> tuple[int, int]:
    if len(text) <= length:
        return 0, len(text)
    best, best_count = 0, 0  # index into matches of the first match of the best window
    for first in range(len(matches)):
        limit = matches[first][0] + length
        distinct = set()
        for _s, e, term in matches[first:]:
            if e > limit:
                break
            distinct.add(term)
        if len(distinct) > best_count:
            best, best_count = first, len(distinct)
    if not matches:
        return 0, _cut_end(text, 0, length)
    covered_start = matches[best][0]
    covered_end = max(e for s, e, _ in matches[best:] if e <= covered_start + length)
    # Centre the matched stretch, with some text before it for context.
    start = max(0, covered_start - (length - (covered_end - covered_start)) // 2)
    start = min(start, max(0, len(text) - length))
    start = _cut_start(text, start, covered_start)
    return start, _cut_end(text, start, length, keep=covered_end)


def _cut_start(text: str, start: int, keep: int) -> int:
    """Move `start` forward past a partial word, but not beyond `keep`."""
    if start == 0 or text[start - 1].isspace():
        return start
    space = text.find(" ", start, keep)
    return space + 1 if space >= 0 else start


def _cut_end(text: str, start: int, length: int, keep: int = 0) -> int:
    """The end of a window of at most `length` from `start`, moved back to a space, but not
    before `keep`."""
    end = min(len(text), start + length)
    if end == len(text) or text[end].isspace():
        return end
    space = text.rfind(" ", max(start, keep), end)
    return space if space > start else end


def _merge(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged
