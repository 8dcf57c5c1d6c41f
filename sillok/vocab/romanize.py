"""Romanizations of Korean personal and place names, and the keys that match them.

A record must be findable as 김정철, "Kim Jeong-cheol" (Revised Romanization, RR),
"Kim Chŏng-ch'ŏl" (McCune–Reischauer, MR) and "Kim Jong Chol" (the DPRK's own spelling, as
in most English texts about the North). Syllables come from ko_pron; the name conventions
(surname spellings, hyphens, MR voicing, DPRK spellings) are ours.

Matching never compares romanizations directly: `name_key` folds case, diacritics and
punctuation, so "Chŏng-ch'ŏl", "Chong chol" and "CHONGCHOL" meet. A romanization that no
rule here produces (Park Chung-hee) still needs an alias on the record.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

import ko_pron

_HANGUL_RUN = re.compile("[가-힣]+")

# Split off with a hyphen, as RR does for administrative units. 로동자구 is the DPRK
# spelling of 노동자구 (workers' district).
_ADMIN_SUFFIXES = ("노동자구", "로동자구", "구역", "도", "시", "군", "리", "동", "읍")

# Entries (split at ';' and line ends): Hangul, RR and South Korean spellings | MR | DPRK
# and other spellings, each preferred first.
# A Hangul surname with initial ㄹ (리, 량, 류) is written the DPRK way, so Ri leads there.
_SURNAME_TABLE = """
김 Kim Gim | Kim |              ; 이 Lee Yi Rhee | Yi | Ri
리 Ri Lee Yi Rhee | Ri |        ; 박 Park Pak Bak | Pak |
최 Choi Choe | Ch'oe |          ; 정 Jung Jeong Chung | Chŏng | Jong
강 Kang Gang | Kang |           ; 조 Cho Jo | Cho |
윤 Yoon Yun | Yun |             ; 장 Jang Chang | Chang |
임 Lim Im | Im | Rim            ; 림 Rim Lim Im | Rim |
한 Han | Han |                  ; 오 Oh O | O |
서 Seo Suh | Sŏ |               ; 신 Shin Sin | Sin |
권 Kwon Gwon | Kwŏn |           ; 황 Hwang | Hwang |
안 Ahn An | An |                ; 송 Song | Song |
류 Ryu Yoo Yu | Ryu |           ; 유 Yoo Yu | Yu | Ryu
전 Jeon Jun Chun | Chŏn | Jon   ; 홍 Hong | Hong |
고 Ko Go | Ko |                 ; 문 Moon Mun | Mun |
양 Yang | Yang | Ryang          ; 량 Ryang Yang | Ryang |
손 Son Sohn | Son |             ; 배 Bae Pae | Pae |
백 Baek Paik Baik | Paek |      ; 허 Heo Hur Huh | Hŏ |
남 Nam | Nam |                  ; 노 Noh Roh No | No | Ro
로 Ro Roh Noh | Ro |            ; 하 Ha | Ha |
주 Joo Ju | Chu |               ; 심 Shim Sim | Sim |
곽 Kwak Gwak | Kwak |           ; 성 Sung Seong | Sŏng |
차 Cha | Ch'a |                 ; 구 Koo Gu Ku | Ku |
우 Woo U | U |                  ; 민 Min | Min |
진 Jin Chin | Chin |            ; 나 Na | Na | Ra
라 Ra Na | Ra |                 ; 지 Ji Chi | Chi |
엄 Eom Um | Ŏm |                ; 채 Chae | Ch'ae |
원 Won | Wŏn |                  ; 천 Cheon Chun | Ch'ŏn |
방 Bang Pang | Pang |           ; 공 Kong Gong | Kong |
현 Hyun Hyeon | Hyŏn |          ; 함 Ham | Ham |
변 Byun Byeon | Pyŏn |          ; 염 Yeom Yum | Yŏm | Ryom
렴 Ryeom Yeom | Ryŏm |          ; 여 Yeo Yoh | Yŏ | Ryo
려 Ryeo Yeo | Ryŏ |             ; 석 Seok Suk | Sŏk |
설 Seol Sul | Sŏl |             ; 길 Gil Kil | Kil |
연 Yeon Youn | Yŏn | Ryon       ; 표 Pyo | P'yo |
명 Myung Myeong | Myŏng |       ; 용 Yong | Yong | Ryong
룡 Ryong Yong | Ryong |         ; 육 Yook Yuk | Yuk | Ryuk
남궁 Namgung Namkoong | Namgung |; 황보 Hwangbo | Hwangbo |
제갈 Jegal | Chegal |            ; 선우 Sunwoo Seonu | Sŏnu |
독고 Dokgo | Tokko |             ; 사공 Sagong | Sagong |
서문 Seomun | Sŏmun |
"""


def _parse_surnames(table: str) -> dict[str, tuple[list[str], str, list[str]]]:
    surnames: dict[str, tuple[list[str], str, list[str]]] = {}
    for entry in table.replace("\n", ";").split(";"):
        if not entry.strip():
            continue
        head, mr, other = (part.strip() for part in entry.split("|"))
        hangul, *rr = head.split()
        surnames[hangul] = (rr, mr, other.split())
    return surnames


_SURNAMES = _parse_surnames(_SURNAME_TABLE)


def is_surname(hangul: str) -> bool:
    """Whether `hangul` (one or two syllables) is a Korean surname in the table above."""
    return hangul in _SURNAMES


_COMPOUND_SURNAMES = frozenset(s for s in _SURNAMES if len(s) == 2)


def romanize_rr(text: str) -> str:
    """Revised Romanization of the Hangul in `text`, e.g. 함경북도 → "Hamgyeongbuk-do".

    Each run of Hangul syllables is romanized on its own and capitalised; everything else
    (Latin, digits, punctuation, spacing, bare jamo) passes through unchanged. An
    administrative suffix (도 시 군 구역 리 동 읍 노동자구) is split off with a hyphen as
    RR prescribes, and the sound changes across that hyphen are not applied (청진시 →
    "Cheongjin-si")."""
    return _HANGUL_RUN.sub(lambda m: _capitalise(_romanize_word(m.group(), "rr")), text)


def romanize_mr(text: str) -> str:
    """McCune–Reischauer of the Hangul in `text`, e.g. 청진시 → "Ch'ŏngjin-si"; same rules as
    `romanize_rr`, except that a suffix after a voiced sound is voiced (평안남도 →
    "P'yŏngannam-do", but 함경북도 → "Hamgyŏngbuk-to")."""
    return _HANGUL_RUN.sub(lambda m: _capitalise(_romanize_word(m.group(), "mr")), text)


def person_name_romanizations(hangul: str) -> dict[str, list[str]]:
    """See `_person_name_romanizations`; a fresh dict each call (the cached one is shared)."""
    return {system: list(forms) for system, forms in _person_name_romanizations(hangul).items()}


# Imports of many persons repeat the same names: the romanizations are computed once.
@lru_cache(maxsize=65536)
def _person_name_romanizations(hangul: str) -> dict[str, tuple[str, ...]]:
    """Common romanizations of a Korean personal name, surname first.

    `hangul` is 2–4 Hangul syllables, optionally with a space after the surname. Without
    the space a known two-syllable surname wins (남궁민 is Namgung Min, not Nam Kung-min).
    Returns {"rr": [...], "mr": [...], "simple": [...]}, each deduplicated, preferred form
    first: "rr" has "Kim Jeong-cheol" and "Kim Jeongcheol" for every RR-style surname
    spelling; "mr" has "Kim Chŏng-ch'ŏl"; "simple" has the forms of English texts, without
    diacritics ("Kim Chong-chol", "Kim Jong Chol", "Kim Jung-chul", ...). Anything that is
    not such a name (Latin, mixed, too long, empty) gives three empty lists."""
    split = _split_name(hangul)
    if split is None:
        return {"rr": (), "mr": (), "simple": ()}
    surname, given = split
    rr_surnames, mr_surname, other_surnames = _surname_forms(surname)
    rr_given, mr_given, simple_given = _given_name_forms(given)
    simple_surnames = [_strip(mr_surname), *other_surnames, *rr_surnames]
    return {
        "rr": tuple(_unique(f"{s} {g}" for s in rr_surnames for g in rr_given)),
        "mr": tuple(_unique(f"{mr_surname} {g}" for g in mr_given)),
        "simple": tuple(_unique(f"{s} {g}" for s in simple_surnames for g in simple_given)),
    }


_NOT_ASCII_ALNUM = re.compile(r"[^a-z0-9]")


@lru_cache(maxsize=262144)
def name_key(text: str) -> str:
    """The matching key of a name: lower case, no diacritics, spaces or punctuation.

    name_key("Kim Chŏng-ch'ŏl") == name_key("kim chong chol") == "kimchongchol". Hangul
    syllables are kept whole (NFC): NFKD would split them into jamo that no query has."""
    if text.isascii():  # most romanizations: the fast path
        return _NOT_ASCII_ALNUM.sub("", text.lower())
    kept = []
    for char in unicodedata.normalize("NFC", text):
        if _HANGUL_RUN.match(char):
            kept.append(char)
        else:
            folded = unicodedata.normalize("NFKD", char).casefold()
            kept.extend(c for c in folded if c.isalnum())
    return "".join(kept)


def name_keys(hangul_or_latin: str) -> set[str]:
    """Every key under which a name should be found.

    Latin input gives its own key. Hangul input gives the key of the Hangul, of every
    personal-name romanization, and of `romanize_rr`/`romanize_mr` of the whole text: the
    same string may name a place (회령시 → "hoeryongsi") as well as a person."""
    key = name_key(hangul_or_latin)
    if not key:
        return set()
    keys = {key}
    if _HANGUL_RUN.search(hangul_or_latin):
        variants = person_name_romanizations(hangul_or_latin)
        names = [*variants["rr"], *variants["mr"], *variants["simple"]]
        names += [romanize_rr(hangul_or_latin), romanize_mr(hangul_or_latin)]
        keys |= {name_key(name) for name in names}
    keys.discard("")
    return keys


def _romanize_word(word: str, system: str) -> str:
    for suffix in _ADMIN_SUFFIXES:
        stem = word.removesuffix(suffix)
        # A one-syllable suffix needs a stem of two: 정도 and 기리 are words, not places.
        if stem != word and len(stem) >= (1 if len(suffix) > 1 else 2):
            head, tail = _syllables(stem, system), _syllables(suffix, system)
            if system == "mr":
                tail = _voice(head, tail)
            return f"{head}-{tail}"
    return _syllables(word, system)


@lru_cache(maxsize=8192)
def _syllables(hangul: str, system: str) -> str:
    # ko_pron marks ambiguous boundaries with a hyphen (pyeong-yang); RR makes that optional,
    # official spellings omit it (Pyeongyang), and hyphens here mean "administrative suffix".
    return ko_pron.romanise(hangul, system).replace("-", "")


def _split_name(text: str) -> tuple[str, str] | None:
    parts = text.split()
    if not 1 <= len(parts) <= 2 or not all(_HANGUL_RUN.fullmatch(p) for p in parts):
        return None
    if len(parts) == 2:
        surname, given = parts
    else:
        name = parts[0]
        cut = 2 if name[:2] in _COMPOUND_SURNAMES and len(name) >= 3 else 1
        surname, given = name[:cut], name[cut:]
    if len(surname) > 2 or not given or not 2 <= len(surname) + len(given) <= 4:
        return None
    return surname, given


def _surname_forms(surname: str) -> tuple[list[str], str, list[str]]:
    if surname in _SURNAMES:
        return _SURNAMES[surname]
    # Rare surnames: the plain romanization is the only convention there is.
    rr, mr = _syllables(surname, "rr"), _syllables(surname, "mr")
    return [_capitalise(rr)], _capitalise(mr), []


@lru_cache(maxsize=65536)  # given names repeat far more than whole names
def _given_name_forms(given: str) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """RR, MR and simple spellings of a given name, each syllable romanized on its own:
    name conventions ignore the assimilation between syllables (학민 is Hak-min)."""
    rr = [_syllables(s, "rr") for s in given]
    alone = [_syllables(s, "mr") for s in given]
    mr = alone[:1] + [_voice(prev, syl) for prev, syl in zip(alone, alone[1:], strict=False)]
    plain = [_strip(s) for s in mr]
    # DPRK spaced names use each syllable's initial form (Pak Pong Ju, not Pak Pong-ju).
    dprk = [_dprk(s, aspirate_h=False) for s in alone]
    dprk_h = [_dprk(s, aspirate_h=True) for s in alone]
    common = [_south_common(s) for s in rr]
    simple = [
        _hyphenated(plain),
        _spaced(plain),
        _spaced(dprk),
        _hyphenated(dprk),
        _spaced(dprk_h),
        _spaced(rr),
        _hyphenated(common),
        _spaced(common),
    ]
    return (_hyphenated(rr), _capitalise("".join(rr))), (_hyphenated(mr),), tuple(simple)


_VOICELESS_ONSET = re.compile(r"^(ch|k|t|p)(?![kptc'])")  # plain, not ch'/k'/kk/tch
_VOICED = {"ch": "j", "k": "g", "t": "d", "p": "b"}


def _voice(prev: str, syl: str) -> str:
    """MR voices a plain stop after a voiced sound (Kim Tae-jung, Yi Myŏng-bak). After l only
    k and p: Sino-Korean tensifies t and ch there (Ŭlchi Mundŏk)."""
    onset = _VOICELESS_ONSET.match(syl)
    if not onset or not prev:
        return syl
    if prev[-1] in "aeiouŏŭnmg" or (prev[-1] == "l" and onset.group(1) in ("k", "p")):
        return _VOICED[onset.group(1)] + syl[onset.end() :]
    return syl


def _dprk(syl: str, *, aspirate_h: bool) -> str:
    """The DPRK's spelling of one MR syllable: ㅈ is j (Kim Jong Un), ㅉ jj, and aspirates are
    ch/kh/th/ph (Jang Song Thaek), often printed without the h (Jang Song Taek)."""
    syl = re.sub(r"^tch", "jj", syl)
    syl = re.sub(r"^ch(?!')", "j", syl).replace("ch'", "ch")
    syl = re.sub(r"([ktp])'", r"\1h" if aspirate_h else r"\1", syl)
    return _strip(syl)


def _south_common(syl: str) -> str:
    # The usual South Korean passport spellings of RR's eo: Jung, Chul, Myung, but Young.
    return "young" if syl == "yeong" else syl.replace("yeo", "yu").replace("eo", "u")


def _strip(text: str) -> str:
    """Without diacritics and apostrophes: Ch'ŏng → Chong."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c) and c != "'")


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def _hyphenated(syllables: list[str]) -> str:
    return _capitalise("-".join(syllables))


def _spaced(syllables: list[str]) -> str:
    return " ".join(_capitalise(s) for s in syllables)


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))
