"""Sending every new checkpoint out of the machine, to witnesses that keep a copy.

Why: the signing key sits in SILLOK_HOME/keys beside the database. An intruder who holds
both can rewrite the audit chain and re-sign every stored checkpoint; `sillok verify` then
passes on the machine. A checkpoint that left the machine before the rewrite still
disagrees, so it catches that. Witnesses are configured in SILLOK_CHECKPOINT_WITNESSES:

- ``admins``: mailed to SILLOK_ADMINS (the checkpoint file attached);
- ``mailto:ADDRESS``: mailed to that address;
- ``https://HOST/PATH`` (or ``http://`` on a private network): POSTed as JSON, e.g. to
  another Sillok instance's ``/witness/checkpoints`` (witness_views.py), which keeps it;
- ``dir:/PATH``: written as a file into a folder (a mounted share, write-once media).

Delivery is recorded per (checkpoint, witness) in the same transaction as the checkpoint,
then attempted after commit by a background job and retried by every later round until it
succeeds, so a crash or a witness that is down loses nothing. What it does not protect
against: an intruder who controls the machine *before* a checkpoint is sent can forge what
is sent from then on; witnesses prove the history up to their newest copy, no further.
"""

from __future__ import annotations

import json
import logging
import os
import smtplib
import urllib.error
import urllib.request
from collections.abc import Iterable
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import EmailMessage, mail_admins
from django.db import transaction
from django.db.models import Count, Max
from django.utils import timezone

from sillok.custody.checkpoints import export_json
from sillok.custody.models import AuditCheckpoint, CheckpointDelivery, WitnessedCheckpoint

logger = logging.getLogger(__name__)

HTTP_TIMEOUT_SECONDS = 10
MAX_ERROR_CHARS = 500


class DeliveryFailed(Exception):
    """One witness did not take one checkpoint; the message says why (no secrets)."""


def check_witness_spec(spec: str) -> str:
    """The spec if it is one of the forms above; ImproperlyConfigured otherwise."""
    if spec == "admins" or spec.startswith(("mailto:", "https://", "http://")):
        if spec.startswith("mailto:") and "@" not in spec:
            raise ImproperlyConfigured(f"checkpoint witness {spec!r}: no mail address")
        return spec
    if spec.startswith("dir:") and Path(spec[4:]).is_absolute():
        return spec
    raise ImproperlyConfigured(
        f"checkpoint witness {spec!r} is not 'admins', 'mailto:ADDRESS', an http(s) URL or "
        f"'dir:/ABSOLUTE/PATH'"
    )


def configured_witnesses() -> list[str]:
    return [check_witness_spec(spec) for spec in settings.SILLOK_CHECKPOINT_WITNESSES]


def schedule_delivery(seq: int) -> None:
    """Record that checkpoint `seq` must reach every witness; send it after commit.

    Call inside the transaction that writes the checkpoint: the intent to send commits with
    the checkpoint or not at all.
    """
    witnesses = configured_witnesses()
    if not witnesses:
        return
    CheckpointDelivery.objects.bulk_create(
        [CheckpointDelivery(seq=seq, witness=witness) for witness in witnesses],
        ignore_conflicts=True,
    )
    from sillok.custody.tasks import deliver_checkpoints

    transaction.on_commit(deliver_checkpoints.enqueue)


def deliver_pending(limit: int = 100) -> dict[str, int]:
    """Try every delivery not yet made (oldest first); return counts of delivered/failed."""
    counts = {"delivered": 0, "failed": 0}
    pending = list(
        CheckpointDelivery.objects.filter(delivered_at__isnull=True).order_by("seq")[:limit]
    )
    checkpoints = {
        c.seq: c for c in AuditCheckpoint.objects.filter(seq__in={d.seq for d in pending})
    }
    for delivery in pending:
        checkpoint = checkpoints.get(delivery.seq)
        try:
            if checkpoint is None:
                raise DeliveryFailed(f"checkpoint #{delivery.seq} is no longer stored")
            send_to_witness(delivery.witness, checkpoint)
        except DeliveryFailed as exc:
            counts["failed"] += 1
            logger.warning(
                "checkpoint #%s not delivered to %s: %s", delivery.seq, delivery.witness, exc
            )
            _mark(delivery, error=str(exc)[:MAX_ERROR_CHARS])
        else:
            counts["delivered"] += 1
            _mark(delivery, error="")
    return counts


def _mark(delivery: CheckpointDelivery, *, error: str) -> None:
    fields = {"attempts": delivery.attempts + 1, "last_error": error}
    if not error:
        fields["delivered_at"] = timezone.now()
    CheckpointDelivery.objects.filter(pk=delivery.pk).update(**fields)


