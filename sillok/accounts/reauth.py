"""Re-authentication before sensitive actions (vault access, exports, tokens, second factors).

A signed-in, verified session is not enough for actions whose misuse is hard to undo: a
browser left open, or a stolen session cookie, must not be able to create an API token,
add a second factor or export records. Such views carry `reauth_required`; the user then
types the password again (and uses a second factor if they have one) on accounts:reauth,
and the session remembers the moment for `SILLOK_REAUTH_SECONDS`.

Two things keep this from asking twice for nothing:

- A **fresh sign-in counts**: the password step of a sign-in is noted in the session
  (`note_password_sign_in`), and when the sign-in completes (second factor verified, or
  no second factor to give) it counts as a re-authentication made at the password step,
  if that lies within the window (`credit_sign_in`). The note is used once: enrolling
  another device later proves nothing about the password.
- A **form is kept**: a view that opts in (`keep_form=True`) has a POST that needs
  re-authentication stashed in the session under a random token (never in the URL: the
  URL carries only the token, worthless outside this session); back on the form's page,
  `resumed_form` gives the choices back to fill the form again. Nothing is re-submitted:
  the user presses the button once more, now re-authenticated. Never opt in for a form
  that carries secrets or identities (vault pages): the session store is not for them.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from functools import wraps
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect
from django.urls import reverse

from sillok.accounts.next_url import with_next

# Seconds since the epoch of the last successful re-authentication. A number, not a
# datetime: the session serializer is JSON.
SESSION_KEY = "sillok_reauth_at"
# Seconds since the epoch of the password step of a sign-in still to be completed.
SIGN_IN_KEY = "sillok_password_sign_in_at"
# {token: {"path", "data", "at"}}: forms kept across a re-authentication.
FORMS_KEY = "sillok_reauth_forms"
RESUME_PARAM = "resume"
MAX_KEPT_FORMS = 5
# Characters of field names and values a kept form may hold: a choice form, not a document
# (a bigger POST is not kept rather than let a session grow without bound).
MAX_KEPT_CHARACTERS = 20_000
NOT_KEPT = frozenset({"csrfmiddlewaretoken", "next"})


def _within_window(at: object) -> bool:
    if not isinstance(at, int | float):
        return False
    # A time in the future (clock change, forged value) counts as outside the window.
    return 0 <= time.time() - at <= settings.SILLOK_REAUTH_SECONDS


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
    return _within_window(session.get(SESSION_KEY))


def note_password_sign_in(session) -> None:
    """The password step of a sign-in just succeeded in `session` (sign-in page only: a
    session made any other way proves no password)."""
    session[SIGN_IN_KEY] = time.time()


def credit_sign_in(session) -> bool:
    """The sign-in noted in `session` is complete: count it as a re-authentication at its
    password step when that is within the window. Used once; True when credited."""
    at = session.pop(SIGN_IN_KEY, None)
    if not _within_window(at):
        return False
    earlier = session.get(SESSION_KEY)
    # Never move a later re-authentication back to the sign-in's time.
    if not (isinstance(earlier, int | float) and earlier >= at):
        mark_reauthenticated(session, at)
    return True


def _keep(request: HttpRequest) -> str | None:
    """Stash the fields of this POST (no files, no CSRF token) in the session; the token
    that finds them again, or None when the form is too big to keep. Only the newest few
    are kept."""
    data = {key: request.POST.getlist(key) for key in request.POST if key not in NOT_KEPT}
    size = sum(len(key) + sum(map(len, values)) for key, values in data.items())
    if size > MAX_KEPT_CHARACTERS:
        return None
    kept = dict(request.session.get(FORMS_KEY) or {})
    token = secrets.token_urlsafe(16)
    kept[token] = {"path": request.path, "data": data, "at": time.time()}
    newest = sorted(kept.items(), key=lambda entry: entry[1].get("at", 0))[-MAX_KEPT_FORMS:]
    request.session[FORMS_KEY] = dict(newest)
    return token


def resumed_form(request: HttpRequest) -> QueryDict | None:
    """The fields kept for this page by `reauth_required(keep_form=True)`, named by the
    `resume` parameter; None when there are none (unknown token, another page, or older
    than the window). Given back once."""
    token = request.GET.get(RESUME_PARAM, "")
    kept = request.session.get(FORMS_KEY) or {}
    if not token or token not in kept:
        return None
    entry = kept.pop(token)
    request.session[FORMS_KEY] = kept
    if entry.get("path") != request.path or not _within_window(entry.get("at")):
        return None
    form = QueryDict(mutable=True)
    for key, values in (entry.get("data") or {}).items():
        form.setlist(key, [str(value) for value in values])
    return form


def _with_resume(path: str, token: str) -> str:
    parts = urlsplit(path)
    query = QueryDict(parts.query, mutable=True)
    query[RESUME_PARAM] = token
    return urlunsplit(("", "", parts.path, query.urlencode(), ""))


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
    view: Callable[..., HttpResponse] | None = None,
    *,
    methods: tuple[str, ...] | None = None,
    keep_form: bool = False,
):
    """View decorator: send the user to accounts:reauth unless recently re-authenticated.

    `@reauth_required` guards every request; `@reauth_required(methods=("POST",))` only the
    listed methods (a page whose GET shows a harmless form and whose POST does the deed).
    With `keep_form=True` a refused POST's fields are kept, and the user comes back to
    the form's page with `?resume=TOKEN` (the view fills its form from `resumed_form`).
    Anonymous users go to the sign-in page as with `login_required`.
    """

    def decorate(func: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(func)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            guarded = methods is None or request.method in methods
            if guarded and not is_recently_reauthenticated(request):
                back = _return_path(request)
                token = _keep(request) if keep_form and request.method == "POST" else None
                if token:
                    back = _with_resume(back, token)
                return redirect(reauth_url(back))
            return func(request, *args, **kwargs)

        return wrapper

    return decorate if view is None else decorate(view)
