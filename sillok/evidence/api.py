"""Evidence API: items (list, read, custody, text, file content), one-shot multipart intake,
and resumable uploads (correcting metadata: api_editing.py). Thin: parse, call a service,
shape the answer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.http import HttpRequest, StreamingHttpResponse
from ninja import File, Form, P, QueryEx, Router, Schema, Status
from ninja.errors import HttpError
from ninja.files import UploadedFile

from sillok.core.api import MAX_INTEGER, Id, Limit, Offset
from sillok.core.tempfiles import temp_dir
from sillok.evidence.access import ActionRefused, ItemNotFound, access_item, visible_items
from sillok.evidence.api_editing import register as register_editing
from sillok.evidence.custody_log import HandlingContext
from sillok.evidence.intake import DUPLICATE, NEW, do_ingest_file
from sillok.evidence.metadata import MetadataError, check_metadata
from sillok.evidence.queries import (
    custody_dict,
    custody_timeline,
    item_dict,
    iter_blob,
    text_parts,
)
from sillok.evidence.uploads import (
    UploadError,
    UploadNotFound,
    UploadState,
    access_upload,
    do_abort_upload,
    do_append_chunk,
    do_complete_upload,
    do_start_upload,
)
from sillok.evidence.viewing import FileNotFound, do_open_file

router = Router(tags=["evidence"])


class IntakeOut(Schema):
    path: str
    status: str
    item: int | None = None
    sha256: str | None = None
    reason: str = ""
    code: str = ""
    media_type: str = ""
    size: int | None = None


class ErrorOut(Schema):
    detail: str


# What a missing or forbidden item answers (the same, so that ids reveal nothing).
NOT_FOUND = {404: ErrorOut}
UPLOAD_ERRORS = {400: ErrorOut, 404: ErrorOut, 409: ErrorOut, 413: ErrorOut}
# OpenAPI links: what a client (and schemathesis's stateful phase) may do with a new upload.
UPLOAD_LINKS = {
    operation: {"operationId": operation, "parameters": {"key": "$response.body#/key"}}
    for operation in ("get_upload", "put_upload_chunk", "complete_upload", "abort_upload")
}


class UploadIn(Schema):
    filename: str
    size: int
    metadata: dict[str, Any] = {}


class UploadOut(Schema):
    key: str
    filename: str
    size: int
    received: int
    status: str
    result: dict[str, Any] = {}


def _user(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


def _item(request: HttpRequest, item_id: int) -> Any:
    try:
        return access_item(_user(request), item_id)
    except ItemNotFound as exc:
        raise HttpError(404, str(exc)) from None


@router.get("/items", summary="Items you may see", operation_id="list_items")
def list_items(request: HttpRequest, limit: Limit = 50, offset: Offset = 0) -> dict[str, Any]:
    """Newest first. `total` counts only items you may see."""
    items = visible_items(_user(request)).select_related("compartment")
    items = items.order_by("-created_at", "-pk")
    page = items[offset : offset + limit]
    return {"total": items.count(), "items": [item_dict(i, with_files=False) for i in page]}


@router.post(
    "/items",
    response={201: IntakeOut, 200: IntakeOut, 400: IntakeOut, 403: ErrorOut},
    summary="Ingest one file (multipart)",
    operation_id="create_item",
)
def create_item(
    request: HttpRequest,
    file: File[UploadedFile],
    title: Form[str] = "",
    description: Form[str] = "",
    kind: Form[str] = "",
    languages: Form[str] = "",
    source: Form[str] = "",
    collector: Form[str] = "",
    collected_on: Form[str] = "",
    collected_place: Form[str] = "",
    sensitivity: Form[str] = "",
    consent_scope: Form[str] = "",
    consent_date: Form[str] = "",
    consent_form: Form[str] = "",
    consent_recipients: Form[str] = "",
    tags: Form[str] = "",
    compartment: Form[str] = "",
) -> Status:
    """201 for a new item, 200 when the same content is already an item (the intake is
    recorded on it), 400 with `reason` and `code` when the file is refused."""
    raw = {
        "title": title, "description": description, "kind": kind, "languages": languages,
        "source": source, "collector": collector, "collected_on": collected_on,
        "collected_place": collected_place, "sensitivity": sensitivity,
        "consent_scope": consent_scope, "consent_date": consent_date,
        "consent_form": consent_form, "consent_recipients": consent_recipients, "tags": tags,
        "compartment": compartment,
    }  # fmt: skip
    try:
        metadata = check_metadata({k: v for k, v in raw.items() if v})
    except MetadataError as exc:
        return Status(
            400,
            {
                "path": file.name or "",
                "status": "rejected",
                "reason": str(exc),
                "code": "bad_metadata",
            },
        )
    # Owned by this process: removed by the next writer's start if it is killed.
    with temp_dir("api-") as workdir:
        local = Path(workdir) / "upload"
        with local.open("wb") as out:
            for chunk in file.chunks():
                out.write(chunk)
        try:
            result = do_ingest_file(
                _user(request),
                local,
                filename=file.name or "",
                metadata=metadata,
                context=HandlingContext.for_request(request, channel="api"),
            )
        except ActionRefused as exc:
            raise HttpError(403, str(exc)) from None
    code = 201 if result.status == NEW else 200 if result.status == DUPLICATE else 400
    return Status(code, result.as_dict())


@router.get(
    "/items/{item_id}",
    response={200: dict[str, Any], **NOT_FOUND},
    summary="One item with its files",
    operation_id="get_item",
)
def get_item(request: HttpRequest, item_id: Id) -> dict[str, Any]:
    return item_dict(_item(request, item_id))


@router.get(
    "/items/{item_id}/custody",
    response={200: list[dict[str, Any]], **NOT_FOUND},
    summary="Chain of custody",
    operation_id="item_custody",
)
def item_custody(request: HttpRequest, item_id: Id) -> list[dict[str, Any]]:
    return [custody_dict(e) for e in custody_timeline(_item(request, item_id))]


@router.get(
    "/items/{item_id}/text",
    response={200: list[dict[str, Any]], **NOT_FOUND},
    summary="Text derivatives",
    operation_id="item_text",
)
def item_text(request: HttpRequest, item_id: Id) -> list[dict[str, Any]]:
    return text_parts(_item(request, item_id))


@router.get(
    "/items/{item_id}/files/{file_id}/content",
    response={200: None, 403: ErrorOut, **NOT_FOUND},
    summary="Download a file (originals are recorded in the custody trail)",
    operation_id="file_content",
)
def file_content(request: HttpRequest, item_id: Id, file_id: Id) -> StreamingHttpResponse:
    item = _item(request, item_id)
    try:
        file = do_open_file(
            _user(request),
            item,
            file_id,
            HandlingContext.for_request(request, "api"),
            download=True,
        )
    except FileNotFound:
        raise HttpError(404, f"item {item_id} has no file {file_id}") from None
    except ActionRefused as exc:
        raise HttpError(403, str(exc)) from None
    response = StreamingHttpResponse(iter_blob(file), content_type="application/octet-stream")
    response["Content-Length"] = str(file.size)
    response["Content-Disposition"] = f'attachment; filename="{file.sha256}"'
    response["Digest"] = f"sha-256={file.sha256}"
    # Evidence bytes never run as a page of ours, whatever opens this URL.
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _upload_error(exc: UploadError) -> HttpError:
    message = str(exc) if exc.offset is None else f"{exc} (offset {exc.offset})"
    return HttpError(exc.status, message)


@router.post(
    "/uploads",
    response={201: UploadOut, 403: ErrorOut, **UPLOAD_ERRORS},
    summary="Start a resumable upload",
    operation_id="start_upload",
    openapi_extra={"responses": {201: {"links": UPLOAD_LINKS}}},
)
def start_upload(request: HttpRequest, payload: UploadIn) -> Status:
    try:
        session = do_start_upload(
            _user(request),
            filename=payload.filename,
            size=payload.size,
            metadata=payload.metadata,
        )
    except UploadError as exc:
        raise _upload_error(exc) from None
    except MetadataError as exc:
        raise HttpError(400, str(exc)) from None
    except ActionRefused as exc:
        raise HttpError(403, str(exc)) from None
    return Status(201, UploadState.of(session))


@router.get(
    "/uploads/{key}",
    response={200: UploadOut, **NOT_FOUND},
    summary="Where an upload stands",
    operation_id="get_upload",
)
def get_upload(request: HttpRequest, key: str) -> UploadState:
    try:
        return UploadState.of(access_upload(_user(request), key))
    except UploadNotFound as exc:
        raise HttpError(404, str(exc)) from None


@router.put(
    "/uploads/{key}",
    response={200: UploadOut, **UPLOAD_ERRORS},
    summary="Send one chunk (raw body)",
    operation_id="put_upload_chunk",
)
def put_chunk(
    request: HttpRequest, key: str, offset: QueryEx[int, P(ge=0, le=MAX_INTEGER)]
) -> UploadState:
    """The request body is the chunk's bytes; `offset` is where it starts. 409 names the
    offset expected when it is not the one the server has."""
    length = int(request.META.get("CONTENT_LENGTH") or 0)
    try:
        return do_append_chunk(_user(request), key, offset, request, length)
    except UploadNotFound as exc:
        raise HttpError(404, str(exc)) from None
    except UploadError as exc:
        raise _upload_error(exc) from None


@router.post(
    "/uploads/{key}/complete",
    response={
        201: IntakeOut,
        200: IntakeOut,
        400: IntakeOut | ErrorOut,
        404: ErrorOut,
        409: ErrorOut,
    },
    summary="Finish an upload: the file goes through intake",
    operation_id="complete_upload",
)
def complete_upload(request: HttpRequest, key: str) -> Status:
    try:
        result = do_complete_upload(
            _user(request), key, HandlingContext.for_request(request, channel="web")
        )
    except UploadNotFound as exc:
        raise HttpError(404, str(exc)) from None
    except UploadError as exc:
        raise _upload_error(exc) from None
    code = 201 if result.status == NEW else 200 if result.status == DUPLICATE else 400
    return Status(code, result.as_dict())


@router.delete(
    "/uploads/{key}",
    response={204: None, **NOT_FOUND},
    summary="Abandon an upload",
    operation_id="abort_upload",
)
def abort_upload(request: HttpRequest, key: str) -> Status:
    try:
        do_abort_upload(_user(request), key)
    except UploadNotFound as exc:
        raise HttpError(404, str(exc)) from None
    return Status(204, None)


# Correcting metadata, its history and restore (api_editing.py).
register_editing(router)
