"""Sign-in in two steps (password, then a code), enrolment of an authenticator, the account page.

A password-only session is signed in but not verified; TwoFactorRequiredMiddleware keeps
it on these pages until the second step is done.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from sillok.accounts import twofactor, webauthn_keys
from sillok.accounts.devices import device_kind
from sillok.accounts.forms import GraphicMediaForm, LoginForm, TokenForm
from sillok.accounts.next_url import safe_next_url, with_next
from sillok.accounts.preferences import do_set_graphic_media, graphic_media_mode
from sillok.accounts.reauth import credit_sign_in, note_password_sign_in
from sillok.accounts.roles import requires_two_factor, roles_of


class LoginView(auth_views.LoginView):
    """Step one: user name and password. axes refuses locked accounts inside `authenticate`."""

    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["failure_limit"] = settings.AXES_FAILURE_LIMIT
        return context

    def form_valid(self, form):
        response = super().form_valid(form)
        session = self.request.session
        note_password_sign_in(session)
        user = self.request.user
        if not twofactor.has_confirmed_device(user) and not requires_two_factor(user):
            # No second step follows: the password is the whole sign-in, as it is the whole
            # re-authentication for this user.
            credit_sign_in(session)
        return response

    def get_success_url(self) -> str:
        target = safe_next_url(self.request)
        user = self.request.user
        if getattr(user, "is_verified", lambda: False)():
            return target
        if twofactor.has_confirmed_device(user):
            return with_next(reverse("accounts:verify"), target)
        if requires_two_factor(user):
            return with_next(reverse("accounts:enrol"), target)
        return target


def _finish_second_factor(request: HttpRequest, device) -> None:
    otp_login(request, device)
    # The session just gained privileges: give it a new key so an id seen before this
    # moment (a shared machine, a log) is worth nothing.
    request.session.cycle_key()
    # A sign-in completed just now proves what the re-authentication page asks for.
    credit_sign_in(request.session)


@sensitive_post_parameters("otp_token")
@never_cache
@login_required
def verify(request: HttpRequest) -> HttpResponse:
    """Step two: the code from the user's authenticator app."""
    target = safe_next_url(request)
    user = request.user
    if user.is_verified():
        return redirect(target)
    if not twofactor.has_confirmed_device(user):
        if requires_two_factor(user):
            return redirect(with_next(reverse("accounts:enrol"), target))
        return redirect(target)
    if request.method == "POST" and "webauthn_assertion" in request.POST:
        device = webauthn_keys.verify_assertion(request, request.POST["webauthn_assertion"])
        if device is not None:
            _finish_second_factor(request, device)
            return redirect(target)
        messages.error(request, _("The security key was not accepted. Try again."))
        return redirect(with_next(reverse("accounts:verify"), target))
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = twofactor.verify_second_factor(user, form.cleaned_data["otp_token"])
        if device is not None:
            _finish_second_factor(request, device)
            return redirect(target)
        form.add_error(
            "otp_token",
            _(
                "That code is not correct or was already used. "
                "Wait for the next code and try again."
            ),
        )
    context = {
        "form": form,
        "next": target,
        "has_totp": TOTPDevice.objects.filter(user=user, confirmed=True).exists(),
        "has_security_key": webauthn_keys.has_security_key(user),
    }
    return render(request, "accounts/verify.html", context)


@sensitive_post_parameters("otp_token")
@never_cache
@login_required
def enrol(request: HttpRequest) -> HttpResponse:
    """Set up an authenticator app: show the key as a QR code and text, confirm with a code."""
    user = request.user
    target = safe_next_url(request, fallback="accounts:account")
    if twofactor.has_confirmed_device(user) and not user.is_verified():
        # Never let a password alone add a device: that would bypass the second factor.
        return redirect(with_next(reverse("accounts:verify"), request.get_full_path()))
    device = twofactor.pending_totp_device(user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if twofactor.do_confirm_enrolment(user, device, form.cleaned_data["otp_token"]):
            _finish_second_factor(request, device)
            messages.success(request, _("Two-factor sign-in is now active for your account."))
            return redirect(target)
        form.add_error(
            "otp_token",
            _("That code does not match. Check the time on your phone and try the next code."),
        )
    context = {
        "form": form,
        "next": target,
        "qr_data_uri": twofactor.qr_data_uri(device),
        "secret": twofactor.secret_for_display(device),
        "required": requires_two_factor(user),
    }
    return render(request, "accounts/enrol.html", context)


@never_cache
@login_required
def account(request: HttpRequest) -> HttpResponse:
    """The user's own account: roles, second-factor devices, enrolment, and (POST) how
    graphic photos and video are shown to them."""
    user = request.user
    if request.method == "POST":
        form = GraphicMediaForm(request.POST)
        if form.is_valid():
            if do_set_graphic_media(user, form.cleaned_data["graphic_media"]):
                messages.success(request, _("Your choice for graphic media is saved."))
            return redirect("accounts:account")
    else:
        form = GraphicMediaForm(initial={"graphic_media": graphic_media_mode(user)})
    context = {
        "preferences_form": form,
        "roles": roles_of(user),
        "devices": [
            {"device": device, "kind": device_kind(device)}
            for device in twofactor.confirmed_devices(user)
        ],
        "two_factor_required": requires_two_factor(user),
    }
    return render(request, "accounts/account.html", context)
