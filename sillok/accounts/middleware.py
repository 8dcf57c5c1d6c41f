"""Two-factor enforcement for every request of a signed-in user."""

from __future__ import annotations

from django.shortcuts import redirect
from django.urls import reverse

from sillok.accounts.roles import requires_two_factor
from sillok.accounts.twofactor import has_confirmed_device

# Paths a half-signed-in user may reach: the second-factor pages, logout, language switch,
# static files. Everything else waits until the second factor is given.
_OPEN_PREFIXES = ("/accounts/", "/i18n/", "/static/", "/api/")


class TwoFactorRequiredMiddleware:
    """Send a password-only session to the second-factor step.

    A user who has a confirmed device must use it; a user whose role requires two factors
    and has none is sent to enrolment. The API authenticates with tokens and is not affected.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not user.is_verified()
            and not request.path.startswith(_OPEN_PREFIXES)
        ):
            if has_confirmed_device(user):
                return redirect(reverse("accounts:verify") + f"?next={request.path}")
            if requires_two_factor(user):
                return redirect(reverse("accounts:enrol"))
        return self.get_response(request)
