"""Signed checkpoints of the audit chain: signing, exporting, and checking them.

A checkpoint statement says "the entry at `seq` has hash `entry_hash`", signed with the
repository's Ed25519 key. Because each entry hash covers every entry before it, one checkpoint
kept outside the repository pins the whole chain up to its seq: rewriting history afterwards
needs the private key, and even then an exported copy made earlier still disagrees.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from django.conf import settings
from django.utils import timezone

from sillok.custody.canonical import canonical_json, format_time
from sillok.custody.models import AuditCheckpoint

STATEMENT_FORMAT = "sillok.audit-checkpoint.v1"
FILE_FORMAT = "sillok.audit-checkpoint-file.v1"
SIGNATURE_ALGORITHM = "Ed25519"


class CheckpointFileError(ValueError):
    """An exported checkpoint file cannot be read or is not one; the message says why."""


@dataclass(frozen=True)
class SigningKey:
    private: Ed25519PrivateKey
    public_pem: str
    fingerprint: str


def fingerprint_of(public: Ed25519PublicKey) -> str:
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()


@lru_cache(maxsize=4)
def _load_signing_key(pem: str) -> SigningKey:
    private = serialization.load_pem_private_key(pem.encode("ascii"), password=None)
    if not isinstance(private, Ed25519PrivateKey):
        raise ValueError("SILLOK_SIGNING_KEY is not an Ed25519 private key")
    public = private.public_key()
    public_pem = public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode("ascii")
    return SigningKey(private=private, public_pem=public_pem, fingerprint=fingerprint_of(public))


def signing_key() -> SigningKey:
    """The repository's key, from settings (cached per PEM text, so overrides take effect)."""
    return _load_signing_key(settings.SILLOK_SIGNING_KEY_PEM)


def trusted_fingerprints() -> set[str]:
    """Keys whose checkpoints verify. Only the current key for now: rotation would add the
    retired public keys here, never taken from the (attackable) checkpoint rows themselves."""
    return {signing_key().fingerprint}


def statement(*, seq: int, entry_hash: str, created_at: datetime, key_fingerprint: str) -> dict:
    return {
        "format": STATEMENT_FORMAT,
        "seq": seq,
        "entry_hash": entry_hash,
        "created_at": format_time(created_at),
        "key_fingerprint": key_fingerprint,
    }


def statement_of(checkpoint: AuditCheckpoint) -> dict:
    return statement(
        seq=checkpoint.seq,
        entry_hash=checkpoint.entry_hash,
        created_at=checkpoint.created_at,
        key_fingerprint=checkpoint.key_fingerprint,
    )


def signed_bytes(statement_data: dict) -> bytes:
    return canonical_json(statement_data).encode("utf-8")


def sign_checkpoint(*, seq: int, entry_hash: str) -> AuditCheckpoint:
    """Sign and store a checkpoint for the entry at `seq`. Call with the audit head locked."""
    key = signing_key()
    # Both databases keep microseconds, so the statement rebuilt from the row equals this one.
    created_at = timezone.now()
    data = statement(
        seq=seq, entry_hash=entry_hash, created_at=created_at, key_fingerprint=key.fingerprint
    )
    signature = base64.b64encode(key.private.sign(signed_bytes(data))).decode("ascii")
    checkpoint = AuditCheckpoint.objects.create(
        seq=seq,
        entry_hash=entry_hash,
        created_at=created_at,
        key_fingerprint=key.fingerprint,
        public_key_pem=key.public_pem,
        signature=signature,
    )
    # Out of the machine, where an intruder holding the key cannot re-sign it (witness.py).
    from sillok.custody.witness import schedule_delivery

    schedule_delivery(seq)
    return checkpoint


def signature_is_valid(statement_data: dict, signature_b64: str, public_key_pem: str) -> bool:
    """True when the signature is a valid Ed25519 signature of the statement by that key."""
    try:
        public = serialization.load_pem_public_key(public_key_pem.encode("ascii"))
        signature = base64.b64decode(signature_b64, validate=True)
    except (ValueError, TypeError, binascii.Error, UnicodeEncodeError):
        return False
    if not isinstance(public, Ed25519PublicKey):
        return False
    if statement_data.get("key_fingerprint") != fingerprint_of(public):
        return False
    try:
        public.verify(signature, signed_bytes(statement_data))
    except InvalidSignature:
        return False
    return True


def export_document(checkpoint: AuditCheckpoint) -> dict:
    """The self-contained exported form: enough to check the signature without Sillok."""
    return {
        "format": FILE_FORMAT,
        "statement": statement_of(checkpoint),
        "signature_algorithm": SIGNATURE_ALGORITHM,
        "signature": checkpoint.signature,
        "public_key_pem": checkpoint.public_key_pem,
        "how_to_check": (
            "Ed25519 signature (base64) over the UTF-8 bytes of `statement` serialised as JSON "
            "with sorted keys, separators ',' and ':', no other whitespace, non-ASCII "
            "unescaped. Then `sillok verify --checkpoint FILE` checks it against the chain."
        ),
    }


def export_json(checkpoint: AuditCheckpoint) -> str:
    return json.dumps(export_document(checkpoint), indent=2, sort_keys=True) + "\n"


@dataclass(frozen=True)
class ExternalCheckpoint:
    """An exported checkpoint file, parsed but not yet checked."""

    source: str
    statement: dict
    signature: str
    public_key_pem: str

    @property
    def seq(self) -> int:
        return self.statement["seq"]

    @property
    def entry_hash(self) -> str:
        return self.statement["entry_hash"]


def load_checkpoint_file(path: str | Path) -> ExternalCheckpoint:
    """Read an exported checkpoint file. Raises CheckpointFileError if it is not one.

    Only the shape is checked here; whether the signature and hash hold is verify's job, so a
    tampered-with file is a problem found (exit 1), a file that is not a checkpoint bad input.
    """
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise CheckpointFileError(f"cannot read checkpoint file {path}: {exc.strerror}") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise CheckpointFileError(f"checkpoint file {path} is not JSON: {exc}") from None
    return parse_checkpoint_document(document, source=str(path))


def parse_checkpoint_document(document: Any, *, source: str) -> ExternalCheckpoint:
    if not isinstance(document, dict) or document.get("format") != FILE_FORMAT:
        raise CheckpointFileError(f"{source} is not a Sillok checkpoint file ({FILE_FORMAT})")
    data = document.get("statement")
    signature = document.get("signature")
    public_key_pem = document.get("public_key_pem")
    if not (
        isinstance(data, dict)
        and isinstance(data.get("seq"), int)
        and isinstance(data.get("entry_hash"), str)
        and isinstance(signature, str)
        and isinstance(public_key_pem, str)
    ):
        raise CheckpointFileError(
            f"{source} lacks statement.seq, statement.entry_hash, signature or public_key_pem"
        )
    return ExternalCheckpoint(
        source=source, statement=data, signature=signature, public_key_pem=public_key_pem
    )
