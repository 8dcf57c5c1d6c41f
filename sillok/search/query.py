"""The search box language, parsed into a small tree and compiled for either backend.

    고문 회령                     both words (implicit AND)
    고문 OR 구타, torture | beating   either
    torture -beating, 고문 NOT 구타   the first without the second
    (고문 OR 구타) 보위부             grouping
    "고문을 당했다"                  a phrase: the analyzed terms next to each other
    type:act place:회령 place:"Hoeryong county" date:2015..2019 status:reviewed
    violation:torture               filters, returned apart from the expression

Every word goes through the index analyzer, so a query matches what indexing produced:
고문당했다 becomes 고문 AND 당하 (AND rather than a phrase: Kiwi may split a word differently
in a sentence than alone), a particle or stopword alone is dropped. Runs of two to four
plain words (Kim Jong Chol) and single Hangul words of two to four syllables (김정철) also
match the romanization keys in the `names` column, so every spelling of a name meets.

The compiled strings quote every term, so no input can produce a syntax error in FTS5 or
PostgreSQL; malformed input (unclosed quote or parenthesis, a bad filter) raises
QueryError with a message meant for the user.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterator
from dataclasses import dataclass

from django.utils.translation import gettext as _

from sillok.search.analysis import analyze, is_proper_noun, safe_parts
from sillok.vocab.romanize import is_surname, name_key, name_keys, person_name_romanizations

FIELDS = ("type", "place", "date", "status", "violation")
_MAX_NAME_RUN = 4
_MAX_NAME_WORDS = 12  # beyond this many words in a row, no name keys (query size)
# Each word is analyzed on its own (about a millisecond) and each "(" is a level of recursion:
# a pasted page or "((((…" must not cost seconds or crash the parser.
MAX_QUERY_LENGTH = 1000
_MAX_DEPTH = 20

_LATIN_NAME_WORD = re.compile(r"[A-Za-z\u00c0-\u024f'\u2019\u02bc-]+")
_HANGUL_WORD = re.compile("[가-힣]+")
_FIELD = re.compile(r"([A-Za-z]+):(.*)", re.DOTALL)
_DATE = r"\d{4}(?:-\d{1,2}(?:-\d{1,2})?)?"
_DATE_RANGE = re.compile(f"({_DATE})?(?:(\\.\\.)({_DATE})?)?")


class QueryError(ValueError):
    """A query the user must correct; the message says how."""


@dataclass
class FieldFilter:
    field: str
    value: str


# The expression tree. Terms are analyzer output, so they contain only letters and digits.
@dataclass(frozen=True)
class TermQuery:
    term: str


@dataclass(frozen=True)
class PhraseQuery:
    terms: tuple[str, ...]


@dataclass(frozen=True)
class NameQuery:
    """A romanization key, matched in the `names` column only."""

    key: str


@dataclass(frozen=True)
class AndQuery:
    children: tuple[object, ...]


@dataclass(frozen=True)
class OrQuery:
    children: tuple[object, ...]


@dataclass(frozen=True)
class NotQuery:
    child: object


@dataclass
class ParsedQuery:
    expression: object | None
    filters: list[FieldFilter]
    highlight_terms: frozenset[str]
    text: str  # the positive words and phrases as typed, without filters (semantic search)


def parse_query(text: str) -> ParsedQuery:
    if len(text or "") > MAX_QUERY_LENGTH:
        raise QueryError(
            _("The search is too long: use at most %(n)d characters.") % {"n": MAX_QUERY_LENGTH}
        )
    filters: list[FieldFilter] = []
    tokens = list(_lex(text or "", filters))
    parser = _Parser(tokens)
    expression = parser.parse()
    if expression is not None:
        expression = _check_negation(expression)
    return ParsedQuery(
        expression=expression,
        filters=filters,
        highlight_terms=frozenset(_positive_terms(expression)),
        text=" ".join(parser.words),
    )


# --- lexing -------------------------------------------------------------------------------


@dataclass
class _Token:
    kind: str  # word, phrase, or, and, not, open, close
    text: str = ""
    negated: bool = False


def _lex(text: str, filters: list[FieldFilter]) -> Iterator[_Token]:
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if char.isspace():
            i += 1
            continue
        negated = char == "-" and i + 1 < n and not text[i + 1].isspace()
        if negated:
            i += 1
            char = text[i]
        if char in "()|":
            if char == "|" and negated:
                raise QueryError(_("“-” must stand right before a word, phrase or group."))
            i += 1
            yield _Token({"(": "open", ")": "close", "|": "or"}[char], negated=negated)
        elif char == '"':
            content, i = _quoted(text, i)
            yield _Token("phrase", content, negated)
        else:
            start = i
            while i < n and not text[i].isspace() and text[i] not in '()|"':
                i += 1
            word = text[start:i]
            filter_match = _FIELD.fullmatch(word)
            if filter_match and not filter_match.group(2).startswith("/"):
                value = filter_match.group(2)
                if not value and i < n and text[i] == '"':
                    value, i = _quoted(text, i)
                if negated:
                    raise QueryError(_("A filter cannot be negated: %(word)s") % {"word": word})
                filters.append(_make_filter(filter_match.group(1), value))
            elif word in ("OR", "AND", "NOT") and not negated:
                yield _Token(word.lower())
            else:
                yield _Token("word", word, negated)


def _quoted(text: str, i: int) -> tuple[str, int]:
    end = text.find('"', i + 1)
    if end < 0:
        raise QueryError(_('A quote is not closed: add the closing “"”.'))
    return text[i + 1 : end], end + 1


def _make_filter(name: str, value: str) -> FieldFilter:
    name = name.lower()
    if name not in FIELDS:
        raise QueryError(
            _("Unknown filter “%(name)s:”; use one of: %(fields)s.")
            % {"name": name, "fields": ", ".join(f"{f}:" for f in FIELDS)}
        )
    value = value.strip()
    if not value:
        raise QueryError(_("The filter %(name)s: needs a value.") % {"name": name})
    if name == "type":
        value = _kind_value(value)
    elif name == "date":
        _check_date_range(value)
    elif name == "status":
        value = _status_value(value)
    return FieldFilter(name, value)


def _kind_value(value: str) -> str:
    from sillok.records.kinds import KINDS

    names = {kind.name: kind.name for kind in KINDS} | {kind.plural: kind.name for kind in KINDS}
    names |= {"item": "item", "items": "item"}
    kind = names.get(value.lower())
    if kind is None:
        allowed = ", ".join(["item", *(k.name for k in KINDS)])
        raise QueryError(
            _("Unknown type “%(value)s”; use one of: %(allowed)s.")
            % {"value": value, "allowed": allowed}
        )
    return kind


def _status_value(value: str) -> str:
    from sillok.records.models import ReviewStatus

    status = value.lower().replace("-", "_")
    if status not in ReviewStatus.values:
        raise QueryError(
            _("Unknown status “%(value)s”; use one of: %(allowed)s.")
            % {"value": value, "allowed": ", ".join(ReviewStatus.values)}
        )
    return status


def _check_date_range(value: str) -> None:
    match = _DATE_RANGE.fullmatch(value)
    if not match or value == ".." or not (match.group(1) or match.group(3)):
        raise QueryError(
            _("Cannot read the date “%(value)s”; write e.g. date:2015, date:2015-03, ")
            % {"value": value}
            + _("date:2015..2019, date:..2019 or date:2015-03..2016.")
        )
    low, high = match.group(1), match.group(3)
    bounds = [_first_day(low) if low else None, _first_day(high) if high else None]
    if all(bounds) and bounds[0] > bounds[1]:  # type: ignore[operator]
        raise QueryError(_("The date range %(value)s ends before it starts.") % {"value": value})


def _first_day(text: str) -> datetime.date:
    parts = [int(p) for p in text.split("-")] + [1, 1]
    try:
        return datetime.date(parts[0], parts[1], parts[2])
    except ValueError:
        raise QueryError(_("“%(value)s” is not a valid date.") % {"value": text}) from None


# --- parsing ------------------------------------------------------------------------------


class _Parser:
    """Recursive descent: or := and (OR and)*; and := unary+; unary := NOT unary | primary."""

    def __init__(self, tokens: list[_Token]) -> None:
        self.tokens = tokens
        self.index = 0
        self.negation_depth = 0
        self.depth = 0
        self.words: list[str] = []  # positive words and phrases, for semantic search

    def parse(self) -> object | None:
        expression = self._or()
        if self._peek() is not None:  # only a stray ')' stops _or early
            raise QueryError(_("A “)” has no matching “(”."))
        return expression

    def _peek(self) -> _Token | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def _or(self) -> object | None:
        sides = [self._and()]
        while (token := self._peek()) is not None and token.kind == "or":
            self.index += 1
            sides.append(self._and())
        if len(sides) > 1 and (sides[0] is _EMPTY or sides[-1] is _EMPTY):
            raise QueryError(_("OR needs something to search for on each side."))
        return _combine(OrQuery, [s for s in sides if s is not _EMPTY and s is not None])

    def _and(self) -> object | None:
        items: list[tuple[object | None, str | None]] = []  # (node, plain word or None)
        seen_any = False
        while (token := self._peek()) is not None and token.kind not in ("or", "close"):
            if token.kind == "and":
                self.index += 1
                if not seen_any or (nxt := self._peek()) is None or nxt.kind in ("or", "close"):
                    raise QueryError(_("AND needs something to search for on each side."))
                continue
            seen_any = True
            items.append(self._unary())
        if not seen_any:
            return _EMPTY
        return _combine(AndQuery, _with_name_keys(items))

    def _unary(self) -> tuple[object | None, str | None]:
        token = self.tokens[self.index]
        if token.kind == "not":
            self.index += 1
            nxt = self._peek()
            if nxt is None or nxt.kind in ("or", "and", "close"):
                raise QueryError(_("NOT needs a word after it."))
            node = self._negated(lambda: self._unary()[0])
            return (NotQuery(node) if node is not None else None), None
        if token.negated:
            node = self._negated(self._primary)
            return (NotQuery(node) if node is not None else None), None
        node = self._primary()
        return node, (token.text if token.kind == "word" else None)

    def _negated(self, parse: object) -> object | None:
        self.negation_depth += 1
        try:
            return parse()  # type: ignore[operator]
        finally:
            self.negation_depth -= 1

    def _primary(self) -> object | None:
        token = self.tokens[self.index]
        self.index += 1
        if token.kind == "open":
            self.depth += 1
            if self.depth > _MAX_DEPTH:
                raise QueryError(_("Too many nested parentheses."))
            inner = self._or()
            self.depth -= 1
            close = self._peek()
            if close is None or close.kind != "close":
                raise QueryError(_("A “(” is not closed: add the closing “)”."))
            self.index += 1
            return None if inner is _EMPTY else inner
        if token.kind == "close":
            raise QueryError(_("A “)” has no matching “(”."))
        if self.negation_depth == 0 and token.text.strip():
            self.words.append(f'"{token.text}"' if token.kind == "phrase" else token.text)
        if token.kind == "phrase":
            found = [t.text for t in analyze(token.text)]
            if len(found) > 1:
                return PhraseQuery(tuple(found))
            return TermQuery(found[0]) if found else None
        return _word_query(token.text)


_EMPTY = object()  # an AND group with nothing in it, e.g. "OR" at either end


def _word_query(word: str) -> object | None:
    """A word's terms, all required. A Hangul word that Kiwi splits into nouns alone but may
    keep whole in a sentence (김정철 → 김정 철, yet 김정철은 → 김정철) also matches whole."""
    found = analyze(word)
    if not found:
        return None
    if len(found) == 1:
        return TermQuery(found[0].text)
    node = AndQuery(tuple(TermQuery(t.text) for t in found))
    whole = "".join(t.text for t in found)
    spans_adjacent = all(a.end == b.start for a, b in zip(found, found[1:], strict=False))
    if spans_adjacent and _HANGUL_WORD.fullmatch(whole) and word.find(whole) >= 0:
        return OrQuery((node, TermQuery(whole)))
    return node


def _with_name_keys(items: list[tuple[object | None, str | None]]) -> list[object]:
    """Each plain word, OR the name keys of every 2–4-word run that contains it (and of a
    lone Hangul name), so "Kim Jong Chol" finds 김정철 through the `names` column."""
    keys: list[list[str]] = [[] for _ in items]
    words = [word for _, word in items]
    for start in range(len(items)):
        if words[start] is not None and _HANGUL_WORD.fullmatch(words[start] or ""):
            keys[start] += _hangul_name_keys(words[start] or "")
        for length in range(2, _MAX_NAME_RUN + 1):
            run = words[start : start + length]
            if len(run) < length or any(w is None for w in run) or len(words) > _MAX_NAME_WORDS:
                continue
            for position in range(start, start + length):
                keys[position] += _run_keys(run)  # type: ignore[arg-type]
    nodes: list[object] = []
    for (node, _word), word_keys in zip(items, keys, strict=True):
        if node is None:
            continue
        unique = list(dict.fromkeys(word_keys))
        if unique:
            node = OrQuery((node, *(NameQuery(k) for k in unique)))
        nodes.append(node)
    return nodes


def _hangul_name_keys(word: str) -> list[str]:
    if not _looks_like_name(word):
        return []
    return [part for key in sorted(name_keys(word)) for part in safe_parts(key)]


def _looks_like_name(word: str) -> bool:
    """A person's name as usually written (three syllables led by a surname, or a spaced
    surname and given name) or any word Kiwi knows as a proper noun (김철, 평양). Not every
    word: each name adds about ten keys to the query."""
    if not person_name_romanizations(word)["rr"]:  # not 2–4 syllables of a name
        return False
    compact = word.replace(" ", "")
    if " " in word or (len(compact) == 3 and is_surname(compact[0])):
        return True
    return is_surname(compact[:2]) or is_proper_noun(compact)


def _run_keys(run: list[str]) -> list[str]:
    if all(_LATIN_NAME_WORD.fullmatch(w) for w in run):
        key = name_key(" ".join(run))
        return safe_parts(key)[:1] if len(key) >= 4 else []
    if all(_HANGUL_WORD.fullmatch(w) for w in run):
        return _hangul_name_keys(" ".join(run))
    return []


def _combine(kind: type, nodes: list[object | None]) -> object | None:
    children: list[object] = []
    for node in nodes:
        if node is None or node is _EMPTY:
            continue
        # Flatten (a AND (b AND c)) so that NOT can sit beside the terms it excludes from.
        children.extend(node.children if isinstance(node, kind) else [node])  # type: ignore[attr-defined]
    if not children:
        return None
    return children[0] if len(children) == 1 else kind(tuple(children))


def _check_negation(node: object) -> object:
    """NOT only excludes from something: alone, or as one side of an OR, it cannot be
    answered by an index (and FTS5 has no unary NOT)."""
    if isinstance(node, NotQuery):
        raise QueryError(_("Add a word to search for: NOT and “-” only exclude words."))
    if isinstance(node, OrQuery):
        if any(isinstance(child, NotQuery) for child in node.children):
            raise QueryError(_("NOT cannot be one side of OR; use it beside other words."))
        return OrQuery(tuple(_check_negation(c) for c in node.children))
    if isinstance(node, AndQuery):
        positive = [c for c in node.children if not isinstance(c, NotQuery)]
        if not positive:
            raise QueryError(_("Add a word to search for: NOT and “-” only exclude words."))
        for child in node.children:
            inner = child.child if isinstance(child, NotQuery) else child
            if isinstance(inner, NotQuery):
                raise QueryError(_("NOT cannot follow NOT."))
            if isinstance(inner, AndQuery | OrQuery):
                _check_negation(inner)
    return node


def _positive_terms(node: object | None) -> Iterator[str]:
    if isinstance(node, TermQuery):
        yield node.term
    elif isinstance(node, PhraseQuery):
        yield from node.terms
    elif isinstance(node, AndQuery | OrQuery):
        for child in node.children:
            yield from _positive_terms(child)


# --- compiling ----------------------------------------------------------------------------


def to_fts5(expression: object) -> str:
    """An FTS5 MATCH string over the columns title, names and body."""
    if isinstance(expression, TermQuery):
        return _fts5_string(expression.term)
    if isinstance(expression, PhraseQuery):
        return _fts5_string(" ".join(expression.terms))
    if isinstance(expression, NameQuery):
        return f"names : {_fts5_string(expression.key)}"
    if isinstance(expression, OrQuery):
        return "(" + " OR ".join(to_fts5(c) for c in expression.children) + ")"
    if isinstance(expression, AndQuery):
        positive = [c for c in expression.children if not isinstance(c, NotQuery)]
        negative = [c.child for c in expression.children if isinstance(c, NotQuery)]
        result = "(" + " AND ".join(to_fts5(c) for c in positive) + ")"
        for child in negative:  # FTS5's NOT is binary: a NOT b
            result = f"({result} NOT {to_fts5(child)})"
        return result
    raise QueryError(_("Add a word to search for: NOT and “-” only exclude words."))


def to_tsquery(expression: object) -> str:
    """A PostgreSQL tsquery literal (cast with ::tsquery; no text search configuration)."""
    if isinstance(expression, TermQuery):
        return _tsquery_string(expression.term)
    if isinstance(expression, PhraseQuery):
        return "(" + " <-> ".join(_tsquery_string(t) for t in expression.terms) + ")"
    if isinstance(expression, NameQuery):
        return _tsquery_string(expression.key) + ":B"  # weight B is the names column
    if isinstance(expression, OrQuery):
        return "(" + " | ".join(to_tsquery(c) for c in expression.children) + ")"
    if isinstance(expression, AndQuery):
        return "(" + " & ".join(to_tsquery(c) for c in expression.children) + ")"
    if isinstance(expression, NotQuery):
        return "!" + to_tsquery(expression.child)
    raise QueryError(_("Add a word to search for: NOT and “-” only exclude words."))


def _fts5_string(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _tsquery_string(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "''") + "'"
