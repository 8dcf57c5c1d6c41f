"""Fictional North Korean persons for the synthetic documentation: Hangul names drawn by the
real frequency of surnames (in their DPRK spelling: 리, 림, 류, 량, 로, 라), given names from
common syllables, the variants documentation meets (South Korean spelling, a name used in
China), sex, birth year, role and status.

Names are random combinations, so a common name may exist; names of public figures are
never produced (BLOCKED), so no victim carries a known person's name.
"""

from __future__ import annotations

from random import Random
from typing import Any

# Surname (DPRK spelling), percent of the population (South Korean census 2015, the closest
# public figures), South Korean spelling where it differs.
SURNAMES: tuple[tuple[str, float, str], ...] = (
    ("김", 21.5, ""),
    ("리", 14.7, "이"),
    ("박", 8.4, ""),
    ("최", 4.7, ""),
    ("정", 4.3, ""),
    ("강", 2.3, ""),
    ("조", 2.1, ""),
    ("윤", 2.1, ""),
    ("장", 2.0, ""),
    ("림", 1.7, "임"),
    ("한", 1.5, ""),
    ("오", 1.5, ""),
    ("서", 1.4, ""),
    ("신", 1.4, ""),
    ("권", 1.4, ""),
    ("황", 1.4, ""),
    ("안", 1.3, ""),
    ("송", 1.3, ""),
    ("전", 1.1, ""),
    ("홍", 1.1, ""),
    ("류", 1.0, "유"),
    ("고", 0.9, ""),
    ("문", 0.9, ""),
    ("량", 0.9, "양"),
    ("손", 0.9, ""),
    ("배", 0.8, ""),
    ("백", 0.8, ""),
    ("허", 0.6, ""),
    ("남", 0.5, ""),
    ("심", 0.5, ""),
    ("로", 0.4, "노"),
    ("하", 0.4, ""),
    ("곽", 0.4, ""),
    ("성", 0.4, ""),
    ("차", 0.4, ""),
    ("주", 0.4, ""),
    ("우", 0.4, ""),
    ("구", 0.4, ""),
    ("민", 0.3, ""),
    ("진", 0.3, ""),
    ("라", 0.3, "나"),
    ("지", 0.3, ""),
    ("엄", 0.3, ""),
    ("채", 0.3, ""),
    ("원", 0.3, ""),
    ("방", 0.2, ""),
    ("공", 0.2, ""),
    ("현", 0.2, ""),
    ("함", 0.2, ""),
    ("변", 0.2, ""),
)
_SURNAME_LIST = [s for s, _, _ in SURNAMES]
_SURNAME_WEIGHTS = [w for _, w, _ in SURNAMES]
SOUTH_SPELLING = {s: south for s, _, south in SURNAMES if south}

# Syllables of given names, most common first (weights fall with the position).
MALE_FIRST = tuple("영광명성철정혁일국학춘용금은동진경충봉만석창현주상문덕기")
MALE_SECOND = tuple("철호남수일혁국민진식길성룡범준웅석근복만명환")
FEMALE_FIRST = tuple("영순명정금은옥춘혜미향선경련설송진유복효명화")
FEMALE_SECOND = tuple("희옥숙순자경영정란향실화심주미림애선녀련")

# Public figures of the DPRK and well-known escapees: never generated as anyone's name.
BLOCKED = frozenset(
    """
    강철환 김경희 김계관 김덕훈 김성남 김수길 김여정 김영남 김영철 김원홍
    김일성 김재룡 김정남 김정숙 김정은 김정일 김정철 김주애 김책 김평해
    김혁철 로두철 리명수 리병철 리선권 리설주 리수용 리영길 리영호 리용호
    리일환 리춘희 박남기 박봉주 박연미 박정천 신동혁 오수용 오진우 장성택
    정경택 조명록 조용원 지성호 최룡해 최선희 최현 태영호 현송월 황병서
    """.split()  # noqa: SIM905 - a list of names reads best as one
)

# Names used in China (trafficked women, workers), as documentation records them.
CHINESE_SURNAMES = (("李", "Li"), ("王", "Wang"), ("张", "Zhang"), ("刘", "Liu"), ("金", "Jin"))
CHINESE_GIVEN = (("红", "Hong"), ("丽", "Li"), ("梅", "Mei"), ("英", "Ying"), ("霞", "Xia"))

