"""Envelope encryption of vault fields.

Each entry has its own random 256-bit data key. A field value is encrypted with AES-256-GCM
under that key with a fresh random 96-bit nonce; the associated data names the entry and the
field, so a ciphertext copied onto another entry or another field fails to decrypt instead of
turning up in the wrong place. The data key is stored only wrapped by the master key with
AES key wrap (RFC 3394, which is itself integrity-protected): whoever has the database but
not the master key has nothing readable, and destroying the wrapped key destroys the entry.

Plaintexts and keys exist here only as Python objects in memory; nothing in this module logs,
prints or puts them in an exception message.
"""

from __future__ import annotations

import hashlib
import hmac
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.keywrap import InvalidUnwrap, aes_key_unwrap, aes_key_wrap

DATA_KEY_BYTES = 32
NONCE_BYTES = 12
_AAD_PREFIX = b"sillok-vault/v1"


class VaultCryptoError(Exception):
    """A key or ciphertext does not verify. The message never contains key or plaintext."""


def master_key() -> bytes:
    """The master key of this installation (settings.SILLOK_MASTER_KEY, base64 of 32 bytes)."""
    from django.conf import settings

    from sillok.core.keys import decode_master_key

    return decode_master_key(settings.SILLOK_MASTER_KEY)


def key_id(master: bytes) -> str:
    """A fingerprint naming a master key without revealing it (16 hex digits)."""
    return hmac.new(master, b"sillok vault master key id", hashlib.sha256).hexdigest()[:16]


def new_data_key() -> bytes:
    return os.urandom(DATA_KEY_BYTES)


def wrap_key(master: bytes, data_key: bytes) -> bytes:
    return aes_key_wrap(master, data_key)


def unwrap_key(master: bytes, wrapped: bytes) -> bytes:
    try:
        return aes_key_unwrap(master, bytes(wrapped))
    except InvalidUnwrap:
        raise VaultCryptoError("the data key does not unwrap with this master key") from None


def _aad(entry_id: int, field: str) -> bytes:
    return b"|".join((_AAD_PREFIX, b"entry:%d" % entry_id, b"field:" + field.encode("ascii")))


def encrypt_field(data_key: bytes, entry_id: int, field: str, value: str) -> tuple[bytes, bytes]:
    """(nonce, ciphertext) of `value` bound to (entry_id, field)."""
    nonce = os.urandom(NONCE_BYTES)
    ciphertext = AESGCM(data_key).encrypt(nonce, value.encode("utf-8"), _aad(entry_id, field))
    return nonce, ciphertext


def decrypt_field(
    data_key: bytes, entry_id: int, field: str, nonce: bytes, ciphertext: bytes
) -> str:
    try:
        plain = AESGCM(data_key).decrypt(bytes(nonce), bytes(ciphertext), _aad(entry_id, field))
    except InvalidTag:
        raise VaultCryptoError(
            f"field {field!r} of vault entry {entry_id} does not decrypt: it was altered or "
            "moved from another entry or field"
        ) from None
    return plain.decode("utf-8")
