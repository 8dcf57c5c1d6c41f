"""Legal frameworks as data: the shipped Rome Statute and ROK act load with every element the
other parts of issue 15 rely on, reload idempotently, link elements to violation terms, and
an administrator's own file is checked completely (nothing changes when it is bad)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission

from sillok.assessment.elements import (
    ElementNotFound,
    crimes,
    elements_for_charge,
    find_element,
    modes,
    standard_rule,
    standards,
)
from sillok.assessment.framework_files import FrameworkFileError
from sillok.assessment.frameworks import (
    FrameworkLoadRefused,
    do_load_framework_file,
    do_load_shipped_frameworks,
    load_shipped_frameworks,
)
from sillok.assessment.models import Element, ElementKind, Framework
from sillok.custody.models import AuditEntry

pytestmark = pytest.mark.django_db

CONTEXTUAL = [
    "art7-context.attack",
    "art7-context.widespread-systematic",
    "art7-context.policy",
    "art7-context.nexus",
    "art7-context.knowledge",
]
CRIMES = [
    "art7-1-a", "art7-1-b", "art7-1-c", "art7-1-d", "art7-1-e", "art7-1-f", "art7-1-g-1",
    "art7-1-g-2", "art7-1-g-3", "art7-1-g-4", "art7-1-g-5", "art7-1-g-6", "art7-1-h",
    "art7-1-i", "art7-1-j", "art7-1-k",
]  # fmt: skip
MODES = ["art25-3-a", "art25-3-b", "art25-3-c", "art25-3-d", "art28-a", "art28-b"]
STANDARDS = {
    "standard-rgb": (1, {"independent_sources": 2, "first_hand": 1, "weight": "medium",
                         "uncontradicted": False}),
    "standard-cc": (2, {"independent_sources": 2, "first_hand": 2, "weight": "medium",
                        "uncontradicted": True}),
    "standard-brd": (3, {"independent_sources": 3, "first_hand": 2, "weight": "high",
                         "uncontradicted": True}),
}  # fmt: skip
# Crime-specific elements per the ICC Elements of Crimes (the last two of each are contextual).
ELEMENT_COUNTS = {
    "art7-1-a": 1, "art7-1-b": 2, "art7-1-c": 1, "art7-1-d": 3, "art7-1-e": 3, "art7-1-f": 3,
    "art7-1-g-1": 2, "art7-1-g-2": 2, "art7-1-g-3": 2, "art7-1-g-4": 1, "art7-1-g-5": 2,
    "art7-1-g-6": 3, "art7-1-h": 4, "art7-1-i": 6, "art7-1-j": 5, "art7-1-k": 3,
}  # fmt: skip


def _codes(framework: Framework, **filters) -> set[str]:
    return set(
        Element.objects.filter(framework=framework, **filters).values_list("code", flat=True)
    )


def test_every_element_code_the_contract_fixes_is_shipped(rome):
    codes = _codes(rome, active=True)
    assert {"art7", "art7-context", "liability", "standards"} <= codes
    assert set(CONTEXTUAL) <= codes
    assert set(CRIMES) <= codes
    assert set(MODES) <= codes
    assert set(STANDARDS) <= codes
    assert [e.code for e in crimes(rome)] == CRIMES
    assert [e.code for e in modes(rome)] == MODES
    for mode in MODES:
        assert f"{mode}.1" in codes and f"{mode}.2" in codes


def test_each_crime_has_its_elements_numbered_as_in_the_elements_of_crimes(rome):
    context = Element.objects.get(framework=rome, code="art7-context")
    for code, count in ELEMENT_COUNTS.items():
        crime = Element.objects.get(framework=rome, code=code)
        assert (crime.kind, crime.context) == (ElementKind.CRIME, context)
        children = list(crime.children.order_by("sort_order"))
        assert [c.code for c in children] == [f"{code}.{n}" for n in range(1, count + 1)]
        for number, child in enumerate(children, start=1):
            assert child.kind == ElementKind.ELEMENT
            assert child.reference.endswith(f"element {number}") or (
                f"element {number} and fn." in child.reference
            ), child.reference
            assert "ICC Elements of Crimes (2011), art. 7(1)(" in child.reference


def test_persecution_names_its_grounds_and_sexual_violence_its_variants(rome):
    grounds = Element.objects.get(framework=rome, code="art7-1-h.3").data["grounds"]
    assert [g["code"] for g in grounds] == [
        "political", "racial", "national", "ethnic", "cultural", "religious", "gender", "other",
    ]  # fmt: skip
    assert all(g["en"] and g["ko"] for g in grounds)
    variants = Element.objects.filter(framework=rome, data__variant_of="7(1)(g)")
    assert sorted(v.code for v in variants) == [f"art7-1-g-{n}" for n in range(1, 7)]


def test_standards_carry_their_rank_and_rule(rome):
    for code, (rank, rule) in STANDARDS.items():
        standard = Element.objects.get(framework=rome, code=code)
        assert standard.data == {"rank": rank, "rule": rule}
        assert standard_rule(standard) == rule
    assert [s.code for s in standards(rome)] == list(STANDARDS)


def test_every_element_has_english_and_korean_labels_marked_as_ours(rome):
    for framework in Framework.objects.all():
        assert framework.label_en and framework.label_ko and framework.source
        assert framework.licence
        elements = Element.objects.filter(framework=framework)
        assert elements.count() > 30
        for element in elements:
            assert element.label_en and element.label_ko, element.code
            assert element.korean_ours, element.code
    torture = Element.objects.get(framework=rome, code="art7-1-f")
    assert (torture.label_en, torture.label_ko) == ("Torture", "고문")


def test_crimes_and_elements_are_linked_to_the_violation_terms_that_prove_them(rome):
    torture = Element.objects.get(framework=rome, code="art7-1-f")
    torture_terms = set(torture.terms.values_list("code", flat=True))
    assert {"torture", "torture.beating", "repatriation.interrogation"} <= torture_terms
    assert "life.execution" not in torture_terms
    imprisonment = set(
        Element.objects.get(framework=rome, code="art7-1-e.1").terms.values_list("code", flat=True)
    )
    assert {"detention.kyohwaso", "political_prison_camp"} <= imprisonment
    rape = Element.objects.get(framework=rome, code="art7-1-g-1")
    assert list(rape.terms.values_list("code", flat=True)) == ["sgbv.rape"]
    # Modes of liability link to the involvement degrees mapped to them.
    superior = Element.objects.get(framework=rome, code="art28-a")
    assert list(superior.terms.values_list("vocabulary__slug", "code")) == [
        ("involvement_degrees", "superior.military")
    ]
    for code in CRIMES:
        if code != "art7-1-j":  # no violation type is mapped to apartheid
            assert Element.objects.get(framework=rome, code=code).terms.exists(), code


def test_the_rok_act_has_crimes_against_humanity_and_superior_responsibility(vocabularies):
    rok = Framework.objects.get(code="rok-icc-act")
    codes = _codes(rok)
    assert {"art9-context.attack", "art9-context.policy", "art9-1", "art9-2-5", "art5"} <= codes
    assert {"standard-rgb", "standard-cc", "standard-brd"} <= codes
    torture = Element.objects.get(framework=rok, code="art9-2-5")
    assert torture.context.code == "art9-context" and torture.label_ko == "고문"
    assert torture.terms.filter(code="torture.beating").exists()
    mode = Element.objects.get(framework=rok, code="art5")
    charge = elements_for_charge(torture, mode)
    assert [c.section for c in charge][:5] == ["contextual"] * 5
    assert charge[-1].element.code == "art5.5"


def test_reloading_changes_nothing_and_writes_no_audit_entry(rome):
    before = {e.pk: (e.updated_at, e.label_en) for e in Element.objects.all()}
    audit_before = AuditEntry.objects.count()
    summary = do_load_shipped_frameworks()
    assert summary["changed"] == {}
    assert all(not any(c.values()) for c in summary["frameworks"].values())
    assert {e.pk: (e.updated_at, e.label_en) for e in Element.objects.all()} == before
    assert AuditEntry.objects.count() == audit_before


def test_a_changed_element_is_restored_and_the_reload_is_audited(rome):
    element = Element.objects.get(framework=rome, code="art7-1-f.1")
    element.label_en = "Edited by hand"
    element.save()
    element.terms.clear()
    summary = do_load_shipped_frameworks()
    assert summary["changed"]["rome-statute"]["updated"] == 1
    element.refresh_from_db()
    assert element.label_en.startswith("The perpetrator inflicted severe")
    assert element.terms.filter(code="torture.beating").exists()
    entry = AuditEntry.objects.order_by("-seq").first()
    assert entry.action == "assessment.frameworks_loaded"
    assert entry.details["frameworks"]["rome-statute"]["updated"] == 1


def test_an_element_that_left_the_file_is_retired_not_deleted(rome):
    extra = Element.objects.create(
        framework=rome, code="art7-1-z", kind=ElementKind.CRIME, label_en="Gone"
    )
    counts = load_shipped_frameworks()["rome-statute"]
    extra.refresh_from_db()
    assert counts["retired"] == 1 and extra.active is False
    with pytest.raises(ElementNotFound):
        find_element("rome-statute:art7-1-z")


# --- elements.py -------------------------------------------------------------------------


def test_elements_for_a_charge_come_contextual_then_crime_then_mode(rome):
    torture = find_element("rome-statute:art7-1-f")
    commission = find_element("art25-3-a", rome)
    charge = elements_for_charge(torture, commission)
    assert [(c.section, c.element.code) for c in charge] == [
        *[("contextual", code) for code in CONTEXTUAL],
        ("crime", "art7-1-f.1"), ("crime", "art7-1-f.2"), ("crime", "art7-1-f.3"),
        ("mode", "art25-3-a.1"), ("mode", "art25-3-a.2"), ("mode", "art25-3-a.3"),
        ("mode", "art25-3-a.4"),
    ]  # fmt: skip
    with pytest.raises(ValueError, match="not a crime"):
        elements_for_charge(commission, commission)


def test_find_element_accepts_the_spellings_people_type(rome):
    torture = Element.objects.get(framework=rome, code="art7-1-f")
    assert find_element("rome-statute:art7-1-f") == torture
    assert find_element(" art7-1-f ", rome) == torture
    assert find_element(str(torture.pk)) == torture
    with pytest.raises(ElementNotFound, match="names several elements"):
        find_element("standard-rgb")  # in both shipped frameworks
    assert find_element("standard-rgb", rome).framework == rome
    with pytest.raises(ElementNotFound, match="no element 'art99'"):
        find_element("art99")
    with pytest.raises(ElementNotFound, match="no element given"):
        find_element("")


# --- an administrator's own framework ----------------------------------------------------

GOOD_FILE = """
framework: local-code
label: {en: "A national code", ko: "국내법"}
source: "Test statute"
elements:
  - code: crimes
    kind: group
    label: {en: Crimes, ko: 범죄}
    children:
      - code: ctx
        kind: group
        label: {en: Context}
        children:
          - code: ctx.attack
            kind: contextual
            label: {en: Attack, ko: 공격}
      - code: c1
        kind: crime
        context: ctx
        label: {en: Torture, ko: 고문}
        terms: [torture.beating]
        children:
          - code: c1.1
            kind: element
            label: {en: Pain, ko: 고통}
            terms_with: {rome_statute: "7(1)(f)"}
  - code: modes
    kind: group
    label: {en: Modes}
    children:
      - code: m1
        kind: mode
        label: {en: Perpetration}
        children:
          - {code: m1.1, kind: element, label: {en: Did it}}
  - code: standards
    kind: group
    label: {en: Standards}
    children:
      - code: s1
        kind: standard
        label: {en: Enough}
        data: {rank: 1, rule: {independent_sources: 1}}
