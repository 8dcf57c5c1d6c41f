"""The error pages (sillok/templates/403.html, 404.html, 500.html) with DEBUG off: styled
like the rest, in the visitor's language, and the 500 page renders with no database."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.template.loader import get_template
from django.test import Client
from django.urls import include, path
from django.utils import translation

STYLESHEET = 'href="/static/sillok/sillok.css"'


def _refused(request):
    raise PermissionDenied("changing items needs the permission evidence.change_item")


def _broken(request):
    raise RuntimeError("a bug")


urlpatterns = [
    path("", include("sillok.urls")),
    path("test-refused/", _refused),
    path("test-broken/", _broken),
]


@pytest.fixture(autouse=True)
def _production(settings):
    settings.DEBUG = False


@pytest.mark.django_db
@pytest.mark.parametrize(
    "language, heading, lead",
    [
        ("ko", "페이지를 찾을 수 없습니다", "볼 권한이 없는 페이지입니다"),
        ("en", "Page not found", "or it is not yours to see"),
    ],
)
def test_an_unknown_address_answers_the_styled_page_in_the_visitors_language(
    client, language, heading, lead
):
    response = client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 404
    body = response.content.decode()
    assert f'<html lang="{language}">' in body
    assert heading in body and lead in body
    assert STYLESHEET in body and 'class="top"' in body  # base.html: header, stylesheet
    assert "The requested resource was not found" not in body  # not Django's bare page


@pytest.mark.django_db
def test_a_signed_in_user_keeps_the_navigation_on_the_404_page(client_for, analyst):
    client = client_for(analyst)
    body = client.get("/records/no-such-kind/x/", HTTP_ACCEPT_LANGUAGE="ko").content.decode()
    assert "페이지를 찾을 수 없습니다" in body
    assert 'aria-label="주요"' in body or 'class="nav"' in body
    assert "analyst" in body


@pytest.mark.django_db
def test_an_item_that_is_not_yours_answers_the_same_page_as_a_missing_one(client_for, outsider):
    client = client_for(outsider)
    missing = client.get("/items/999999/", HTTP_ACCEPT_LANGUAGE="en")
    assert missing.status_code in (403, 404)
    assert STYLESHEET in missing.content.decode()


@pytest.mark.django_db
@pytest.mark.urls(__name__)
@pytest.mark.parametrize(
    "language, heading",
    [("ko", "허용되지 않음"), ("en", "Not allowed")],
)
def test_a_refusal_answers_the_styled_403_page(client_for, analyst, language, heading):
    response = client_for(analyst).get("/test-refused/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 403
    body = response.content.decode()
    assert heading in body and STYLESHEET in body
    assert "changing items needs the permission evidence.change_item" in body


@pytest.mark.django_db
@pytest.mark.urls(__name__)
@pytest.mark.parametrize(
    "language, heading, lead",
    [
        ("ko", "문제가 생겼습니다", "관리자가 볼 수 있도록 기록되었습니다"),
        ("en", "Something went wrong", "the error is logged for the administrator"),
    ],
)
def test_a_server_error_answers_the_styled_500_page(language, heading, lead):
    client = Client(raise_request_exception=False)
    response = client.get("/test-broken/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 500
    body = response.content.decode()
    assert f'<html lang="{language}">' in body
    assert heading in body and lead in body and STYLESHEET in body
    assert "a bug" not in body and "Traceback" not in body


def test_the_500_page_renders_without_the_database():
    # No django_db mark: any query here fails the test, as a database that is down would.
    with translation.override("ko"):
        body = get_template("500.html").render({})
    assert "문제가 생겼습니다" in body and STYLESHEET in body and 'href="/"' in body
