"""The synthetic dataset generator (bench/synthetic.py) and the demo records it loads."""

from __future__ import annotations

import csv
import json
import re

import pytest

from bench.synthetic import (
    RowMaker,
    batches,
    count_of,
    load_world,
    make_world,
    model_values,
    raw_values,
    write_csv,
)
from bench.synthetic_people import BLOCKED
from bench.synthetic_text import josa
from bench.synthetic_world import KIND_ORDER, Plan

pytestmark = pytest.mark.django_db
HANGUL = re.compile("[가-힣]")
SMALL = Plan.for_persons(40)


def all_rows(world) -> dict[str, list[tuple[int, dict]]]:
    maker = RowMaker(world)
    return {
        kind: [pair for indices in batches(world, kind, 50) for pair in maker.rows(kind, indices)]
        for kind in KIND_ORDER
    }


def as_text(world) -> dict[str, list[dict]]:
    """Every row as raw text, references numbered from 1 in load order."""
    rows = all_rows(world)
    ids = {kind: [0] * count_of(world, kind) for kind in KIND_ORDER}
    for kind, pairs in rows.items():
        for position, (index, _) in enumerate(pairs, start=1):
            ids[kind][index] = position
    return {kind: [raw_values(kind, row, ids) for _, row in pairs] for kind, pairs in rows.items()}


@pytest.fixture
def loaded(vocabularies, documentation_officer):
    world = make_world(SMALL, seed=11)
    return world, load_world(world, documentation_officer, validate=True)


def test_a_small_dataset_loads_through_the_import_service_without_errors(loaded):
    from sillok.records.kinds import get_kind
    from sillok.records.models import RecordVersion

    world, report = loaded
    for kind in KIND_ORDER:
        assert report.counts[kind] == count_of(world, kind) > 0, kind
        assert get_kind(kind).model.objects.count() == report.counts[kind]
    assert RecordVersion.objects.filter(action="imported").count() == report.total


def test_the_same_seed_gives_the_same_dataset(vocabularies):
    first, again = as_text(make_world(SMALL, seed=3)), as_text(make_world(SMALL, seed=3))
    other = as_text(make_world(SMALL, seed=4))
    assert first == again
    assert first["person"] != other["person"] and first["event"] != other["event"]


def test_text_is_in_korean_and_in_english(loaded):
    from sillok.records.models import Event, Testimony

    texts = [e.title + e.description for e in Event.objects.all()]
    texts += [t.summary for t in Testimony.objects.all()]
    korean = [t for t in texts if HANGUL.search(t)]
    english = [t for t in texts if not HANGUL.search(t)]
    assert len(korean) >= 5 and len(english) >= 3
    assert all(len(t) > 80 for t in texts)
    assert not any("lorem" in t.lower() or "{" in t for t in texts)


def test_every_act_has_a_violation_type_of_the_violations_vocabulary(loaded):
    from sillok.records.models import Act

    acts = Act.objects.select_related("violation_type__vocabulary")
    assert {act.violation_type.vocabulary.slug for act in acts} == {"violations"}
    assert len({act.violation_type.code for act in acts}) >= 8


def test_references_point_at_records_of_the_dataset(loaded):
    from sillok.records.models import Act, Information, Involvement, Link, Testimony

    world, report = loaded
    ids = {kind: set(pks) for kind, pks in report.ids.items()}
    for act in Act.objects.select_related("victim"):
        assert act.event_id in ids["event"] and act.victim_id in ids["person"]
        assert "victim" in act.victim.roles
    for involvement in Involvement.objects.all():
        assert involvement.act_id in ids["act"]
        assert involvement.perpetrator_id or involvement.organization_id
    for testimony in Testimony.objects.select_related("witness"):
        assert "witness" in testimony.witness.roles
    for information in Information.objects.all():
        assert information.source_id in ids["source"] and information.event_id in ids["event"]
    for link in Link.objects.all():
        for end_kind, end_id in ((link.from_kind, link.from_id), (link.to_kind, link.to_id)):
            assert end_kind == "place" or end_id in ids[end_kind]


