"""Audit entries for sign-in, failed sign-in and sign-out, from Django's auth signals.

Receivers, not view code: every way in (the login page, the admin site, a future SSO
backend) goes through `authenticate` and `login`, so none of them can skip the audit.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from sillok.custody.audit import record_audit


@receiver(user_logged_in, dispatch_uid="sillok.accounts.audit_login")
def audit_login(sender, request, user, **kwargs) -> None:
    record_audit(user, "login.succeeded", object_type="user", object_id=user.pk)


@receiver(user_logged_out, dispatch_uid="sillok.accounts.audit_logout")
def audit_logout(sender, request, user, **kwargs) -> None:
    if user is not None:
        record_audit(user, "logout", object_type="user", object_id=user.pk)


@receiver(user_login_failed, dispatch_uid="sillok.accounts.audit_login_failed")
def audit_login_failed(sender, credentials, request=None, **kwargs) -> None:
    """Record a refused password sign-in, and whether the account is (now) locked.

    The typed name is kept only when it is an existing account: people type passwords into
    the name field, and the audit log is permanent. axes' receiver runs before this one
    (its app is installed first), so `axes_locked_out` already says whether this attempt
    was refused or triggered a lockout.
    """
    typed = str(credentials.get("username") or "")[:150]
    user = get_user_model().objects.filter(username__iexact=typed).first() if typed else None
    locked = bool(getattr(request, "axes_locked_out", False))
    record_audit(
        None,
        "login.failed",
        object_type="user",
        object_id=user.pk if user else "",
        details={
            "username": user.get_username() if user else None,
            "known_user": user is not None,
            "locked_out": locked,
        },
    )
