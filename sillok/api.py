"""The `/api/v1/` NinjaAPI. Each app contributes a router from its own api.py.

Every operation requires authentication (a personal token or a fully signed-in browser
session, see accounts/api.py) unless it says `auth=None`; only the health check does.
Errors are JSON objects with a `detail` message.
"""

from __future__ import annotations

import logging
from functools import cache
from importlib import metadata

from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse
from ninja import Field, NinjaAPI, Schema, Status
from ninja.errors import AuthenticationError

from sillok.accounts.api import API_AUTH
from sillok.accounts.api import router as accounts_router
from sillok.evidence.api import router as evidence_router
from sillok.records.api import router as records_router
from sillok.vocab.api import router as vocab_router

logger = logging.getLogger(__name__)

api = NinjaAPI(
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
)


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
api.add_router("/", vocab_router)
