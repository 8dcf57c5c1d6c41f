"""Korean values everywhere a choice is entered (records/fields.py, records/aliases.py): codes,
English and Korean labels and the abbreviations Korean sheets use (남/여, M/F, 男/女),
full-width forms, Korean dates and years; the same words through the API; ambiguous place
names refused with their candidates; errors that list the accepted words in the user's
language."""

from __future__ import annotations

import re

import pytest
from django.utils import translation

from sillok.core.sensitivity import Sensitivity
from sillok.evidence.models import ConsentForm, ConsentScope
from sillok.records import models as m
from sillok.records.aliases import CHOICE_ALIASES, choice_conflicts, choice_value
from sillok.records.fields import FIELDS, RecordValuesError, clean_values
from sillok.records.resolve import Resolver

pytestmark = pytest.mark.django_db

CHOICE_CLASSES = sorted(
    {spec.choices for specs in FIELDS.values() for spec in specs if spec.choices},
    key=lambda choices: choices.__name__,
)


def person(analyst, **raw):
    return clean_values("person", {"name": "Kim", **raw}, Resolver(analyst))


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("male", "male"), ("Male", "male"), ("MALE ", "male"), ("남", "male"),
        ("남성", "male"), ("남자", "male"), ("M", "male"), ("m", "male"), ("男", "male"),
        ("Ｍ", "male"), (" 남 ", "male"), ("female", "female"), ("여", "female"),
        ("여성", "female"), ("F", "female"), ("ｆ", "female"), ("女", "female"),
        ("미상", "unknown"), ("알 수 없음", "unknown"), ("기타", "other"),
    ],
)  # fmt: skip
def test_sex_is_accepted_by_code_label_korean_label_and_abbreviation(analyst, typed, code):
    assert person(analyst, sex=typed)["sex"] == code


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("detained", "detained"), ("구금", "detained"), ("구금 중", "detained"),
        ("구금중", "detained"), ("수감", "detained"), ("사망", "deceased"),
        ("Deceased", "deceased"), ("실종", "missing"), ("행방불명", "missing"),
        ("석방", "released"), ("미상", "unknown"),
    ],
)  # fmt: skip
def test_person_status_accepts_korean_labels(analyst, typed, code):
    assert person(analyst, status=typed)["status"] == code


def test_roles_sensitivity_and_the_grades_accept_labels_in_either_language(analyst):
    values = person(analyst, roles="피해자; 증인", sensitivity="제한")
    assert values["roles"] == ["victim", "witness"] and values["sensitivity"] == "restricted"
    for typed in (
        "B",
        "b",
        "Ｂ",
        "B: usually reliable",
        "usually reliable",
        "대체로 신뢰할 수 있음",
    ):
        assert choice_value(m.Reliability, typed) == "B", typed
    for typed in ("2", "２", "2: probably true", "probably true", "사실일 개연성 높음"):
        assert choice_value(m.Credibility, typed) == "2", typed
    assert choice_value(m.Certainty, "확실") == "certain"
    assert choice_value(m.Certainty, "개연성 높음") == "likely"
    assert choice_value(m.SourceConnection, "목격자") == "eyewitness"
    assert choice_value(m.OrganizationKind, "군부대") == "military_unit"
    assert choice_value(ConsentForm, "서면") == "written"
    assert choice_value(ConsentScope, "유엔 보고") == "un_reporting"
    assert choice_value(m.ReviewStatus, "검토 중") == "in_review"


@pytest.mark.parametrize("choices", CHOICE_CLASSES, ids=lambda c: c.__name__)
def test_no_word_names_two_values_of_one_choice(choices):
    assert choice_conflicts(choices) == []


def test_every_choice_of_every_field_has_its_aliases_declared():
    """A new choice field gets its Korean words with it (CHOICE_ALIASES), not forgotten."""
    missing = [c.__name__ for c in CHOICE_CLASSES if c not in CHOICE_ALIASES]
    assert missing == [] and Sensitivity in CHOICE_CLASSES


def test_an_unknown_choice_lists_the_accepted_words_in_the_users_language(analyst):
    with translation.override("ko"), pytest.raises(RecordValuesError) as korean:
        person(analyst, sex="남녀")
    message = korean.value.errors["sex"]
    assert "다음 중 하나" in message and "남성 (male)" in message and "여성 (female)" in message
    assert "'남녀'" in message
    with translation.override("en"), pytest.raises(RecordValuesError) as english:
        person(analyst, sex="yes", status="gone")
    assert set(english.value.errors) == {"sex", "status"}  # every bad field at once
    assert english.value.errors["sex"] == "must be one of: unknown, female, male, other; got 'yes'"
    assert "detained, deceased" in english.value.errors["status"]


def test_korean_dates_years_and_yes_no_are_read(analyst, make_record):
    assert person(analyst, birth_year="1968년생")["birth_year_from"] == 1968
    born = person(analyst, birth_year="１９６８~1970")
    assert (born["birth_year_from"], born["birth_year_to"]) == (1968, 1970)
    raw = {"title": "구금", "place": "회령"}
    cases = {
        "2015년 3월 12일": ("2015-03-12", "2015-03-12", "day"),
        "2015. 3. 12.": ("2015-03-12", "2015-03-12", "day"),
        "2015.03": ("2015-03-01", "2015-03-31", "month"),
        "2015년경": ("2015-01-01", "2015-12-31", "approximate"),
        "2015년 3월~2016년 6월": ("2015-03-01", "2016-06-30", "range"),
        "２０１５－０３": ("2015-03-01", "2015-03-31", "month"),
    }
    for typed, (start, end, precision) in cases.items():
        values = clean_values("event", {**raw, "date": typed}, Resolver(analyst))
        got = (str(values["date_start"]), str(values["date_end"]), values["date_precision"])
        assert got == (start, end, precision), typed
    witness = make_record(analyst, "person", name="W")
    for typed, given in (("예", True), ("O", True), ("○", True), ("아니오", False), ("X", False)):
        testimony = {"title": "T", "witness": f"P-{witness.pk}", "consent_given": typed}
        assert clean_values("testimony", testimony, Resolver(analyst))["consent_given"] is given


