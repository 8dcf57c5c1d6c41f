"""What people write for choices and column titles besides the codes and labels Sillok shows.

Every choice is accepted by its code and by its English and Korean label (the .po catalogue);
these tables add the words and abbreviations that Korean and English documentation sheets
actually use (남/여, M/F, 사망, 행방불명 …) and the column titles Korean teams write (성명,
성별, 생년 …). They are read through records/fields.py (values) and records/mappings.py
(column titles), so that forms, the API, the CLI and imports accept the same words.

A word must never name two values of one choice (or two fields of one kind): the tests check
it, because an alias that quietly picked one of two meanings would corrupt data.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from django.utils import translation

from sillok.core.sensitivity import Sensitivity
from sillok.evidence.models import ConsentForm, ConsentScope
from sillok.records import models as m

# choices class -> value -> other words for it (matched after normalisation: NFKC, case and
# spacing ignored). Labels such as "A: completely reliable" also match by the part after
# the colon ("completely reliable", "완전히 신뢰할 수 있음") without being listed here.
CHOICE_ALIASES: dict[type, dict[str, tuple[str, ...]]] = {
    m.Sex: {
        "male": ("m", "man", "남", "남성", "남자", "男", "男性", "male sex"),
        "female": ("f", "w", "woman", "여", "여성", "여자", "女", "女性"),
        "unknown": ("u", "unk", "?", "미상", "모름", "불명", "확인 불가", "不明"),
        "other": ("x", "기타"),
    },
    m.PersonStatus: {
        "unknown": ("?", "미상", "모름", "불명", "확인 불가", "생사 불명", "생사불명"),
        "missing": ("disappeared", "행방불명", "행불", "실종됨", "실종 상태", "강제실종"),
        "detained": ("imprisoned", "in detention", "구금 중", "구금됨", "수감", "수감 중", "억류"),
        "deceased": ("dead", "died", "killed", "사망함", "숨짐", "사망 추정"),
        "released": ("freed", "석방됨", "출소", "풀려남", "석방 후"),
    },
    m.PersonRole: {
        "victim": ("피해 당사자",),
        "witness": ("목격자", "진술자", "증언자"),
        "perpetrator": ("가해", "가해 책임자"),
        "relative": ("family", "가족", "친척", "유족"),
        "source": ("정보원", "제보자"),
    },
    m.Certainty: {
        "possible": ("가능", "낮음", "low"),
        "likely": ("probable", "개연", "높음", "high", "유력"),
        "certain": ("confirmed", "확실함", "확인됨", "확정"),
    },
    m.Reliability: {},  # A–F, and the labels with or without their letter
    m.Credibility: {},  # 1–6, and the labels with or without their number
    m.SourceConnection: {
        "victim": ("피해 당사자", "당사자"),
        "eyewitness": ("witness", "목격", "직접 목격", "증인"),
        "hearsay": ("heard", "전문", "간접", "들음", "전언"),
        "document": ("document", "documents", "문서", "자료"),
        "expert": ("analyst", "전문가", "분석가"),
        "other": ("기타",),
    },
    m.OrganizationKind: {
        "ministry": ("central body", "중앙 기관", "성", "부처"),
        "bureau": ("department", "국", "부서"),
        "provincial_office": ("도 사무소",),
        "county_office": ("시 기관", "군 기관"),
        "local_office": ("분주소", "지역 기관"),
        "facility_administration": ("시설",),
        "military_unit": ("unit", "부대"),
        "party_body": ("party", "당"),
        "other": ("기타",),
    },
    Sensitivity: {
        "public": ("공개 자료",),
        "internal": ("내부용",),
        "restricted": ("대외비", "제한됨"),
        "strictly_confidential": ("confidential", "기밀", "극비 자료"),
    },
    ConsentScope: {
        "internal_analysis": ("internal", "analysis", "내부", "분석"),
        "un_reporting": ("un", "유엔", "UN 보고"),
        "prosecution": ("prosecutors", "검찰", "기소", "사법"),
        "publication": ("public", "공개", "출판"),
    },
    ConsentForm: {
        "written": ("서면 동의", "문서"),
        "oral_recorded": ("녹음", "구두 녹음"),
        "oral_noted": ("구두", "구두 기록"),
        "none": ("no", "없음", "미동의"),
    },
}

# Field name -> column titles for it in every kind that has the field (besides the field's
# name and its English and Korean labels). KIND_HEADERS below adds and overrides per kind.
HEADERS: dict[str, tuple[str, ...]] = {
    "name": ("이름", "성명", "성함", "가명", "이름(가명)", "full name"),
    "name_hangul": (
        "한글", "한글 이름", "한글 성명", "한글명", "이름(한글)", "hangul", "korean name",
    ),
    "name_latin": ("영문 이름", "영문명", "로마자 이름", "로마자", "english name", "latin name"),
    "aliases": ("별명", "별칭", "이명", "다른 이름", "alias", "also known as", "aka"),
    "roles": ("역할", "구분", "role"),
    "sex": ("성별", "남녀", "gender"),
    "birth_year": (
        "출생연도", "출생 연도", "출생년도", "출생년", "출생", "생년", "태어난 해",
        "born", "year born", "birth year", "yob",
    ),
    "origin": ("출신지", "고향", "출신", "출신 지역", "본적", "hometown", "home town"),
    "status": ("상태", "현재 상태", "신상", "생사", "현황"),
    "songbun": ("출신성분", "출신 성분"),
    "occupation": ("직업", "job", "profession"),
    "notes": ("비고", "메모", "참고", "참고 사항", "note", "remarks", "comments"),
    "sensitivity": ("민감도", "보안 등급", "공개 등급", "공개 범위"),
    "compartment": ("사건 구획",),
    "title": ("제목", "사건명", "명칭"),
    "description": ("설명", "내용", "개요", "상세"),
    "date": ("날짜", "일자", "일시", "시기", "발생일", "발생 일자", "발생 시기", "when"),
    "place": ("장소", "지역", "위치", "발생 장소", "where", "location"),
    "place_detail": ("상세 장소", "장소 상세", "세부 장소", "장소(상세)"),
    "event": ("사건", "사건 번호"),
    "victim": ("피해자", "피해자 번호"),
    "perpetrator": ("가해자", "가해자 번호"),
    "act": ("침해", "침해 행위", "행위"),
    "violation_type": (
        "유형", "종류", "침해 유형", "피해 유형", "인권침해 유형", "type", "violation",
    ),
    "victim_status": ("피해자 상태", "상태"),
    "organization": ("기관", "소속", "부대", "unit"),
    "degree": ("관여 정도", "관여도", "가담 정도", "역할", "role"),
    "witness": ("증인", "진술자", "증언자", "면담 대상"),
    "interviewer": ("면담자", "조사자", "인터뷰어"),
    "interviewer_name": ("면담자 이름", "조사자 이름"),
    "language": ("언어", "면담 언어"),
    "consent_given": ("동의", "동의 여부"),
    "consent_scope": ("동의 범위",),
    "consent_date": ("동의일", "동의 날짜", "동의 일자"),
    "consent_form": ("동의 형식", "동의 방법", "동의 방식"),
    "consent_recipients": ("동의 대상", "제공 대상", "제공 기관"),
    "summary": ("요약",),
    "items": ("자료", "증거", "증거물", "파일", "evidence"),
    "source": ("출처", "정보원", "제보자"),
    "source_type": ("출처 유형", "유형", "종류", "type"),
    "person": ("인물",),
    "reliability": ("신뢰도", "출처 신뢰도"),
    "testimony": ("증언", "증언 번호"),
    "connection": ("관계", "사실과의 관계", "연관성"),
    "credibility": ("신빙성", "정보 신빙성"),
    "from": ("기록1", "기록 1", "첫째 기록", "from record"),
    "to": ("기록2", "기록 2", "둘째 기록", "to record"),
    "relation": ("관계", "관계 유형", "type"),
    "certainty": ("확실성", "확실도", "확신도"),
    "comment": ("설명", "비고", "의견", "코멘트", "note"),
}  # fmt: skip

# Kind -> field -> column titles that mean that field in this kind only (a title here wins
# over HEADERS: 유형 is an act's violation type but an organization's kind).
KIND_HEADERS: dict[str, dict[str, tuple[str, ...]]] = {
    "organization": {
        "name": ("기관명", "조직명", "단체명", "이름", "명칭"),
        "name_ko": ("한글 명칭", "한글명", "한국어 이름", "한국어 명칭"),
        "kind": ("유형", "종류", "기관 유형", "type"),
        "parent": ("상위 기관", "상급 기관", "소속", "parent"),
        "institution": ("기관 계통", "제도상 기관"),
        "place": ("소재지", "장소", "위치"),
        "active_from": ("활동 시작", "설립 연도", "설립"),
        "active_to": ("활동 종료", "해체 연도", "해체"),
    },
    "source": {"name": ("출처명", "정보원", "이름", "성명")},
    "testimony": {"date": ("면담일", "면담 일자", "면담 날짜"), "place": ("면담 장소",)},
    "information": {"date": ("보고일", "보고 일자"), "description": ("보고 내용",)},
    "involvement": {"organization": ("기관", "소속", "부대", "가해 기관")},
    "link": {"comment": ("설명", "비고", "의견", "코멘트")},
}

# Columns a sheet often has that give no field (serial numbers): ignored, not an error.
IGNORED_HEADERS = ("번호", "연번", "순번", "일련번호", "no", "no.", "#", "seq")

TRUE_WORDS = ("1", "true", "yes", "y", "on", "예", "네", "o", "○", "있음", "동의", "동의함")
FALSE_WORDS = ("", "0", "false", "no", "n", "off", "아니오", "아니요", "x", "×", "없음", "미동의")


SPACING_RE = re.compile(r"[\s_\-\u00b7\u30fb]+")  # spaces, _, -, and the middle dots of labels


def normalise(text: object) -> str:
    """The matching key of what someone typed: NFKC (full-width Ｍ and １ become M and 1),
    case folded, without spaces, underscores, hyphens or middle dots ("in_review",
    "In review" and "구금 중" / "구금중" match alike)."""
    return SPACING_RE.sub("", unicodedata.normalize("NFKC", str(text))).casefold()


def _labels(choices: type) -> list[tuple[str, str]]:
    """(value, label) in English and in Korean, and each label's part after "A: " or "1: "."""
    pairs: list[tuple[str, str]] = []
    for language in ("en", "ko"):
        with translation.override(language):
            pairs += [(str(value), str(label)) for value, label in choices.choices]
    pairs += [(value, label.partition(": ")[2]) for value, label in pairs if ": " in label]
    return pairs


