"""Re-authentication before sensitive actions (vault access, exports, tokens, second factors).

A signed-in, verified session is not enough for actions whose misuse is hard to undo: a
browser left open, or a stolen session cookie, must not be able to create an API token,
add a second factor or export records. Such views carry `reauth_required`; the user then
types the password again (and uses a second factor if they have one) on accounts:reauth,
and the session remembers the moment for `SILLOK_REAUTH_SECONDS`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from sillok.accounts.next_url import with_next

# Seconds since the epoch of the last successful re-authentication. A number, not a
# datetime: the session serializer is JSON.
SESSION_KEY = "sillok_reauth_at"


def mark_reauthenticated(session, at: float | None = None) -> None:
    """Record in `session` that its user proved who they are just now (or at `at`).

    The caller saves the session (a request's session is saved by SessionMiddleware).
    """
    session[SESSION_KEY] = time.time() if at is None else at


def clear_reauthentication(session) -> None:
    session.pop(SESSION_KEY, None)


def is_recently_reauthenticated(request: HttpRequest) -> bool:
    """Whether this session was re-authenticated within SILLOK_REAUTH_SECONDS."""
    session = getattr(request, "session", None)
    if session is None:
        return False
    at = session.get(SESSION_KEY)
    if not isinstance(at, int | float):
        return False
    age = time.time() - at
    # A time in the future (clock change, forged value) counts as not re-authenticated.
    return 0 <= age <= settings.SILLOK_REAUTH_SECONDS


def reauth_url(next_url: str) -> str:
    return with_next(reverse("accounts:reauth"), next_url)


def _return_path(request: HttpRequest) -> str:
    """Where to come back to. After a POST the user returns to the page with the form: the
    POST itself cannot be replayed by a redirect, and must not be (it may carry a file)."""
    if request.method in ("GET", "HEAD"):
        return request.get_full_path()
    referer = request.headers.get("referer", "")
    host_prefix = f"{request.scheme}://{request.get_host()}"
    if referer.startswith(host_prefix + "/"):
        return referer[len(host_prefix) :]
    return request.path


def reauth_required(
    view: Callable[..., HttpResponse] | None = None, *, methods: tuple[str, ...] | None = None
):
    """View decorator: send the user to accounts:reauth unless recently re-authenticated.

    `@reauth_required` guards every request; `@reauth_required(methods=("POST",))` only the
    listed methods (a page whose GET shows a harmless form and whose POST does the deed).
    Anonymous users go to the sign-in page as with `login_required`.
    """

    def decorate(func: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(func)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            guarded = methods is None or request.method in methods
            if guarded and not is_recently_reauthenticated(request):
                return redirect(reauth_url(_return_path(request)))
            return func(request, *args, **kwargs)

        return wrapper

    return decorate if view is None else decorate(view)
