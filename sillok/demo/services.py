"""Loading the demo: one user per role (and a second legal expert, who confirms the first
one's assessments), the four UN documents of data/, the casework that waits for each role
(casework.py) and a legal case file with its proof matrix (assessment_case.py), idempotently.

Documents go through the evidence intake service like any upload, so the demo exercises the
real path: checked, streamed into the blob store, recorded as public UN-document items with a
custody event, their derivatives queued. Running it again adds nothing and shows no password:
a password is generated for a user only when that user is created.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from sillok.accounts.management.passwords import generate_password
from sillok.accounts.models import User
from sillok.accounts.roles import ROLES, Role
from sillok.accounts.services import AccountError, do_create_user
from sillok.custody.blobstore.base import hash_stream
from sillok.demo.assessment_case import (
    DemoAssessmentCase,
    do_load_demo_assessment_case,
    read_assessment_case,
)
from sillok.demo.casework import (
    CaseworkError,
    DemoCasework,
    do_load_demo_casework,
    read_casework,
)
from sillok.evidence.custody_log import HandlingContext
from sillok.evidence.intake import NEW, do_ingest_file
from sillok.evidence.metadata import ItemMetadata, check_metadata
from sillok.evidence.models import FileRole, ItemFile

DATA_DIR = Path(__file__).resolve().parent / "data"
MANIFEST = DATA_DIR / "manifest.json"
USERNAME_PREFIX = "demo-"
# Users beyond one per role: (user name, role). Four eyes need a second legal expert.
EXTRA_USERS = (("demo-legal-expert-2", "legal-expert"),)


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
    casework: DemoCasework | None = None
    assessment_case: DemoAssessmentCase | None = None

    @property
    def already_loaded(self) -> bool:
        return (
            not any(u.created for u in self.users)
            and not any(d.loaded_now for d in self.documents)
            and not (self.casework is not None and self.casework.loaded_now)
            and not (self.assessment_case is not None and self.assessment_case.loaded_now)
        )


def demo_username(role: Role) -> str:
    return USERNAME_PREFIX + role.name


def _ensure_user(username: str, role: Role) -> DemoUser:
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
    by_name = {role.name: role for role in ROLES}
    users = [_ensure_user(demo_username(role), role) for role in ROLES]
    return users + [_ensure_user(username, by_name[role]) for username, role in EXTRA_USERS]


def read_manifest() -> list[dict]:
    try:
        documents = json.loads(MANIFEST.read_text(encoding="utf-8"))["documents"]
    except (OSError, ValueError, KeyError) as exc:
        raise DemoDataError(f"cannot read the demo manifest {MANIFEST}: {exc}") from None
    return documents


def _already_loaded(sha256: str) -> bool:
    return ItemFile.objects.filter(role=FileRole.ORIGINAL, sha256=sha256).exists()


def _verified(entry: dict) -> tuple[Path, str, int]:
    path = DATA_DIR / entry["file"]
    if not path.is_file():
        raise DemoDataError(f"demo document {path} is missing")
    with path.open("rb") as stream:
        digest = hash_stream(stream)
    sha256, size = digest.sha256, digest.size
    if sha256 != entry["sha256"]:
        raise DemoDataError(f"demo document {path} does not match its SHA-256 in the manifest")
    return path, sha256, size


def _metadata(entry: dict) -> ItemMetadata:
    return check_metadata(
        {
            "title": f"{entry['symbol'] or 'Draft resolution'}: {entry['title']}",
            "description": f"{entry['kind']}. {entry.get('format', '')}".strip(),
            "kind": "un_document",
            "languages": [entry.get("language", "en")],
            "source": "United Nations General Assembly",
            "collected_on": entry["date"],
            "collected_on_precision": "day",
            "sensitivity": "public",
            "consent_scope": ["publication"],
            "tags": ["DPRK", "General Assembly resolution"],
        }
    )


def _load_document(entry: dict, path: Path, sha256: str, size: int) -> DemoDocument:
    meta = {k: entry[k] for k in ("file", "symbol", "title", "date")}
    loaded_now = False
    if not _already_loaded(sha256):
        result = do_ingest_file(
            None,
            path,
            filename=entry["file"],
            metadata=_metadata(entry),
            context=HandlingContext.for_cli(reason="demo dataset"),
        )
        # A concurrent `sillok demo` may have taken it in first: then it is a duplicate.
        loaded_now = result.status == NEW
        if result.status == "rejected":
            raise DemoDataError(f"demo document {path} was refused: {result.reason}")
    return DemoDocument(**meta, sha256=sha256, size=size, loaded_now=loaded_now)


def load_demo_documents() -> list[DemoDocument]:
    entries = read_manifest()
    # Every file is checked before any is stored: damaged data leaves the repository as it was.
    checked = [(entry, *_verified(entry)) for entry in entries]
    return [_load_document(*item) for item in checked]


def do_load_demo() -> DemoResult:
    """Create the missing demo users, store the missing demo documents and add the missing
    casework (a compartment, items, records in review, vault entries, a redacted copy) and
    the demo case file (a proof matrix with gaps, assessments and tasks)."""
    try:
        casework_data = read_casework()  # like the documents: checked before anything is stored
        case_data = read_assessment_case()
        documents = load_demo_documents()  # first: damaged data stops us before any user exists
        users = load_demo_users()
        casework = do_load_demo_casework(casework_data)
        assessment_case = do_load_demo_assessment_case(case_data)
    except CaseworkError as exc:
        raise DemoDataError(str(exc)) from None
    return DemoResult(
        users=users, documents=documents, casework=casework, assessment_case=assessment_case
    )