def normalized(kind: str, values: dict) -> dict:
    """Model values with objects as ids, references named as their columns ("event_id")."""
    from sillok.records.fields import FIELDS

    references = {spec.name for spec in FIELDS[kind] if spec.type == "record"}
    found = {}
    for name, value in values.items():
        if name in references and value is not None:
            name, value = name + "_id", value.pk
        found[name] = getattr(value, "pk", value)
    return found


def test_direct_values_are_what_clean_values_makes_of_the_same_row(
    vocabularies, documentation_officer
):
    """The fast path (no clean_values) writes exactly what an import would."""
    from sillok.records.fields import clean_values
    from sillok.records.resolve import Resolver

    plan = Plan.for_persons(20)
    world = make_world(plan, seed=5)
    world.interviewer = documentation_officer.username
    report = load_world(world, documentation_officer)  # records for the rows to refer to
    resolver = Resolver(documentation_officer)
    users = {documentation_officer.username: documentation_officer}
    other = make_world(plan, seed=6)
    other.interviewer = documentation_officer.username
    for kind, pairs in all_rows(other).items():
        for _, row in pairs[:15]:
            direct = model_values(kind, row, report.ids, users)
            cleaned = clean_values(kind, raw_values(kind, row, report.ids), resolver)
            assert normalized(kind, direct) == normalized(kind, cleaned), kind


def test_csv_files_import_in_the_order_of_the_manifest(
    vocabularies, documentation_officer, tmp_path
):
    from sillok.records.importing import import_file

    world = make_world(Plan.for_persons(24), seed=9)
    files = write_csv(world, tmp_path)
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert [f["file"] for f in manifest["files"]] == [f["file"] for f in files]
    persons = next(f for f in files if f["kind"] == "persons")
    with (tmp_path / persons["file"]).open(encoding="utf-8") as handle:
        header = next(csv.reader(handle))
    assert header[:3] == ["name", "name_hangul", "name_latin"]
    for entry in files:
        report = import_file(documentation_officer, entry["kind"], tmp_path / entry["file"])
        assert report.ok, (entry, report.errors[:3])
        assert report.imported == entry["rows"]


def test_victims_never_bear_the_name_of_a_public_figure(vocabularies):
    world = make_world(Plan.for_persons(3000, events=0, acts=0), seed=1)
    names = {world.person(i)["hangul"] for i in range(3000)}
    assert not names & BLOCKED
    surnames = [name[0] for name in names]
    assert surnames.count("김") > surnames.count("박") > surnames.count("허")


def test_korean_particles_agree_with_the_word_before_them():
    assert josa("리영철", "은") == "리영철은" and josa("김순희", "은") == "김순희는"
    assert josa("김순희", "을") == "김순희를" and josa("온성군 보위부", "으로") == "온성군 보위부로"
    assert josa("청진", "으로") == "청진으로" and josa("서울", "으로") == "서울로"
    assert josa("제15호 관리소 (요덕)", "으로") == "제15호 관리소 (요덕)로"


@pytest.fixture
def demo_users(make_user):
    return (
        make_user("demo-documentation-officer", "documentation-officer"),
        make_user("demo-analyst", "analyst"),
        make_user("demo-legal-expert", "legal-expert"),
    )


def test_the_demo_loads_once_and_shows_every_review_state(vocabularies, demo_users, repo_home):
    from bench.synthetic_demo import do_load_demo_records
    from sillok.demo.services import load_demo_documents
    from sillok.records.models import Event, RecordVersion, Testimony

    load_demo_documents()
    first = do_load_demo_records()
    second = do_load_demo_records()
    assert first.loaded_now and not second.loaded_now
    assert first.counts == second.counts
    assert first.counts["persons"] == 60 and first.counts["events"] == 20
    assert first.counts["acts"] == 80 and first.counts["testimonies"] == 15
    assert first.counts["links"] >= 60 and first.counts["organizations"] == 10
    assert set(Event.objects.values_list("review_status", flat=True)) == {
        "draft",
        "in_review",
        "reviewed",
    }
    assert RecordVersion.objects.filter(action="returned").exists()
    assert (
        first.items_linked and Testimony.objects.exclude(items=None).count() == first.items_linked
    )
