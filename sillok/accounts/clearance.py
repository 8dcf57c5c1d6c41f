"""The one rule deciding which items and records a user may see (STYLE rule 2).

An object is visible to a user who holds the view permission of its kind (checked by
evidence/access.py and records/access.py) when BOTH:

- its sensitivity is among the levels the user is cleared for (core/sensitivity.py:
  public and internal need nothing, restricted needs `evidence.view_restricted`, strictly
  confidential `evidence.view_strictly_confidential`); and
- it belongs to no compartment, or to a compartment the user is a member of.

There is no exception for administrators or superusers: compartment membership is required
for compartmented material whatever the role (an administrator who must see a case is made a
member of it, which is audited). Membership never widens what a role may do.

Refusing an object that exists writes an `access.denied` audit entry, logs a warning on the
`sillok.security` logger and mails the administrators (`log_denied_access`).
"""

from __future__ import annotations

import logging
import smtplib
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.mail import mail_admins
from django.db import transaction
from django.db.models import Q

from sillok.core.sensitivity import cleared_levels

logger = logging.getLogger("sillok.security")

# How a refusal reached us, for the audit entry: set per request by ClearanceChannelMiddleware.
current_channel: ContextVar[str] = ContextVar("sillok_channel", default="cli")
# At most one alert mail per user in this many seconds: probing many ids must not flood mail.
ALERT_MAIL_INTERVAL = 300
_CACHE_ATTRIBUTE = "_sillok_compartment_ids"


def cleared_compartment_ids(user: Any) -> frozenset[int]:
    """Ids of the compartments `user` is a member of, read once per user object (the rule is
    applied many times per request; a membership change applies from the next request)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return frozenset()
    cached = getattr(user, _CACHE_ATTRIBUTE, None)
    if cached is None:
        cached = frozenset(user.compartments.values_list("pk", flat=True))
        setattr(user, _CACHE_ATTRIBUTE, cached)
    return cached


def forget_compartments(user: Any) -> None:
    """Drop the cached membership of `user` (after a grant or a revoke on the same object)."""
    if hasattr(user, _CACHE_ATTRIBUTE):
        delattr(user, _CACHE_ATTRIBUTE)


def may_see_compartment(user: Any, compartment_id: int | None) -> bool:
    return compartment_id is None or compartment_id in cleared_compartment_ids(user)


def clearance_filter(user: Any, prefix: str = "") -> Q:
    """Q selecting the objects (fields under `prefix`, e.g. "victim__") whose sensitivity
    and compartment `user` is cleared for. The caller checks the view permission."""
    compartments = cleared_compartment_ids(user)
    compartment = Q(**{f"{prefix}compartment__isnull": True})
    if compartments:
        compartment |= Q(**{f"{prefix}compartment__in": sorted(compartments)})
    return Q(**{f"{prefix}sensitivity__in": cleared_levels(user)}) & compartment


class Clearance:
    """The levels and compartments of one viewer, for checks on loaded rows without a query
    (titles naming related records). `sensitivity in clearance` still works."""

    def __init__(self, user: Any, *, may_view: bool = True) -> None:
        self.levels = set(cleared_levels(user)) if may_view else set()
        self.compartments = cleared_compartment_ids(user) if may_view else frozenset()

    def __contains__(self, sensitivity: object) -> bool:
        return sensitivity in self.levels

    def allows(self, sensitivity: str, compartment_id: int | None) -> bool:
        return sensitivity in self.levels and (
            compartment_id is None or compartment_id in self.compartments
        )

    def sees(self, obj: Any) -> bool:
        return self.allows(obj.sensitivity, obj.compartment_id)


def refusal_reason(user: Any, sensitivity: str, compartment_id: int | None) -> str:
    """Why the rule hides an object with these values from a user holding the view permission."""
    if sensitivity not in cleared_levels(user):
        return "sensitivity"
    if not may_see_compartment(user, compartment_id):
        return "compartment"
    return "role"


def log_denied_access(
    user: Any, object_type: str, object_id: Any, reason: str, *, via: str = ""
) -> None:
    """Record that `user` was refused an existing object: an `access.denied` audit entry
    (type, id, channel and reason; never names or content), a warning on `sillok.security`
    and a mail to ADMINS (at most one per user every ALERT_MAIL_INTERVAL seconds).

    Reads happen in GET requests outside any transaction; the entry gets its own
    transaction there. Inside a caller's transaction (a write that looked the object up)
    it joins that transaction, so a write that rolls back takes the entry with it: the log
    line and the mail remain."""
    via = via or current_channel.get()
    details = {"via": via, "reason": reason}
    actor = user if getattr(user, "pk", None) else None
    from sillok.custody.audit import record_audit

    with transaction.atomic():
        record_audit(
            actor, "access.denied", object_type=object_type, object_id=object_id, details=details
        )
    username = actor.get_username() if actor is not None else "anonymous"
    logger.warning(
        "access denied: user=%s %s=%s via=%s reason=%s",
        username,
        object_type,
        object_id,
        via,
        reason,
    )
    if settings.ADMINS and cache.add(f"sillok:denied-mail:{username}", 1, ALERT_MAIL_INTERVAL):
        try:
            mail_admins(
                "Access denied",
                f"User {username} was refused {object_type} {object_id} ({reason}, via {via}). "
                "See the security alerts page for all refusals.",
            )
        except (OSError, smtplib.SMTPException):
            # The refusal is already audited and logged; a mail relay that is down must not
            # turn a refused page into a server error.
            logger.warning("could not mail the administrators about a refused access")


class ClearanceChannelMiddleware:
    """Marks the channel ("web" or "api") of the request, for `log_denied_access`."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        token = current_channel.set("api" if request.path.startswith("/api/") else "web")
        try:
            return self.get_response(request)
        finally:
            current_channel.reset(token)
