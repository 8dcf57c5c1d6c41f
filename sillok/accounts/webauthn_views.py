"""Pages and JSON endpoints for security keys: add one, remove a second factor, challenges.

The JSON endpoints only hand out ceremony options (a challenge kept in the session); every
state change is a form POST to a page, verified by accounts/webauthn_keys.py.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login

from sillok.accounts import devices, twofactor, webauthn_keys
from sillok.accounts.next_url import with_next
from sillok.accounts.reauth import is_recently_reauthenticated, reauth_required


class SecurityKeyForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=webauthn_keys.MAX_NAME_LENGTH,
        help_text=gettext_lazy("So you can tell your keys apart, e.g. “blue key” or “laptop”."),
    )
    # Filled by accounts/webauthn.js with the key's answer to the registration challenge.
    credential = forms.CharField(
        max_length=webauthn_keys.MAX_CREDENTIAL_JSON, widget=forms.HiddenInput
    )


def _json(content: str, status: int = 200) -> HttpResponse:
    return HttpResponse(content, status=status, content_type="application/json")


@never_cache
@login_required
@require_POST
def webauthn_challenge(request: HttpRequest) -> HttpResponse:
    """Options to sign in (second step) or re-authenticate with one of the user's keys.

    Open to a half-signed-in session (password only): it is how that session gets verified.
    """
    if not webauthn_keys.has_security_key(request.user):
        return JsonResponse({"error": _("You have no security key.")}, status=400)
    return _json(webauthn_keys.authentication_options(request))


def _may_register(request: HttpRequest) -> bool:
    # Never let a password alone add a device: that would bypass the second factor.
    user = request.user
    if twofactor.has_confirmed_device(user) and not user.is_verified():
        return False
    return is_recently_reauthenticated(request)


@never_cache
@login_required
@require_POST
def webauthn_register_options(request: HttpRequest) -> HttpResponse:
    """Options to register a new key; only for a verified, recently re-authenticated session."""
    if not _may_register(request):
        return JsonResponse({"error": _("Confirm your password again first.")}, status=403)
    return _json(webauthn_keys.registration_options(request))


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
@reauth_required
def security_key_add(request: HttpRequest) -> HttpResponse:
    """Name a new security key, then touch it (accounts/webauthn.js) to register it."""
    user = request.user
    if twofactor.has_confirmed_device(user) and not user.is_verified():
        return redirect(with_next(reverse("accounts:verify"), request.get_full_path()))
    form = SecurityKeyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = webauthn_keys.do_register_key(
                request, form.cleaned_data["credential"], form.cleaned_data["name"]
            )
        except webauthn_keys.WebAuthnError as exc:
            form.add_error(None, str(exc))
        else:
            if not user.is_verified():
                # The user's first factor: this session has just proved it, as after enrolment.
                otp_login(request, device)
                request.session.cycle_key()
            messages.success(
                request, _("The security key “%(name)s” is registered.") % {"name": device.name}
            )
            return redirect("accounts:account")
    status = 400 if form.errors else 200
    return render(request, "accounts/security_key_add.html", {"form": form}, status=status)


@never_cache
@login_required
@require_POST
@reauth_required
def device_remove(request: HttpRequest) -> HttpResponse:
    """Remove one of the user's own second factors (an app or a security key)."""
    device = devices.access_device(request.user, request.POST.get("device", ""))
    if device is None:
        raise Http404(_("No such device."))
    try:
        devices.do_remove_device(request.user, device)
    except devices.LastFactorRequired as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("“%(name)s” is removed.") % {"name": device.name})
    return redirect("accounts:account")
