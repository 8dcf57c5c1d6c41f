"""The web pages for personal API tokens under /accounts/tokens/."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from sillok.accounts import tokens
from sillok.accounts.models import APIToken

pytestmark = pytest.mark.django_db

URL = "/accounts/tokens/"


def test_anonymous_visitor_is_sent_to_login(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_password_only_session_owing_a_second_factor_is_sent_to_the_code_step(client, admin):
    client.force_login(admin)
    response = client.get(URL)
    assert response.status_code == 302
    assert reverse("accounts:verify") in response["Location"]


def test_list_shows_my_tokens_and_not_others(client_for, analyst, legal_expert):
    tokens.do_create_token(analyst, "my laptop script")
    tokens.do_create_token(legal_expert, "their script")
    page = client_for(analyst).get(URL)
    assert page.status_code == 200
    html = page.content.decode()
    assert "my laptop script" in html and "their script" not in html
    assert page["Cache-Control"].count("no-store") == 1


def test_creating_a_token_shows_the_secret_once(reauthenticated_client_for, analyst):
    client = reauthenticated_client_for(analyst)
    response = client.post(URL, {"name": "export", "expires_in_days": "30"})
    assert response.status_code == 200
    secret = re.search(r'id="token-secret">([^<]+)<', response.content.decode()).group(1)
    assert tokens.authenticate_token(secret) == analyst
    assert "no-store" in response["Cache-Control"]
    assert secret not in client.get(URL).content.decode()
    token = APIToken.objects.get()
    assert token.name == "export" and token.expires_at is not None


def test_a_token_that_never_expires(reauthenticated_client_for, analyst):
    reauthenticated_client_for(analyst).post(URL, {"name": "forever", "expires_in_days": ""})
    assert APIToken.objects.get().expires_at is None


def test_bad_form_shows_the_error_and_creates_nothing(reauthenticated_client_for, analyst):
    response = reauthenticated_client_for(analyst).post(URL, {"name": "", "expires_in_days": "30"})
    assert response.status_code == 400
    assert not APIToken.objects.exists()


def test_outsider_is_refused_a_token(reauthenticated_client_for, outsider):
    response = reauthenticated_client_for(outsider).post(
        URL, {"name": "x", "expires_in_days": "30"}
    )
    assert response.status_code == 400
    assert "without a role" in response.content.decode()
    assert not APIToken.objects.exists()


def test_creating_a_token_asks_for_the_password_again_first(client_for, analyst):
    response = client_for(analyst).post(
        URL, {"name": "x", "expires_in_days": "30"}, HTTP_REFERER=f"http://testserver{URL}"
    )
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:reauth')}?next=%2Faccounts%2Ftokens%2F"
    assert not APIToken.objects.exists()


def test_revoke_by_post(client_for, analyst):
    token, secret = tokens.do_create_token(analyst, "old")
    client = client_for(analyst)
    url = reverse("accounts:token_revoke", args=[token.pk])
    assert client.get(url).status_code == 405
    response = client.post(url)
    assert response.status_code == 302 and response["Location"] == URL
    assert tokens.authenticate_token(secret) is None


def test_revoking_someone_elses_token_is_404(client_for, analyst, legal_expert):
    theirs, secret = tokens.do_create_token(legal_expert, "theirs")
    response = client_for(analyst).post(reverse("accounts:token_revoke", args=[theirs.pk]))
    assert response.status_code == 404
    assert tokens.authenticate_token(secret) == legal_expert


def test_the_page_is_in_korean_for_a_korean_browser(client_for, analyst):
    page = client_for(analyst).get(URL, HTTP_ACCEPT_LANGUAGE="ko")
    assert page.status_code == 200
    assert 'lang="ko"' in page.content.decode()
