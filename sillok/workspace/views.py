"""The home page: who you are here, what waits for you, where your work is, and how the
repository stands.

A newcomer starts every task from here without typing an address, so each link is shown to
exactly those who may use the page it leads to: the same predicate as that page's view, never
a looser one (a link that ends in "refused" teaches nothing).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from sillok.accounts.roles import roles_of
from sillok.assessment.access import can_view_cases
from sillok.core.waiting import waiting_for
from sillok.custody.status import repository_status
from sillok.records.access import RecordActionRefused, can_view_records
from sillok.records.exporting import check_can_export
from sillok.records.importing import check_can_import
from sillok.redaction.services import can_request, can_review
from sillok.search.access import may_search
from sillok.vault.services import is_vault_keeper


@dataclass(frozen=True)
class Shortcut:
    """A link of "Where to start": a page and the one line that says what it is for."""

    key: str
    label: Any
    help: Any
    url: str


def _passes(check: Callable[[Any], None], user: Any) -> bool:
    try:
        check(user)
    except RecordActionRefused:
        return False
    return True


# key, label, what it is for, URL name: the pages of "Where to start", in the order of a
# day's work (intake, description, imports and exports, review, search, the vault).
SHORTCUTS: tuple[tuple[str, Any, Any, str], ...] = (
    (
        "upload",
        _("Upload an item"),
        _("Store a document, photo, recording or video."),
        "evidence:upload",
    ),
    (
        "items",
        _("Items"),
        _("The evidence you may see, with its files and custody."),
        "evidence:items",
    ),
    (
        "records",
        _("Records"),
        _("Who did what to whom: events, acts, persons, links."),
        "records:home",
    ),
    (
        "import",
        _("Import records"),
        _("Add many records at once from a spreadsheet."),
        "records:import",
    ),
    (
        "export",
        _("Export records"),
        _("Download the records you may see as a spreadsheet."),
        "records:export",
    ),
    (
        "redaction",
        _("Redaction review"),
        _("Copies with names and faces removed, checked by a second person before use."),
        "redaction:reviews",
    ),
    ("search", _("Search"), _("Find items and records in Korean or English."), "search:search"),
    (
        "cases",
        _("Cases"),
        _("Case files: charges, the proof matrix, gaps and tasks."),
        "assessment:cases",
    ),
    (
        "vault",
        _("Vault"),
        _("The real identities of witnesses, for vault keepers."),
        "vault:entries",
    ),
)


def may_open(user: Any) -> dict[str, bool]:
    """For each shortcut, whether `user` passes the check of the page it opens (the view's
    own predicate)."""
    return {
        "upload": user.has_perm("evidence.add_item"),
        "items": user.has_perm("evidence.view_item") or user.has_perm("evidence.add_item"),
        "records": can_view_records(user),
        "import": _passes(check_can_import, user),
        "export": _passes(check_can_export, user),
        "redaction": can_review(user) or can_request(user),
        "search": may_search(user),
        "cases": can_view_cases(user),
        "vault": is_vault_keeper(user),
    }


def shortcuts(user: Any) -> list[Shortcut]:
    """The pages of SHORTCUTS that `user` may open."""
    allowed = may_open(user)
    return [
        Shortcut(key, label, help_text, reverse(url_name))
        for key, label, help_text, url_name in SHORTCUTS
        if allowed[key]
    ]


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The start page. The repository status is for role holders only: an outsider sees
    nothing about the repository, not even its size."""
    user = request.user
    roles = roles_of(user)
    waiting = waiting_for(user) if roles else []
    context = {
        "roles": roles,
        "waiting": waiting,
        "waiting_total": sum(work.count for work in waiting),
        "shortcuts": shortcuts(user) if roles else [],
        "status": repository_status() if roles else None,
    }
    return render(request, "workspace/home.html", context)
