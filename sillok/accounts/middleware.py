"""Two-factor enforcement for every request of a signed-in user."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from sillok.accounts.next_url import with_next
from sillok.accounts.roles import requires_two_factor
from sillok.accounts.twofactor import has_confirmed_device

# The only pages a half-signed-in user may reach, by name: the sign-in steps and sign-out.
# Names, not an "/accounts/" prefix: the account and API-token pages live under that prefix
# too and must stay behind the second factor.
# The security-key challenge serves the verify page (it only hands out a challenge).
_OPEN_VIEWS = (
    "accounts:login",
    "accounts:logout",
    "accounts:verify",
    "accounts:enrol",
    "accounts:webauthn_challenge",
)
# Language switch and static files carry no data; the API authenticates with tokens.
_OPEN_PREFIXES = ("/i18n/", "/api/")


class TwoFactorRequiredMiddleware:
    """Send a password-only session to the second-factor step.

    A user who has a confirmed device must use it; a user whose role requires two factors
    and has none is sent to enrolment. The page asked for comes back as `next`, encoded.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self._open_paths: frozenset[str] | None = None

    def _is_open(self, request: HttpRequest) -> bool:
        if self._open_paths is None:
            # Reversed on first use: the URLconf is not loaded when middleware is built.
            self._open_paths = frozenset(reverse(name) for name in _OPEN_VIEWS)
        return request.path in self._open_paths or request.path_info.startswith(
            (*_OPEN_PREFIXES, settings.STATIC_URL or "/static/")
        )

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not user.is_verified()
            and not self._is_open(request)
        ):
            if has_confirmed_device(user):
                return redirect(with_next(reverse("accounts:verify"), request.get_full_path()))
            if requires_two_factor(user):
                return redirect(with_next(reverse("accounts:enrol"), request.get_full_path()))
        return self.get_response(request)
