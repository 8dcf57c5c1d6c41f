"""Evidence API: correcting an item's metadata, its history and restoring a version. Thin:
fetch and authorise, call the one service (editing.py), shape the answer. Registered on the
evidence router by api.py (`register`): django-ninja serves the methods of one path only from
one router, and PATCH shares /items/{item_id} with GET."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.errors import HttpError

from sillok.core.api import Id
from sillok.custody.canonical import format_time
from sillok.evidence.access import ActionRefused, ItemNotFound, access_item
from sillok.evidence.custody_log import HandlingContext
from sillok.evidence.editing import (
    EditResult,
    StaleRevision,
    VersionNotFound,
    do_edit_item,
    do_restore_item_version,
)
from sillok.evidence.item_history import diff, visible_versions
from sillok.evidence.metadata import MetadataError
from sillok.evidence.models import Item
from sillok.evidence.queries import item_dict


class ErrorOut(Schema):
    detail: str


ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}


class ItemEditIn(Schema):
    values: dict[str, Any] = Field(
        ...,
        description=(
            "The fields to change: title, description, source, collector, collected_on "
            "(YYYY-MM-DD), collected_on_precision, collected_place, collected_place_precision, "
            "languages, sensitivity, compartment (a code; empty for none), consent_scope, "
            "consent_date, consent_form, consent_recipients, tags, graphic. Choices take "
            "their code, English label or Korean label."
        ),
        examples=[{"title": "Corrected title", "sensitivity": "restricted"}],
    )
    revision: int = Field(..., description="The revision you edited (the item's `revision`)")
    reason: str = Field(..., description="Why the item is corrected (required)")


class RestoreIn(Schema):
    revision: int
    reason: str


class EditOut(Schema):
    changed: list[str]
    version: int | None = None
    item: dict[str, Any]


def _user(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


def _item(request: HttpRequest, item_id: int) -> Item:
    try:
        return access_item(_user(request), item_id)
    except ItemNotFound as exc:
        raise HttpError(404, str(exc)) from None


def _answer(result: EditResult) -> dict[str, Any]:
    return {
        "changed": result.changed,
        "version": result.version.number if result.version else None,
        "item": item_dict(result.item, with_files=False),
    }


def _refusal(exc: Exception) -> HttpError:
    if isinstance(exc, StaleRevision):
        return HttpError(409, str(exc))
    if isinstance(exc, MetadataError):
        return HttpError(400, str(exc))
    return HttpError(403, str(exc))


def update_item(request: HttpRequest, item_id: Id, body: ItemEditIn) -> dict[str, Any]:
    item = _item(request, item_id)
    try:
        result = do_edit_item(
            _user(request),
            item,
            body.values,
            expected_revision=body.revision,
            reason=body.reason,
            context=HandlingContext.for_request(request, channel="api"),
        )
    except (MetadataError, ActionRefused) as exc:
        raise _refusal(exc) from None
    return _answer(result)


def version_dict(version: Any, previous: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "number": version.number,
        "action": version.action,
        "actor": version.actor.get_username() if version.actor_id else None,
        "created_at": format_time(version.created_at),
        "reason": version.reason,
        "withheld": version.withheld,
    }
    if not version.withheld:
        data["snapshot"] = version.snapshot
        before = previous.snapshot if previous is not None else None
        data["changes"] = [
            {"field": c.field, "before": c.before, "after": c.after}
            for c in diff(before, version.snapshot)
        ]
    return data


def item_history(request: HttpRequest, item_id: Id) -> list[dict[str, Any]]:
    """Oldest first. A version you are not cleared for is listed without its content
    (`withheld`), and the one after it is compared with nothing."""
    versions = visible_versions(_user(request), _item(request, item_id))
    answer, previous = [], None
    for version in versions:
        answer.append(version_dict(version, previous))
        previous = None if version.withheld else version
    return answer


def restore_item_version(
    request: HttpRequest, item_id: Id, number: Id, body: RestoreIn
) -> dict[str, Any]:
    item = _item(request, item_id)
    try:
        result = do_restore_item_version(
            _user(request),
            item,
            number,
            expected_revision=body.revision,
            reason=body.reason,
            context=HandlingContext.for_request(request, channel="api"),
        )
    except VersionNotFound as exc:
        raise HttpError(404, str(exc)) from None
    except (MetadataError, ActionRefused) as exc:
        raise _refusal(exc) from None
    return _answer(result)


def register(router: Router) -> None:
    """Add the operations of this module to the evidence router."""
    router.patch(
        "/items/{item_id}",
        response={200: EditOut, **ERRORS},
        summary="Correct an item's metadata (with the revision you edited and a reason)",
        operation_id="update_item",
    )(update_item)
    router.get(
        "/items/{item_id}/history",
        response={200: list[dict[str, Any]], 404: ErrorOut},
        summary="Every version of an item's metadata, with what each changed",
        operation_id="item_history",
    )(item_history)
    router.post(
        "/items/{item_id}/restore/{number}",
        response={200: EditOut, **ERRORS},
        summary="Make the item what an earlier version says (itself a new version)",
        operation_id="restore_item_version",
    )(restore_item_version)
