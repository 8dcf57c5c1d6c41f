"""The re-authentication page: password again, and a second factor when the user has one.

Failures are audited ("auth.reauth_failed") and count toward the same django-axes lockout
as the sign-in page: a stolen session must not become a password-guessing oracle. When the
lockout triggers here, the session is ended too.
"""

from __future__ import annotations

from django import forms
from django.contrib.auth import authenticate, logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.signals import user_login_failed
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django_otp.plugins.otp_totp.models import TOTPDevice

from sillok.accounts import twofactor, webauthn_keys
from sillok.accounts.next_url import safe_next_url
from sillok.accounts.reauth import mark_reauthenticated
from sillok.custody.audit import record_audit


class ReauthForm(forms.Form):
    password = forms.CharField(
        label=gettext_lazy("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "autofocus": True}),
    )
    otp_token = forms.CharField(
        label=gettext_lazy("Six-digit code"),
        required=False,
        max_length=12,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "pattern": "[0-9 ]*"}
        ),
    )
    # Filled by accounts/webauthn.js with the security key's signed answer.
    webauthn_assertion = forms.CharField(
        required=False,
        max_length=webauthn_keys.MAX_CREDENTIAL_JSON,
        widget=forms.HiddenInput,
    )


def _password_ok(request: HttpRequest, password: str) -> bool:
    """Check the password through `authenticate`, so that axes counts a failure."""
    user = request.user
    checked = authenticate(request, username=user.get_username(), password=password)
    return checked is not None and checked.pk == user.pk


def _second_factor_ok(request: HttpRequest, form: ReauthForm) -> bool:
    user = request.user
    assertion = form.cleaned_data["webauthn_assertion"]
    if assertion:
        return webauthn_keys.verify_assertion(request, assertion) is not None
    token = form.cleaned_data["otp_token"]
    if token:
        return twofactor.verify_second_factor(user, token) is not None
    return False


def _failed(request: HttpRequest, reason: str, *, count: bool) -> None:
    user = request.user
    record_audit(
        user,
        "auth.reauth_failed",
        object_type="user",
        object_id=user.pk,
        details={"reason": reason},
    )
    if count:
        # A wrong second factor counts like a wrong password (authenticate signals those).
        user_login_failed.send(
            sender=__name__, credentials={"username": user.get_username()}, request=request
        )


@sensitive_post_parameters("password", "otp_token")
@never_cache
@login_required
def reauth(request: HttpRequest) -> HttpResponse:
    """Ask again who the user is before a sensitive action; then go on to `next`."""
    user = request.user
    target = safe_next_url(request)
    has_device = twofactor.has_confirmed_device(user)
    form = ReauthForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if not _password_ok(request, form.cleaned_data["password"]):
            _failed(request, "password", count=False)
            form.add_error("password", _("The password is not correct."))
        elif has_device and not _second_factor_ok(request, form):
            _failed(request, "second_factor", count=True)
            form.add_error(None, _("The second factor was not accepted. Try again."))
        else:
            mark_reauthenticated(request.session)
            record_audit(user, "auth.reauthenticated", object_type="user", object_id=user.pk)
            return redirect(target)
        if getattr(request, "axes_locked_out", False):
            # Too many failures: the account is locked, and this session ends with it. The
            # axes middleware turns this response into the lockout page.
            logout(request)
            return HttpResponse(status=403)
    context = {
        "form": form,
        "next": target,
        "has_device": has_device,
        "has_totp": has_device and _has_totp(user),
        "has_security_key": webauthn_keys.has_security_key(user),
    }
    return render(request, "accounts/reauth.html", context, status=400 if form.errors else 200)


def _has_totp(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()