"""


@pytest.fixture
def framework_admin(admin):
    admin.user_permissions.add(Permission.objects.get(codename="manage_frameworks"))
    return type(admin).objects.get(pk=admin.pk)  # a fresh permission cache


def _write(tmp_path: Path, text: str, name: str = "local.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_an_administrator_loads_a_framework_and_reloads_it(framework_admin, tmp_path, vocabularies):
    path = _write(tmp_path, GOOD_FILE)
    framework = do_load_framework_file(framework_admin, path)
    assert (framework.code, framework.origin, framework.label_ko) == (
        "local-code",
        "local",
        "국내법",
    )
    crime = Element.objects.get(framework=framework, code="c1")
    assert crime.context.code == "ctx" and crime.origin == "local"
    assert list(crime.terms.values_list("code", flat=True)) == ["torture.beating"]
    assert standard_rule(Element.objects.get(framework=framework, code="s1")) == {
        "independent_sources": 1, "first_hand": 0, "weight": "low", "uncontradicted": False,
    }  # fmt: skip
    entry = AuditEntry.objects.order_by("-seq").first()
    assert (entry.action, entry.actor_id) == ("assessment.frameworks_loaded", framework_admin.pk)
    assert entry.details["frameworks"]["local-code"]["created"] == 10
    # Loading it again with a changed label updates it in place.
    path.write_text(path.read_text("utf-8").replace("Pain", "Severe pain"), encoding="utf-8")
    again = do_load_framework_file(framework_admin, path)
    assert again.pk == framework.pk
    assert Element.objects.get(framework=framework, code="c1.1").label_en == "Severe pain"
    assert (
        AuditEntry.objects.order_by("-seq").first().details["frameworks"]["local-code"]["updated"]
        == 1
    )


def test_loading_a_framework_needs_the_permission(admin, legal_expert, tmp_path, vocabularies):
    path = _write(tmp_path, GOOD_FILE)
    for user in (legal_expert, admin):  # admin's role gets it from roles.py, not here
        if user.has_perm("assessment.manage_frameworks"):
            continue
        with pytest.raises(FrameworkLoadRefused, match="assessment.manage_frameworks"):
            do_load_framework_file(user, path)
    assert not Framework.objects.filter(code="local-code").exists()


def test_a_local_file_cannot_overwrite_a_shipped_framework(framework_admin, tmp_path, rome):
    path = _write(tmp_path, GOOD_FILE.replace("local-code", "rome-statute"))
    labels = dict(Element.objects.filter(framework=rome).values_list("code", "label_en"))
    with pytest.raises(FrameworkFileError, match="exists and was shipped with Sillok"):
        do_load_framework_file(framework_admin, path)
    assert dict(Element.objects.filter(framework=rome).values_list("code", "label_en")) == labels
    assert not Element.objects.filter(framework=rome, code="c1").exists()


BAD_FILES = [
    ("kind: crime", "kind: felony", "local.yaml: crimes > c1: unknown kind 'felony'"),
    ("code: c1.1", "code: c1", "local.yaml: crimes > c1 > c1: duplicate code 'c1' (also at"),
    ("label: {en: Pain, ko: 고통}", "label: {ko: 고통}",
     "local.yaml: crimes > c1 > c1.1: label.en (the English label) is required"),
    ("terms: [torture.beating]", "terms: [torture.no_such_thing]",
     "local.yaml: crimes > c1: terms: unknown vocabulary term violations:torture.no_such_thing"),
    ("terms: [torture.beating]", "terms: ['nosuchvocab:x']",
     "local.yaml: crimes > c1: terms: unknown vocabulary term nosuchvocab:x"),
    ("rule: {independent_sources: 1}", "rule: {independent_sources: 1, first_hand: 2}",
     "local.yaml: standards > s1: bad rule: first_hand (2) cannot exceed independent_sources"),
    ("rule: {independent_sources: 1}", "rule: {independent_sources: 1, weight: huge}",
     "local.yaml: standards > s1: bad rule: weight must be one of low, medium, high"),
    ("data: {rank: 1, rule: {independent_sources: 1}}", "data: {rank: 1}",
     "local.yaml: standards > s1: bad rule: data.rule must be a mapping"),
    ("context: ctx", "context: c1", "local.yaml: crimes > c1: context 'c1' must be a group"),
    ("kind: element\n            label: {en: Pain", "kind: mode\n            label: {en: Pain",
     "local.yaml: crimes > c1 > c1.1: a crime cannot hold a mode"),
    ("framework: local-code", "framework: Local Code",
     "local.yaml: framework code 'Local Code' must be"),
    ("source: \"Test statute\"", "sorce: typo", "local.yaml: unknown keys ['sorce']"),
]  # fmt: skip


@pytest.mark.parametrize(("old", "new", "message"), BAD_FILES, ids=[m for *_, m in BAD_FILES])
def test_a_bad_file_is_refused_with_a_specific_message_and_changes_nothing(
    framework_admin, tmp_path, vocabularies, old, new, message
):
    assert old in GOOD_FILE
    path = _write(tmp_path, GOOD_FILE.replace(old, new, 1))
    frameworks, elements = Framework.objects.count(), Element.objects.count()
    audit = AuditEntry.objects.count()
    with pytest.raises(FrameworkFileError) as refused:
        do_load_framework_file(framework_admin, path)
    assert str(refused.value).startswith(message), str(refused.value)
    assert (Framework.objects.count(), Element.objects.count()) == (frameworks, elements)
    assert AuditEntry.objects.count() == audit


def test_a_bad_reload_leaves_the_loaded_framework_as_it_was(
    framework_admin, tmp_path, vocabularies
):
    path = _write(tmp_path, GOOD_FILE)
    framework = do_load_framework_file(framework_admin, path)
    broken = GOOD_FILE.replace("Pain", "Changed").replace("[torture.beating]", "[torture.nope]")
    _write(tmp_path, broken)
    with pytest.raises(FrameworkFileError, match="torture.nope"):
        do_load_framework_file(framework_admin, path)
    assert Element.objects.get(framework=framework, code="c1.1").label_en == "Pain"


def test_a_file_that_is_not_yaml_or_not_a_framework_is_named(framework_admin, tmp_path):
    with pytest.raises(FrameworkFileError, match="broken.yaml: cannot be read as UTF-8 YAML"):
        do_load_framework_file(framework_admin, _write(tmp_path, "a: [b", "broken.yaml"))
    with pytest.raises(FrameworkFileError, match="list.yaml: not a framework file"):
        do_load_framework_file(framework_admin, _write(tmp_path, "- a\n", "list.yaml"))
    latin = tmp_path / "latin.yaml"
    latin.write_bytes("framework: x\nlabel: {en: caf\xe9}\n".encode("latin-1"))
    with pytest.raises(FrameworkFileError, match="latin.yaml: cannot be read as UTF-8"):
        do_load_framework_file(framework_admin, latin)
