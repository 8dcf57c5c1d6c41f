"""Where to go after signing in: only same-site paths, carried from step to step."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest
from django.shortcuts import resolve_url
from django.utils.http import url_has_allowed_host_and_scheme

NEXT_FIELD = "next"


def safe_next_url(request: HttpRequest, fallback: str | None = None) -> str:
    """The `next` of this request if it stays on this site, else the fallback (home).

    `url_has_allowed_host_and_scheme` refuses other hosts, `//host`, `javascript:` and
    backslash tricks; on top of that only paths are accepted, so `next` never names a
    host at all, even ours.
    """
    candidate = request.POST.get(NEXT_FIELD) or request.GET.get(NEXT_FIELD) or ""
    if candidate.startswith("/") and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return resolve_url(fallback or settings.LOGIN_REDIRECT_URL)


def with_next(url: str, next_url: str | None) -> str:
    """`url` with `next` properly URL-encoded in its query string."""
    if not next_url:
        return url
    return f"{url}?{urlencode({NEXT_FIELD: next_url})}"
