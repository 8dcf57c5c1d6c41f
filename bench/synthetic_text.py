"""Korean and English text for the synthetic documentation (bench/synthetic.py): the stories
events tell, what each act says and testimony summaries (templates in
synthetic_stories.yaml), dates as people write them, and the grammar that makes the Korean
read naturally (particles that agree with the word before them).

Everything here is fictional. The stories follow patterns that public documentation of the
DPRK describes (forced return from China, interrogation by state security, labour camps,
public executions), so that the data exercises the model as real files would; no sentence
describes a real person or a real incident.
"""

from __future__ import annotations

import datetime as dt
import string
from dataclasses import dataclass
from pathlib import Path
from random import Random

import yaml

# ----------------------------------------------------------------------------------------
# Korean particles: 은/는, 이/가, 을/를, 과/와, 으로/로 depend on the final sound of the word.

_PARTICLES = {
    "은": ("은", "는"),
    "는": ("은", "는"),
    "이": ("이", "가"),
    "가": ("이", "가"),
    "을": ("을", "를"),
    "를": ("을", "를"),
    "과": ("과", "와"),
    "와": ("과", "와"),
    "으로": ("으로", "로"),
    "로": ("으로", "로"),
    "이다": ("이다", "다"),
}
# Sino-Korean readings of digits: has a final consonant, and is that final ㄹ?
_DIGIT_FINALS = {
    "0": (True, False),
    "1": (True, True),
    "2": (False, False),
    "3": (True, False),
    "4": (False, False),
    "5": (False, False),
    "6": (True, False),
    "7": (True, True),
    "8": (True, True),
    "9": (False, False),
}


def _final_sound(word: str) -> tuple[bool, bool]:
    """(has a final consonant, the final is ㄹ) of the last sounded character of `word`,
    skipping a trailing parenthesis ("제15호 관리소 (요덕)" ends in 소)."""
    text = word.rstrip()
    if text.endswith(")") and "(" in text:
        text = text[: text.rindex("(")].rstrip()
    for char in reversed(text):
        if "가" <= char <= "힣":
            final = (ord(char) - 0xAC00) % 28
            return final != 0, final == 8
        if char in _DIGIT_FINALS:
            return _DIGIT_FINALS[char]
        if char.isalpha():
            return char.lower() in "lmnk", char.lower() == "l"
    return False, False


def josa(word: str, particle: str) -> str:
    """`word` with the form of `particle` that agrees with it: josa("리영철", "은") -> 리영철은."""
    with_final, without_final = _PARTICLES[particle]
    has_final, is_rieul = _final_sound(word)
    if particle in {"으로", "로"}:
        return word + (with_final if has_final and not is_rieul else without_final)
    return word + (with_final if has_final else without_final)


class _Korean(string.Formatter):
    """str.format where "{victim:은}" attaches the right particle."""

    def format_field(self, value: object, format_spec: str) -> str:
        if format_spec in _PARTICLES:
            return josa(str(value), format_spec)
        return super().format_field(value, format_spec)


_KOREAN = _Korean()


def fill(template: str, lang: str, values: dict[str, object]) -> str:
    if lang == "ko":
        return _KOREAN.format(template, **values)
    return template.format(**values)


# ----------------------------------------------------------------------------------------
# Dates as people write them.

_MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]


@dataclass(frozen=True)
class Moment:
    """A date with its precision: `raw` is what an importer reads (records/dates.py)."""

    start: dt.date
    precision: str  # day, month, year, approximate, range
    end_year: int = 0  # for a range

    @property
    def raw(self) -> str:
        d = self.start
        return {
            "day": d.isoformat(),
            "month": f"{d.year}-{d.month:02d}",
            "year": str(d.year),
            "approximate": f"~{d.year}",
            "range": f"{d.year}..{self.end_year}",
        }[self.precision]

    def phrase(self, lang: str, *, adverbial: bool = False) -> str:
        """ "2015년 3월" / "March 2015"; `adverbial` gives "in March 2015", "on 12 March 2015"."""
        d = self.start
        if lang == "ko":
            return {
                "day": f"{d.year}년 {d.month}월 {d.day}일",
                "month": f"{d.year}년 {d.month}월",
                "year": f"{d.year}년",
                "approximate": f"{d.year}년경",
                "range": f"{d.year}~{self.end_year}년 사이",
            }[self.precision]
        bare = {
            "day": f"{d.day} {_MONTHS[d.month - 1]} {d.year}",
            "month": f"{_MONTHS[d.month - 1]} {d.year}",
            "year": str(d.year),
            "approximate": f"around {d.year}" if adverbial else f"c. {d.year}",
            "range": f"between {d.year} and {self.end_year}"
            if adverbial
            else f"{d.year}–{self.end_year}",
        }[self.precision]
        if not adverbial or self.precision in {"approximate", "range"}:
            return bare
        return ("on " if self.precision == "day" else "in ") + bare


