"""Sessions bound to their browser, ended when idle, and optionally one per user.

At sign-in (the `user_logged_in` signal, so every way in is covered) the session records a
hash of the browser's User-Agent, optionally the client's network, a random id `sid` and
the time. SessionBindingMiddleware then ends, on every request of a signed-in user:

- a session presented by another browser (or network, with SILLOK_SESSION_BIND_IP): a
  stolen cookie replayed elsewhere. Audited as "auth.session_hijack_suspected";
- a session unused for SILLOK_SESSION_IDLE_SECONDS ("auth.session_idle_expired"), on top
  of the absolute SESSION_COOKIE_AGE;
- with SILLOK_SINGLE_SESSION, a session that a later sign-in of the same user replaced.

A User-Agent is easy to forge for whoever stole the cookie, so the binding is a tripwire,
not a wall; it catches the common replay of a cookie lifted by malware into another tool.
Django's `login()` already gives the session a new key at sign-in, and the second-factor
step (views._finish_second_factor) does so again.
"""

from __future__ import annotations

import hashlib
import ipaddress
import secrets
import time
from collections.abc import Callable
from importlib import import_module

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.contrib.auth.views import redirect_to_login
from django.db import transaction
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from sillok.accounts.models import UserSession
from sillok.custody.audit import record_audit

UA_KEY = "sillok_ua"
NET_KEY = "sillok_net"
SEEN_KEY = "sillok_seen"
SID_KEY = "sillok_sid"
# Last-seen times are written at most this often: a session write (and a UserSession
# update) on every request would cost a database write per page for nothing.
SEEN_RESOLUTION_SECONDS = 60


def user_agent_hash(request: HttpRequest) -> str:
    agent = request.META.get("HTTP_USER_AGENT", "")
    return hashlib.sha256(agent.encode("utf-8", "replace")).hexdigest()


def client_network(request: HttpRequest) -> str:
    """The client's /24 (IPv4) or /64 (IPv6) network: a phone moving between cells in one
    network keeps its session, a replay from another network does not."""
    address = request.META.get("REMOTE_ADDR", "")
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return ""
    prefix = 24 if ip.version == 4 else 64
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


@receiver(user_logged_in, dispatch_uid="sillok.accounts.bind_session")
def bind_session(sender, request, user, **kwargs) -> None:
    """Bind the new session to this browser; with SILLOK_SINGLE_SESSION end the others."""
    session = getattr(request, "session", None)
    if session is None:
        return
    sid = secrets.token_urlsafe(24)
    session[UA_KEY] = user_agent_hash(request)
    session[NET_KEY] = client_network(request)
    session[SEEN_KEY] = time.time()
    session[SID_KEY] = sid
    if session.session_key is None:
        session.save()
    with transaction.atomic():
        UserSession.objects.create(
            user=user,
            sid=sid,
            session_key=session.session_key or "",
            user_agent_hash=session[UA_KEY],
        )
        if settings.SILLOK_SINGLE_SESSION:
            end_other_sessions(user, keep_sid=sid)


def end_other_sessions(user, *, keep_sid: str) -> int:
    """End every open session of `user` but `keep_sid`; audited; return how many."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    others = list(
        UserSession.objects.select_for_update()
        .filter(user=user, ended_at__isnull=True)
        .exclude(sid=keep_sid)
    )
    for other in others:
        # The stored key may be stale after a cycle_key(); the ended_at mark still ends it.
        store(session_key=other.session_key).delete()
    if others:
        UserSession.objects.filter(pk__in=[other.pk for other in others]).update(
            ended_at=timezone.now(), ended_reason="replaced"
        )
        record_audit(
            user,
            "auth.other_sessions_ended",
            object_type="user",
            object_id=user.pk,
            details={"sessions": len(others)},
        )
    return len(others)


@receiver(user_logged_out, dispatch_uid="sillok.accounts.unbind_session")
def unbind_session(sender, request, user, **kwargs) -> None:
    sid = request.session.get(SID_KEY) if hasattr(request, "session") else None
    if sid:
        UserSession.objects.filter(sid=sid, ended_at__isnull=True).update(
            ended_at=timezone.now(), ended_reason="signed_out"
        )


class SessionBindingMiddleware:
    """End hijacked-looking, idle and replaced sessions (see the module docstring).

    Placed after AuthenticationMiddleware (it needs `request.user`) and before the
    two-factor middleware (an ended session needs no second factor).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            refusal = self._check(request, user)
            if refusal is not None:
                return refusal
        return self.get_response(request)

    def _check(self, request: HttpRequest, user) -> HttpResponse | None:
        session = request.session
        now = time.time()
        reason = _mismatch(request)
        if reason is not None:
            record_audit(
                user,
                "auth.session_hijack_suspected",
                object_type="user",
                object_id=user.pk,
                details={"mismatch": reason},
            )
            return self._end(request, "hijack_suspected", "")
        seen = session.get(SEEN_KEY)
        if isinstance(seen, int | float) and now - seen > settings.SILLOK_SESSION_IDLE_SECONDS:
            record_audit(
                user,
                "auth.session_idle_expired",
                object_type="user",
                object_id=user.pk,
                details={"idle_seconds": int(now - seen)},
            )
            return self._end(
                request, "idle", _("You were signed out after a while without activity.")
            )
        if settings.SILLOK_SINGLE_SESSION and _replaced(session.get(SID_KEY)):
            return self._end(
                request, "replaced", _("You were signed out because you signed in elsewhere.")
            )
        if not isinstance(seen, int | float) or now - seen > SEEN_RESOLUTION_SECONDS:
            _touch(request, now)
        return None

    def _end(self, request: HttpRequest, reason: str, message: str) -> HttpResponse:
        sid = request.session.get(SID_KEY)
        if sid:
            UserSession.objects.filter(sid=sid, ended_at__isnull=True).update(
                ended_at=timezone.now(), ended_reason=reason
            )
        path = request.get_full_path()
        logout(request)
        if message:
            messages.info(request, message)
        return redirect_to_login(path)


def _mismatch(request: HttpRequest) -> str | None:
    """What no longer matches the browser that signed in, or None.

    A session from before this binding existed has no marks yet: it is bound now (trust on
    first use) rather than ended, so deploying this signs nobody out.
    """
    session = request.session
    bound_agent = session.get(UA_KEY)
    if bound_agent is None:
        session[UA_KEY] = user_agent_hash(request)
        session[NET_KEY] = client_network(request)
        return None
    if not secrets.compare_digest(str(bound_agent), user_agent_hash(request)):
        return "user_agent"
    if settings.SILLOK_SESSION_BIND_IP:
        bound_net = session.get(NET_KEY) or ""
        if bound_net and bound_net != client_network(request):
            return "network"
    return None


def _replaced(sid: str | None) -> bool:
    if not sid:
        return False
    return UserSession.objects.filter(sid=sid, ended_at__isnull=False).exists()


def _touch(request: HttpRequest, now: float) -> None:
    session = request.session
    session[SEEN_KEY] = now
    sid = session.get(SID_KEY)
    if sid:
        UserSession.objects.filter(sid=sid).update(
            last_seen=timezone.now(), session_key=session.session_key or ""
        )
