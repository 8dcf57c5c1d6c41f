"""The item's Edit and History pages, and restoring a version. Thin: fetch and authorise,
parse the form, call the one service (editing.py), render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sillok.accounts.clearance import Clearance
from sillok.evidence.access import ActionRefused, ItemNotFound, access_item
from sillok.evidence.custody_log import HandlingContext
from sillok.evidence.editing import (
    ClearanceRefused,
    StaleRevision,
    VersionNotFound,
    do_edit_item,
    do_restore_item_version,
)
from sillok.evidence.item_display import describe_changes, form_fields, history_rows
from sillok.evidence.item_history import EDITABLE, visible_versions
from sillok.evidence.metadata import MetadataError
from sillok.evidence.models import Item


def _item_or_404(request: HttpRequest, item_id: int) -> Item:
    try:
        return access_item(request.user, item_id)
    except ItemNotFound:
        raise Http404("No such item.") from None


def _editable_or_403(request: HttpRequest, item_id: int) -> Item:
    # Not found first (a hidden item answers as a missing one), then the permission.
    item = _item_or_404(request, item_id)
    if not may_edit(request.user, item):
        raise PermissionDenied("changing items needs the permission evidence.change_item")
    return item


def may_edit(user: Any, item: Item) -> bool:
    """Whether the Edit link and Restore buttons are shown (the service decides anyway)."""
    return user.has_perm("evidence.change_item") and Clearance(user).sees(item)


def _posted_revision(request: HttpRequest) -> int:
    # A form without its revision cannot prove it saw the current item: refused as stale.
    try:
        return int(request.POST.get("revision", ""))
    except ValueError:
        return 0


def _posted_changes(request: HttpRequest, item: Item) -> dict[str, Any]:
    post = request.POST
    changes: dict[str, Any] = {
        name: post.get(name, "") for name in EDITABLE if name not in {"consent_scope", "graphic"}
    }
    changes["consent_scope"] = post.getlist("consent_scope")
    changes["graphic"] = post.get("graphic") == "1"
    # Recipients: one per line in the form (names hold commas).
    changes["consent_recipients"] = post.get("consent_recipients", "").splitlines()
    return changes


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def item_edit(request: HttpRequest, item_id: int) -> HttpResponse:
    item = _editable_or_403(request, item_id)
    if request.method == "GET":
        return _render_form(request, item, values=None, revision=item.revision)
    changes = _posted_changes(request, item)
    reason = request.POST.get("reason", "")
    try:
        result = do_edit_item(
            request.user,
            item,
            changes,
            expected_revision=_posted_revision(request),
            reason=reason,
            context=HandlingContext.for_request(request),
        )
    except StaleRevision as exc:
        return _render_form(request, item, changes, reason=reason, problem=str(exc), status=409)
    except ClearanceRefused as exc:
        errors = {exc.field: str(exc)}
        return _render_form(request, item, changes, reason=reason, errors=errors, status=400)
    except MetadataError as exc:
        errors = {exc.field: exc.message}
        return _render_form(request, item, changes, reason=reason, errors=errors, status=400)
    except ActionRefused as exc:
        raise PermissionDenied(str(exc)) from None
    if result.changed:
        messages.success(request, _("The item's description was corrected."))
    else:
        messages.info(request, _("Nothing changed."))
    return redirect("evidence:item", item.pk)


def _render_form(
    request: HttpRequest,
    item: Item,
    values: dict[str, Any] | None,
    *,
    revision: int | None = None,
    reason: str = "",
    errors: dict[str, str] | None = None,
    problem: str = "",
    status: int = 200,
) -> HttpResponse:
    errors = errors or {}
    fields = form_fields(request.user, item, values, errors)
    return render(
        request,
        "evidence/item_edit.html",
        {
            "item": item,
            "fields": fields,
            "revision": revision if revision is not None else _posted_revision(request),
            "reason": reason,
            "reason_error": errors.get("reason", ""),
            "other_errors": [
                (name, message)
                for name, message in errors.items()
                if name != "reason" and name not in {f["name"] for f in fields}
            ],
            "problem": problem,
        },
        status=status,
    )


@never_cache
@login_required
@require_GET
def item_history(request: HttpRequest, item_id: int) -> HttpResponse:
    item = _item_or_404(request, item_id)
    versions = visible_versions(request.user, item)
    return render(
        request,
        "evidence/item_history.html",
        {
            "item": item,
            "rows": history_rows(request.user, item, versions, describe_changes),
            "can_restore": may_edit(request.user, item),
        },
    )


@login_required
@require_POST
def item_restore(request: HttpRequest, item_id: int, number: int) -> HttpResponse:
    item = _editable_or_403(request, item_id)
    try:
        result = do_restore_item_version(
            request.user,
            item,
            number,
            expected_revision=_posted_revision(request),
            reason=request.POST.get("reason", ""),
            context=HandlingContext.for_request(request),
        )
    except VersionNotFound:
        raise Http404("No such version.") from None
    except (MetadataError, StaleRevision, ClearanceRefused) as exc:
        messages.error(request, exc.message if isinstance(exc, MetadataError) else str(exc))
        return redirect("evidence:item_history", item.pk)
    except ActionRefused as exc:
        raise PermissionDenied(str(exc)) from None
    if result.changed:
        messages.success(request, _("Version %(n)d was restored.") % {"n": number})
    else:
        messages.info(request, _("The item already says what version %(n)d says.") % {"n": number})
    return redirect("evidence:item_history", item.pk)
