"""Sessions bound to their browser, ended when idle, rotated at sign-in, optionally single."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from sillok.accounts.models import UserSession
from sillok.accounts.sessions import SEEN_KEY, UA_KEY
from sillok.custody.models import AuditEntry

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")
VERIFY = reverse("accounts:verify")
HOME = reverse("workspace:home")
FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0"
CURL = "curl/8.14.1"


def _browser(user_agent: str = FIREFOX, address: str = "192.0.2.10") -> Client:
    return Client(HTTP_USER_AGENT=user_agent, REMOTE_ADDR=address)


def _sign_in(client: Client, username: str, password: str) -> None:
    response = client.post(LOGIN, {"username": username, "password": password})
    assert response.status_code == 302, response.content


def _signed_in(client: Client) -> bool:
    return client.get(HOME).status_code == 200


def _copy_cookie(source: Client, target: Client) -> None:
    target.cookies["sessionid"] = source.cookies["sessionid"].value


def test_a_session_keeps_working_in_the_browser_that_signed_in(analyst, persona_password):
    client = _browser()
    _sign_in(client, "analyst", persona_password)
    assert _signed_in(client) and _signed_in(client)
    row = UserSession.objects.get(user=analyst)
    assert row.session_key == client.session.session_key and row.ended_at is None


def test_a_cookie_replayed_by_another_program_ends_the_session(analyst, persona_password):
    victim = _browser()
    _sign_in(victim, "analyst", persona_password)
    thief = _browser(CURL, "198.51.100.7")
    _copy_cookie(victim, thief)
    response = thief.get(HOME)
    assert urlsplit(response["Location"]).path == LOGIN
    # The session is gone for both: the stolen key is worth nothing any more.
    assert not _signed_in(victim)
    (entry,) = AuditEntry.objects.filter(action="auth.session_hijack_suspected")
    assert entry.actor_id == analyst.pk and entry.details == {"mismatch": "user_agent"}
    assert UserSession.objects.get().ended_reason == "hijack_suspected"


def test_another_network_is_accepted_unless_binding_to_it_is_asked_for(
    analyst, persona_password, settings
):
    home = _browser(address="192.0.2.10")
    _sign_in(home, "analyst", persona_password)
    same_network = _browser(address="192.0.2.99")
    _copy_cookie(home, same_network)
    assert _signed_in(same_network)
    elsewhere = _browser(address="203.0.113.5")
    _copy_cookie(home, elsewhere)
    assert _signed_in(elsewhere)  # off by default: phones change address all the time
    settings.SILLOK_SESSION_BIND_IP = True
    assert _signed_in(same_network)
    assert not _signed_in(elsewhere)
    (entry,) = AuditEntry.objects.filter(action="auth.session_hijack_suspected")
    assert entry.details == {"mismatch": "network"}


def test_an_idle_session_ends_and_says_why(analyst, persona_password, settings):
    client = _browser()
    _sign_in(client, "analyst", persona_password)
    session = client.session
    session[SEEN_KEY] = time.time() - settings.SILLOK_SESSION_IDLE_SECONDS - 5
    session.save()
    response = client.get(HOME, follow=True)
    assert response.redirect_chain[0][0].startswith(LOGIN)
    assert "without activity" in response.content.decode()
    assert not _signed_in(client)
    assert AuditEntry.objects.filter(action="auth.session_idle_expired").count() == 1


def test_activity_within_the_idle_limit_keeps_the_session(analyst, persona_password, settings):
    client = _browser()
    _sign_in(client, "analyst", persona_password)
    session = client.session
    session[SEEN_KEY] = time.time() - settings.SILLOK_SESSION_IDLE_SECONDS + 60
    session.save()
    assert _signed_in(client)
    assert client.session[SEEN_KEY] > time.time() - 5  # the request counted as activity


def test_sign_in_and_the_second_factor_each_give_the_session_a_new_key(
    manager, persona_password, totp_code
):
    client = _browser()
    client.get(LOGIN)
    before = client.cookies["sessionid"].value if "sessionid" in client.cookies else None
    _sign_in(client, "manager", persona_password)
    after_password = client.session.session_key
    assert after_password and after_password != before
    device = TOTPDevice.objects.get(user=manager)
    assert client.post(VERIFY, {"otp_token": totp_code(device)}).status_code == 302
    after_code = client.session.session_key
    assert after_code != after_password
    assert _signed_in(client)
    # The old key is dead.
    stale = _browser()
    stale.cookies["sessionid"] = after_password
    assert not _signed_in(stale)


def test_two_sessions_are_allowed_by_default(analyst, persona_password):
    laptop, phone = _browser(), _browser()
    _sign_in(laptop, "analyst", persona_password)
    _sign_in(phone, "analyst", persona_password)
    assert _signed_in(laptop) and _signed_in(phone)


def test_single_session_mode_ends_the_earlier_session_at_sign_in(
    analyst, persona_password, settings
):
    settings.SILLOK_SINGLE_SESSION = True
    laptop, phone = _browser(), _browser()
    _sign_in(laptop, "analyst", persona_password)
    _sign_in(phone, "analyst", persona_password)
    assert _signed_in(phone)
    response = laptop.get(HOME)
    assert urlsplit(response["Location"]).path == LOGIN
    (entry,) = AuditEntry.objects.filter(action="auth.other_sessions_ended")
    assert entry.details == {"sessions": 1}
    ended = UserSession.objects.get(ended_at__isnull=False)
    assert ended.ended_reason == "replaced"


def test_single_session_mode_catches_a_session_whose_key_changed(
    manager, persona_password, totp_code, settings
):
    """The second-factor step changes the key; the session must still be found and ended."""
    settings.SILLOK_SINGLE_SESSION = True
    first = _browser()
    _sign_in(first, "manager", persona_password)
    device = TOTPDevice.objects.get(user=manager)
    first.post(VERIFY, {"otp_token": totp_code(device)})
    assert _signed_in(first)
    _sign_in(_browser(), "manager", persona_password)
    response = first.get(HOME, follow=True)
    assert "you signed in elsewhere" in response.content.decode()
    assert not _signed_in(first)


def test_a_session_from_before_the_binding_is_bound_not_ended(client, analyst):
    client.force_login(analyst)
    session = client.session
    del session[UA_KEY]
    session.save()
    assert _signed_in(client)
    assert UA_KEY in client.session
    assert not AuditEntry.objects.filter(action="auth.session_hijack_suspected").exists()


def test_signing_out_marks_the_session_ended(analyst, persona_password):
    client = _browser()
    _sign_in(client, "analyst", persona_password)
    client.post(reverse("accounts:logout"))
    row = UserSession.objects.get()
    assert row.ended_at is not None and row.ended_reason == "signed_out"
