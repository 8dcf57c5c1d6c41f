"""Password step of signing in: lockout, CSRF, redirects, audit."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from sillok.custody.models import AuditEntry

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")
HOME = reverse("workspace:home")


def _post_login(client: Client, username: str, password: str, **extra):
    return client.post(LOGIN, {"username": username, "password": password, **extra})


def test_analyst_signs_in_with_password_and_reaches_home(client, analyst, persona_password):
    response = _post_login(client, "analyst", persona_password)
    assert response.status_code == 302
    assert response["Location"] == HOME
    home = client.get(HOME)
    assert home.status_code == 200
    assert "Analyst" in home.content.decode()
    assert AuditEntry.objects.filter(action="login.succeeded", actor_name="analyst").exists()


def test_password_is_stored_with_argon2id(analyst):
    from sillok.accounts.services import do_set_password

    do_set_password(None, analyst, "a fresh long passphrase 42")
    analyst.refresh_from_db()
    assert analyst.password.startswith("argon2$argon2id$")


def test_wrong_password_is_refused_and_audited_without_the_password(client, analyst):
    response = _post_login(client, "analyst", "not-the-password-123")
    assert response.status_code == 200
    assert "not correct" in response.content.decode()
    entry = AuditEntry.objects.get(action="login.failed")
    assert entry.details == {"username": "analyst", "known_user": True, "locked_out": False}
    assert "not-the-password-123" not in str(entry.details)


def test_failed_sign_in_with_unknown_name_does_not_keep_the_typed_name(client, roles):
    _post_login(client, "my secret passphrase", "whatever-it-is-1")
    entry = AuditEntry.objects.get(action="login.failed")
    assert entry.details == {"username": None, "known_user": False, "locked_out": False}


def test_account_is_locked_after_the_failure_limit(client, analyst, persona_password):
    limit = settings.AXES_FAILURE_LIMIT
    for _ in range(limit - 1):
        assert _post_login(client, "analyst", "wrong-password-000").status_code == 200
    locked = _post_login(client, "analyst", "wrong-password-000")
    assert locked.status_code in (403, 429)
    assert "Account locked" in locked.content.decode()
    # The right password is refused too while the lock lasts.
    again = _post_login(Client(), "analyst", persona_password)
    assert again.status_code in (403, 429)
    assert "_auth_user_id" not in again.client.session
    assert Client().get(HOME).status_code == 302
    refused = AuditEntry.objects.filter(action="login.failed", details__locked_out=True)
    assert refused.count() >= 2
    assert not AuditEntry.objects.filter(action="login.succeeded").exists()


def test_lockout_page_is_localised(client, analyst):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = _post_login(client, "analyst", "wrong-password-000", HTTP_ACCEPT_LANGUAGE="ko")
    response = client.post(
        LOGIN, {"username": "analyst", "password": "x" * 12}, HTTP_ACCEPT_LANGUAGE="ko"
    )
    assert response.status_code == 429
    assert "계정이 잠겼습니다" in response.content.decode()


def test_admin_password_resets_the_lockout(client, analyst):
    from sillok.accounts.services import do_set_password

    for _ in range(settings.AXES_FAILURE_LIMIT):
        _post_login(client, "analyst", "wrong-password-000")
    do_set_password(None, analyst, "another long passphrase 9")
    response = _post_login(Client(), "analyst", "another long passphrase 9")
    assert response.status_code == 302


def test_login_refuses_a_post_without_csrf_token(analyst, persona_password):
    strict = Client(enforce_csrf_checks=True)
    response = _post_login(strict, "analyst", persona_password)
    assert response.status_code == 403
    assert "_auth_user_id" not in strict.session


def test_login_accepts_a_post_with_csrf_token(analyst, persona_password):
    strict = Client(enforce_csrf_checks=True)
    page = strict.get(LOGIN)
    token = page.context["csrf_token"]
    response = _post_login(strict, "analyst", persona_password, csrfmiddlewaretoken=str(token))
    assert response.status_code == 302


@pytest.mark.parametrize(
    "evil",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example",
        "javascript:alert(1)",
        "http://testserver.evil.example/",
    ],
)
def test_login_never_redirects_off_site(client, analyst, persona_password, evil):
    response = _post_login(client, "analyst", persona_password, next=evil)
    assert response.status_code == 302
    assert response["Location"] == HOME


def test_login_follows_a_same_site_next(client, analyst, persona_password):
    response = _post_login(client, "analyst", persona_password, next="/accounts/?tab=roles")
    assert response["Location"] == "/accounts/?tab=roles"


def test_anonymous_visitor_is_sent_to_login_with_encoded_next(client, db):
    response = client.get("/accounts/?a=1&b=2")
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN + "?next=")
    assert "%3Fa%3D1%26b%3D2" in response["Location"]


def test_outsider_signs_in_and_sees_no_role(client, outsider, persona_password):
    response = _post_login(client, "outsider", persona_password)
    assert response["Location"] == HOME
    page = client.get(HOME).content.decode()
    assert "You have no role yet" in page
    assert "Audit entries" not in page


def test_logout_needs_post_and_is_audited(client_for, analyst):
    client = client_for(analyst)
    assert client.get(reverse("accounts:logout")).status_code == 405
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert client.get(HOME).status_code == 302
    assert AuditEntry.objects.filter(action="logout", actor_name="analyst").exists()


def test_session_cookie_follows_the_settings(client, analyst, persona_password):
    _post_login(client, "analyst", persona_password)
    assert client.session.get_expire_at_browser_close() is settings.SESSION_EXPIRE_AT_BROWSER_CLOSE
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"
