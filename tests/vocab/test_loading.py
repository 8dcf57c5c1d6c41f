"""Loading the shipped vocabularies and gazetteer: content, idempotence, bad files."""

from __future__ import annotations

import pytest

from sillok.vocab.loading import VocabularyFileError, load_vocabulary, parse_vocabulary
from sillok.vocab.models import Origin, Place, Term, Vocabulary
from sillok.vocab.queries import search_places, subtree, term_by_code
from sillok.vocab.services import do_load_shipped_data

pytestmark = pytest.mark.django_db

SHIPPED = [
    "violations",
    "facility_types",
    "institutions",
    "songbun",
    "involvement_degrees",
    "source_types",
    "relation_types",
]


def test_every_shipped_vocabulary_is_loaded_with_english_and_korean_labels(vocabularies):
    assert set(SHIPPED) <= set(Vocabulary.objects.values_list("slug", flat=True))
    for slug in SHIPPED:
        terms = Term.objects.filter(vocabulary__slug=slug)
        assert terms.count() >= 3, slug
        assert not terms.filter(label_ko="").exists(), f"{slug} has terms without Korean"


def test_violation_types_cover_the_resolution_categories_with_legal_mappings(vocabularies):
    for code in [
        "torture",
        "life.execution.public",
        "life.execution.secret",
        "life.execution.judicial",
        "political_prison_camp",
        "disappearance",
        "abduction",
        "repatriation.refoulement",
        "freedoms.religion",
        "movement",
        "esc.food",
        "women",
        "children",
        "disability",
        "workers.overseas",
        "songbun",
        "separated_families",
        "pow",
    ]:
        assert term_by_code("violations", code) is not None, code
    torture = term_by_code("violations", "torture")
    assert any("ICCPR" in right for right in torture.data["rights"])
    assert "7(1)(f)" in torture.data["rome_statute"]
    # Sub-types sit below their category, to any depth.
    execution = term_by_code("violations", "life.execution")
    codes = set(subtree(execution).values_list("code", flat=True))
    assert {"life.execution.public", "life.execution.judicial"} <= codes
    assert term_by_code("violations", "life.execution.public").depth == 2


def test_relation_types_carry_their_reverse_label(vocabularies):
    relations = Term.objects.filter(vocabulary__slug="relation_types")
    assert relations.exists()
    for relation in relations:
        reverse = relation.data.get("reverse") or {}
        assert reverse.get("en") and reverse.get("ko"), relation.code
    assert relations.filter(data__chain=True).count() >= 3


def test_the_gazetteer_has_every_dprk_province_and_about_200_counties(vocabularies):
    provinces = Place.objects.filter(kind="province", country="KP")
    assert provinces.count() == 13
    assert set(provinces.values_list("code", flat=True)) == {
        "KP-01",
        "KP-02",
        "KP-03",
        "KP-04",
        "KP-05",
        "KP-06",
        "KP-07",
        "KP-08",
        "KP-09",
        "KP-10",
        "KP-13",
        "KP-14",
        "KP-15",
    }
    below = Place.objects.filter(kind__in=["county", "city", "district"], country="KP")
    assert 190 <= below.count() <= 230
    assert below.exclude(label_ko="").count() >= 190
    assert below.filter(parent__isnull=True).count() == 0


@pytest.mark.parametrize("spelling", ["회령", "회령시", "Hoeryong", "Hoeryŏng", "hoeryeong"])
def test_places_are_found_by_hangul_and_any_romanization(vocabularies, spelling):
    found = search_places(spelling, kinds=["city", "county"])
    assert found and found[0].label_ko == "회령시", [p.label_en for p in found]
    assert found[0].parent.code == "KP-09"


def test_known_facilities_and_places_abroad_are_in_the_gazetteer(vocabularies):
    yodok = search_places("요덕", kinds=["facility"])
    assert yodok and yodok[0].facility_type.code == "kwanliso"
    assert search_places("Dandong")[0].country == "CN"
    assert search_places("단둥")[0].country == "CN"


def test_loading_again_changes_nothing(vocabularies):
    terms, places = Term.objects.count(), Place.objects.count()
    result = do_load_shipped_data()
    assert all(
        counts == {"created": 0, "updated": 0, "retired": 0}
        for counts in result["vocabularies"].values()
    )
    assert result["places"] == {"created": 0, "updated": 0}
    assert (Term.objects.count(), Place.objects.count()) == (terms, places)


def test_a_term_that_leaves_the_files_is_retired_not_deleted(db):
    document = {
        "vocabulary": "colours",
        "label": {"en": "Colours", "ko": "색"},
        "terms": [
            {
                "code": "red",
                "label": {"en": "Red", "ko": "빨강"},
                "children": [{"code": "red.dark", "label": {"en": "Dark red"}}],
            },
            {"code": "blue", "label": {"en": "Blue", "ko": "파랑"}},
        ],
    }
    header, specs = parse_vocabulary(document, "colours.yaml")
    assert load_vocabulary(header, specs, origin=Origin.SHIPPED)["created"] == 3
    dark = Term.objects.get(code="red.dark")
    assert (dark.parent.code, dark.depth, dark.path.count("/")) == ("red", 1, 3)
    document["terms"] = document["terms"][1:]
    header, specs = parse_vocabulary(document, "colours.yaml")
    assert load_vocabulary(header, specs, origin=Origin.SHIPPED)["retired"] == 2
    assert Term.objects.filter(code__startswith="red", active=False).count() == 2


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"label": {"en": "x"}}, "not a vocabulary file"),
        ({"vocabulary": "v", "label": {"ko": "한"}}, "label.en is required"),
        (
            {
                "vocabulary": "v",
                "label": {"en": "V"},
                "terms": [{"code": "Bad Code", "label": {"en": "x"}}],
            },
            "code must match",
        ),
        (
            {
                "vocabulary": "v",
                "label": {"en": "V"},
                "terms": [
                    {"code": "a", "label": {"en": "A"}},
                    {"code": "a", "label": {"en": "again"}},
                ],
            },
            "code used twice",
        ),
        (
            {"vocabulary": "v", "label": {"en": "V"}, "terms": [{"code": "a"}]},
            "label.en is required",
        ),
        ({"vocabulary": "v", "label": {"en": "V"}, "terms": "not a list"}, "must be a list"),
    ],
)
def test_malformed_vocabulary_files_are_refused_saying_where(document, message):
    with pytest.raises(VocabularyFileError, match=message):
        parse_vocabulary(document, "v.yaml")