def random_moment(rng: Random, first_year: int, last_year: int) -> Moment:
    year = rng.randint(first_year, last_year)
    start = dt.date(year, rng.randint(1, 12), rng.randint(1, 28))
    precision = rng.choices(
        ("day", "month", "year", "approximate", "range"), weights=(30, 35, 18, 11, 6)
    )[0]
    if precision in {"month"}:
        start = start.replace(day=1)
    if precision in {"year", "approximate", "range"}:
        start = start.replace(month=1, day=1)
    end_year = min(year + rng.randint(1, 3), last_year + 3) if precision == "range" else 0
    return Moment(start, precision, end_year)


def later(rng: Random, moment: Moment, months: int) -> Moment:
    """A moment about `months` after `moment`, known a little less precisely."""
    start = moment.start
    total = start.year * 12 + start.month - 1 + months
    date = dt.date(total // 12, total % 12 + 1, 1)
    precision = rng.choices(("day", "month", "year", "approximate"), weights=(20, 45, 25, 10))[0]
    if precision == "day":
        date = date.replace(day=rng.randint(1, 28))
    elif precision != "month":
        date = date.replace(month=1)
    return Moment(date, precision)


# ----------------------------------------------------------------------------------------
# Stories (synthetic_stories.yaml). A scenario is a kind of event; its stages are the acts its
# victims suffer, in order.

STORIES = Path(__file__).resolve().parent / "synthetic_stories.yaml"


@dataclass(frozen=True)
class Stage:
    violations: tuple[str, ...]
    ko: str
    en: str
    facility: str = ""  # facility type where it happens; "" = the event's place
    status: str = "detained"  # the victim's status at the end of this act
    months: int = 0  # about how long after the event's date


@dataclass(frozen=True)
class Scenario:
    code: str
    weight: int
    setting: str  # border, county, or a facility type
    institution: str  # the institutions term of the responsible body
    titles_ko: tuple[str, ...]
    titles_en: tuple[str, ...]
    openings_ko: tuple[str, ...]
    openings_en: tuple[str, ...]
    details_ko: tuple[str, ...]
    details_en: tuple[str, ...]
    recap_ko: str  # one sentence for testimony summaries
    recap_en: str
    stages: tuple[Stage, ...]
    female_victims: bool = False


def _scenario(node: dict) -> Scenario:
    def both(key: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
        return tuple(node[key]["ko"]), tuple(node[key]["en"])

    stages = tuple(
        Stage(**{**stage, "violations": tuple(stage["violations"])}) for stage in node["stages"]
    )
    return Scenario(
        node["code"],
        node["weight"],
        node["setting"],
        node["institution"],
        *both("titles"),
        *both("openings"),
        *both("details"),
        node["recap"]["ko"],
        node["recap"]["en"],
        stages,
        node.get("female_victims", False),
    )


_DOCUMENT = yaml.safe_load(STORIES.read_text(encoding="utf-8"))
SCENARIOS: tuple[Scenario, ...] = tuple(_scenario(n) for n in _DOCUMENT["scenarios"])
_PHRASES = _DOCUMENT["phrases"]
CHARGES = tuple((c["ko"], c["en"]) for c in _PHRASES["charges"])
SITES = tuple((c["ko"], c["en"]) for c in _PHRASES["sites"])
# Closing sentences of event descriptions ("" = none): where the information comes from.
CLOSINGS_KO, CLOSINGS_EN = tuple(_PHRASES["closings"]["ko"]), tuple(_PHRASES["closings"]["en"])
# Testimony summaries: how the witness knows, and how the interview went.
INTROS_KO, INTROS_EN = tuple(_PHRASES["intros"]["ko"]), tuple(_PHRASES["intros"]["en"])
OUTROS_KO, OUTROS_EN = tuple(_PHRASES["outros"]["ko"]), tuple(_PHRASES["outros"]["en"])