# Foreign researchers who interview escapees, fictional combinations.
FOREIGN_FIRST = ("Hannah", "Daniel", "Miriam", "Tomás", "Aisha", "Jonas", "Clara", "Ravi")
FOREIGN_LAST = ("Brooks", "Okafor", "Lindqvist", "Moreau", "Haddad", "Novak", "Fischer")

ROLE_CYCLE = (
    ("victim",),
    ("victim",),
    ("witness",),
    ("victim",),
    ("relative",),
    ("victim",),
    ("perpetrator",),
    ("victim",),
    ("victim", "witness"),
    ("victim",),
    ("relative",),
    ("victim",),
    ("witness",),
    ("victim",),
    ("victim", "witness"),
    ("perpetrator",),
    ("victim",),
    ("relative",),
    ("witness",),
    ("victim",),
)
VICTIM_SLOTS = tuple(i for i, roles in enumerate(ROLE_CYCLE) if "victim" in roles)
WITNESS_SLOTS = tuple(i for i, roles in enumerate(ROLE_CYCLE) if "witness" in roles)
PERPETRATOR_SLOTS = tuple(i for i, roles in enumerate(ROLE_CYCLE) if "perpetrator" in roles)
RELATIVE_SLOTS = tuple(i for i, roles in enumerate(ROLE_CYCLE) if "relative" in roles)

OCCUPATIONS = {
    "victim": (
        "장마당 상인",
        "광산 노동자",
        "협동농장 농장원",
        "기업소 노동자",
        "교원",
        "운전사",
        "주부",
        "학생",
        "제대군인",
        "market trader",
        "miner",
        "farm worker",
    ),
    "witness": ("장마당 상인", "노동자", "간호원", "주부", "factory worker", "trader"),
    "perpetrator": (
        "보위원 (조사 담당)",
        "보위부 구류장 계호원",
        "안전원",
        "교화소 계호원",
        "국경경비대 소대장",
        "state security interrogator",
        "social security officer",
    ),
    "relative": ("농장원", "노동자", "주부", "학생", "retired teacher"),
}
SENSITIVITIES = (("restricted", 70), ("internal", 22), ("public", 8))
STATUSES = {
    "victim": (
        ("detained", 30),
        ("missing", 20),
        ("deceased", 15),
        ("released", 25),
        ("unknown", 10),
    ),
    "witness": (("released", 60), ("unknown", 40)),
    "perpetrator": (("unknown", 100),),
    "relative": (("unknown", 55), ("missing", 15), ("detained", 15), ("released", 15)),
}
FEMALE_SHARE = {"victim": 0.62, "witness": 0.72, "perpetrator": 0.08, "relative": 0.5}


def pick(rng: Random, weighted: tuple[tuple[str, int], ...]) -> str:
    """One of the values of (value, weight) pairs."""
    return rng.choices([v for v, _ in weighted], weights=[w for _, w in weighted])[0]


def role_of(index: int) -> tuple[str, ...]:
    return ROLE_CYCLE[index % len(ROLE_CYCLE)]


