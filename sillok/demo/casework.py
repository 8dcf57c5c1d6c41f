"""The demo's waiting work: something for every demo role to do at first sign-in.

`do_load_demo_casework` reads data/casework/casework.json (all fictional) and, through the
services a person would use:

1. creates the compartment and makes the listed demo users members (the analyst is not);
2. takes in the fictional interview notes (one inside the compartment) and makes their text
   at once, so a redacted copy can be asked for without waiting for the worker;
3. creates the records of two small cases (one in the compartment), with their marker source,
   in one transaction, and sends one record of each case for review by another user;
4. adds the fictional witnesses' identities to the vault as the demo vault keeper;
5. asks, as the documentation officer, for a redacted copy of the first note, which then
   waits for a reviewer (anyone but the officer);
6. corrects, as the documentation officer, the collection place of the first note with a
   reason, so its history shows an edit (a placeholder picture marked as graphic content is
   among the items of step 2, so reviewers see how graphic media is blurred).

Each step finds what an earlier run made and leaves it alone: the compartment by its code,
items by their hash, records by the marker source (they commit together with it), vault
entries by pseudonym, the redaction by the review of that item, the correction by the item's
history. Running it twice adds
nothing; a run cut short is finished by the next one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction

from sillok.accounts.models import Compartment, User
from sillok.custody.audit import lock_head

CASEWORK_DIR = Path(__file__).resolve().parent / "data" / "casework"
CASEWORK = CASEWORK_DIR / "casework.json"
OFFICER, KEEPER, ADMIN = "demo-documentation-officer", "demo-vault-keeper", "demo-admin"
MARKER = "Sillok demo: casework waiting for each role (fictional)"
TEXT_DERIVER = "text"  # sillok/evidence/derive/text.py

MARKER_SOURCE = {
    "name": MARKER,
    "source_type": "documentary.ngo",
    "reliability": "F",
    "description": "데모에서 각 역할이 처음 로그인할 때 볼 가상 사건 기록입니다. "
    "The fictional casework each demo role finds at first sign-in.",
    "sensitivity": "public",
}


class CaseworkError(RuntimeError):
    """The casework data is damaged, or a demo user it needs is missing."""


@dataclass
class DemoCasework:
    compartment: str = ""
    members_added: list[str] = field(default_factory=list)
    items_stored: int = 0
    records_created: int = 0
    sent_for_review: int = 0
    vault_entries_added: int = 0
    redactions_requested: int = 0
    items_corrected: int = 0

    @property
    def loaded_now(self) -> bool:
        return bool(
            self.members_added
            or self.items_stored
            or self.records_created
            or self.vault_entries_added
            or self.redactions_requested
            or self.items_corrected
        )


def read_casework() -> dict[str, Any]:
    """The casework data, with every file it names present (checked before anything is stored)."""
    try:
        data = json.loads(CASEWORK.read_text(encoding="utf-8"))
        files = [CASEWORK_DIR / spec["file"] for spec in data["items"]]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise CaseworkError(f"cannot read the demo casework {CASEWORK}: {exc}") from None
    for path in files:
        if not path.is_file():
            raise CaseworkError(f"demo casework file {path} is missing")
    return data


def _user(username: str) -> User:
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise CaseworkError(f"the demo user {username} is missing (run `sillok demo`)")
    return user


# --- 1. the compartment ----------------------------------------------------------------------


def _ensure_compartment(spec: dict[str, Any], result: DemoCasework) -> None:
    from sillok.accounts.compartments import CompartmentError, do_create_compartment, do_grant

    admin = _user(ADMIN)
    code = spec["code"]
    if not Compartment.objects.filter(code=code).exists():
        try:
            do_create_compartment(admin, code, name=spec["name"], description=spec["description"])
        except CompartmentError:
            # Another `sillok demo` created it between our check and our insert.
            if not Compartment.objects.filter(code=code).exists():
                raise
    for username in spec["members"]:
        if do_grant(admin, code, username):
            result.members_added.append(username)
    result.compartment = code


# --- 2. the items ----------------------------------------------------------------------------


def _ensure_item(officer: User, spec: dict[str, Any], result: DemoCasework) -> Any:
    from sillok.evidence.custody_log import HandlingContext
    from sillok.evidence.derivation import run_derivation_job
    from sillok.evidence.intake import NEW, do_ingest_file
    from sillok.evidence.metadata import check_metadata
    from sillok.evidence.models import DerivationJob, JobStatus

    path = CASEWORK_DIR / spec["file"]
    if not path.is_file():
        raise CaseworkError(f"demo casework file {path} is missing")
    original = _original_of(path)
    if original is None:  # asked first: intake would record a duplicate's arrival again
        outcome = do_ingest_file(
            officer,
            path,
            filename=spec["file"],
            metadata=check_metadata(spec["metadata"]),
            context=HandlingContext.for_cli(reason="demo casework"),
        )
        if outcome.status == "rejected":
            raise CaseworkError(f"demo casework file {path} was refused: {outcome.reason}")
        result.items_stored += outcome.status == NEW
        original = _original_of(path)
    if original is None:  # neither stored now nor by a concurrent run: cannot happen
        raise CaseworkError(f"demo casework file {path} was not stored")
    if spec.get("redact"):
        # Its text now, not when the worker gets to it: the redaction in step 5 needs it. Only
        # that job (the metadata job takes longer and can wait for the worker), and only while
        # queued, so a second run or the worker afterwards finds it done.
        for job in DerivationJob.objects.filter(
            source=original, deriver=TEXT_DERIVER, status=JobStatus.QUEUED
        ):
            run_derivation_job(job.pk)
    return original.item


def _original_of(path: Path) -> Any:
    from sillok.custody.blobstore.base import hash_stream
    from sillok.evidence.models import FileRole, ItemFile

    with path.open("rb") as stream:
        sha256 = hash_stream(stream).sha256
    found = ItemFile.objects.select_related("item").filter(role=FileRole.ORIGINAL, sha256=sha256)
    return found.first()


# --- 3. the records --------------------------------------------------------------------------


def _resolved(value: Any, made: dict[str, str]) -> Any:
    """The raw value with each "@key" replaced by the reference of what that key made."""
    if isinstance(value, list):
        return [_resolved(v, made) for v in value]
    if isinstance(value, str) and value.startswith("@"):
        try:
            return made[value[1:]]
        except KeyError:
            raise CaseworkError(f"demo casework refers to {value} before it exists") from None
    return value


def _ensure_records(data: dict[str, Any], items: dict[str, Any], result: DemoCasework) -> None:
    from sillok.records.fields import RecordValuesError, clean_values
    from sillok.records.kinds import get_kind
    from sillok.records.models import Source
    from sillok.records.resolve import Resolver
    from sillok.records.services import do_create_record, do_submit_for_review

    officer = _user(OFFICER)
    made = {f"item:{key}": f"X-{item.pk}" for key, item in items.items()}
    records: dict[str, Any] = {}
    resolver = Resolver(officer)
    with transaction.atomic():
        # Two `sillok demo` at once: the second waits here, then finds the first one's marker
        # instead of creating every record a second time.
        lock_head()
        if Source.objects.filter(name=MARKER, withdrawn_at__isnull=True).exists():
            return
        for spec in data["records"]:
            kind = get_kind(spec["kind"])
            raw = {name: _resolved(value, made) for name, value in spec["values"].items()}
            try:
                values = clean_values(kind.name, raw, resolver)
            except RecordValuesError as exc:
                raise CaseworkError(f"demo casework record {spec['key']}: {exc}") from None
            record = do_create_record(officer, kind.name, values)
            made[spec["key"]] = f"{kind.prefix}-{record.pk}"
            records[spec["key"]] = record
            result.records_created += 1
        for review in data["reviews"]:
            do_submit_for_review(
                officer,
                records[review["record"][1:]],
                _user(review["reviewer"]),
                comment=review["comment"],
            )
            result.sent_for_review += 1
        # Last, in the same transaction: it exists exactly when the records above do.
        do_create_record(officer, "source", clean_values("source", MARKER_SOURCE, resolver))


def _person_ref(data: dict[str, Any], reference: str) -> str:
    """The P-id of the casework person "@key", found by its name among the officer's records
    (the vault step may run in a later `sillok demo` than the one that made the person)."""
    from sillok.records.models import Person

    spec = next((r for r in data["records"] if f"@{r['key']}" == reference), None)
    if spec is None or spec["kind"] != "person":
        raise CaseworkError(f"demo casework: {reference} is not a casework person")
    person = (
        Person.objects.filter(name=spec["values"]["name"], created_by__username=OFFICER)
        .order_by("pk")
        .first()
    )
    if person is None:
        raise CaseworkError(f"demo casework: the person {reference} was not created")
    return f"P-{person.pk}"


# --- 4. the vault ----------------------------------------------------------------------------


def _ensure_vault(data: dict[str, Any], result: DemoCasework) -> None:
    from sillok.vault.services import VaultError, do_add_entry, do_add_field, find_entry

    keeper = _user(KEEPER)
    for spec in data["vault"]:
        if find_entry(spec["pseudonym"]) is not None:
            continue
        person = _person_ref(data, spec["person"]) if spec["person"] else ""
        # The entry and its fields together: a run cut short leaves no half-filled entry.
        try:
            with transaction.atomic():
                do_add_entry(
                    keeper, spec["pseudonym"], kind=spec["kind"], person=person, via="demo"
                )
                for name, value in spec["fields"].items():
                    do_add_field(keeper, spec["pseudonym"], name, value, via="demo")
        except VaultError:
            # Another `sillok demo` added it between our check and our insert.
            if find_entry(spec["pseudonym"]) is None:
                raise
            continue
        result.vault_entries_added += 1


# --- 5. the redaction ------------------------------------------------------------------------


def _ensure_redaction(item: Any, result: DemoCasework) -> None:
    from sillok.evidence.custody_log import HandlingContext
    from sillok.redaction.errors import RedactionError
    from sillok.redaction.models import RedactionReview
    from sillok.redaction.services import do_request_redaction

    if RedactionReview.objects.filter(item=item).exists():
        return
    try:
        do_request_redaction(
            _user(OFFICER), item, HandlingContext.for_cli(reason="demo casework redaction")
        )
    except RedactionError as exc:  # e.g. its text could not be extracted
        raise CaseworkError(f"demo casework: no redacted copy of item {item.pk}: {exc}") from None
    result.redactions_requested += 1


# --- 6. a correction ------------------------------------------------------------------------


def _ensure_corrections(data: dict[str, Any], items: dict[str, Any], result: DemoCasework) -> None:
    from sillok.evidence.custody_log import HandlingContext
    from sillok.evidence.editing import StaleRevision, do_edit_item
    from sillok.evidence.models import ItemVersion

    officer = _user(OFFICER)
    for spec in data.get("corrections", []):
        item = items[spec["item"]]
        if ItemVersion.objects.filter(item=item).exists():
            continue
        try:
            do_edit_item(
                officer,
                item,
                spec["changes"],
                expected_revision=item.revision,
                reason=spec["reason"],
                context=HandlingContext.for_cli(reason="demo casework correction"),
            )
        except StaleRevision:
            # Another `sillok demo` corrected it between our check and our edit.
            continue
        result.items_corrected += 1


def do_load_demo_casework(data: dict[str, Any] | None = None) -> DemoCasework:
    """Load the demo's waiting work once (after the demo users and the vocabularies); `data`
    is what read_casework() returned, read again when not given."""
    data = data if data is not None else read_casework()
    result = DemoCasework()
    _ensure_compartment(data["compartment"], result)
    officer = _user(OFFICER)
    items = {spec["key"]: _ensure_item(officer, spec, result) for spec in data["items"]}
    _ensure_records(data, items, result)
    _ensure_vault(data, result)
    for spec in data["items"]:
        if spec.get("redact"):
            _ensure_redaction(items[spec["key"]], result)
    _ensure_corrections(data, items, result)
    return result