@lru_cache(maxsize=64)
def choice_table(choices: type) -> dict[str, str]:
    """Normalised word -> value for a TextChoices: its codes, English and Korean labels and
    CHOICE_ALIASES, in that order of precedence (a label never loses to an alias). Cached:
    the labels are lazy translations, and an import cleans a choice on every row."""
    table: dict[str, str] = {}
    words = [(str(value), str(value)) for value in choices.values] + _labels(choices)
    words += [
        (value, alias) for value, aliases in CHOICE_ALIASES.get(choices, {}).items()
        for alias in aliases
    ]  # fmt: skip
    for value, word in words:
        key = normalise(word)
        if key:
            table.setdefault(key, value)
    return table


def choice_value(choices: type, text: object) -> str | None:
    """The value of `choices` that `text` names (code, label in either language, alias);
    None when it names none."""
    return choice_table(choices).get(normalise(text))


def accepted_text(choices: type) -> str:
    """The accepted values as a user reads them, in the active language: "Male (male), …"."""
    shown = []
    for value, label in choices.choices:
        label = str(label)
        shown.append(str(value) if normalise(label) == normalise(value) else f"{label} ({value})")
    return ", ".join(shown)


def choice_conflicts(choices: type) -> list[str]:
    """Words that would name two values of `choices` (the table keeps the first): none may."""
    seen: dict[str, str] = {}
    conflicts = []
    words = [(str(v), str(v)) for v in choices.values] + _labels(choices)
    words += [(v, a) for v, aliases in CHOICE_ALIASES.get(choices, {}).items() for a in aliases]
    for value, word in words:
        key = normalise(word)
        if key and seen.setdefault(key, value) != value:
            conflicts.append(f"{word!r}: {seen[key]} or {value}")
    return conflicts