def send_to_witness(witness: str, checkpoint: AuditCheckpoint) -> None:
    """Send one checkpoint file to one witness. Raises DeliveryFailed."""
    document = export_json(checkpoint)
    name = checkpoint_file_name(checkpoint.key_fingerprint, checkpoint.seq)
    if witness == "admins" or witness.startswith("mailto:"):
        _mail(witness, checkpoint, name, document)
    elif witness.startswith(("https://", "http://")):
        _post(witness, document)
    elif witness.startswith("dir:"):
        write_checkpoint_file(Path(witness[4:]), name, document)
    else:
        raise DeliveryFailed(f"unknown kind of witness {witness!r}")


def checkpoint_file_name(key_fingerprint: str, seq: int) -> str:
    return f"sillok-checkpoint-{key_fingerprint[:16]}-{seq:012d}.json"


def _mail(witness: str, checkpoint: AuditCheckpoint, name: str, document: str) -> None:
    subject = f"Sillok audit checkpoint #{checkpoint.seq}"
    body = (
        f"Keep this file. It pins the audit log of the Sillok repository with key "
        f"{checkpoint.key_fingerprint} up to entry #{checkpoint.seq}. To check the "
        f"repository against it: sillok verify --checkpoint {name}\n"
    )
    try:
        if witness == "admins":
            if not settings.ADMINS:
                raise DeliveryFailed("SILLOK_ADMINS is empty")
            mail_admins(subject, body + "\n" + document)
        else:
            message = EmailMessage(subject, body, settings.SERVER_EMAIL, [witness[7:]])
            message.attach(name, document, "application/json")
            message.send()
    except (OSError, smtplib.SMTPException) as exc:
        raise DeliveryFailed(f"mail relay: {exc}") from None


def _post(url: str, document: str) -> None:
    request = urllib.request.Request(  # noqa: S310 - scheme checked by check_witness_spec
        url,
        data=document.encode("utf-8"),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT_SECONDS) as response:  # noqa: S310
            status = response.status
    except urllib.error.HTTPError as exc:
        raise DeliveryFailed(f"{url} answered {exc.code}: {_reason(exc)}") from None
    except (urllib.error.URLError, OSError) as exc:
        raise DeliveryFailed(f"{url}: {exc}") from None
    if status not in (200, 201):
        raise DeliveryFailed(f"{url} answered {status}")


def _reason(exc: urllib.error.HTTPError) -> str:
    try:
        return json.loads(exc.read().decode("utf-8"))["detail"]
    except (ValueError, KeyError, TypeError, OSError):
        return exc.reason


def write_checkpoint_file(folder: Path, name: str, document: str) -> None:
    """Write once (0600, fsynced): an existing file with the same content is fine, one with
    other content is DeliveryFailed, never overwritten."""
    target = folder / name
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        if target.read_text(encoding="utf-8") == document:
            return
        raise DeliveryFailed(f"{target} exists with other content") from None
    except OSError as exc:
        raise DeliveryFailed(f"{target}: {exc.strerror}") from None
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(document)
        out.flush()
        os.fsync(out.fileno())


def export_witnessed(key_fingerprint: str, folder: Path) -> int:
    """Write the checkpoints kept here for a repository as files (this instance as witness),
    for `sillok verify --checkpoint FOLDER` there; returns how many. Raises DeliveryFailed."""
    kept = WitnessedCheckpoint.objects.filter(key_fingerprint=key_fingerprint.lower())
    count = 0
    for checkpoint in kept.order_by("seq"):
        document = json.dumps(checkpoint.document, indent=2, sort_keys=True) + "\n"
        name = checkpoint_file_name(checkpoint.key_fingerprint, checkpoint.seq)
        write_checkpoint_file(folder, name, document)
        count += 1
    return count


def pending_by_witness() -> dict[str, tuple[int, str]]:
    """witness -> (number of checkpoints not yet delivered, the last error)."""
    pending = CheckpointDelivery.objects.filter(delivered_at__isnull=True)
    result: dict[str, tuple[int, str]] = {}
    for row in pending.values("witness").annotate(count=Count("id"), newest=Max("seq")):
        last_error = (
            pending.filter(witness=row["witness"], seq=row["newest"])
            .values_list("last_error", flat=True)
            .first()
        )
        result[row["witness"]] = (row["count"], last_error or "")
    return result


def checkpoint_files_in(paths: Iterable[str]) -> list[Path]:
    """The checkpoint files named: files as given, folders as every *.json inside."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found.extend(sorted(p for p in path.iterdir() if p.suffix == ".json" and p.is_file()))
        else:
            found.append(path)
    return found
