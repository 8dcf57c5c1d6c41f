"""Web pages for personal API tokens: list, create (secret shown once), revoke.

These pages sit under /accounts/ behind TwoFactorRequiredMiddleware, so only a fully
signed-in session reaches them. The services in accounts/tokens.py do every write.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from sillok.accounts import tokens
from sillok.accounts.reauth import reauth_required

# (days, label); "" is "never". 90 days is the default: long enough for a script, short
# enough that a forgotten token dies on its own.
EXPIRY_CHOICES = [
    ("30", gettext_lazy("30 days")),
    ("90", gettext_lazy("90 days")),
    ("365", gettext_lazy("1 year")),
    ("", gettext_lazy("Never")),
]


class TokenCreateForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=tokens.MAX_NAME_LENGTH,
        help_text=gettext_lazy("What the token is for, e.g. the script or machine that uses it."),
    )
    expires_in_days = forms.TypedChoiceField(
        label=gettext_lazy("Expires after"),
        choices=EXPIRY_CHOICES,
        coerce=int,
        empty_value=None,
        initial="90",
        required=False,
    )


def _list_page(request: HttpRequest, form: TokenCreateForm, status: int = 200) -> HttpResponse:
    context = {"form": form, "tokens": list(tokens.tokens_of(request.user))}
    return render(request, "accounts/tokens.html", context, status=status)


@never_cache
@login_required
@reauth_required(methods=("POST",))
def token_list(request: HttpRequest) -> HttpResponse:
    """The user's tokens and a form to create one. A created token's secret is shown once,
    in the response to the POST itself: it is never put in the session or a redirect."""
    form = TokenCreateForm(request.POST or None)
    if request.method != "POST":
        return _list_page(request, form)
    if not form.is_valid():
        return _list_page(request, form, status=400)
    try:
        token, secret = tokens.do_create_token(
            request.user, form.cleaned_data["name"], form.cleaned_data["expires_in_days"]
        )
    except tokens.TokenError as exc:
        form.add_error(None, str(exc))
        return _list_page(request, form, status=400)
    return render(request, "accounts/tokens_created.html", {"token": token, "secret": secret})


@require_POST
@never_cache
@login_required
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    try:
        token = tokens.access_token(request.user, token_id)
    except tokens.TokenNotFound:
        raise Http404(_("No such API token.")) from None
    tokens.do_revoke_token(request.user, token)
    messages.success(
        request, _("The token “%(name)s” is revoked and no longer works.") % {"name": token.name}
    )
    return redirect("accounts:tokens")
