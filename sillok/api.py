"""The `/api/v1/` NinjaAPI. Each app contributes a router from its own api.py.

Every operation requires authentication (a personal token or a fully signed-in browser
session, see accounts/api.py) unless it says `auth=None`; only the health check does.
Errors are JSON objects with a `detail` message. Text that no database can store (NUL, lone
surrogates; core/api.py) is refused with 422 wherever it comes in: body, query, form, path.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import cache, wraps
from importlib import metadata
from typing import Any

from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse
from django.utils.datastructures import MultiValueDict
from ninja import Field, NinjaAPI, Schema, Status
from ninja.errors import AuthenticationError, HttpError
from ninja.parser import Parser

from sillok.accounts.api import API_AUTH
from sillok.accounts.api import router as accounts_router
from sillok.assessment.api import router as assessment_router
from sillok.assessment.api_matrix import matrix_router as assessment_matrix_router
from sillok.core.api import UnstorableText, check_storable_text
from sillok.evidence.api import router as evidence_router
from sillok.records.api import router as records_router
from sillok.search.api import router as search_router
from sillok.vocab.api import router as vocab_router

logger = logging.getLogger(__name__)

# The JSON bodies django-ninja itself answers with, before an operation runs.
_ERROR = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
_INVALID = {
    "type": "object",
    "description": "the request does not match the operation's parameters or body",
    "properties": {
        "detail": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "loc": {"type": "array", "items": {"type": ["string", "integer"]}},
                    "msg": {"type": "string"},
                    "type": {"type": "string"},
                },
                "required": ["loc", "msg", "type"],
            },
        }
    },
    "required": ["detail"],
}
_UNSAFE = {"post", "put", "patch", "delete"}
# gunicorn (`sillok serve`) answers this itself, in HTML, before Django sees the request.
_TOO_LONG = "URI Too Long: the request line is over 4094 bytes (parameters too long)"


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _declare(responses: dict[Any, Any], status: int, schema: dict[str, Any], text: str) -> None:
    """Document `schema` for `status`; where the operation answers `status` itself too, a
    response may have either shape."""
    own = responses.get(status)
    if own is None:
        responses[status] = _json(schema, text)
        return
    for media in own.get("content", {}).values():
        if media.get("schema") != schema:
            media["schema"] = {"anyOf": [media["schema"], schema]}


def declare_framework_errors(document: dict[str, Any]) -> None:
    """Add to every operation the answers the framework gives on its behalf, so that the
    document lists every status a client can get (schemathesis checks it): 401 without valid
    credentials, 403 when a signed-in browser omits the CSRF token on an unsafe method, 400
    when a body cannot be parsed at all, 422 when parameters or body do not validate, and
    414 when the parameters make the request line longer than the server reads."""
    for path in document["paths"].values():
        for method, operation in path.items():
            responses = operation.setdefault("responses", {})
            if operation.get("security"):
                _declare(responses, 401, _ERROR, "Authentication required")
                if method in _UNSAFE:
                    _declare(responses, 403, _ERROR, "Forbidden")
            if operation.get("requestBody"):
                _declare(responses, 400, _ERROR, "The body cannot be parsed")
            if operation.get("parameters") or operation.get("requestBody"):
                _declare(responses, 422, _INVALID, "Invalid input")
            if operation.get("parameters"):
                responses.setdefault(414, {"description": _TOO_LONG})


class StorableTextParser(Parser):
    """The JSON body, query string and form fields, refused where they hold text that no
    database stores, before any handler or service sees them."""

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        data = super().parse_body(request)
        check_storable_text(data, ("body",))
        return data

    def parse_querydict(
        self, data: MultiValueDict, list_fields: list[str], request: HttpRequest
    ) -> dict[str, Any]:
        result = super().parse_querydict(data, list_fields, request)
        # Uploaded files are not text: their names go through intake's own checks.
        if data is not request.FILES:
            check_storable_text(result, ("query" if data is request.GET else "form",))
        return result


def refuse_unstorable_path(view: Callable[..., Any]) -> Callable[..., Any]:
    """The same rule for path parameters, which reach a handler without the parser (a key
    like `%00` would otherwise be looked up in PostgreSQL). Runs after authentication."""

    @wraps(view)
    def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        match = request.resolver_match
        check_storable_text(dict(match.kwargs) if match else {}, ("path",))
        return view(request, *args, **kwargs)

    return checked


class SillokAPI(NinjaAPI):
    def get_openapi_schema(self, **kwargs: Any) -> Any:
        document = super().get_openapi_schema(**kwargs)
        declare_framework_errors(document)
        return document

    def on_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse:
        # django-ninja turns whatever the body parser raises into 400 "cannot parse". A body
        # that parsed but holds unstorable text is invalid input like any other: 422.
        if isinstance(exc, HttpError) and isinstance(exc.__cause__, UnstorableText):
            exc = exc.__cause__
        return super().on_exception(request, exc)


api = SillokAPI(
    title="Sillok API",
    version="1",
    description=(
        "Sillok evidence repository. Authenticate with a personal API token "
        "(`Authorization: Bearer sk_...`, made at /accounts/tokens/) or a signed-in browser "
        "session (unsafe methods then need the CSRF token in `X-CSRFToken`)."
    ),
    urls_namespace="api",
    docs_url=None,
    auth=API_AUTH,
    parser=StorableTextParser(),
)
api.add_decorator(refuse_unstorable_path)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = api.create_response(
        request,
        {
            "detail": "authentication required: send 'Authorization: Bearer <token>' "
            "with a valid, unrevoked, unexpired token, or sign in"
        },
        status=401,
    )
    response["WWW-Authenticate"] = 'Bearer realm="sillok"'
    return response


class HealthOut(Schema):
    status: str = Field(..., description="ok, or unavailable (HTTP 503)", examples=["ok"])
    version: str = Field(..., description="the Sillok release", examples=["0.1.0"])


@cache
def sillok_version() -> str:
    try:
        return metadata.version("sillok")
    except metadata.PackageNotFoundError:  # running from a tree that was never installed
        return "unknown"


@api.get(
    "/health",
    auth=None,
    response={200: HealthOut, 503: HealthOut},
    summary="Health check",
    operation_id="health",
    tags=["operations"],
)
def health(request: HttpRequest) -> Status:
    """For load balancers and monitoring: 200 when the database answers, 503 otherwise.

    Needs no authentication, so it says nothing but the release.
    """
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        logger.exception("health check: the database does not answer")
        return Status(503, {"status": "unavailable", "version": sillok_version()})
    return Status(200, {"status": "ok", "version": sillok_version()})


api.add_router("/", accounts_router)
api.add_router("/", evidence_router)
api.add_router("/", records_router)
api.add_router("/", search_router)
api.add_router("/", assessment_router)
api.add_router("/", assessment_matrix_router)
api.add_router("/", vocab_router)
