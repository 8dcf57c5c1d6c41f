"""Template helpers of the web UI shell (`{% load sillok %}`). They read roles and second
factors, so they live in accounts: core, below it, imports no other app."""

from __future__ import annotations

from datetime import timedelta

from django import template

from sillok.accounts.roles import Role, requires_two_factor, roles_of
from sillok.accounts.twofactor import has_confirmed_device

register = template.Library()


@register.simple_tag
def user_roles(user) -> list[Role]:
    """The roles of `user` in the order of roles.py; none for an anonymous visitor."""
    if user is None or not user.is_authenticated:
        return []
    return roles_of(user)


@register.simple_tag
def fully_signed_in(user) -> bool:
    """True when `user` has passed every sign-in step the middleware asks of them.

    The header hides navigation and roles from a password-only session that still owes a
    second factor: those pages would only bounce it back to the code step.
    """
    if user is None or not user.is_authenticated:
        return False
    if getattr(user, "is_verified", lambda: False)():
        return True
    return not has_confirmed_device(user) and not requires_two_factor(user)


@register.filter
def minutes(value: timedelta | None) -> int:
    """A duration in whole minutes, rounded up (a lockout of 90 seconds says 2)."""
    if not value:
        return 0
    return int(-(-value.total_seconds() // 60))
