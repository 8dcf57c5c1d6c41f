"""The one text analyzer behind both full-text backends: text in, index terms out.

Korean goes through Kiwi (morphological analysis), so 고문, 고문을, 고문당했다 and 고문을
당했다 all give the term 고문: content morphemes are kept (nouns, numerals, roots, Hanja,
verb and adjective stems as their dictionary stem), particles, endings, suffixes, pronouns
and bound nouns are dropped. Latin and other non-Korean words are cut on anything that is
not a letter or digit, folded to lower case without diacritics and, when English-looking,
Snowball-stemmed (tortured, torture, torturing → tortur); a short list of English stopwords
is dropped.

Every term consists only of letters and digits in lower case, so SQLite's unicode61
tokenizer keeps it as exactly one token and a PostgreSQL tsvector literal needs no
configuration: both backends index identical terms. Offsets refer to the text as given.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import Stemmer

from sillok.vocab.romanize import name_keys

# Longer terms are cut: a base64 blob or a run-together line should not yield a 2 KB term
# (PostgreSQL rejects lexemes over 2047 bytes). Queries are cut the same way.
MAX_TERM_LENGTH = 64
# Kiwi's work grows with the input; long texts are cut into pieces near this size, at a
# line, sentence or word boundary, so no word is split.
_CHUNK = 2000

# Kiwi tags (without the -I/-R irregular-inflection suffix) whose morphemes are index terms.
# Dropped on purpose: NNB bound nouns (것, 수, 년) and NP pronouns (그, 우리) match nearly every
# text; VX/VCP/VCN auxiliaries and the copula; XSV/XSA/XSN suffixes (하, 되, 당하 as a suffix, 들).
_KEEP_TAGS = frozenset({"NNG", "NNP", "NR", "XR", "SH", "VV", "VA"})

_HANGUL_OR_HAN = "\u1100-\u11ff\u3130-\u318f\ua960-\ua97f\uac00-\ud7a3\ud7b0-\ud7ff" + (
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
)
_NEEDS_KIWI = re.compile(f"[{_HANGUL_OR_HAN}]")
# A word Kiwi does not handle: letters or digits of any other script. An apostrophe inside a
# word joins (Ch'ŏl, don't); a hyphen or anything else separates.
_OTHER_WORD = re.compile(f"[^\\W_{_HANGUL_OR_HAN}]+(?:['\u2019\u02bc][^\\W_{_HANGUL_OR_HAN}]+)*")
_APOSTROPHES = re.compile("['\u2019\u02bc]")
_ENGLISH = re.compile("[a-z]+")

# Words too common in English text to be worth a term; Korean needs no list, Kiwi's tags drop
# particles and endings.
_STOPWORDS = """a an and are as at be been but by for from had has have he her his i if in into
is it its of on or our she that the their them then there these they this those to was we
were which who will with you"""
ENGLISH_STOPWORDS = frozenset(_STOPWORDS.split())

# Full-width ASCII (ＡＢＣ１２３) and the ideographic space become their ASCII forms. Only
# these: NFKC would also turn compatibility jamo and circled numbers into other letters.
_FULL_WIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}


@dataclass(frozen=True)
class Term:
    """One index term and the span of the original text it came from."""

    text: str
    start: int
    end: int


_kiwi: Any = None
_kiwi_lock = threading.Lock()
_load_lock = threading.Lock()
_stemmer_local = threading.local()


def _get_kiwi() -> Any:
    """The process's Kiwi, loaded on first use (about a second and 100 MB)."""
    global _kiwi
    with _load_lock:
        if _kiwi is None:
            from kiwipiepy import Kiwi

            # -1: a worker per core for batch analysis. The typo and multi-word dictionaries
            # are left out: they triple the load time (paid by every `sillok` command that
            # indexes) and change nothing for the terms kept here in the texts tested.
            _kiwi = Kiwi(num_workers=-1, load_typo_dict=False, load_multi_dict=False)
        return _kiwi


def _stem(word: str) -> str:
    # Stemmer objects are not thread-safe; one per thread.
    stemmer = getattr(_stemmer_local, "stemmer", None)
    if stemmer is None:
        stemmer = _stemmer_local.stemmer = Stemmer.Stemmer("english")
    return stemmer.stemWord(word)


def analyze(text: str) -> list[Term]:
    """The index terms of `text` in order; a term's list index is its position."""
    return analyze_many([text])[0]


def terms(text: str) -> list[str]:
    return [term.text for term in analyze(text)]


