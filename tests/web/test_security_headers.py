"""Every page of the shell goes out with a strict CSP and the usual protective headers."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _directives(header: str) -> dict[str, list[str]]:
    parts = [p.strip().split() for p in header.split(";") if p.strip()]
    return {p[0]: p[1:] for p in parts}


def _assert_strict(response) -> None:
    csp = response["Content-Security-Policy"]
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    rules = _directives(csp)
    assert rules["default-src"] == ["'self'"]
    assert rules["style-src"] == ["'self'"]
    assert rules["object-src"] == ["'none'"]
    assert rules["frame-ancestors"] == ["'none'"]
    assert all(s == "'self'" or s.startswith("'nonce-") for s in rules["script-src"])
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def _assert_nothing_inline(html: str) -> None:
    assert not re.search(r"\sstyle\s*=", html), "inline style attribute"
    assert "<style" not in html
    assert not re.search(r"<script(?![^>]*\ssrc=)", html), "inline script"
    assert not re.search(r"\son[a-z]+\s*=", html), "inline event handler"


def test_login_page_headers_are_strict(client, roles):
    response = client.get(reverse("accounts:login"))
    assert response.status_code == 200
    _assert_strict(response)
    _assert_nothing_inline(response.content.decode())


@pytest.mark.parametrize("page", ["workspace:home", "accounts:account"])
def test_signed_in_pages_are_strict_and_inline_free(client_for, admin, page):
    response = client_for(admin).get(reverse(page))
    assert response.status_code == 200
    _assert_strict(response)
    _assert_nothing_inline(response.content.decode())


def test_enrolment_page_is_strict_and_never_cached(client_for, analyst):
    response = client_for(analyst).get(reverse("accounts:enrol"))
    assert response.status_code == 200
    _assert_strict(response)
    _assert_nothing_inline(response.content.decode())
    assert "no-store" in response["Cache-Control"]


def test_lockout_page_is_strict(client, analyst):
    from django.conf import settings

    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = client.post(
            reverse("accounts:login"), {"username": "analyst", "password": "wrong-wrong-1"}
        )
    assert response.status_code == 429
    _assert_strict(response)


def test_stylesheet_is_served_from_our_own_static_files(client, roles):
    html = client.get(reverse("accounts:login")).content.decode()
    hrefs = re.findall(r'<link rel="stylesheet" href="([^"]+)"', html)
    assert hrefs and all(h.startswith("/static/") for h in hrefs)


def test_stylesheet_loads_no_external_fonts():
    from django.contrib.staticfiles import finders

    css = Path(finders.find("sillok/sillok.css")).read_text(encoding="utf-8")
    assert "@import" not in css and "url(" not in css
    assert "Noto Sans KR" in css and "Malgun Gothic" in css
