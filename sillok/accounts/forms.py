"""Forms of the sign-in steps."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from sillok.accounts.models import GraphicMedia


class LoginForm(AuthenticationForm):
    """Username and password; lockout is enforced by axes inside `authenticate`."""

    error_messages = {
        "invalid_login": _("The user name or password is not correct."),
        "inactive": _("This account is disabled."),
    }

    def __init__(self, request=None, *args, **kwargs) -> None:
        super().__init__(request, *args, **kwargs)
        self.fields["username"].label = _("User name")
        self.fields["password"].label = _("Password")


class TokenForm(forms.Form):
    """The six-digit code from an authenticator app."""

    otp_token = forms.CharField(
        label=_("Six-digit code"),
        min_length=6,
        max_length=12,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "pattern": "[0-9 ]*",
                "autofocus": True,
            }
        ),
    )

    def clean_otp_token(self) -> str:
        token = "".join(self.cleaned_data["otp_token"].split())
        if not token.isdigit() or len(token) != 6:
            raise forms.ValidationError(_("Enter the six digits shown in your app."))
        return token


class GraphicMediaForm(forms.Form):
    """How the photos and video of items marked graphic are shown to this user."""

    graphic_media = forms.ChoiceField(
        label=_("Graphic photos and video"),
        choices=GraphicMedia.choices,
        widget=forms.RadioSelect,
    )
