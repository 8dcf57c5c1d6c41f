"""The security alerts page: refused access (accounts/clearance.py) and the vault and
sign-in events other parts of Sillok audit, newest first, for holders of `view_audit`."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from sillok.custody.models import AuditEntry

ALERTS_PER_PAGE = 50
# Audit actions that are security alerts: exact names and prefixes.
ALERT_ACTIONS = ("access.denied",)
ALERT_PREFIXES = ("vault.", "auth.")


def security_alerts() -> QuerySet[AuditEntry]:
    condition = Q(action__in=ALERT_ACTIONS)
    for prefix in ALERT_PREFIXES:
        condition |= Q(action__startswith=prefix)
    return AuditEntry.objects.filter(condition).order_by("-seq")


@never_cache
@login_required
@require_GET
def alerts(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("accounts.view_audit"):
        return HttpResponse(status=403)
    page = Paginator(security_alerts(), ALERTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "accounts/alerts.html", {"page": page})
