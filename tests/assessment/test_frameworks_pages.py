"""The frameworks API (GET /api/v1/frameworks, /frameworks/{code}) and the read-only pages
/cases/frameworks/ and /cases/frameworks/<code>/: who may read them, what they show, in
English and in Korean."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sillok.assessment.models import Element

pytestmark = pytest.mark.django_db

READERS = ["analyst", "legal_expert", "manager", "documentation_officer", "auditor"]
REFUSED = ["partner", "outsider"]


@pytest.mark.parametrize("persona", READERS)
def test_those_who_see_cases_or_records_read_the_frameworks(
    persona, frameworks, personas, client_for
):
    client = client_for(personas[persona])
    listed = client.get("/api/v1/frameworks")
    assert listed.status_code == 200
    assert {"rome-statute", "rok-icc-act"} <= {row["code"] for row in listed.json()}
    assert client.get("/api/v1/frameworks/rome-statute").status_code == 200
    assert client.get("/cases/frameworks/").status_code == 200
    assert client.get("/cases/frameworks/rome-statute/").status_code == 200


@pytest.mark.parametrize("persona", REFUSED)
def test_the_others_are_refused_everywhere(persona, frameworks, personas, client_for):
    client = client_for(personas[persona])
    for url in ("/api/v1/frameworks", "/api/v1/frameworks/rome-statute"):
        response = client.get(url)
        assert response.status_code == 403
        assert response.json() == {"detail": "reading legal frameworks needs case or record access"}
    for url in ("/cases/frameworks/", "/cases/frameworks/rome-statute/"):
        response = client.get(url)
        assert response.status_code == 403
        assert "Torture" not in response.content.decode()


def test_anonymous_visitors_are_sent_to_sign_in(frameworks, client):
    assert client.get("/cases/frameworks/").status_code == 302
    assert client.get("/api/v1/frameworks").status_code == 401


def test_the_api_gives_a_framework_with_its_elements(frameworks, client_for, legal_expert):
    client = client_for(legal_expert)
    rome = frameworks["rome-statute"]
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/api/v1/frameworks/rome-statute")
    assert response.status_code == 200
    assert len(queries) < 20  # terms are prefetched, not read per element
    data = response.json()
    assert (data["id"], data["name"]) == (
        rome.pk,
        "Rome Statute of the International Criminal Court",
    )
    elements = {e["code"]: e for e in data["elements"]}
    assert elements["art7-context.policy"]["kind"] == "contextual"
    assert elements["art28-b.3"]["parent"] == "art28-b"
    assert elements["standard-rgb"]["data"] == {
        "rank": 1,
        "rule": {"independent_sources": 2, "first_hand": 1, "weight": "medium",
                 "uncontradicted": False},
    }  # fmt: skip
    by_id = client.get(f"/api/v1/frameworks/{rome.pk}").json()
    assert by_id["code"] == "rome-statute"
    missing = client.get("/api/v1/frameworks/geneva")
    assert (missing.status_code, missing.json()) == (404, {"detail": "no framework 'geneva'"})


def test_retired_elements_are_shown_only_when_asked_for(frameworks, client_for, analyst):
    Element.objects.filter(framework=frameworks["rome-statute"], code="art7-1-j.5").update(
        active=False
    )
    client = client_for(analyst)
    codes = [e["code"] for e in client.get("/api/v1/frameworks/rome-statute").json()["elements"]]
    assert "art7-1-j.5" not in codes
    data = client.get("/api/v1/frameworks/rome-statute", {"include_retired": "true"}).json()
    retired = [e for e in data["elements"] if e["code"] == "art7-1-j.5"]
    assert retired and retired[0]["active"] is False


def test_the_list_page_links_each_framework(frameworks, client_for, legal_expert):
    page = client_for(legal_expert).get("/cases/frameworks/").content.decode()
    assert 'href="/cases/frameworks/rome-statute/"' in page
    assert "Rome Statute of the International Criminal Court" in page
    assert "국제형사재판소에 관한 로마규정" in page  # the other language beside it


def test_the_framework_page_shows_the_tree_rules_and_terms(frameworks, client_for, legal_expert):
    client = client_for(legal_expert)
    with CaptureQueriesContext(connection) as queries:
        page = client.get("/cases/frameworks/rome-statute/").content.decode()
    assert len(queries) < 40
    assert 'id="el-art7-1-f.1"' in page
    assert "The perpetrator inflicted severe physical or mental pain or suffering" in page
    assert "ICC Elements of Crimes (2011), art. 7(1)(f), element 1" in page
    assert "at least 3 independent sources" in page  # the rule of beyond reasonable doubt
    assert "Political; Racial; National" in page  # the grounds of persecution
    assert "Beating" in page  # a linked violation term
    assert "Korean wording marked † is Sillok" in page


def test_the_pages_follow_the_users_language(frameworks, client_for, legal_expert):
    client = client_for(legal_expert)
    listing = client.get("/cases/frameworks/", HTTP_ACCEPT_LANGUAGE="ko").content.decode()
    assert "<h1>법체계</h1>" in listing
    page = client.get("/cases/frameworks/rome-statute/", HTTP_ACCEPT_LANGUAGE="ko")
    text = page.content.decode()
    assert "<h1>국제형사재판소에 관한 로마규정" in text
    assert "행위자가 한 명 이상에게 심한 신체적 또는 정신적 고통을 가했을 것" in text
    assert "<strong>고문</strong>" in text


def test_an_unknown_framework_page_is_not_found(frameworks, client_for, analyst):
    assert client_for(analyst).get("/cases/frameworks/geneva/").status_code == 404
