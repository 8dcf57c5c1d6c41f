"""The real `sillok vocab` and `sillok places` commands: JSON outputs and exit codes."""

from __future__ import annotations

import json

import pytest

from sillok.testing.cli import run_sillok
from sillok.vocab.models import Term

pytestmark = pytest.mark.django_db(transaction=True)


def run_json(*args: str):
    run = run_sillok(*args, "--json")
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


def test_vocab_list_violations_json_gives_every_term_with_labels_parent_and_law(vocabularies):
    terms = run_json("vocab", "list", "violations")
    violations = Term.objects.filter(vocabulary__slug="violations", active=True)
    assert len(terms) == violations.count()
    codes = [term["code"] for term in terms]
    assert codes.index("torture") < codes.index("torture.beating")  # tree order
    beating = terms[codes.index("torture.beating")]
    assert beating["id"] == violations.get(code="torture.beating").pk
    assert (beating["label_en"], beating["label_ko"], beating["parent"]) == (
        "Beating",
        "구타",
        "torture",
    )
    assert beating["legal"] == {
        "rights": ["ICCPR art. 7", "CAT art. 1"],
        "rome_statute": ["7(1)(f)"],
    }
    assert terms[codes.index("torture")]["parent"] is None


def test_vocab_list_prints_a_tree_and_without_a_slug_the_vocabularies(vocabularies):
    tree = run_sillok("vocab", "list", "violations")
    assert tree.returncode == 0, tree.stderr
    lines = tree.stdout.splitlines()
    assert any(line.startswith("torture  ") for line in lines)
    assert "  torture.beating  Beating / 구타" in lines
    listed = run_sillok("vocab", "list")
    assert listed.returncode == 0 and "violations" in listed.stdout
    slugs = {row["slug"] for row in run_json("vocab", "list")}
    assert {"violations", "relation_types", "songbun"} <= slugs


def test_vocab_refuses_an_unknown_vocabulary_with_exit_2(vocabularies):
    run = run_sillok("vocab", "list", "colours", "--json")
    assert run.returncode == 2
    assert "no vocabulary 'colours'" in run.stderr and "violations" in run.stderr
    assert run_sillok("vocab", "load", "violations").returncode == 2


def test_vocab_load_reloads_the_shipped_files_idempotently(vocabularies):
    summary = run_json("vocab", "load")
    assert "violations" in summary["vocabularies"] and "places" in summary
    assert summary["places"]["created"] == 0
    assert all(counts["created"] == 0 for counts in summary["vocabularies"].values())


def test_places_search_finds_hoeryong_by_hangul_and_romanizations(vocabularies):
    for text in ("회령", "Hoeryong", "Hoeryŏng"):
        places = run_json("places", "search", text)
        city = next(p for p in places if p["kind"] == "city")
        assert city["name_en"].startswith("Hoeryong") and city["name_ko"].startswith("회령"), text
        assert {"code", "name_en", "name_ko", "romanization_rr", "parent"} <= set(city)
    facilities = run_json("places", "search", "Hoeryong", "--kind", "facility", "--limit", "2")
    assert 1 <= len(facilities) <= 2 and {p["kind"] for p in facilities} == {"facility"}


def test_places_bad_usage_exits_2_and_show_prints_a_place(vocabularies):
    assert run_sillok("places", "search", "x", "--kind", "planet").returncode == 2
    assert run_sillok("places", "search", "x", "--limit", "0").returncode == 2
    missing = run_sillok("places", "show", "nowhere")
    assert missing.returncode == 2 and "no place" in missing.stderr
    province = run_json("places", "show", "KP-09")
    assert province["code"] == "KP-09" and province["children"]
    text = run_sillok("places", "search", "회령")
    assert text.returncode == 0 and "회령" in text.stdout