def analyze_many(texts: Sequence[str]) -> list[list[Term]]:
    """`analyze` for many texts at once: Kiwi analyses them in parallel batches."""
    prepared = [_normalize(text or "") for text in texts]
    pieces = [
        (index, offset, piece)
        for index, (norm, _) in enumerate(prepared)
        if _NEEDS_KIWI.search(norm)
        for offset, piece in _chunks(norm)
    ]
    kiwi_terms: list[list[Term]] = [[] for _ in texts]
    if pieces:
        kiwi = _get_kiwi()
        # match_options=0: no URL/e-mail/hashtag/serial spans, which would swallow Korean
        # words (#고문); Latin parts are taken by _other_terms anyway.
        with _kiwi_lock:  # one analysis at a time; the batch itself runs in parallel
            if len(pieces) == 1:  # the batch machinery costs more than one short text
                results = [kiwi.tokenize(pieces[0][2], match_options=0)]
            else:
                results = list(kiwi.tokenize([p for _, _, p in pieces], match_options=0))
        for (index, offset, _), tokens in zip(pieces, results, strict=True):
            kiwi_terms[index].extend(_korean_terms(tokens, offset))
    analyzed = []
    for (norm, positions), korean in zip(prepared, kiwi_terms, strict=True):
        found = sorted([*korean, *_other_terms(norm)], key=lambda t: t.start)
        if positions is not None:
            found = [Term(t.text, positions[t.start], positions[t.end]) for t in found]
        analyzed.append(found)
    return analyzed


def name_terms(names: Iterable[str]) -> list[str]:
    """Terms for the `names` column: each name's matching keys (김정철 gives 김정철,
    kimjeongcheol, kimchongchol, kimjongchol, ...; see vocab.romanize.name_keys) and its
    analyzed terms, each term once."""
    found: dict[str, None] = {}
    for name in names:
        found.update(dict.fromkeys(_name_terms(name or "")))
    return list(found)


# A reindex meets the same person or place names on many records: analyse each once.
@lru_cache(maxsize=65536)
def _name_terms(name: str) -> tuple[str, ...]:
    name = _normalize(name)[0].strip()
    if not name:
        return ()
    keys = [part for key in sorted(name_keys(name)) for part in safe_parts(key)]
    return tuple(dict.fromkeys([*keys, *terms(name)]))


def is_proper_noun(word: str) -> bool:
    """Whether Kiwi reads `word` alone as one proper noun (박철수, 평양)."""
    if not _NEEDS_KIWI.search(word):
        return False
    with _kiwi_lock:
        tokens = _get_kiwi().tokenize(word.strip(), match_options=0)
    return len(tokens) == 1 and tokens[0].tag == "NNP" and tokens[0].len == len(word.strip())


def safe_parts(text: str) -> list[str]:
    """`text` lower-cased and cut into pieces unicode61 keeps whole (letters, digits)."""
    return [
        part[:MAX_TERM_LENGTH]
        for part in re.split(r"[\W_]+", text.lower())
        if part and all(unicodedata.category(c)[0] in "LN" for c in part)
    ]


def _korean_terms(tokens: Iterable[Any], offset: int) -> Iterator[Term]:
    for token in tokens:
        tag = token.tag.split("-", 1)[0]
        if tag not in _KEEP_TAGS or _OTHER_WORD.search(token.form):
            continue
        form = unicodedata.normalize("NFC", token.form).lower()
        if all(unicodedata.category(c)[0] in "LN" for c in form):
            start = offset + token.start
            yield Term(form[:MAX_TERM_LENGTH], start, start + token.len)


def _other_terms(text: str) -> Iterator[Term]:
    for match in _OTHER_WORD.finditer(text):
        word = _APOSTROPHES.sub("", match.group()).lower()
        if not word.isascii():
            folded = unicodedata.normalize("NFKD", word)
            folded = "".join(c for c in folded if not unicodedata.combining(c))
            word = unicodedata.normalize("NFC", folded)
        if word in ENGLISH_STOPWORDS:
            continue
        if _ENGLISH.fullmatch(word):
            word = _stem(word)
        for part in safe_parts(word):
            yield Term(part, match.start(), match.end())


def _chunks(text: str) -> Iterator[tuple[int, str]]:
    """Pieces of at most about _CHUNK characters with their offsets, cut between words."""
    start = 0
    while len(text) - start > _CHUNK:
        window = text[start : start + _CHUNK]
        cut = _CHUNK  # no space at all in the second half: cut anyway
        for separator in ("\n", ". ", " "):  # best first: Kiwi reads whole sentences best
            found = window.rfind(separator)
            if found > _CHUNK // 2:
                cut = found + len(separator)
                break
        end = start + cut
        yield start, text[start:end]
        start = end
    if start < len(text):
        yield start, text[start:]


def _normalize(text: str) -> tuple[str, list[int] | None]:
    """NFC text (full-width ASCII folded) and, when that changed its length, the original
    offset of every normalized character (plus one for the end); None means identical."""
    text = text.translate(_FULL_WIDTH)
    if unicodedata.is_normalized("NFC", text):
        return text, None
    # Normalize segment by segment (a segment is a starter and the marks or conjoining
    # jamo that compose with it) so each output character knows where it came from.
    parts: list[str] = []
    positions: list[int] = []
    for start, segment in _segments(text):
        normalized = unicodedata.normalize("NFC", segment)
        parts.append(normalized)
        positions.extend([start] * len(normalized))
    positions.append(len(text))
    return "".join(parts), positions


def _segments(text: str) -> Iterator[tuple[int, str]]:
    start = 0
    for index in range(1, len(text)):
        char = text[index]
        joins = (
            unicodedata.combining(char)
            or "\u1160" <= char <= "\u11ff"
            or ("\ud7b0" <= char <= "\ud7ff")
        )
        if not joins:
            yield start, text[start:index]
            start = index
    if text:
        yield start, text[start:]
