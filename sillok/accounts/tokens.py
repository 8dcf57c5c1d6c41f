"""Personal API tokens: creating, revoking, looking up and authenticating them.

A token secret looks like ``sk_AbCd1234_<43 random characters>``. The ``sk_AbCd1234`` part is
the token's *prefix*: it is stored and shown in lists so a user can tell tokens apart, and it
lets a leaked secret be matched to its audit entry. Only the SHA-256 of the whole secret is
stored; the secret itself is shown once, when the token is created.

A token acts with exactly the permissions its user holds at the time of each request: there
are no token scopes to drift out of step with roles.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import string
from datetime import timedelta

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from sillok.accounts.models import APIToken, User
from sillok.accounts.roles import roles_of
from sillok.custody.audit import record_audit

SECRET_MARK = "sk_"  # noqa: S105 - a public marker, not a secret
# 8 characters from 62 symbols: enough to tell a user's tokens apart, no secret by itself.
PREFIX_CHARS = 8
# 32 random bytes (256 bits) after the prefix: the part that makes the token unguessable.
SECRET_BYTES = 32
# Anything longer is not one of ours; refuse before hashing attacker-sized input.
MAX_SECRET_LENGTH = 128
MAX_NAME_LENGTH = APIToken._meta.get_field("name").max_length
MAX_EXPIRY_DAYS = 3650
# A user with this many usable tokens must revoke one first: keeps a runaway script from
# minting thousands of credentials nobody will ever review.
MAX_ACTIVE_TOKENS = 50
# `last_used_at` is a hint for the user ("is this token still in use?"), not an audit trail:
# writing it on every request would turn each read into a write.
LAST_USED_RESOLUTION = timedelta(minutes=1)

_PREFIX_ALPHABET = string.ascii_letters + string.digits


class TokenError(ValueError):
    """Bad input to a token operation; the message (in the active language) says what to fix."""


class TokenRefused(TokenError):
    """This user may not hold tokens (disabled, or no role)."""


class TokenNotFound(LookupError):
    """No such token for this user. Raised alike for missing tokens and other users' tokens."""


def digest_of(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _new_secret() -> tuple[str, str]:
    """A fresh (prefix, secret) pair."""
    prefix = SECRET_MARK + "".join(secrets.choice(_PREFIX_ALPHABET) for _ in range(PREFIX_CHARS))
    return prefix, f"{prefix}_{secrets.token_urlsafe(SECRET_BYTES)}"


def active_tokens(user: User) -> QuerySet[APIToken]:
    now = timezone.now()
    return APIToken.objects.filter(user=user, revoked_at__isnull=True).filter(
        Q(expires_at__isnull=True) | Q(expires_at__gt=now)
    )


def tokens_of(user: User) -> QuerySet[APIToken]:
    """All of the user's tokens, newest first, revoked and expired ones included."""
    return APIToken.objects.filter(user=user).order_by("-created_at", "-pk")


def access_token(user: User, token_id: int) -> APIToken:
    """The user's own token `token_id`; TokenNotFound for a missing *or* someone else's token.

    The same error for both, so that token ids cannot be probed to learn who has tokens.
    """
    token = APIToken.objects.filter(pk=token_id, user=user).first()
    if token is None:
        raise TokenNotFound(_("no API token with id %(id)s") % {"id": token_id})
    return token


def check_create_token(user: User, name: str, expires_in_days: int | None) -> str:
    """Validate the request to create a token; return the cleaned name."""
    name = (name or "").strip()
    if not name:
        raise TokenError(_("give the token a name, so you can recognise it later"))
    if len(name) > MAX_NAME_LENGTH:
        raise TokenError(_("the name is longer than %(max)d characters") % {"max": MAX_NAME_LENGTH})
    if expires_in_days is not None and not 1 <= expires_in_days <= MAX_EXPIRY_DAYS:
        raise TokenError(
            _("the expiry must be between 1 and %(max)d days") % {"max": MAX_EXPIRY_DAYS}
        )
    if not user.is_active:
        raise TokenRefused(_("this account is disabled"))
    # A token of a user without a role could do nothing; refusing keeps outsiders from
    # holding credentials at all.
    if not user.is_superuser and not roles_of(user):
        raise TokenRefused(_("an account without a role cannot have API tokens"))
    return name


def do_create_token(
    user: User, name: str, expires_in_days: int | None = None
) -> tuple[APIToken, str]:
    """Create a token for `user` and return it with its secret, which is never stored.

    Raises TokenError on bad input, creating nothing.
    """
    name = check_create_token(user, name, expires_in_days)
    now = timezone.now()
    expires_at = now + timedelta(days=expires_in_days) if expires_in_days else None
    prefix, secret = _new_secret()
    with transaction.atomic():
        # Lock the user's row: two concurrent creations must not both slip under the limit.
        User.objects.select_for_update().only("pk").get(pk=user.pk)
        if active_tokens(user).count() >= MAX_ACTIVE_TOKENS:
            raise TokenError(
                _("you already have %(max)d active tokens; revoke one you no longer use")
                % {"max": MAX_ACTIVE_TOKENS}
            )
        token = APIToken.objects.create(
            user=user,
            name=name,
            prefix=prefix,
            digest=digest_of(secret),
            created_at=now,
            expires_at=expires_at,
        )
        record_audit(
            user,
            "token.created",
            object_type="api_token",
            object_id=token.pk,
            details={
                "name": name,
                "prefix": prefix,
                "expires_at": expires_at.isoformat() if expires_at else None,
            },
        )
    return token, secret


def do_revoke_token(actor: User | None, token: APIToken) -> APIToken:
    """Revoke `token` now. Revoking a revoked token changes nothing and records nothing."""
    with transaction.atomic():
        # Lock the row: a concurrent revoke must not write a second revocation entry.
        locked = APIToken.objects.select_for_update().get(pk=token.pk)
        if locked.revoked_at is not None:
            return locked
        locked.revoked_at = timezone.now()
        locked.save(update_fields=["revoked_at"])
        record_audit(
            actor,
            "token.revoked",
            object_type="api_token",
            object_id=locked.pk,
            details={"name": locked.name, "prefix": locked.prefix, "owner": locked.user_id},
        )
    return locked


def authenticate_token(secret: str) -> User | None:
    """The active user a valid, unrevoked, unexpired token belongs to; None otherwise.

    The lookup is by the SHA-256 of the secret, so no comparison ever runs over the secret
    itself, and the time taken says nothing about how close a guess was.
    """
    if not secret or len(secret) > MAX_SECRET_LENGTH or not secret.startswith(SECRET_MARK):
        return None
    digest = digest_of(secret)
    token = APIToken.objects.select_related("user").filter(digest=digest).first()
    if token is None or not hmac.compare_digest(token.digest, digest):
        return None
    now = timezone.now()
    if not token.is_active(now) or not token.user.is_active:
        return None
    _touch(token, now)
    return token.user


def _touch(token: APIToken, now) -> None:
    """Record the use, at most once per LAST_USED_RESOLUTION, without a read-modify-write.

    A conditional UPDATE: concurrent requests with the same token write at most once, and
    none of them waits on a row lock.
    """
    if token.last_used_at is not None and now - token.last_used_at < LAST_USED_RESOLUTION:
        return
    APIToken.objects.filter(pk=token.pk).filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_RESOLUTION)
    ).update(last_used_at=now)
