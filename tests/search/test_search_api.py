"""GET /api/v1/search: the same results, counts and refusals as search(), with a token."""

from __future__ import annotations

import pytest

from sillok.accounts import tokens
from tests.search.corpus import build_corpus, ref

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(documentation_officer, analyst, partner, make_record):
    personas = {"documentation_officer": documentation_officer, "partner": partner}
    return build_corpus(personas, make_record)


def _get(client, user, **params):
    _, secret = tokens.do_create_token(user, "search test")
    return client.get("/api/v1/search", params, HTTP_AUTHORIZATION=f"Bearer {secret}")


def _found(body) -> set:
    return {(r["kind"], r["id"]) for r in body["results"]}


def test_search_answers_results_facets_and_highlighted_snippets(client, world, analyst):
    response = _get(client, analyst, q="interrogation OR beaten", type=["act"], limit=1)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["total"] == 2 and len(body["results"]) == 1
    assert {(c["value"], c["count"]) for c in body["facets"]["kind"]} == {("act", 2)}
    assert {(c["value"], c["count"]) for c in body["facets"]["victim_sex"]} == {("male", 1)}
    hit = body["results"][0]
    assert hit["via"] == "keyword" and hit["url"].startswith("/records/acts/")
    assert "<mark>" in hit["snippet_html"] and hit["highlights"]
    page2 = _get(client, analyst, q="interrogation OR beaten", type="act", limit=1, offset=1)
    both = _found(body) | _found(page2.json())
    assert both == ref(world, "beaten", "again")


def test_filters_as_parameters(client, world, documentation_officer):
    body = _get(client, documentation_officer, q="", date="2016..2017", type="act").json()
    assert _found(body) == ref(world, "again", "sealed")
    body = _get(client, documentation_officer, violation="torture.water").json()
    assert _found(body) == ref(world, "sealed", "event")  # an event has its acts' types


def test_bad_queries_and_parameters_are_refused_with_a_message(client, world, analyst):
    response = _get(client, analyst, q='"unclosed')
    assert response.status_code == 400 and "quote" in response.json()["detail"]
    assert _get(client, analyst, q="type:dragon").status_code == 400
    assert _get(client, analyst, q="x", limit=0).status_code == 422
    assert _get(client, analyst, q="x", limit=101).status_code == 422
    assert _get(client, analyst, q="x", offset=-1).status_code == 422


def test_partner_and_outsider_tokens_see_no_trace(client, world, partner, outsider, roles):
    body = _get(client, partner, q="interrogation OR 고문 OR rations OR 박영희").json()
    assert _found(body) == ref(world, "mine") and body["total"] == 1
    assert not body["facets"]["violation"] and not body["facets"]["victim_sex"]
    # The outsider's token was made while it had a role; now it has none.
    outsider.groups.add(roles["partner"])
    _, secret = tokens.do_create_token(outsider, "old")
    outsider.groups.clear()
    response = client.get("/api/v1/search", {"q": "rations"}, HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.status_code == 403
    assert "rations" not in response.content.decode().lower()
