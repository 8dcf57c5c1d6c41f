"""Loading the demo: one user per role and the four UN documents of data/, idempotently.

Documents go through the custody service like any intake, so the demo exercises the real
path: streamed into the blob store, recorded, audited. Running it again adds nothing and
shows no password: a password is generated for a user only when that user is created.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from sillok.accounts.management.passwords import generate_password
from sillok.accounts.models import User
from sillok.accounts.roles import ROLES, Role
from sillok.accounts.services import AccountError, do_create_user
from sillok.custody.audit import lock_head, record_audit
from sillok.custody.models import AuditEntry
from sillok.custody.services import store_blob

DATA_DIR = Path(__file__).resolve().parent / "data"
MANIFEST = DATA_DIR / "manifest.json"
USERNAME_PREFIX = "demo-"
# The audit action that marks a demo document as loaded (and makes loading idempotent).
DOCUMENT_ACTION = "demo.document_loaded"


class DemoDataError(RuntimeError):
    """The packaged demo data is damaged or incomplete; the message names the file."""


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: str
    two_factor_required: bool
    created: bool
    # Only for a user created by this run; never stored, never shown again.
    password: str | None = None


@dataclass(frozen=True)
class DemoDocument:
    file: str
    symbol: str | None
    title: str
    date: str
    sha256: str
    size: int
    loaded_now: bool


@dataclass(frozen=True)
class DemoResult:
    users: list[DemoUser]
    documents: list[DemoDocument]

    @property
    def already_loaded(self) -> bool:
        return not any(u.created for u in self.users) and not any(
            d.loaded_now for d in self.documents
        )


def demo_username(role: Role) -> str:
    return USERNAME_PREFIX + role.name


def _ensure_user(role: Role) -> DemoUser:
    username = demo_username(role)
    common = {
        "username": username,
        "role": role.name,
        "two_factor_required": role.requires_two_factor,
    }
    if User.objects.filter(username__iexact=username).exists():
        return DemoUser(**common, created=False)
    password = generate_password()
    try:
        do_create_user(None, username, role=role.name, password=password)
    except AccountError:
        # Another `sillok demo` created it between our check and our insert.
        if User.objects.filter(username__iexact=username).exists():
            return DemoUser(**common, created=False)
        raise
    return DemoUser(**common, created=True, password=password)


def load_demo_users() -> list[DemoUser]:
    return [_ensure_user(role) for role in ROLES]


def read_manifest() -> list[dict]:
    try:
        documents = json.loads(MANIFEST.read_text(encoding="utf-8"))["documents"]
    except (OSError, ValueError, KeyError) as exc:
        raise DemoDataError(f"cannot read the demo manifest {MANIFEST}: {exc}") from None
    return documents


def _file_sha256(path: Path) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as stream:
        while chunk := stream.read(1 << 16):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _already_loaded(sha256: str) -> bool:
    return AuditEntry.objects.filter(action=DOCUMENT_ACTION, object_id=sha256).exists()


def _verified(entry: dict) -> tuple[Path, str, int]:
    path = DATA_DIR / entry["file"]
    if not path.is_file():
        raise DemoDataError(f"demo document {path} is missing")
    sha256, size = _file_sha256(path)
    if sha256 != entry["sha256"]:
        raise DemoDataError(f"demo document {path} does not match its SHA-256 in the manifest")
    return path, sha256, size


def _load_document(entry: dict, path: Path, sha256: str, size: int) -> DemoDocument:
    meta = {k: entry[k] for k in ("file", "symbol", "title", "date")}
    loaded_now = False
    if not _already_loaded(sha256):
        with path.open("rb") as stream:
            # Outside any transaction: store_blob writes the bytes before it records them.
            store_blob(None, stream, reason=f"demo dataset: {entry['symbol'] or entry['file']}")
        with transaction.atomic():
            # The head lock serialises two concurrent `sillok demo`: the second one sees the
            # first one's entry here and records nothing.
            lock_head()
            if not _already_loaded(sha256):
                record_audit(
                    None, DOCUMENT_ACTION, object_type="blob", object_id=sha256, details=meta
                )
                loaded_now = True
    return DemoDocument(**meta, sha256=sha256, size=size, loaded_now=loaded_now)


def load_demo_documents() -> list[DemoDocument]:
    entries = read_manifest()
    # Every file is checked before any is stored: damaged data leaves the repository as it was.
    checked = [(entry, *_verified(entry)) for entry in entries]
    return [_load_document(*item) for item in checked]


def do_load_demo() -> DemoResult:
    """Create the missing demo users and store the missing demo documents."""
    documents = load_demo_documents()  # first: damaged data stops us before any user exists
    return DemoResult(users=load_demo_users(), documents=documents)
