"""This instance as a witness: keeping checkpoints that other Sillok repositories send.

POST /witness/checkpoints with a checkpoint file (JSON, as `sillok audit checkpoint
--export` writes it). No account is needed: the checkpoint authenticates itself, and only
those signed by a key listed in SILLOK_WITNESS_FOR are kept. A second checkpoint for the same
key and seq with another hash means the sender's history was rewritten (or its key is in
other hands): it is refused with 409, logged, and the administrators are told.
"""

from __future__ import annotations

import json
import logging
import smtplib

from django.conf import settings
from django.core.mail import mail_admins
from django.db import IntegrityError, transaction
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from sillok.custody import checkpoints
from sillok.custody.checkpoints import CheckpointFileError
from sillok.custody.models import WitnessedCheckpoint

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 64 * 1024


def _answer(status: int, detail: str) -> JsonResponse:
    return JsonResponse({"detail": detail}, status=status)


@csrf_exempt  # machine-to-machine; the body is signed, no cookie is involved
@require_POST
def receive_checkpoint(request: HttpRequest) -> JsonResponse:
    if not settings.SILLOK_WITNESS_FOR:
        return _answer(404, "this instance keeps no checkpoints for other repositories")
    if len(request.body) > MAX_BODY_BYTES:
        return _answer(413, f"a checkpoint file is at most {MAX_BODY_BYTES} bytes")
    try:
        document = json.loads(request.body.decode("utf-8"))
        item = checkpoints.parse_checkpoint_document(document, source="the request body")
    except (ValueError, UnicodeDecodeError, CheckpointFileError) as exc:
        return _answer(422, f"not a Sillok checkpoint file: {exc}")
    fingerprint = str(item.statement.get("key_fingerprint", "")).lower()
    if fingerprint not in settings.SILLOK_WITNESS_FOR:
        return _answer(403, "checkpoints signed by this key are not kept here")
    if not checkpoints.signature_is_valid(item.statement, item.signature, item.public_key_pem):
        return _answer(422, "the signature does not match the checkpoint")
    return _keep(request, fingerprint, item, document)


def _keep(
    request: HttpRequest, fingerprint: str, item: checkpoints.ExternalCheckpoint, document: dict
) -> JsonResponse:
    kept = WitnessedCheckpoint.objects.filter(key_fingerprint=fingerprint, seq=item.seq).first()
    if kept is None:
        try:
            with transaction.atomic():
                WitnessedCheckpoint.objects.create(
                    key_fingerprint=fingerprint,
                    seq=item.seq,
                    entry_hash=item.entry_hash,
                    document=document,
                    received_from=request.META.get("REMOTE_ADDR", "")[:100],
                )
            return _answer(201, f"checkpoint #{item.seq} kept")
        except IntegrityError:  # the same checkpoint sent twice at once
            kept = WitnessedCheckpoint.objects.get(key_fingerprint=fingerprint, seq=item.seq)
    if kept.entry_hash == item.entry_hash:
        return _answer(200, f"checkpoint #{item.seq} was already kept")
    _warn_of_fork(fingerprint, item.seq, kept.entry_hash, item.entry_hash)
    return _answer(
        409,
        f"a different checkpoint #{item.seq} was kept before: the sender's audit history "
        f"was rewritten",
    )


def _warn_of_fork(fingerprint: str, seq: int, kept: str, offered: str) -> None:
    message = (
        f"Repository key {fingerprint} sent checkpoint #{seq} with hash {offered}, but this "
        f"witness kept #{seq} with hash {kept} earlier. Its audit history was rewritten."
    )
    logger.error("checkpoint fork: %s", message)
    if settings.ADMINS:
        try:
            mail_admins("Audit history rewritten at a witnessed repository", message)
        except (OSError, smtplib.SMTPException):
            logger.warning("could not mail the administrators about a checkpoint fork")
