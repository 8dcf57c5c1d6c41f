"""Text redaction: names and their variants, phone and ID numbers, addresses, birth dates."""

from __future__ import annotations

import pytest

from sillok.redaction.names import name_pattern
from sillok.redaction.text import PLACEHOLDERS, redact_text

TERMS = ["김영희", "Kim Young-hee", "박철수", "Pak Chol-su"]


def redacted(text: str, terms: list[str] | None = None) -> str:
    return redact_text(text, TERMS if terms is None else terms).text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("김영희가 말했다.", "[NAME]가 말했다."),
        ("김영희는 회령에서 왔다.", "[NAME]는 회령에서 왔다."),
        ("김영희의 동생과 김영희에게", "[NAME]의 동생과 [NAME]에게"),
        ("김 영희 씨", "[NAME] 씨"),
        ("박철수와 김영희", "[NAME]와 [NAME]"),
    ],
)
def test_hangul_names_are_redacted_with_particles_attached(text, expected):
    assert redacted(text) == expected


@pytest.mark.parametrize(
    "variant",
    [
        "Kim Young-hee",
        "KIM YOUNG-HEE",
        "kim younghee",
        "Kim Young hee",
        "Kim Younghee",
        "Young-hee Kim",
        "Younghee KIM",
    ],
)
def test_romanized_names_are_redacted_whatever_the_case_hyphens_and_order(variant):
    assert redacted(f"The witness {variant} said so.") == "The witness [NAME] said so."


def test_a_romanized_name_inside_a_longer_word_is_left_alone():
    assert redacted("Kimchi", ["Kim"]) == "Kimchi"
    assert redacted("Pak Cholsuk", ["Pak Chol-su"]) == "Pak Cholsuk"


def test_terms_too_short_to_look_for_are_counted_not_used():
    result = redact_text("김 씨와 Ri 씨", ["김", "Ri"])
    assert result.text == "김 씨와 Ri 씨"
    assert (result.terms_used, result.terms_skipped) == (0, 2)
    assert name_pattern("김") is None and name_pattern("김영") is not None


@pytest.mark.parametrize(
    "number",
    [
        "010-1234-5678",
        "01012345678",
        "010 1234 5678",
        "02-123-4567",
        "+82 10-1234-5678",
        "+82-2-123-4567",
        "0082 10 1234 5678",
        "+850 2 381 1234",
        "+850-191-234-5678",
        "+86 138 1234 5678",
        "+1 (202) 555-0143",
        "+44 20 7946 0958",
    ],
)
def test_phone_numbers_are_redacted(number):
    assert redacted(f"전화: {number} 입니다", []) == "전화: [PHONE] 입니다"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("주민등록번호 850305-2345678", "주민등록번호 [ID]"),
        ("주민번호: 8503052345678", "주민번호: [ID]"),
        ("masked 850305-2******", "masked [ID]"),
        ("여권번호 M12345678", "여권번호 [ID]"),
        ("passport no. M123A4567 issued", "passport no. [ID] issued"),
        ("ID card: 110101199003071234", "ID card: [ID]"),
        ("공민증번호 123-45678", "공민증번호 [ID]"),
    ],
)
def test_id_numbers_are_redacted(text, expected):
    assert redacted(text, []) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("주소: 서울특별시 강남구 테헤란로 12, 101동 1203호.", "주소: [ADDRESS]."),
        ("경기도 성남시 분당구 정자일로 95번길 4에 산다", "[ADDRESS]에 산다"),
        ("서울시 강남구 역삼동 123-4번지에서", "[ADDRESS]에서"),
        ("함경북도 회령시 역전동 5인민반에 살았다", "[ADDRESS]에 살았다"),
        ("She lived at 221B Baker Street, Apt 4 in London.", "She lived at [ADDRESS] in London."),
        ("Office: 12 Teheran-ro, Gangnam-gu, Seoul", "Office: [ADDRESS], Seoul"),
    ],
)
def test_addresses_are_redacted(text, expected):
    assert redacted(text, []) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("생년월일: 1990.03.05.", "생년월일: [BIRTH DATE]."),
        ("생년월일 1990년 3월 5일", "생년월일 [BIRTH DATE]"),
        ("1985년 3월 5일생으로", "[BIRTH DATE]생으로"),
        ("1990.03.05 출생", "[BIRTH DATE] 출생"),
        ("DOB 05/03/1990", "DOB [BIRTH DATE]"),
        ("Date of birth: 5 March 1990", "Date of birth: [BIRTH DATE]"),
        ("born on March 5, 1990 in Hoeryong", "born on [BIRTH DATE] in Hoeryong"),
        ("born in 1990", "born in [BIRTH DATE]"),
    ],
)
def test_birth_dates_are_redacted_next_to_their_cues(text, expected):
    assert redacted(text, []) == expected


@pytest.mark.parametrize(
    "text",
    [
        "요덕 정치범수용소에서 2015년 3월 5일에 공개처형이 있었다.",
        "On 2015.03.05 about 1,200 prisoners were moved; see A/HRC/25/63 para 12.",
        "born in Hoeryong, North Hamgyong",
        "He said 200000 people",
        "함경북도 회령시에서 왔다",
    ],
)
def test_facts_of_the_testimony_are_left_alone(text):
    """Dates of events, numbers, UN symbols and towns are what the testimony is about."""
    assert redacted(text, []) == text


def test_spans_point_at_the_placeholders_and_hold_no_original_string():
    source = "김영희가 010-1234-5678로 전화했다."
    result = redact_text(source, ["김영희"])
    assert result.text == "[NAME]가 [PHONE]로 전화했다."
    spans = [span.as_dict() for span in result.spans]
    assert [s["category"] for s in spans] == ["name", "phone"]
    for span in spans:
        assert result.text[span["start"] : span["end"]] == PLACEHOLDERS[span["category"]]
    assert source[spans[0]["source_start"] : spans[0]["source_end"]] == "김영희"
    assert "김영희" not in repr(spans) and "010" not in repr(spans)
    assert result.counts() == {"name": 1, "phone": 1, "id": 0, "address": 0, "birth_date": 0}


def test_decomposed_hangul_is_normalised_before_matching():
    import unicodedata

    decomposed = unicodedata.normalize("NFD", "김영희가 왔다")
    assert redacted(decomposed, ["김영희"]) == "[NAME]가 왔다"