def nth_with(slots: tuple[int, ...], n: int) -> int:
    """The index of the n-th person whose role slot is one of `slots`."""
    return (n // len(slots)) * len(ROLE_CYCLE) + slots[n % len(slots)]


def count_with(slots: tuple[int, ...], persons: int) -> int:
    """How many of the first `persons` persons have a role slot in `slots`."""
    full, rest = divmod(persons, len(ROLE_CYCLE))
    return full * len(slots) + sum(1 for s in slots if s < rest)


def _weighted(rng: Random, items: list[str]) -> str:
    # Earlier syllables are more common: weight n, n-1, ..., 1.
    n = len(items)
    return items[min(int(n * rng.random() ** 1.6), n - 1)]


def korean_name(rng: Random, female: bool) -> tuple[str, str]:
    """(surname, given name) in Hangul, never a public figure's name."""
    first, second = (FEMALE_FIRST, FEMALE_SECOND) if female else (MALE_FIRST, MALE_SECOND)
    while True:
        surname = rng.choices(_SURNAME_LIST, weights=_SURNAME_WEIGHTS)[0]
        a, b = _weighted(rng, first), _weighted(rng, second)
        if a != b and surname + a + b not in BLOCKED:
            return surname, a + b


def latin_name(hangul: str) -> str:
    """The spelling English-language reports use ("Ri Yong-chol")."""
    from sillok.vocab.romanize import person_name_romanizations

    simple = person_name_romanizations(hangul)["simple"]
    return simple[0] if simple else ""


def aliases_for(rng: Random, surname: str, given: str, female: bool, roles: tuple) -> list[str]:
    aliases = []
    if surname in SOUTH_SPELLING and rng.random() < 0.6:
        aliases.append(SOUTH_SPELLING[surname] + given)  # as written in South Korea
    if "victim" in roles and female and rng.random() < 0.25:
        (zh_s, py_s), (zh_g, py_g) = rng.choice(CHINESE_SURNAMES), rng.choice(CHINESE_GIVEN)
        aliases.append(f"{zh_s}{zh_g} ({py_s} {py_g})")  # the name used in China
    if rng.random() < 0.08:
        # Neighbours often know a parent only by the eldest child's name: "철호 엄마".
        child = korean_name(rng, rng.random() < 0.5)[1]
        aliases.append(f"{child} {'엄마' if female else '아버지'}")
    return aliases


def birth_years(rng: Random, roles: tuple) -> str:
    """A year ("1974") or, when only an age was remembered, a range ("1972..1974")."""
    low, high = (1950, 1985) if "perpetrator" in roles else (1945, 2005)
    year = int(low + (high - low) * rng.betavariate(2.2, 2.0))
    if rng.random() < 0.2:
        return f"{year - 1}..{year + 1}"
    return str(year) if rng.random() < 0.85 else ""


def status_for(rng: Random, roles: tuple) -> str:
    options = STATUSES["witness" if roles == ("victim", "witness") else roles[0]]
    return rng.choices([s for s, _ in options], weights=[w for _, w in options])[0]


def interviewer_name(rng: Random) -> str:
    """A fictional interviewer: South Korean staff mostly, a few foreign researchers."""
    if rng.random() < 0.2:
        return f"{rng.choice(FOREIGN_FIRST)} {rng.choice(FOREIGN_LAST)}"
    surname, given = korean_name(rng, rng.random() < 0.6)
    return SOUTH_SPELLING.get(surname, surname) + given


def person_row(world: Any, i: int) -> dict[str, Any]:
    """The person row `i` of `world` (a synthetic_world.World)."""
    p = world.person(i)
    rng = world.rng("person", i, 1)
    roles = p["roles"]
    status = p["status"]
    primary = world._primary_event(i)
    if primary is not None:
        status = world.event(primary).scenario.stages[-1].status
    notes = f"기록 번호 SYN-{world.seed}-P{i + 1:07d} (합성 자료)"
    if "witness" in roles:
        notes = "가명. 실명과 연락처는 신원 보관소에만 있음. " + notes
    elif "perpetrator" in roles and rng.random() < 0.5:
        notes = (
            rng.choice(
                (
                    "증언자들은 키가 크고 왼쪽 뺨에 흉터가 있는 사람으로 묘사함. ",
                    "Described by witnesses as a senior interrogator in his forties. ",
                    "증언자들은 '안경 쓴 지도원'이라고만 기억함. ",
                )
            )
            + notes
        )
    songbun = None
    if rng.random() < 0.2:
        songbun = world.cat.term(
            "songbun", rng.choice(("wavering.returnees_china", "core.workers", "hostile"))
        )
    return {
        "name": p["hangul"],
        "name_hangul": p["hangul"],
        "name_latin": latin_name(p["hangul"]) if rng.random() < 0.7 else "",
        "aliases": p["aliases"],
        "roles": list(roles),
        "sex": "unknown" if rng.random() < 0.03 else ("female" if p["female"] else "male"),
        "birth_year": p["birth"],
        "origin": p["origin"],
        "status": status,
        "songbun": songbun,
        "occupation": rng.choice(OCCUPATIONS[roles[0]]) if rng.random() < 0.7 else "",
        "notes": notes,
        "sensitivity": "strictly_confidential"
        if roles == ("relative",) and rng.random() < 0.3
        else pick(rng, SENSITIVITIES),
    }
