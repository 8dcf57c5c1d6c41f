"""Text redaction across line breaks and hyphenation, vault names stored with notes, and the
doubts shown to the reviewer (issue 14, item 3). Pure functions: no database."""

from __future__ import annotations

import pytest

from sillok.redaction.doubts import NAME_PARTIAL, NAME_ROMANIZED, NAME_SIMILAR, NUMBER
from sillok.redaction.lines import joined
from sillok.redaction.names import clean_term, clean_terms, name_regexes
from sillok.redaction.presenting import doubt_list, text_segments
from sillok.redaction.text import redact_text

NOTED = "최진수 (가명 아님, 테스트)"


def redacted(text: str, terms: list[str] | None = None, **kwargs) -> str:
    return redact_text(text, ["김영희", "Kim Young-hee"] if terms is None else terms, **kwargs).text


# --- Line breaks ------------------------------------------------------------------------


def test_the_issues_phone_number_wrapped_after_its_first_hyphen_is_redacted():
    assert redacted("연락처 010-\n1234-5678 입니다") == "연락처 [PHONE]\n 입니다"


@pytest.mark.parametrize(
    "text",
    [
        "010-1234-\n5678",
        "010-\r\n1234-5678",
        "010-1234-\r\n5678",
        "010- \n  1234-5678",
        "010 -\t\n1234 - 5678",
        "010\n1234\n5678",
        "010 - 1234 - 5678",
        "010-\u00ad\n1234-5678",
        "+82 10-\n1234-5678",
    ],
)
def test_a_phone_number_cut_by_a_line_break_or_spaced_out_is_redacted_whole(text):
    result = redacted(f"전화: {text} 끝")
    assert result.startswith("전화: [PHONE]") and result.endswith(" 끝")
    for digits in ("010", "1234", "5678"):
        assert digits not in result


def test_the_lines_stay_lines_after_a_wrapped_match():
    text = "first 010-\r\n1234-5678 line two\nthird"
    result = redact_text(text, []).text
    # The number spans the break: one placeholder, then the break it swallowed.
    assert result.count("\n") == text.count("\n")
    assert "\r\n" in result and "[PHONE]" in result


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("witness Kim Young-\nhee said", "witness [NAME]\n said"),
        ("Young-\r\nhee Kim said", "[NAME]\r\n said"),
        ("증인 김영\n희가 말했다", "증인 [NAME]\n가 말했다"),
        ("증인 김영\r\n희가 말했다", "증인 [NAME]\r\n가 말했다"),
        ("증인 김\n영희는", "증인 [NAME]\n는"),
        ("증인 김영 \n 희의 집", "증인 [NAME]\n의 집"),
    ],
)
def test_a_name_split_by_a_line_break_or_hyphenation_is_redacted(text, expected):
    assert redacted(text) == expected


def test_an_address_over_two_lines_is_still_redacted():
    assert redacted("살았다.\n함경북도\n회령시 역전동 5인민반에") == "살았다.\n[ADDRESS]\n에"


def test_the_joined_view_maps_back_to_the_source():
    view = joined("ab-\ncd\r\nef 김\n영")
    assert view.text == "ab-cd ef 김영"
    start = view.text.index("cd")
    assert view.source_span(start, start + 2) == (4, 6)
    assert view.source_span(0, len(view.text)) == (0, 14)


def test_text_without_line_breaks_reads_the_same():
    text = "평범한 문장입니다. No numbers here."
    assert joined(text).text == text
    assert redacted(text) == text


# --- Notes in brackets --------------------------------------------------------------------


def test_the_issues_vault_name_with_a_note_is_redacted_in_hangul():
    assert redacted("증인 최진수가 말했다", [NOTED]) == "증인 [NAME]가 말했다"
    assert redacted("가명 아님, 테스트 결과", [NOTED]) == "가명 아님, 테스트 결과"


@pytest.mark.parametrize(
    ("term", "clean"),
    [
        (NOTED, "최진수"),
        ("최진수[가명]", "최진수"),
        ("최진수 （가명）", "최진수"),
        ("최진수【테스트】", "최진수"),
        ("최진수 〔메모〕 ", "최진수"),
        ("최진수 「별명」", "최진수"),
        ("최진수 (가명 (테스트))", "최진수"),
        ("Ri Chol [alias]", "Ri Chol"),
        ("Choe Jin-su (not a pseudonym)", "Choe Jin-su"),
        ("  김영희  ", "김영희"),
    ],
)
def test_notes_in_any_bracket_are_taken_out_of_a_name(term, clean):
    assert clean_term(term) == clean


@pytest.mark.parametrize("term", ["(가명", "테스트)", "(가명 아님, 테스트)", "【】", ""])
def test_a_piece_of_a_note_or_a_note_alone_is_no_name(term):
    assert clean_term(term) == ""
    assert redacted("가명 아님 테스트", [term]) == "가명 아님 테스트"


def test_cleaned_terms_are_kept_once_in_order():
    assert clean_terms([NOTED, "최진수", "Choe Jin-su (테스트)", "(가명"]) == [
        "최진수",
        "Choe Jin-su",
    ]


