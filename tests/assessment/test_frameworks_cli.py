"""`sillok frameworks list|show|load`: the JSON shapes other tools rely on, --as refusals,
and loading an administrator's own file."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.core.management.base import CommandError

from sillok.assessment.models import Element, Framework

pytestmark = pytest.mark.django_db

LOCAL_FILE = """\
framework: unit-code
label: {en: "Unit code", ko: "부대 규정"}
elements:
  - code: crimes
    kind: group
    label: {en: Crimes, ko: 범죄}
    children:
      - code: ctx
        kind: group
        label: {en: Context, ko: 맥락}
        children:
          - {code: ctx.attack, kind: contextual, label: {en: Attack, ko: 공격}}
      - code: c1
        kind: crime
        context: ctx
        label: {en: Beating, ko: 구타}
        terms: [torture.beating]
"""


def run(*argv: str) -> tuple[int, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command("frameworks", *argv, stdout=out, stderr=err)
    except CommandError as exc:
        return exc.returncode, f"{out.getvalue()}{err.getvalue()}{exc}"
    return 0, out.getvalue() + err.getvalue()


def test_list_json_names_each_framework_with_its_counts(frameworks, analyst):
    status, printed = run("list", "--json", "--as", "analyst")
    assert status == 0, printed
    rows = {row["code"]: row for row in json.loads(printed)}
    rome = rows["rome-statute"]
    assert set(rome) == {"id", "code", "name", "label_en", "label_ko", "origin", "elements",
                         "crimes"}  # fmt: skip
    assert rome["id"] == frameworks["rome-statute"].pk
    assert rome["name"] == "Rome Statute of the International Criminal Court"
    assert rome["label_ko"] == "국제형사재판소에 관한 로마규정"
    assert rome["crimes"] == 16 and rome["origin"] == "shipped"
    assert rome["elements"] == Element.objects.filter(framework__code="rome-statute").count()
    assert "rok-icc-act" in rows


def test_show_json_gives_every_element_with_ids_labels_and_terms(frameworks, legal_expert):
    rome = frameworks["rome-statute"]
    status, printed = run("show", str(rome.pk), "--json", "--as", "legal_expert")
    assert status == 0, printed
    data = json.loads(printed)
    assert (data["id"], data["code"], data["origin"]) == (rome.pk, "rome-statute", "shipped")
    assert data["source"] and data["licence"]
    by_code = {e["code"]: e for e in data["elements"]}
    assert len(by_code) == Element.objects.filter(framework=rome, active=True).count()
    element = by_code["art7-1-f.1"]
    assert set(element) == {
        "id", "code", "kind", "parent", "context", "label_en", "label_ko", "description_en",
        "description_ko", "korean_ours", "reference", "terms", "data", "active",
    }  # fmt: skip
    assert element["id"] == Element.objects.get(framework=rome, code="art7-1-f.1").pk
    assert (element["kind"], element["parent"]) == ("element", "art7-1-f")
    assert element["korean_ours"] is True
    assert element["label_ko"] == "심한 신체적 또는 정신적 고통을 가했을 것"
    assert {"vocabulary": "violations", "code": "torture.beating", "label_en": "Beating",
            "label_ko": "구타"} in element["terms"]  # fmt: skip
    assert by_code["art7-1-f"]["context"] == "art7-context"
    assert by_code["standard-brd"]["data"]["rule"]["weight"] == "high"
    # By code as well as by id; the tree in plain text.
    status, printed = run("show", "rok-icc-act", "--as", "legal_expert")
    assert status == 0 and "art9-2-5" in printed and "고문" in printed


def test_the_outsider_and_a_partner_are_refused(frameworks, outsider, partner):
    for user in ("outsider", "partner"):
        for argv in (("list",), ("show", "rome-statute", "--json")):
            status, printed = run(*argv, "--as", user)
            assert status == 2, printed
            assert "may not read the legal frameworks" in printed
            assert "Torture" not in printed and "art7" not in printed


def test_show_of_an_unknown_framework_says_so(frameworks):
    assert run("show", "geneva") == (2, "no framework 'geneva'")
    status, printed = run("show")
    assert status == 2 and "needs an ID or a CODE" in printed


def test_an_administrator_loads_a_file_and_gets_its_summary(frameworks, admin, tmp_path):
    admin.user_permissions.add(Permission.objects.get(codename="manage_frameworks"))
    path = tmp_path / "unit.yaml"
    path.write_text(LOCAL_FILE, encoding="utf-8")
    status, printed = run("load", str(path), "--json", "--as", "admin")
    assert status == 0, printed
    summary = json.loads(printed)
    assert (summary["code"], summary["origin"], summary["crimes"]) == ("unit-code", "local", 1)
    assert Framework.objects.get(code="unit-code").label_ko == "부대 규정"


def test_loading_is_refused_without_the_permission_or_without_a_user(
    frameworks, legal_expert, tmp_path
):
    path = tmp_path / "unit.yaml"
    path.write_text(LOCAL_FILE, encoding="utf-8")
    status, printed = run("load", str(path), "--as", "legal_expert")
    assert status == 2 and "assessment.manage_frameworks" in printed
    status, printed = run("load", str(path))
    assert status == 2 and "needs --as ADMIN" in printed
    status, printed = run("load", "--as", "legal_expert")
    assert status == 2 and "operator's" in printed
    assert not Framework.objects.filter(code="unit-code").exists()


def test_a_bad_file_is_refused_with_its_message(frameworks, admin, tmp_path):
    admin.user_permissions.add(Permission.objects.get(codename="manage_frameworks"))
    path = tmp_path / "unit.yaml"
    path.write_text(LOCAL_FILE.replace("kind: crime", "kind: offence"), encoding="utf-8")
    status, printed = run("load", str(path), "--as", "admin")
    assert status == 1
    assert printed == "unit.yaml: crimes > c1: unknown kind 'offence' (one of group, crime, " \
        "contextual, element, mode, standard)"  # fmt: skip


def test_the_operator_reloads_the_shipped_frameworks(frameworks):
    status, printed = run("load", "--json")
    assert status == 0, printed
    counts = json.loads(printed)
    assert counts["rome-statute"] == {"created": 0, "updated": 0, "retired": 0}
