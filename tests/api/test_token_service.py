"""The token services in accounts/tokens.py: secrets, digests, expiry, revocation, audit."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from sillok.accounts import tokens
from sillok.accounts.models import APIToken
from sillok.custody.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_created_token_stores_only_the_digest_of_its_secret(analyst):
    token, secret = tokens.do_create_token(analyst, "  script  ", expires_in_days=30)
    assert secret.startswith(token.prefix + "_")
    assert token.prefix.startswith("sk_") and len(token.prefix) == 11
    assert len(secret) > 50
    stored = APIToken.objects.get(pk=token.pk)
    assert stored.name == "script"
    assert stored.digest == tokens.digest_of(secret)
    assert secret not in json.dumps(list(APIToken.objects.values()), default=str), (
        "the secret must not be stored in any column"
    )
    assert abs(stored.expires_at - (timezone.now() + timedelta(days=30))) < timedelta(minutes=1)


def test_token_creation_is_audited_without_the_secret(analyst):
    token, secret = tokens.do_create_token(analyst, "script")
    entry = AuditEntry.objects.get(action="token.created")
    assert entry.actor_id == analyst.pk
    assert entry.object_id == str(token.pk)
    assert entry.details == {"name": "script", "prefix": token.prefix, "expires_at": None}
    assert secret not in json.dumps(entry.details)


def test_authenticate_token_returns_the_user_of_a_valid_secret(analyst):
    _, secret = tokens.do_create_token(analyst, "script")
    assert tokens.authenticate_token(secret) == analyst


@pytest.mark.parametrize(
    "guess", ["", "sk_", "nonsense", "sk_AAAAAAAA_" + "x" * 43, "sk_" + "y" * 500]
)
def test_authenticate_token_refuses_unknown_secrets(analyst, guess):
    tokens.do_create_token(analyst, "script")
    assert tokens.authenticate_token(guess) is None


def test_revoked_token_no_longer_authenticates_and_revocation_is_audited_once(analyst):
    token, secret = tokens.do_create_token(analyst, "script")
    tokens.do_revoke_token(analyst, token)
    tokens.do_revoke_token(analyst, token)
    assert tokens.authenticate_token(secret) is None
    entries = AuditEntry.objects.filter(action="token.revoked")
    assert entries.count() == 1
    assert entries.get().details == {"name": "script", "prefix": token.prefix, "owner": analyst.pk}


def test_expired_token_does_not_authenticate(analyst):
    token, secret = tokens.do_create_token(analyst, "script", expires_in_days=1)
    APIToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert tokens.authenticate_token(secret) is None


def test_token_of_a_disabled_user_does_not_authenticate(analyst):
    _, secret = tokens.do_create_token(analyst, "script")
    analyst.is_active = False
    analyst.save(update_fields=["is_active"])
    assert tokens.authenticate_token(secret) is None


def test_last_used_is_written_at_most_once_a_minute(analyst, django_assert_num_queries):
    token, secret = tokens.do_create_token(analyst, "script")
    with django_assert_num_queries(2):  # lookup + the one conditional UPDATE
        tokens.authenticate_token(secret)
    first = APIToken.objects.get(pk=token.pk).last_used_at
    assert first is not None
    with django_assert_num_queries(1):  # lookup only: used less than a minute ago
        tokens.authenticate_token(secret)
    assert APIToken.objects.get(pk=token.pk).last_used_at == first
    APIToken.objects.filter(pk=token.pk).update(last_used_at=first - timedelta(minutes=2))
    tokens.authenticate_token(secret)
    assert APIToken.objects.get(pk=token.pk).last_used_at > first - timedelta(minutes=2)


@pytest.mark.parametrize(
    ("name", "days", "message"),
    [
        ("", None, "give the token a name"),
        ("   ", None, "give the token a name"),
        ("x" * 101, None, "longer than 100"),
        ("ok", 0, "between 1 and 3650"),
        ("ok", 3651, "between 1 and 3650"),
    ],
)
def test_bad_token_requests_are_refused_and_create_nothing(analyst, name, days, message):
    with pytest.raises(tokens.TokenError, match=message):
        tokens.do_create_token(analyst, name, expires_in_days=days)
    assert not APIToken.objects.exists()
    assert not AuditEntry.objects.filter(action="token.created").exists()


def test_outsider_cannot_have_tokens(outsider):
    with pytest.raises(tokens.TokenRefused):
        tokens.do_create_token(outsider, "script")
    assert not APIToken.objects.exists()


def test_active_token_limit(analyst, monkeypatch):
    monkeypatch.setattr(tokens, "MAX_ACTIVE_TOKENS", 2)
    first, _ = tokens.do_create_token(analyst, "one")
    tokens.do_create_token(analyst, "two")
    with pytest.raises(tokens.TokenError, match="2 active tokens"):
        tokens.do_create_token(analyst, "three")
    tokens.do_revoke_token(analyst, first)
    tokens.do_create_token(analyst, "three")


def test_access_token_refuses_someone_elses_token_like_a_missing_one(analyst, legal_expert):
    token, _ = tokens.do_create_token(analyst, "script")
    with pytest.raises(tokens.TokenNotFound) as other:
        tokens.access_token(legal_expert, token.pk)
    with pytest.raises(tokens.TokenNotFound) as missing:
        tokens.access_token(legal_expert, token.pk + 1000)
    assert str(other.value).replace(str(token.pk), "N") == str(missing.value).replace(
        str(token.pk + 1000), "N"
    )
