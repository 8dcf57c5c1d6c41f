"""Pages of the identity vault under /vault/ (namespace "vault"), for vault keepers only.

Everyone else gets the same refusal page, and the attempt is audited ("vault.denied"). The
entry page and every action ask for a recent re-authentication (accounts/reauth.py).
Revealed values appear once, in the response to the reveal form: they are never put in the
session, a message or a URL, and no vault page may be cached (`Cache-Control: no-store`).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sillok.accounts.reauth import reauth_required
from sillok.vault import services
from sillok.vault.models import FieldName, PersonKind, VaultEntry

VIA = "web"


def _keepers_only(permission: str, operation: str) -> Callable:
    """Holding `permission`; anyone else sees a refusal (and is audited). Inside
    login_required and the method check, as on every other page."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            try:
                services.check_allowed(
                    request.user, permission, operation, via=VIA, entry_id=kwargs.get("entry_id")
                )
            except services.VaultRefused:
                message = _("The identity vault is open to vault keepers only.")
                return render(request, "vault/refused.html", {"message": message}, status=403)
            return view(request, *args, **kwargs)

        return never_cache(wrapped)

    return decorate


def _entry_or_404(request: HttpRequest, entry_id: int) -> VaultEntry:
    try:
        return services.access_entry(request.user, entry_id, via=VIA)
    except services.EntryNotFound:
        raise Http404("No such vault entry.") from None


@login_required
@require_GET
@_keepers_only(services.OPEN, "list")
def entries(request: HttpRequest) -> HttpResponse:
    rows = services.visible_entries(request.user, via=VIA)
    return render(
        request,
        "vault/list.html",
        {"entries": rows, "can_add": services.can_add(request.user)},
    )


def _entry_page(
    request: HttpRequest,
    entry: VaultEntry,
    *,
    error: str = "",
    status: int = 200,
    refill: bool = True,
) -> HttpResponse:
    """The entry's page; after an error, the purpose typed is shown again (`refill`) unless
    it was refused for repeating a vault detail."""
    stored = list(entry.fields.order_by("id").values_list("field", flat=True))
    labels = dict(FieldName.choices)
    counts: dict[str, int] = {}
    for name in stored:
        counts[name] = counts.get(name, 0) + 1
    context = {
        "entry": entry,
        "stored": [(labels[name], count) for name, count in counts.items()],
        "error": error,
        "purpose": request.POST.get("purpose", "") if error and refill else "",
        "can_add": services.can_add(request.user),
        "can_shred": services.can_shred(request.user),
    }
    return render(request, "vault/entry.html", context, status=status)


@login_required
@require_GET
@_keepers_only(services.OPEN, "view")
@reauth_required
def entry(request: HttpRequest, entry_id: int) -> HttpResponse:
    return _entry_page(request, _entry_or_404(request, entry_id))


@login_required
@require_POST
@_keepers_only(services.OPEN, "open")
@reauth_required
@sensitive_variables("revealed")
def reveal(request: HttpRequest, entry_id: int) -> HttpResponse:
    entry = _entry_or_404(request, entry_id)
    try:
        revealed = services.do_open(
            request.user, entry.pseudonym, request.POST.get("purpose", ""), via=VIA
        )
    except services.VaultError as exc:
        refill = not isinstance(exc, services.RepeatsVaultDetail)
        return _entry_page(request, entry, error=str(exc), status=400, refill=refill)
    return render(request, "vault/revealed.html", {"entry": entry, "fields": revealed.fields})


@login_required
@require_POST
@_keepers_only(services.SHRED, "shred")
@reauth_required
def shred(request: HttpRequest, entry_id: int) -> HttpResponse:
    entry = _entry_or_404(request, entry_id)
    if request.POST.get("confirm") != "yes":
        error = _("Tick the box to confirm that the identity is to be destroyed for good.")
        return _entry_page(request, entry, error=error, status=400)
    try:
        services.do_shred(request.user, entry.pseudonym, request.POST.get("reason", ""), via=VIA)
    except services.VaultError as exc:
        return _entry_page(request, entry, error=str(exc), status=400)
    messages.success(request, _("The identity was shredded. It cannot be recovered."))
    return redirect("vault:entry", entry_id=entry.pk)


@login_required
@require_http_methods(["GET", "POST"])
@_keepers_only(services.ADD, "add")
@reauth_required
@sensitive_post_parameters("value")
@sensitive_variables("value")
def add(request: HttpRequest) -> HttpResponse:
    data = {
        "pseudonym": request.POST.get("pseudonym", request.GET.get("pseudonym", "")),
        "kind": request.POST.get("kind", PersonKind.OTHER),
        "person": request.POST.get("person", ""),
        "field": request.POST.get("field", FieldName.REAL_NAME),
    }
    error = ""
    if request.method == "POST":
        value = request.POST.get("value", "")
        try:
            entry, _created = services.do_add_field(
                request.user,
                data["pseudonym"],
                data["field"],
                value,
                kind=data["kind"],
                person=data["person"],
                via=VIA,
            )
        except services.RepeatsVaultDetail as exc:
            # The pseudonym typed holds the detail: not shown again.
            error, data["pseudonym"] = str(exc), ""
        except services.VaultError as exc:
            error = str(exc)
        else:
            messages.success(request, _("Stored in the vault."))
            return redirect("vault:entry", entry_id=entry.pk)
    context = {
        "data": data,
        "error": error,
        "kinds": PersonKind.choices,
        "field_choices": FieldName.choices,
        "existing": services.find_entry(data["pseudonym"]),
    }
    return render(request, "vault/add.html", context, status=400 if error else 200)