def test_terms_match_their_korean_label_with_any_spacing_or_full_width(analyst, make_record):
    event = make_record(analyst, "event", title="E")
    for typed in ("구타", " 구타 ", "Beating", "BEATING", "torture.beating"):
        raw = {"event": f"E-{event.pk}", "violation_type": typed}
        assert clean_values("act", raw, Resolver(analyst))["violation_type"].code == (
            "torture.beating"
        ), typed


def test_the_docs_place_names_resolve_and_an_ambiguous_one_lists_its_candidates(analyst):
    resolver = Resolver(analyst)
    city = resolver.place("회령시")
    # docs/import-export.md: KP-09, geonames:2044757, 회령시, Hoeryong.
    assert resolver.place("Hoeryong") == city and resolver.place("회령") == city
    assert resolver.place(city.code) == city and resolver.place("KP-09").code == "KP-09"
    assert resolver.place("Pyongyang").code == "KP-01"  # the city, not its centre inside it
    with pytest.raises(RecordValuesError) as refused:
        person(analyst, origin="Unsan")
    message = refused.value.errors["origin"]
    assert "'Unsan' names 2 places" in message
    # Each candidate with its kind, Korean and English name, the place it is in, its code.
    assert "county 운산군 / Unsan County, 평안북도 / North Pyongan Province: geonames:" in message
    assert "county 은산군 / Unsan County, 평안남도 / South Pyongan Province: geonames:" in message
    assert person(analyst, origin="운산군")["origin"].label_ko == "운산군"
    with translation.override("ko"), pytest.raises(RecordValuesError) as korean:
        person(analyst, origin="Unsan")
    in_korean = korean.value.errors["origin"]
    assert "장소 2곳" in in_korean and "군 운산군 / Unsan County" in in_korean
    with pytest.raises(RecordValuesError) as unknown:
        person(analyst, origin="Atlantis")
    assert "not in the gazetteer" in unknown.value.errors["origin"]


# --- the API takes the same words -------------------------------------------------------------


def test_the_api_accepts_korean_labels_and_refuses_unknown_ones_listing_the_accepted(
    client_for, analyst, outsider, vocabularies
):
    client = client_for(analyst)
    values = {"name": "김영희", "sex": "여", "status": "구금", "origin": "회령", "roles": "피해자"}
    response = client.post(
        "/api/v1/records/persons",
        {"values": {**values, "birth_year": "1975년생", "sensitivity": "제한"}},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    got = response.json()["values"]
    assert (got["sex"], got["status"], got["roles"], got["birth_year"]) == (
        "female",
        "detained",
        ["victim"],
        "1975",
    )
    bad = client.post(
        "/api/v1/records/persons",
        {"values": {"name": "X", "sex": "?!", "origin": "Unsan"}},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="ko",
    )
    assert bad.status_code == 422
    assert "여성 (female)" in bad.json()["errors"]["sex"]
    assert "geonames:" in bad.json()["errors"]["origin"]
    listed = client.get("/api/v1/records/persons", {"sensitivity": "제한"})
    assert listed.status_code == 200 and listed.json()["total"] == 1
    assert client.get("/api/v1/records/persons", {"sensitivity": "없음"}).status_code == 400
    refused = client_for(outsider).post(
        "/api/v1/records/persons", {"values": values}, content_type="application/json"
    )
    assert refused.status_code in {401, 403} and m.Person.objects.count() == 1


def test_every_declared_column_title_gives_its_own_field_in_every_kind():
    """A title declared for a field never silently gives another field of the same kind."""
    from sillok.records.aliases import HEADERS, KIND_HEADERS, normalise
    from sillok.records.mappings import default_matches

    shadowed = []
    for kind, specs in FIELDS.items():
        matches = default_matches(kind)
        for spec in specs:
            titles = (*KIND_HEADERS.get(kind, {}).get(spec.name, ()), *HEADERS.get(spec.name, ()))
            for title in titles:
                if matches[normalise(title)] != spec.name:
                    shadowed.append((kind, spec.name, title, matches[normalise(title)]))
    assert shadowed == []


def test_every_place_example_of_the_import_docs_names_one_place(analyst):
    from pathlib import Path

    from django.conf import settings

    docs = Path(settings.BASE_DIR).parent / "docs" / "import-export.md"
    row = next(line for line in docs.read_text().splitlines() if line.startswith("| places |"))
    examples = re.findall(r"`([^`]+)`", row.rsplit("|", 2)[-2])
    assert {"KP-09", "회령시", "Hoeryong"} <= set(examples)
    resolver = Resolver(analyst)
    assert all(resolver.place(example) for example in examples)
    assert resolver.place("Hoeryong").label_ko == "회령시"


def test_a_korean_place_name_without_its_suffix_names_the_place(analyst):
    resolver = Resolver(analyst)
    # 평양 is how Korean writers name 평양직할시; its centre (also 평양) lies inside it.
    assert resolver.place("평양").code == "KP-01"
    assert resolver.place("평양").label_ko == "평양직할시"
    assert resolver.place("무산").label_ko == "무산군"
    assert person(analyst, origin="회령")["origin"] == resolver.place("회령시")
    # A place's own name still comes first, and one syllable is never a short name.
    assert resolver.place("운산군").label_ko == "운산군"
    with pytest.raises(RecordValuesError):
        person(analyst, origin="은")
