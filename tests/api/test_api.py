"""/api/v1/: authentication, /me, personal tokens and the health check, over HTTP."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from sillok.accounts import tokens
from sillok.accounts.models import APIToken
from sillok.custody.models import AuditEntry
from tests.conftest import mark_client_reauthenticated

pytestmark = pytest.mark.django_db


def bearer(secret: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


@pytest.fixture
def analyst_secret(analyst) -> str:
    return tokens.do_create_token(analyst, "script")[1]


@pytest.fixture
def csrf_client(login_as):
    """A browser-like client: session cookie, and CSRF enforced as in production."""

    def make(user) -> Client:
        client = login_as(Client(enforce_csrf_checks=True), user)
        client.get("/accounts/")  # sets the csrftoken cookie
        # Creating a token needs a recent re-authentication (accounts/reauth.py).
        return mark_client_reauthenticated(client)

    return make


def csrf_header(client: Client) -> dict[str, str]:
    return {"HTTP_X_CSRFTOKEN": client.cookies["csrftoken"].value}


# --- health ------------------------------------------------------------------------------


def test_health_needs_no_authentication_and_says_only_ok_and_version(client):
    response = client.get("/api/v1/health")
    assert response.status_code == 200
    assert set(response.json()) == {"status", "version"}
    assert response.json()["status"] == "ok"


# --- authentication ----------------------------------------------------------------------


def test_me_without_credentials_is_401_json_with_a_bearer_challenge(client):
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/json")
    assert "Bearer" in response.json()["detail"]
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "header",
    ["Bearer sk_nope_nope", "Bearer ", "Basic YW5hOnB3", "Token abc", "Bearer " + "x" * 5000],
)
def test_me_with_a_bad_token_is_401(client, analyst_secret, header):
    response = client.get("/api/v1/me", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401


def test_me_with_a_token_names_the_user_their_roles_and_permissions(client, auditor):
    _, secret = tokens.do_create_token(auditor, "script")
    response = client.get("/api/v1/me", **bearer(secret))
    assert response.status_code == 200
    assert response.json() == {
        "username": "auditor",
        "roles": ["auditor"],
        "permissions": [
            "accounts.run_verify",
            "accounts.view_audit",
            "evidence.view_item",
            "evidence.view_restricted",
            "records.view_record",
        ],
        "auth": "token",
    }


def test_a_token_acts_with_the_users_current_roles(client, analyst, analyst_secret):
    before = client.get("/api/v1/me", **bearer(analyst_secret)).json()["permissions"]
    assert "accounts.view_audit" not in before
    analyst.groups.add(Group.objects.get(name="auditor"))
    me = client.get("/api/v1/me", **bearer(analyst_secret)).json()
    assert me["roles"] == ["analyst", "auditor"]
    assert "accounts.view_audit" in me["permissions"]


def test_revoked_token_is_refused_at_once(client, analyst, analyst_secret):
    tokens.do_revoke_token(analyst, APIToken.objects.get(user=analyst))
    assert client.get("/api/v1/me", **bearer(analyst_secret)).status_code == 401


def test_token_of_a_disabled_user_is_refused(client, analyst, analyst_secret):
    analyst.is_active = False
    analyst.save(update_fields=["is_active"])
    assert client.get("/api/v1/me", **bearer(analyst_secret)).status_code == 401


def test_a_fully_signed_in_browser_session_can_use_the_api(client_for, manager):
    response = client_for(manager).get("/api/v1/me")
    assert response.status_code == 200
    assert response.json()["auth"] == "session"


def test_a_password_only_session_that_owes_a_second_factor_is_refused(client, admin):
    # Signed in with the password but not past the code step: the middleware lets /api/
    # through, so the API itself must refuse.
    client.force_login(admin)
    assert client.get("/api/v1/me").status_code == 401
    assert client.get("/api/v1/tokens").status_code == 401


def test_outsider_sees_only_that_they_have_no_role(client_for, outsider):
    response = client_for(outsider).get("/api/v1/me")
    assert response.status_code == 200
    assert response.json()["roles"] == [] and response.json()["permissions"] == []


# --- tokens ------------------------------------------------------------------------------


def test_create_token_with_a_session_returns_the_secret_once(csrf_client, analyst):
    client = csrf_client(analyst)
    response = client.post(
        "/api/v1/tokens",
        data={"name": "nightly export", "expires_in_days": 90},
        content_type="application/json",
        **csrf_header(client),
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["name"] == "nightly export" and body["active"] is True
    assert body["secret"].startswith(body["prefix"] + "_")
    assert body["expires_at"] is not None
    # The secret works, and is never shown again.
    assert Client().get("/api/v1/me", **bearer(body["secret"])).json()["username"] == "analyst"
    listing = client.get("/api/v1/tokens")
    assert body["secret"] not in listing.content.decode()
    assert "digest" not in listing.json()[0] and "secret" not in listing.json()[0]
    assert body["secret"] not in json.dumps(list(AuditEntry.objects.values_list("details")))


def test_create_token_without_the_csrf_token_is_refused(csrf_client, analyst):
    client = csrf_client(analyst)
    response = client.post("/api/v1/tokens", data={"name": "x"}, content_type="application/json")
    assert response.status_code == 403
    assert not APIToken.objects.exists()


def test_create_token_needs_a_recent_reauthentication(login_as, analyst):
    client = login_as(Client(enforce_csrf_checks=True), analyst)
    client.get("/accounts/")
    response = client.post(
        "/api/v1/tokens", data={"name": "x"}, content_type="application/json", **csrf_header(client)
    )
    assert response.status_code == 403
    assert "/accounts/reauth/" in response.json()["detail"]
    assert not APIToken.objects.exists()


def test_a_token_cannot_create_tokens(client, analyst_secret):
    response = client.post(
        "/api/v1/tokens",
        data={"name": "offspring"},
        content_type="application/json",
        **bearer(analyst_secret),
    )
    assert response.status_code == 401
    assert APIToken.objects.count() == 1


@pytest.mark.parametrize(
    "payload", [{"name": ""}, {"name": "x" * 101}, {"name": "x", "expires_in_days": 0}, {}]
)
def test_create_token_with_bad_input_is_422_and_creates_nothing(csrf_client, analyst, payload):
    client = csrf_client(analyst)
    response = client.post(
        "/api/v1/tokens", data=payload, content_type="application/json", **csrf_header(client)
    )
    assert response.status_code == 422
    assert "detail" in response.json()
    assert not APIToken.objects.exists()


def test_create_token_with_a_blank_name_is_400(csrf_client, analyst):
    client = csrf_client(analyst)
    response = client.post(
        "/api/v1/tokens",
        data={"name": "   "},
        content_type="application/json",
        **csrf_header(client),
    )
    assert response.status_code == 400
    assert "name" in response.json()["detail"]


def test_outsider_cannot_create_a_token(csrf_client, outsider):
    client = csrf_client(outsider)
    response = client.post(
        "/api/v1/tokens",
        data={"name": "x"},
        content_type="application/json",
        **csrf_header(client),
    )
    assert response.status_code == 403
    assert "role" in response.json()["detail"]
    assert not APIToken.objects.exists()


def test_list_shows_only_my_own_tokens(
    client, analyst, legal_expert, analyst_secret, django_assert_max_num_queries
):
    tokens.do_create_token(legal_expert, "theirs")
    for n in range(5):
        tokens.do_create_token(analyst, f"mine {n}")
    with django_assert_max_num_queries(3):
        response = client.get("/api/v1/tokens", **bearer(analyst_secret))
    assert response.status_code == 200
    names = [t["name"] for t in response.json()]
    assert names == ["mine 4", "mine 3", "mine 2", "mine 1", "mine 0", "script"]


def test_revoke_my_token(client, analyst, analyst_secret):
    token, secret = tokens.do_create_token(analyst, "old")
    response = client.delete(f"/api/v1/tokens/{token.pk}", **bearer(analyst_secret))
    assert response.status_code == 204
    assert client.get("/api/v1/me", **bearer(secret)).status_code == 401
    assert AuditEntry.objects.get(action="token.revoked").actor_id == analyst.pk
    listed = {t["name"]: t for t in client.get("/api/v1/tokens", **bearer(analyst_secret)).json()}
    assert listed["old"]["active"] is False and listed["old"]["revoked_at"] is not None


def test_someone_elses_token_is_404_exactly_like_a_missing_one(
    client, legal_expert, analyst_secret
):
    theirs, their_secret = tokens.do_create_token(legal_expert, "theirs")
    other = client.delete(f"/api/v1/tokens/{theirs.pk}", **bearer(analyst_secret))
    missing = client.delete(f"/api/v1/tokens/{theirs.pk + 1000}", **bearer(analyst_secret))
    assert other.status_code == missing.status_code == 404
    assert set(other.json()) == set(missing.json()) == {"detail"}
    assert client.get("/api/v1/me", **bearer(their_secret)).status_code == 200
    assert not AuditEntry.objects.filter(action="token.revoked").exists()


def test_revoke_needs_authentication(client, analyst):
    token, _ = tokens.do_create_token(analyst, "x")
    assert client.delete(f"/api/v1/tokens/{token.pk}").status_code == 401
    assert APIToken.objects.get(pk=token.pk).revoked_at is None


def test_revoke_through_the_session_needs_csrf(csrf_client, analyst):
    token, _ = tokens.do_create_token(analyst, "x")
    client = csrf_client(analyst)
    assert client.delete(f"/api/v1/tokens/{token.pk}").status_code == 403
    assert client.delete(f"/api/v1/tokens/{token.pk}", **csrf_header(client)).status_code == 204
