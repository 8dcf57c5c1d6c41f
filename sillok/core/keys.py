"""Secrets of a Sillok repository: where they live, how they are made, how they are read.

This module must not import Django: settings.py reads the keys through it, and `sillok init`
creates them before Django is configured.

Each secret is taken, in order, from the environment variable `SILLOK_<NAME>`, from the file
named by `SILLOK_<NAME>_FILE`, or from `SILLOK_HOME/keys/<file>`. Files are created with mode
0600 inside a 0700 directory. Secret values are never printed or logged by Sillok.
"""

from __future__ import annotations

import base64
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from sillok.core.filemodes import make_private_dirs


class SecretConfigError(Exception):
    """A secret is missing or malformed; the message names which and what to do."""


@dataclass(frozen=True)
class SecretSpec:
    env: str
    filename: str
    description: str


SECRET_KEY = SecretSpec("SILLOK_SECRET_KEY", "django-secret-key", "Django secret key")
SIGNING_KEY = SecretSpec(
    "SILLOK_SIGNING_KEY", "audit-signing-key.pem", "Ed25519 key that signs audit checkpoints"
)
MASTER_KEY = SecretSpec(
    "SILLOK_MASTER_KEY", "data-master-key", "master key wrapping the vault data keys (base64)"
)
ALL_SECRETS = (SECRET_KEY, SIGNING_KEY, MASTER_KEY)


def keys_dir(home: Path) -> Path:
    return home / "keys"


def read_secret(spec: SecretSpec, home: Path) -> str | None:
    """Return the secret's text, or None when it is configured nowhere."""
    value = os.environ.get(spec.env)
    if value:
        return value
    file_from_env = os.environ.get(spec.env + "_FILE")
    if file_from_env:
        path = Path(file_from_env)
        if not path.is_file():
            raise SecretConfigError(f"{spec.env}_FILE points to {path}, which is not a file")
        return path.read_text().strip()
    path = keys_dir(home) / spec.filename
    if path.is_file():
        return path.read_text().strip()
    return None


def _new_secret_key() -> str:
    return secrets.token_urlsafe(50)


def _new_signing_key() -> str:
    # Imported here so that reading settings does not pay for the cryptography import.
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.generate()
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")


def _new_master_key() -> str:
    return base64.b64encode(secrets.token_bytes(32)).decode("ascii")


_GENERATORS = {
    SECRET_KEY: _new_secret_key,
    SIGNING_KEY: _new_signing_key,
    MASTER_KEY: _new_master_key,
}


def _write_private(path: Path, text: str) -> None:
    # O_EXCL: two `sillok init` racing must not overwrite each other's key.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, (text + "\n").encode("ascii"))
        os.fsync(fd)
    finally:
        os.close(fd)


def ensure_keys(home: Path) -> list[str]:
    """Create every secret that is configured nowhere; return the names of those created."""
    directory = keys_dir(home)
    # SILLOK_HOME too is made 0700, whatever the umask: this is usually where it is born.
    make_private_dirs(directory)
    os.chmod(directory, 0o700)
    created = []
    for spec in ALL_SECRETS:
        if read_secret(spec, home) is not None:
            continue
        try:
            _write_private(directory / spec.filename, _GENERATORS[spec]())
        except FileExistsError:
            continue
        created.append(spec.description)
    return created


def decode_master_key(text: str) -> bytes:
    try:
        raw = base64.b64decode(text, validate=True)
    except ValueError as exc:
        raise SecretConfigError("SILLOK_MASTER_KEY is not valid base64") from exc
    if len(raw) != 32:
        raise SecretConfigError("SILLOK_MASTER_KEY must decode to 32 bytes (AES-256)")
    return raw
