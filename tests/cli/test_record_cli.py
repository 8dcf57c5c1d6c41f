"""The real `sillok record show|history REF --as USER`: a user's permissions apply."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import Permission

from sillok.records.fields import clean_values
from sillok.records.resolve import Resolver
from sillok.records.services import do_update_record
from sillok.testing.cli import run_sillok

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def person(analyst, make_record):
    person = make_record(
        analyst,
        "person",
        name="Kim Young-hee",
        name_hangul="김영희",
        origin="KP-09",
        birth_year="1975",
        sensitivity="restricted",
    )
    values = clean_values("person", {"status": "detained"}, Resolver(analyst), partial=True)
    return do_update_record(analyst, person, values, expected_revision=1, reason="T-2 says")


def test_record_show_json_gives_the_record_as_the_api_does(person, analyst):
    run = run_sillok("record", "show", f"P-{person.pk}", "--as", "analyst", "--json")
    assert run.returncode == 0, run.stderr
    data = json.loads(run.stdout)
    assert (data["reference"], data["kind"], data["revision"]) == (f"P-{person.pk}", "person", 2)
    assert data["values"]["status"] == "detained" and data["values"]["birth_year"] == "1975"
    assert data["values"]["origin"]["code"] == "KP-09"
    text = run_sillok("record", "show", f"P-{person.pk}", "--as", "analyst")
    assert text.returncode == 0, text.stderr
    assert f"P-{person.pk}  Kim Young-hee  (person)" in text.stdout
    assert "  name_hangul: 김영희" in text.stdout and "[KP-09]" in text.stdout


def test_record_history_lists_every_version(person, analyst):
    run = run_sillok("record", "history", f"P-{person.pk}", "--as", "analyst", "--json")
    assert run.returncode == 0, run.stderr
    versions = json.loads(run.stdout)
    assert [(v["number"], v["action"], v["actor"]) for v in versions] == [
        (1, "created", "analyst"),
        (2, "edited", "analyst"),
    ]
    assert versions[1]["reason"] == "T-2 says"
    text = run_sillok("record", "history", f"P-{person.pk}", "--as", "analyst")
    assert "v2" in text.stdout and "T-2 says" in text.stdout


def test_a_user_who_may_not_see_the_record_gets_no_such_record(
    person, outsider, partner, make_user
):
    reader = make_user("reader")
    reader.user_permissions.add(
        Permission.objects.get(content_type__app_label="records", codename="view_record")
    )
    for username in ("outsider", "partner", "reader"):  # reader: no restricted clearance
        run = run_sillok("record", "show", f"P-{person.pk}", "--as", username, "--json")
        assert run.returncode == 2, username
        assert f"no such record P-{person.pk}" in run.stderr
        assert "김영희" not in run.stdout + run.stderr


def test_bad_references_users_and_usage_exit_2(person):
    for args, message in (
        (("show", "Q-1", "--as", "analyst"), "unknown reference prefix"),
        (("show", "hello", "--as", "analyst"), "not a record reference"),
        (("show", "X-1", "--as", "analyst"), "not a documentation record"),
        (("show", f"P-{person.pk}", "--as", "nobody"), "no user called 'nobody'"),
        (("history", f"P-{person.pk}"), "--as"),
    ):
        run = run_sillok("record", *args)
        assert run.returncode == 2, args
        assert message in run.stderr, (args, run.stderr)
