"""`sillok search QUERY [--as USER] [--json]`: the same results and refusals as the API."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.search.corpus import build_corpus, ref

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(documentation_officer, analyst, partner, outsider, make_record):
    personas = {"documentation_officer": documentation_officer, "partner": partner}
    return build_corpus(personas, make_record)


def _run(*argv: str) -> str:
    out = StringIO()
    call_command("search", *argv, stdout=out)
    return out.getvalue()


def test_json_output_has_the_documented_shape(world):
    data = json.loads(_run("interrogation", "--as", "analyst", "--json"))
    assert data["total"] == 1
    assert {(r["kind"], r["id"]) for r in data["results"]} == ref(world, "beaten")
    result = data["results"][0]
    assert {"kind", "id", "title", "snippet", "score"} <= set(result)
    assert isinstance(result["score"], float) and "interrogation" in result["snippet"]
    assert {c["value"]: c["count"] for c in data["facets"]["kind"]} == {"act": 1}
    # The operator at the shell (no --as) sees the compartmented act too.
    everything = json.loads(_run("interrogation", "--json"))
    assert {(r["kind"], r["id"]) for r in everything["results"]} == ref(world, "beaten", "sealed")
    typed = json.loads(_run("rations", "--type", "item", "--as", "partner", "--json"))
    assert {(r["kind"], r["id"]) for r in typed["results"]} == ref(world, "mine")


def test_human_output_and_refusals(world):
    printed = _run("rations", "--as", "analyst", "--limit", "2")
    assert printed.startswith("3 found, 2 shown")
    with pytest.raises(CommandError) as refused:
        _run("rations", "--as", "outsider")
    assert refused.value.returncode == 2 and "rations" not in str(refused.value).lower()
    with pytest.raises(CommandError) as bad:
        _run('"unclosed', "--as", "analyst")
    assert bad.value.returncode == 2 and "quote" in str(bad.value)
    with pytest.raises(CommandError):
        _run("x", "--limit", "0")
