"""Turns a refusal of the audit log into a plain answer on the web and in the API.

Every write appends to the audit log, and `custody.audit` refuses to append onto a log whose
head is missing or rewound (AuditLogUnusable). Without this the user would see a bare server
error; with it they see what happened and that an administrator must run `sillok verify`.
"""

from __future__ import annotations

import logging
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from sillok.custody.audit import AuditLogUnusable

logger = logging.getLogger(__name__)


class AuditLogUnusableMiddleware:
    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> Any:
        if not isinstance(exception, AuditLogUnusable):
            return None
        logger.error("write refused, the audit log cannot be appended to: %s", exception)
        message = _(
            "Sillok cannot record changes right now: its audit log is damaged or was "
            "tampered with. Nothing was changed. Tell your administrator, who should run "
            "`sillok verify`."
        )
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": message}, status=503)
        response = TemplateResponse(
            request, "custody/audit_log_unusable.html", {"message": message}, status=503
        )
        return response.render()
