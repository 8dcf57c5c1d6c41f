"""Re-authentication before sensitive actions: the decorator, the page, lockout, the guards."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from sillok.accounts.reauth import (
    SESSION_KEY,
    is_recently_reauthenticated,
    mark_reauthenticated,
    reauth_required,
)
from sillok.custody.models import AuditEntry
from tests.accounts.soft_authenticator import register_key, signed_assertion

pytestmark = pytest.mark.django_db

REAUTH = reverse("accounts:reauth")
TOKENS = reverse("accounts:tokens")
EXPORT = reverse("records:export")
HOME = reverse("workspace:home")


def _reauth_marked(client: Client) -> bool:
    return SESSION_KEY in client.session


def _next_of(response) -> str:
    assert urlsplit(response["Location"]).path == REAUTH
    return parse_qs(urlsplit(response["Location"]).query)["next"][0]


@reauth_required
def _guarded(request):
    return HttpResponse("done")


def _request(user, session: dict):
    request = RequestFactory().get("/sensitive/?a=1&b=2")
    request.user = user
    request.session = session
    return request


def test_the_decorator_sends_to_reauth_with_the_page_as_next(analyst):
    response = _guarded(_request(analyst, {}))
    assert response.status_code == 302
    assert _next_of(response) == "/sensitive/?a=1&b=2"


def test_the_decorator_lets_a_recent_reauthentication_through(analyst):
    session: dict = {}
    mark_reauthenticated(session)
    assert _guarded(_request(analyst, session)).content == b"done"


@pytest.mark.parametrize("age", [settings.SILLOK_REAUTH_SECONDS + 1, -60])
def test_an_old_or_future_reauthentication_does_not_count(analyst, age):
    session: dict = {}
    mark_reauthenticated(session, at=time.time() - age)
    assert not is_recently_reauthenticated(_request(analyst, session))
    assert _guarded(_request(analyst, session)).status_code == 302


def test_the_window_follows_the_setting(analyst, settings):
    settings.SILLOK_REAUTH_SECONDS = 3600
    session: dict = {}
    mark_reauthenticated(session, at=time.time() - 1800)
    assert is_recently_reauthenticated(_request(analyst, session))


def test_password_alone_reauthenticates_a_user_without_second_factor(
    client_for, analyst, persona_password
):
    client = client_for(analyst)
    page = client.get(REAUTH, {"next": TOKENS})
    assert page.status_code == 200 and "otp_token" not in page.content.decode()
    response = client.post(REAUTH, {"password": persona_password, "next": TOKENS})
    assert response.status_code == 302 and response["Location"] == TOKENS
    assert _reauth_marked(client)
    (entry,) = AuditEntry.objects.filter(action="auth.reauthenticated")
    assert entry.actor_id == analyst.pk


def test_a_wrong_password_is_refused_and_audited(client_for, analyst):
    client = client_for(analyst)
    response = client.post(REAUTH, {"password": "not-the-password-1", "next": TOKENS})
    assert response.status_code == 400
    assert "password is not correct" in response.content.decode()
    assert not _reauth_marked(client)
    (entry,) = AuditEntry.objects.filter(action="auth.reauth_failed")
    assert entry.details == {"reason": "password"}
    assert "not-the-password-1" not in str(AuditEntry.objects.values_list("details"))


def test_a_user_with_an_app_needs_a_code_as_well(client_for, manager, persona_password, totp_code):
    client = client_for(manager)
    assert 'name="otp_token"' in client.get(REAUTH).content.decode()
    refused = client.post(REAUTH, {"password": persona_password})
    assert refused.status_code == 400 and not _reauth_marked(client)
    assert AuditEntry.objects.get(action="auth.reauth_failed").details == {
        "reason": "second_factor"
    }
    device = TOTPDevice.objects.get(user=manager)
    device.throttle_reset()
    response = client.post(REAUTH, {"password": persona_password, "otp_token": totp_code(device)})
    assert response.status_code == 302 and _reauth_marked(client)


def test_a_user_with_a_security_key_can_use_it(
    reauthenticated_client_for, analyst, persona_password
):
    client = reauthenticated_client_for(analyst)
    key = register_key(client)
    session = client.session
    del session[SESSION_KEY]
    session.save()
    page = client.get(REAUTH).content.decode()
    assert "accounts/webauthn.js" in page and 'name="otp_token"' not in page
    assertion = signed_assertion(client, key)
    response = client.post(REAUTH, {"password": persona_password, "webauthn_assertion": assertion})
    assert response.status_code == 302 and _reauth_marked(client)


def test_next_never_leaves_the_site(client_for, analyst, persona_password):
    client = client_for(analyst)
    response = client.post(REAUTH, {"password": persona_password, "next": "https://evil.example/"})
    assert response["Location"] == HOME


def test_reauth_failures_count_toward_the_lockout_and_end_the_session(
    client_for, analyst, persona_password
):
    client = client_for(analyst)
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert client.post(REAUTH, {"password": "wrong-password-000"}).status_code == 400
    locked = client.post(REAUTH, {"password": "wrong-password-000"})
    assert locked.status_code in (403, 429)
    assert "_auth_user_id" not in client.session
    assert client.get(HOME).status_code == 302
    # The account is locked for the real sign-in page too.
    login = Client().post(
        reverse("accounts:login"), {"username": "analyst", "password": persona_password}
    )
    assert login.status_code in (403, 429)


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(REAUTH)
    assert urlsplit(response["Location"]).path == reverse("accounts:login")


def test_creating_an_api_token_needs_a_recent_reauthentication(
    client_for, analyst, persona_password
):
    client = client_for(analyst)
    assert client.get(TOKENS).status_code == 200  # the list is not sensitive
    response = client.post(TOKENS, {"name": "script", "expires_in_days": "30"})
    assert _next_of(response) == TOKENS
    client.post(REAUTH, {"password": persona_password})
    created = client.post(TOKENS, {"name": "script", "expires_in_days": "30"})
    assert created.status_code == 200 and 'id="token-secret"' in created.content.decode()


def test_exporting_records_needs_a_recent_reauthentication(
    client_for, documentation_officer, vocabularies
):
    client = client_for(documentation_officer)
    assert client.get(EXPORT).status_code == 200
    response = client.post(
        EXPORT, {"kind": "persons", "format": "csv"}, HTTP_REFERER=f"http://testserver{EXPORT}"
    )
    # Back to the form, with a token for the choices kept (tests/accounts/test_reauth_kept.py).
    assert urlsplit(_next_of(response)).path == EXPORT
