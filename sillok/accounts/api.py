"""API authentication and the account endpoints: who am I, and my personal tokens.

Two ways in, tried in this order:

- ``Authorization: Bearer sk_...``: a personal API token (accounts/tokens.py), for scripts.
- The browser's session cookie, with Django's CSRF check on unsafe methods, for the web UI.
  Only a session that has passed every sign-in step counts: the two-factor middleware lets
  /api/ through (tokens carry no session), so the API must refuse a password-only session
  of a user who owes a second factor itself.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError
from ninja.security import HttpBearer
from ninja.security import SessionAuth as NinjaSessionAuth

from sillok.accounts import tokens
from sillok.accounts.models import APIToken
from sillok.accounts.reauth import is_recently_reauthenticated
from sillok.accounts.roles import requires_two_factor, roles_of
from sillok.accounts.twofactor import has_confirmed_device
from sillok.core.api import Id


class TokenAuth(HttpBearer):
    """A personal API token in the Authorization header."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = tokens.authenticate_token(token.strip())
        if user is None:
            return None
        # Views and services read request.user; make it the token's user, not the session's.
        request.user = user
        request.api_auth_method = "token"  # type: ignore[attr-defined]
        return user


def session_fully_signed_in(user: Any) -> bool:
    """The same rule TwoFactorRequiredMiddleware applies to pages."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if getattr(user, "is_verified", lambda: False)():
        return True
    return not has_confirmed_device(user) and not requires_two_factor(user)


class SessionAuth(NinjaSessionAuth):
    """Django's session (CSRF-checked by ninja), only once every sign-in step is done."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = getattr(request, "user", None)
        if not session_fully_signed_in(user):
            return None
        request.api_auth_method = "session"  # type: ignore[attr-defined]
        return user


token_auth = TokenAuth()
session_auth = SessionAuth()
# The API's default: every operation needs one of these unless it says auth=None.
API_AUTH = [token_auth, session_auth]

router = Router(tags=["account"])


class ErrorOut(Schema):
    detail: str = Field(..., examples=["no API token with id 42"])


class MeOut(Schema):
    username: str = Field(..., examples=["mina"])
    roles: list[str] = Field(..., examples=[["analyst"]])
    permissions: list[str] = Field(
        ..., description="app_label.codename, as Django checks them", examples=[[]]
    )
    auth: str = Field(..., description="how this request was authenticated", examples=["token"])


class TokenOut(Schema):
    id: int = Field(..., examples=[7])
    name: str = Field(..., examples=["nightly export script"])
    prefix: str = Field(
        ..., description="the first characters of the secret", examples=["sk_AbCd1234"]
    )
    created_at: datetime
    expires_at: datetime | None = Field(None, description="null: never expires")
    last_used_at: datetime | None = Field(None, description="to the minute")
    revoked_at: datetime | None = None
    active: bool = Field(..., examples=[True])

    @staticmethod
    def resolve_active(obj: APIToken) -> bool:
        return obj.is_active()


class TokenCreateIn(Schema):
    name: str = Field(
        ..., min_length=1, max_length=tokens.MAX_NAME_LENGTH, examples=["nightly export script"]
    )
    expires_in_days: int | None = Field(
        None,
        ge=1,
        le=tokens.MAX_EXPIRY_DAYS,
        description="omit or null for a token that never expires",
        examples=[90],
    )


class TokenCreatedOut(TokenOut):
    secret: str = Field(
        ...,
        description="shown only in this response; store it now, it cannot be shown again",
        examples=["sk_AbCd1234_3q2-7wEXAMPLEONLYnotarealtoken0000000000"],
    )


@router.get("/me", response=MeOut, summary="Who am I", operation_id="me")
def me(request: HttpRequest) -> dict[str, Any]:
    """The signed-in user, their roles and the permissions a request of theirs carries."""
    user = request.auth  # type: ignore[attr-defined]
    return {
        "username": user.get_username(),
        "roles": [role.name for role in roles_of(user)],
        "permissions": sorted(user.get_all_permissions()),
        "auth": getattr(request, "api_auth_method", "session"),
    }


@router.get("/tokens", response=list[TokenOut], summary="My API tokens", operation_id="list_tokens")
def list_tokens(request: HttpRequest) -> list[APIToken]:
    """Your own tokens, newest first, revoked and expired ones included. Never the secrets."""
    return list(tokens.tokens_of(request.auth))  # type: ignore[attr-defined]


@router.post(
    "/tokens",
    response={201: TokenCreatedOut, 400: ErrorOut, 403: ErrorOut},
    summary="Create an API token",
    operation_id="create_token",
    # A token cannot mint tokens: a leaked secret must not be able to make itself permanent.
    auth=[session_auth],
)
def create_token(request: HttpRequest, payload: TokenCreateIn) -> Status:
    """Create a personal token. Needs a browser session (not a token) re-authenticated in
    the last SILLOK_REAUTH_SECONDS at /accounts/reauth/; the secret is in this response only."""
    if not is_recently_reauthenticated(request):
        # A stolen session cookie must not be able to mint a long-lived credential.
        raise HttpError(403, "confirm your password at /accounts/reauth/ first")
    try:
        token, secret = tokens.do_create_token(
            request.auth,  # type: ignore[attr-defined]
            payload.name,
            expires_in_days=payload.expires_in_days,
        )
    except tokens.TokenRefused as exc:
        raise HttpError(403, str(exc)) from None
    except tokens.TokenError as exc:
        raise HttpError(400, str(exc)) from None
    # Set on the instance for the response only; the model has no field for it.
    token.secret = secret  # type: ignore[attr-defined]
    return Status(201, token)


@router.delete(
    "/tokens/{token_id}",
    response={204: None, 404: ErrorOut},
    summary="Revoke an API token",
    operation_id="revoke_token",
)
def revoke_token(request: HttpRequest, token_id: Id) -> Status:
    """Revoke one of your tokens; it stops working at once. Revoking twice is harmless."""
    user = request.auth  # type: ignore[attr-defined]
    try:
        token = tokens.access_token(user, token_id)
    except tokens.TokenNotFound as exc:
        raise HttpError(404, str(exc)) from None
    tokens.do_revoke_token(user, token)
    return Status(204, None)