def test_a_romanized_name_with_a_note_is_redacted_too():
    text = "Choe Jin-su said; 최진수가 말했다"
    result = redact_text(text, [NOTED, "Choe Jin-su (romanized)"], romanized=frozenset())
    assert result.text == "[NAME] said; [NAME]가 말했다"


# --- Doubts -------------------------------------------------------------------------------


def _reasons(result) -> list[str]:
    return [doubt.reason for doubt in result.uncertain]


def test_a_name_matched_only_by_a_romanization_is_redacted_and_doubted():
    result = redact_text(
        "Mr Choe Jin-su came", ["최진수", "Choe Jin-su"], romanized=frozenset({"Choe Jin-su"})
    )
    assert result.text == "Mr [NAME] came" and _reasons(result) == [NAME_ROMANIZED]
    [doubt] = result.uncertain
    assert result.text[doubt.start : doubt.end] == "[NAME]"


def test_a_name_the_vault_holds_is_not_doubted():
    result = redact_text("김영희와 Kim Young-hee", ["김영희", "Kim Young-hee"])
    assert result.text == "[NAME]와 [NAME]" and result.uncertain == []


def test_a_given_name_alone_is_redacted_and_doubted():
    result = redact_text("영희가 말했다", ["김영희"])
    assert result.text == "[NAME]가 말했다" and _reasons(result) == [NAME_PARTIAL]


def test_a_name_one_syllable_away_is_left_and_doubted_where_it_is():
    result = redact_text("김영희와 김영히가 왔다", ["김영희"])
    assert result.text == "[NAME]와 김영히가 왔다"
    [doubt] = result.uncertain
    assert doubt.reason == NAME_SIMILAR and result.text[doubt.start : doubt.end] == "김영히"


@pytest.mark.parametrize("number", ["1234567", "(02) 123 45678 9", "+1 234", "99-1234-5678"])
def test_a_number_no_pattern_matched_is_doubted_if_long_enough(number):
    text = f"번호 {number} 끝"
    result = redact_text(text, [])
    digits = sum(ch.isdigit() for ch in number)
    if 7 <= digits <= 15 and result.text == text:
        assert _reasons(result) == [NUMBER]
        [doubt] = result.uncertain
        assert result.text[doubt.start : doubt.end] == number
    else:
        assert NUMBER not in _reasons(result)


@pytest.mark.parametrize("text", ["2015-2019 사이", "On 2015.03.05 they", "about 1,200 people"])
def test_dates_year_ranges_and_counts_are_not_doubted(text):
    assert redact_text(text, []).uncertain == []


def test_doubt_offsets_follow_the_placeholders_before_them():
    result = redact_text("김영희 010-1234-5678 그리고 1234567", ["김영희"])
    [doubt] = result.uncertain
    assert result.text[doubt.start : doubt.end] == "1234567"


def test_doubts_hold_offsets_and_reasons_never_the_names():
    result = redact_text("Choe Jin-su 영희 김영히", ["최진수", "김영희"], romanized=frozenset())
    stored = repr([doubt.as_dict() for doubt in result.uncertain])
    for secret in ("Choe", "영희", "김영히", "최진수"):
        assert secret not in stored


def test_name_regexes_count_only_full_names_as_used_terms():
    regexes = name_regexes(["김영희", "Kim Young-hee", "김"], frozenset())
    assert (regexes.used, regexes.skipped) == (2, 1)
    assert regexes.partial is not None and regexes.similar is not None


# --- What the page shows ------------------------------------------------------------------


def test_segments_mark_placeholders_and_doubts_and_the_list_shows_their_context():
    result = redact_text("김영희와 김영히가 1234567로", ["김영희"])
    spans = [span.as_dict() for span in result.spans]
    uncertain = [doubt.as_dict() for doubt in result.uncertain]
    segments = text_segments(result.text, spans, uncertain)
    assert "".join(part["text"] for part in segments) == result.text
    marked = [(part["text"], part["category"], part["doubt"]) for part in segments]
    assert ("[NAME]", "name", "") in marked
    assert ("김영히", "", NAME_SIMILAR) in marked and ("1234567", "", NUMBER) in marked
    listed = doubt_list(result.text, {"uncertain": uncertain})
    assert [entry["marked"] for entry in listed] == ["김영히", "1234567"]
    assert listed[0]["anchor"] == "doubt-1" and "[NAME]와" in listed[0]["before"]


def test_doubts_that_point_outside_the_text_are_listed_without_context():
    listed = doubt_list("short", {"uncertain": [{"reason": NUMBER, "start": 3, "end": 99}]})
    assert listed[0]["anchor"] == "" and "marked" not in listed[0]
    assert text_segments("short", [], [{"reason": NUMBER, "start": 3, "end": 99}]) == [
        {"text": "short", "category": "", "doubt": "", "anchor": ""}
    ]


def test_a_spelling_the_vault_holds_is_not_doubted_though_sillok_romanizes_it_too():
    result = redact_text(
        "Kim Young-hee came",
        ["Kim Younghee", "Kim Young-hee"],
        romanized=frozenset({"Kim Young-hee"}),
    )
    assert result.text == "[NAME] came" and result.uncertain == []
