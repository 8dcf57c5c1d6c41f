"""Pages of the web shell that belong to no single stage of the flow."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from sillok.accounts.roles import roles_of
from sillok.core.status import repository_status


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The start page: who you are here and how the repository stands.

    The repository status is for role holders only: an outsider sees nothing about the
    repository, not even its size.
    """
    roles = roles_of(request.user)
    context = {"roles": roles, "status": repository_status() if roles else None}
    return render(request, "core/home.html", context)
