"""The analyzer: Korean morphology, English stemming, names, offsets, and terms that both
full-text backends keep whole."""

from __future__ import annotations

import sqlite3  # pysqlite3 after `import sillok` (FTS5 with contentless-delete)
import unicodedata

import pytest

from sillok.search.analysis import analyze, analyze_many, name_terms, terms


@pytest.mark.parametrize("text", ["고문", "고문을", "고문당했다", "고문을 당했다"])
def test_every_form_of_a_korean_word_gives_its_stem(text):
    assert terms(text)[0] == "고문"


def test_particles_endings_and_suffixes_are_dropped():
    assert terms("고문을 당했다") == ["고문", "당하"]
    assert terms("김정철이 보위부에 체포되었다") == ["김정철", "보위부", "체포"]


def test_pronouns_and_bound_nouns_are_dropped():
    assert terms("그는 그것을 보았다") == ["보"]


@pytest.mark.parametrize("word", ["tortured", "torture", "Torturing", "TORTURES"])
def test_english_words_are_stemmed_to_one_term(word):
    assert terms(word) == ["tortur"]


def test_english_stopwords_and_punctuation_are_dropped():
    assert terms("He was tortured in the camp.") == ["tortur", "camp"]


def test_latin_words_lose_diacritics_and_inner_apostrophes():
    assert terms("Kim Jŏng-ch'ŏl") == ["kim", "jong", "chol"]


def test_offsets_point_into_the_text_as_given():
    text = "보위부에서 He was TORTURED. 고문을 당했다"
    spans = {t.text: text[t.start : t.end] for t in analyze(text)}
    assert spans == {"보위부": "보위부", "tortur": "TORTURED", "고문": "고문", "당하": "당했"}


def test_offsets_survive_unicode_normalization():
    decomposed = unicodedata.normalize("NFD", "고문을 당했다 café")
    assert len(decomposed) > len("고문을 당했다 café")
    found = analyze(decomposed)
    assert [t.text for t in found] == ["고문", "당하", "cafe"]
    assert unicodedata.normalize("NFC", decomposed[found[0].start : found[0].end]) == "고문"
    assert decomposed[found[2].start : found[2].end].startswith("cafe")
    assert found[2].end == len(decomposed)


def test_full_width_letters_are_folded():
    text = "ＴＯＲＴＵＲＥ　１９９０년"
    assert [(t.text, text[t.start : t.end]) for t in analyze(text)] == [
        ("tortur", "ＴＯＲＴＵＲＥ"),
        ("1990", "１９９０"),
    ]


def test_empty_and_blank_texts_have_no_terms():
    assert terms("") == terms("   \n") == terms("...!?") == []


def test_long_texts_keep_their_offsets():
    sentence = "그는 회령 보위부에서 고문을 당했다. He was tortured there. "
    text = sentence * 200  # far beyond one Kiwi chunk
    found = analyze(text)
    assert [t.text for t in found] == terms(sentence) * 200
    alone = analyze(sentence)
    shift = len(sentence) * 199
    assert [(t.start - shift, t.end - shift) for t in found[-len(alone) :]] == [
        (t.start, t.end) for t in alone
    ]


def test_batch_analysis_equals_one_by_one():
    texts = ["고문을 당했다", "", "He was tortured.", "김정철은 회령시에서 tortured 당했다"]
    assert analyze_many(texts) == [analyze(text) for text in texts]


def test_names_carry_romanization_keys_and_terms():
    hangul = name_terms(["김정철"])
    assert {"김정철", "kimjongchol", "kimchongchol", "kimjeongcheol"} <= set(hangul)
    assert set(terms("김정철")) <= set(hangul)
    assert {"kimjongchol", "kim", "jong", "chol"} <= set(name_terms(["Kim Jŏng-ch'ŏl"]))
    assert len(hangul) == len(set(hangul))


MIXED = (
    "김정철은 1990년 保衛部에서 고문을 당했다. He was TORTURED at camp No. 16 in Hoeryong; "
    "ÉTUDE naïve Straße İstanbul ǅemal Ωμέγα Москва ١٢٣ x² ＡＢＣ e-mail: a_b@c.org 😀 "
    "ﬁnal Ⅻ ㈜ 𠀀"
)


def test_every_term_is_exactly_one_fts5_token():
    found = terms(MIXED) + name_terms(["김정철", "Kim Jŏng-ch'ŏl", "Straße ǅemal"])
    db = sqlite3.connect(":memory:")
    db.execute(
        "CREATE VIRTUAL TABLE t USING fts5(body, tokenize = "
        "\"unicode61 remove_diacritics 0 tokenchars '_'\")"
    )
    db.execute("CREATE VIRTUAL TABLE v USING fts5vocab(t, 'instance')")
    db.execute("INSERT INTO t (body) VALUES (?)", [" ".join(found)])
    tokens = [row[0] for row in db.execute("SELECT term FROM v ORDER BY offset")]
    assert tokens == found