# Dates as Korean documents write them: 2015년 3월 12일, 2015. 3. 12., 2015.03, 2015년경
# (about 2015), 2015~2017 (a range). Turned into the forms records/dates.py reads.
KOREAN_DAY_RE = re.compile(
    r"^(\d{4})\s*(?:년|\.)\s*(?:(\d{1,2})\s*(?:월|\.)?\s*(?:(\d{1,2})\s*(?:일|\.)?)?)?"
    r"\s*(경|쯤|무렵|께)?$"
)
RANGE_SPLIT_RE = re.compile(r"(?<=\S)\s*(?:\.\.|~|〜)\s*(?=\S)")


def korean_date(text: str) -> str:
    """`text` with Korean date forms rewritten as 2015-03-12, ~2015, 2015..2017; any other
    text unchanged (the date parser reports it)."""
    parts = RANGE_SPLIT_RE.split(text.strip(), maxsplit=1)
    if len(parts) == 2:
        return "..".join(_korean_day(part) for part in parts)
    return _korean_day(text.strip())


def _korean_day(text: str) -> str:
    match = KOREAN_DAY_RE.match(text)
    if not match:
        return text
    year, month, day, about = match.groups()
    out = year + (f"-{int(month):02d}" if month else "") + (f"-{int(day):02d}" if day else "")
    return f"~{out}" if about else out
