"""XSS, CSRF, clickjacking and open redirects on the main pages.

XSS: hostile strings are stored where users type (item titles, descriptions, tags and file
names, record names and summaries, link comments, vocabulary labels, edits that show up in
history and diffs) and sent where pages reflect input (filters, `q`, `next`); every page
must show them as text: no script of ours without a nonce, no event-handler attribute, no
`javascript:` URL, and never the payload's raw markup.
CSRF: every page refuses a POST without the token (the pages are enumerated from the
authorization matrix, so a new page is covered when it is added there).
Clickjacking and headers: every page says X-Frame-Options DENY, CSP frame-ancestors 'none',
nosniff, a same-origin referrer policy and a CSP without unsafe-inline; API answers too.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
from bs4 import BeautifulSoup
from django.test import Client

from sillok.evidence.custody_log import HandlingContext
from sillok.evidence.intake import do_ingest_paths
from sillok.evidence.metadata import ItemMetadata
from sillok.evidence.models import Item
from sillok.records.fields import clean_values
from sillok.records.resolve import Resolver
from sillok.records.services import do_update_record
from sillok.vocab.models import Vocabulary
from sillok.vocab.services import do_add_term
from tests.test_authorization_matrix import MISSING_IDS, PAGES

# The matrix's paths name objects by placeholder ({item}, {record}, ...); ids that resolve to
# the views (and answer "not found" inside them) are enough for headers, escaping and CSRF.
PAGE_PATHS = {name: path.format(**MISSING_IDS) for name, (path, _) in PAGES.items()}
# POST endpoints for machines, authenticated by what they carry instead of a session cookie,
# so no cross-site request can ride on a user's session: exempt from CSRF on purpose.
CSRF_EXEMPT = {"custody:witness_receive"}

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
JS_URL = "javascript:alert(1)"
HANGUL = "증언자 <svg onload=alert(1)>"
PAYLOADS = (SCRIPT, IMG, JS_URL, HANGUL)
RAW_MARKUP = ("<script>alert", "<img src=x", "<svg onload")
EVIL = "https://evil.example/steal"


@pytest.fixture
def hostile(tmp_path: Path, repo_home, admin, analyst, documentation_officer, make_record):
    """Records, an item and a vocabulary term full of payloads; returns the pages showing them."""
    folder = tmp_path / "in"
    folder.mkdir()
    upload = folder / f"{IMG}.txt"
    upload.write_text(f"{SCRIPT}\n{HANGUL}\n", encoding="utf-8")
    page = folder / "page.html"
    page.write_text(f"<html><body>{SCRIPT}</body></html>", encoding="utf-8")
    do_ingest_paths(
        documentation_officer,
        [upload, page],
        metadata=ItemMetadata(
            title=f"{SCRIPT} {HANGUL}",
            description=f"{IMG} {JS_URL}",
            source=JS_URL,
            sensitivity="internal",
            tags=[SCRIPT, "증언"],
        ),
        context=HandlingContext(channel="cli", place=IMG, reason=SCRIPT),
        workdir=tmp_path / "work",
    )
    item = Item.objects.get(files__original_filename__endswith=".txt")
    html_item = Item.objects.get(files__original_filename="page.html")
    one = make_record(analyst, "person", name=f"{SCRIPT} 김", notes=f"{IMG} {JS_URL}")
    two = make_record(analyst, "person", name=HANGUL, occupation=IMG)
    event = make_record(analyst, "event", title=IMG, description=SCRIPT, place_detail=JS_URL)
    link = make_record(
        analyst,
        "link",
        **{"from": f"P-{one.pk}", "to": f"P-{two.pk}"},
        relation="sibling_of",
        comment=f"{SCRIPT} {IMG}",
    )
    edit = clean_values("person", {"name": f"{IMG} edited"}, Resolver(analyst), partial=True)
    do_update_record(analyst, one, edit, expected_revision=1, reason=SCRIPT)
    violations = Vocabulary.objects.get(slug="violations")
    term = do_add_term(admin, violations, code="xss_term", label_en=SCRIPT, label_ko=HANGUL)
    file_id = item.files.get(role="original").pk
    return {
        "item": f"/items/{item.pk}/",
        "file": f"/items/{item.pk}/files/{file_id}/",
        "html_file": f"/items/{html_item.pk}/files/{html_item.files.get(role='original').pk}/",
        "person": f"/records/persons/{one.pk}/",
        "person_two": f"/records/persons/{two.pk}/",
        "history": f"/records/persons/{one.pk}/history/",
        "version_1": f"/records/persons/{one.pk}/versions/1/",
        "version_2": f"/records/persons/{one.pk}/versions/2/",
        "edit": f"/records/persons/{one.pk}/edit/",
        "event": f"/records/events/{event.pk}/",
        "link": f"/records/links/{link.pk}/",
        "term": f"/vocab/violations/terms/{term.pk}/",
    }


def _html_pages(hostile: dict) -> list[str]:
    q = quote(SCRIPT + IMG)
    listed = [
        "/",
        "/items/",
        f"/items/?q={q}&tag={q}",
        "/records/",
        "/records/persons/",
        f"/records/persons/?q={q}&place={q}&violation_type={q}",
        "/records/events/",
        "/records/links/",
        "/records/export/",
        "/records/import/",
        "/accounts/",
        "/accounts/tokens/",
        "/vocab/",
        "/vocab/violations/",
        f"/vocab/places/?q={q}",
    ]
    return listed + [v for k, v in hostile.items() if k not in {"file", "html_file"}]


def _nonce(response) -> str:
    match = re.search(r"'nonce-([^']+)'", response.get("Content-Security-Policy", ""))
    return match.group(1) if match else ""


def assert_no_injection(response, where: str) -> None:
    html = response.content.decode()
    for markup in RAW_MARKUP:
        assert markup not in html, f"{where}: {markup!r} unescaped"
    soup = BeautifulSoup(html, "lxml")
    nonce = _nonce(response)
    for script in soup.find_all("script"):
        assert script.get("src", "").startswith("/static/"), f"{where}: script {script}"
        assert nonce and script.get("nonce") == nonce, f"{where}: script without our nonce"
        assert not script.string, f"{where}: inline script"
    for tag in soup.find_all(True):
        for name, value in tag.attrs.items():
            assert not name.lower().startswith("on"), f"{where}: <{tag.name} {name}=...>"
            text = " ".join(value) if isinstance(value, list) else str(value)
            if name.lower() in {"href", "src", "action", "formaction", "xlink:href", "data"}:
                assert not text.strip().lower().startswith("javascript:"), f"{where}: {tag}"


def test_stored_payloads_are_shown_as_text_on_every_main_page(hostile, client_for, admin):
    client = client_for(admin)
    escaped_somewhere = set()
    for path in _html_pages(hostile):
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        assert_no_injection(response, path)
        html = response.content.decode()
        escaped_somewhere |= {p for p in ("&lt;script&gt;alert(1)&lt;/script&gt;",) if p in html}
    # The payloads did reach the pages (as text): the checks above had something to check.
    assert escaped_somewhere
    item_page = client.get(hostile["item"]).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in item_page
    assert "&lt;svg onload=alert(1)&gt;" in item_page or "&lt;svg onload" in item_page


def test_the_graph_of_a_record_holds_its_payload_as_text(hostile, client_for, admin):
    response = client_for(admin).get(hostile["person"])
    soup = BeautifulSoup(response.content.decode(), "lxml")
    svg = soup.find("svg")
    assert svg is not None, "the record with a link draws a graph"
    assert not svg.find_all(["script", "foreignobject", "img"])
    assert all(not a.lower().startswith("on") for t in svg.find_all(True) for a in t.attrs)


def test_an_uploaded_html_file_never_runs_as_our_page(hostile, client_for, admin):
    for path in (hostile["html_file"], hostile["file"]):
        response = client_for(admin).get(path)
        assert response.status_code == 200
        assert response["X-Content-Type-Options"] == "nosniff"
        assert "sandbox" in response["Content-Security-Policy"]
        assert not response["Content-Type"].startswith("text/html")


def test_reflected_query_and_next_parameters_are_escaped_on_every_page(client_for, admin):
    client = client_for(admin)
    hostile_query = f"?q={quote(SCRIPT)}&next={quote(IMG)}&kind={quote(IMG)}"
    for name, path in sorted(PAGE_PATHS.items()):
        joiner = "&" if "?" in path else "?"
        response = client.get(path + joiner + hostile_query.lstrip("?"))
        if response.status_code in (301, 302, 303):
            assert_same_site(response["Location"], name)
            continue
        if "html" in response.get("Content-Type", ""):
            assert_no_injection(response, name)


# --- open redirects ----------------------------------------------------------------------


def assert_same_site(location: str, where: str) -> None:
    parts = urlsplit(location)
    assert not parts.netloc and not location.startswith(("//", "/\\", "\\")), (where, location)
    assert parts.scheme in ("", "http", "https") and "evil.example" not in location, where


@pytest.mark.parametrize(
    "target", [EVIL, "//evil.example/x", "/\\evil.example", "https:evil.example", JS_URL]
)
def test_signing_in_never_redirects_off_site(client, make_user, persona_password, target):
    make_user("mina", "analyst")
    response = client.post(
        f"/accounts/login/?next={quote(target)}",
        {"username": "mina", "password": persona_password, "next": target},
    )
    assert response.status_code == 302
    assert_same_site(response["Location"], target)


@pytest.mark.parametrize("target", [EVIL, "//evil.example/x", JS_URL])
def test_language_switch_and_sign_out_never_redirect_off_site(client_for, analyst, target):
    client = client_for(analyst)
    response = client.post("/i18n/setlang/", {"language": "ko", "next": target})
    assert_same_site(response["Location"], "set_language")
    response = client.post(f"/accounts/logout/?next={quote(target)}", {"next": target})
    assert_same_site(response.get("Location", "/"), "logout")


def test_an_anonymous_visit_sends_to_sign_in_with_a_local_next(client):
    response = client.get("/records/persons/?q=" + quote(SCRIPT))
    assert_same_site(response["Location"], "records:list")


# --- CSRF --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(set(PAGES) - CSRF_EXEMPT))
def test_every_page_refuses_a_post_without_the_csrf_token(name, login_as, admin):
    client = login_as(Client(enforce_csrf_checks=True), admin)
    response = client.post(PAGE_PATHS[name], {"anything": "1"})
    assert response.status_code == 403, (name, response.status_code)
    assert b"CSRF" in response.content


def test_a_post_with_the_token_gets_past_the_csrf_check(login_as, analyst):
    client = login_as(Client(enforce_csrf_checks=True), analyst)
    client.get("/accounts/")
    token = client.cookies["csrftoken"].value
    response = client.post("/i18n/setlang/", {"language": "ko", "csrfmiddlewaretoken": token})
    assert response.status_code == 302


def test_the_api_refuses_a_session_post_without_the_csrf_token(login_as, analyst):
    client = login_as(Client(enforce_csrf_checks=True), analyst)
    response = client.post(
        "/api/v1/records/persons", {"values": {"name": "Kim"}}, content_type="application/json"
    )
    assert response.status_code == 403


# --- clickjacking and protective headers -------------------------------------------------


def _directives(header: str) -> dict[str, list[str]]:
    parts = [p.strip().split() for p in header.split(";") if p.strip()]
    return {p[0]: p[1:] for p in parts}


def assert_protective_headers(response, where: str) -> None:
    assert response["X-Frame-Options"] == "DENY", where
    assert response["X-Content-Type-Options"] == "nosniff", where
    assert response["Referrer-Policy"] == "same-origin", where
    csp = response["Content-Security-Policy"]
    assert _directives(csp).get("frame-ancestors") == ["'none'"] or "sandbox" in csp, where
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, where


@pytest.mark.parametrize("name", sorted(PAGES))
def test_every_page_forbids_framing_and_sends_protective_headers(name, client_for, admin):
    for client in (Client(), client_for(admin)):
        response = client.get(PAGE_PATHS[name])
        assert_protective_headers(response, name)


@pytest.mark.parametrize(
    "path", ["/api/v1/health", "/api/v1/me", "/api/v1/items", "/api/v1/openapi.json"]
)
def test_api_answers_forbid_framing_and_sniffing(path, client_for, analyst):
    for client in (Client(), client_for(analyst)):
        response = client.get(path)
        assert response["Content-Type"].startswith("application/json"), path
        assert response["X-Frame-Options"] == "DENY", path
        assert response["X-Content-Type-Options"] == "nosniff", path
