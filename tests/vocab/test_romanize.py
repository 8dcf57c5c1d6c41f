"""Romanizations of Korean names, and the keys that let any of them find the record."""

import pytest

from sillok.vocab.romanize import (
    name_key,
    name_keys,
    person_name_romanizations,
    romanize_mr,
    romanize_rr,
)

# Names


def test_person_name_has_rr_mr_and_simple_forms_preferred_first():
    names = person_name_romanizations("김정철")
    assert names["rr"][:2] == ["Kim Jeong-cheol", "Kim Jeongcheol"]
    assert names["mr"][0] == "Kim Chŏng-ch'ŏl"
    assert names["simple"][:2] == ["Kim Chong-chol", "Kim Chong Chol"]
    assert "Kim Jung-chul" in names["simple"]


def test_kim_jong_chol_is_the_dprk_spelling_of_jeong_as_in_kim_jong_il():
    # 정 is RR jeong, MR chŏng; the DPRK writes ㅈ as j and drops the breve: Jong.
    assert "Kim Jong Chol" in person_name_romanizations("김정철")["simple"]
    assert "Kim Jong Il" in person_name_romanizations("김정일")["simple"]
    assert "Kim Jong Un" in person_name_romanizations("김정은")["simple"]


def test_jeong_and_jong_differ_with_diacritics_but_meet_without():
    jeong, jong = person_name_romanizations("김정철"), person_name_romanizations("김종철")
    assert jong["rr"][0] == "Kim Jong-cheol"
    assert jong["mr"] == ["Kim Chong-ch'ŏl"]
    assert "Kim Jong Chol" in jong["simple"]
    assert name_key(jeong["mr"][0]) == name_key(jong["mr"][0]) == "kimchongchol"
    assert name_key(jeong["rr"][0]) != name_key(jong["rr"][0])


def test_surname_i_is_found_as_lee_yi_rhee_and_ri():
    names = person_name_romanizations("이민호")
    assert names["rr"][0] == "Lee Min-ho"
    assert names["mr"] == ["Yi Min-ho"]
    everything = {n.split()[0] for forms in names.values() for n in forms}
    assert {"Lee", "Yi", "Rhee", "Ri"} <= everything


@pytest.mark.parametrize(
    ("hangul", "expected"),
    [
        ("리설주", "Ri Sol Ju"),
        ("최룡해", "Choe Ryong Hae"),
        ("장성택", "Jang Song Thaek"),
        ("장성택", "Jang Song Taek"),
        ("박봉주", "Pak Pong Ju"),
    ],
)
def test_dprk_officials_are_found_under_their_english_press_spelling(hangul, expected):
    assert expected in person_name_romanizations(hangul)["simple"]


def test_dprk_surnames_keep_initial_rieul():
    assert person_name_romanizations("리설주")["rr"][0] == "Ri Seol-ju"
    assert person_name_romanizations("량철")["mr"] == ["Ryang Ch'ŏl"]
    assert person_name_romanizations("류민")["rr"][0] == "Ryu Min"


def test_mr_voices_plain_stops_inside_the_given_name():
    assert person_name_romanizations("김대중")["mr"] == ["Kim Tae-jung"]
    assert person_name_romanizations("이명박")["mr"] == ["Yi Myŏng-bak"]
    assert person_name_romanizations("김옥균")["mr"] == ["Kim Ok-kyun"]


def test_given_name_syllables_are_romanized_without_assimilation():
    assert person_name_romanizations("김학민")["rr"][0] == "Kim Hak-min"


def test_two_syllable_surname_is_recognised():
    names = person_name_romanizations("남궁민")
    assert names["rr"] == ["Namgung Min", "Namkoong Min"]
    assert names["mr"] == ["Namgung Min"]
    assert person_name_romanizations("황보 철")["rr"] == ["Hwangbo Cheol"]


def test_space_between_surname_and_given_name_changes_nothing():
    assert person_name_romanizations("김 정철") == person_name_romanizations("김정철")


def test_rare_surname_falls_back_to_plain_romanization():
    names = person_name_romanizations("탁민")
    assert names["rr"] == ["Tak Min"]
    assert names["mr"] == ["T'ak Min"]


def test_variants_are_unique():
    for forms in person_name_romanizations("리설주").values():
        assert len(forms) == len(set(forms))


@pytest.mark.parametrize(
    "text", ["", "   ", "Kim Jong Chol", "김 Kim", "김", "김정철수영", "김-정철"]
)
def test_anything_but_a_hangul_name_has_no_romanizations(text):
    assert person_name_romanizations(text) == {"rr": [], "mr": [], "simple": []}


# Places and words


@pytest.mark.parametrize(
    ("hangul", "rr", "mr"),
    [
        ("청진시", "Cheongjin-si", "Ch'ŏngjin-si"),
        ("함경북도", "Hamgyeongbuk-do", "Hamgyŏngbuk-to"),
        ("평안남도", "Pyeongannam-do", "P'yŏngannam-do"),
        ("평양", "Pyeongyang", "P'yŏngyang"),
        ("중구역", "Jung-guyeok", "Chung-guyŏk"),
        ("양강도 혜산시", "Yanggang-do Hyesan-si", "Yanggang-do Hyesan-si"),
    ],
)
def test_place_names_hyphenate_the_administrative_suffix(hangul, rr, mr):
    assert romanize_rr(hangul) == rr
    assert romanize_mr(hangul) == mr


def test_ordinary_words_ending_like_a_suffix_are_not_split():
    assert romanize_rr("정도") == "Jeongdo"


def test_non_hangul_text_passes_through():
    assert romanize_rr("회령시 (North Korea), 2019") == "Hoeryeong-si (North Korea), 2019"
    assert romanize_mr("") == ""


# Keys


def test_name_key_ignores_case_diacritics_and_punctuation():
    assert name_key("Kim Chŏng-ch'ŏl") == name_key("kim chong chol") == "kimchongchol"
    assert name_key("KIM Chǒng’ch‘ǒl") == "kimchongchol"
    assert name_key("Ｋｉｍ") == "kim"


def test_name_key_keeps_hangul_whole():
    assert name_key(" 김정철 ") == "김정철"
    assert name_key("김 정철") == "김정철"


def test_hangul_name_is_findable_under_every_common_spelling():
    keys = name_keys("김정철")
    for spelling in [
        "김정철",
        "Kim Jeong-cheol",
        "Kim Chŏng-ch'ŏl",
        "Kim Jong Chol",
        "Kim Jung Chul",
    ]:
        assert name_key(spelling) in keys


def test_hangul_place_is_findable_under_its_romanizations():
    keys = name_keys("회령시")
    assert {"회령시", "hoeryeongsi", "hoeryongsi"} <= keys


def test_latin_name_has_only_its_own_key():
    assert name_keys("Kim Jong-chol") == {"kimjongchol"}


def test_empty_input_has_no_keys():
    assert name_key("") == ""
    assert name_keys("") == set()
    assert name_keys(" - ") == set()
