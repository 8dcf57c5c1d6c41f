"""Snippets: the densest window of a passage, cut between words, matches marked and the rest
escaped."""

from __future__ import annotations

import unicodedata

from sillok.search.highlight import make_snippet
from sillok.search.query import parse_query


def _marked(snippet):
    return [snippet.text[start:end] for start, end in snippet.highlights]


def test_a_korean_highlight_marks_the_stem_without_its_particle():
    snippet = make_snippet("고문을 당했다", {"고문"})
    assert _marked(snippet) == ["고문"]
    assert snippet.html() == "<mark>고문</mark>을 당했다"


def test_an_english_highlight_marks_the_whole_original_word():
    snippet = make_snippet("He was tortured twice.", parse_query("torture").highlight_terms)
    assert _marked(snippet) == ["tortured"]


def test_source_markup_is_escaped():
    snippet = make_snippet("<script>alert('x')</script> tortured & beaten", {"tortur"})
    html = snippet.html()
    assert "<script>" not in html
    assert html.startswith("&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; ")
    assert "<mark>tortured</mark> &amp; beaten" in html


def test_the_window_with_most_distinct_terms_wins_and_is_cut_between_words():
    filler = "가나다 라마바 " * 40
    text = f"고문 {filler}보위부에서 고문을 당했다. {filler}끝"
    snippet = make_snippet(text, {"고문", "보위부"}, length=80)
    assert _marked(snippet) == ["보위부", "고문"]
    assert snippet.text.startswith("…") and snippet.text.endswith("…")
    inner = snippet.text.strip("…")
    assert inner in text
    start = text.index(inner)
    assert text[start - 1] == " " and text[start + len(inner)] == " "


def test_the_earliest_of_equal_windows_wins():
    text = "torture " + "x " * 200 + "torture"
    snippet = make_snippet(text, {"tortur"}, length=40)
    assert snippet.text.startswith("torture") and snippet.highlights == [(0, 7)]


def test_without_matches_the_snippet_is_the_start_of_the_text():
    snippet = make_snippet("word " * 100, {"absent"}, length=30)
    assert snippet.text == ("word " * 6).strip() + "…"
    assert snippet.highlights == []
    assert make_snippet("", {"x"}).text == ""


def test_changed_stems_accents_and_decomposed_text_are_still_marked():
    assert _marked(make_snippet("고문을 당했다", {"당하"})) == ["당했"]
    assert _marked(make_snippet("Chŏngjin: ＴＯＲＴＵＲＥＤ", {"chongjin", "tortur"})) == [
        "Chŏngjin",
        "ＴＯＲＴＵＲＥＤ",
    ]
    decomposed = unicodedata.normalize("NFD", "보위부에서 고문을 당했다")
    snippet = make_snippet(decomposed, {"고문"})
    assert [unicodedata.normalize("NFC", m) for m in _marked(snippet)] == ["고문"]
