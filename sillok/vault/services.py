"""Every operation on the identity vault: add, open (reveal), shred, list, redaction terms.

Who may do what: `vault.open_vault` reveals (and lists pseudonyms), `vault.add_entry` adds
entries and details, `vault.shred_entry` shreds; only the vault-keeper role has them. A refused
attempt is itself audited ("vault.denied"), so probing the vault leaves a trace.

What is audited never holds a value: "vault.open" names the entry, the fields shown and the
purpose the keeper gave, "vault.shred" the reason, "vault.used_for_redaction" only how many
names were handed out. A purpose, reason or pseudonym that repeats a value of its entry, in
any spacing, script or common romanization, is refused before anything is written (leaks.py).

Values are decrypted in memory only and returned to the caller; they never go to a log, an
exception message, the audit log or anywhere on disk.
"""

from __future__ import annotations

import logging
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy
from django.views.decorators.debug import sensitive_variables

from sillok.custody.audit import record_audit
from sillok.vault import crypto, leaks
from sillok.vault.disk import erase_remnants
from sillok.vault.models import NAME_FIELDS, FieldName, PersonKind, VaultEntry, VaultField

MAX_PSEUDONYM = 100
MAX_VALUE = 2000
MAX_TEXT = 2000
MIN_PURPOSE_WORDS = 3
MIN_PURPOSE_CHARS = 15

security_log = logging.getLogger("sillok.security")

OPEN = "vault.open_vault"
ADD = "vault.add_entry"
SHRED = "vault.shred_entry"


class VaultError(Exception):
    """The operation was refused; the message says why and never contains a vault value."""


class VaultRefused(VaultError, PermissionError):
    """The user lacks the vault permission the operation needs."""


class RepeatsVaultDetail(VaultError):
    """A purpose, reason or pseudonym repeats a value of the entry; nothing was written."""


class EntryNotFound(VaultError):
    pass


class EntryShredded(VaultError):
    pass


@dataclass(frozen=True)
class RevealedField:
    field: str
    label: str
    # repr=False: a revealed value must not reach a log or traceback through a repr().
    value: str = field(repr=False)


@dataclass(frozen=True)
class Revealed:
    entry: VaultEntry
    fields: list[RevealedField]


# --- permissions ---------------------------------------------------------------------------


def _allowed(user: Any, permission: str) -> bool:
    if not (user is not None and user.is_authenticated and user.is_active):
        return False
    if user.is_superuser:
        # A superuser has every permission in Django; the vault wants the role itself.
        from sillok.accounts.roles import roles_of

        return any(permission in role.permissions for role in roles_of(user))
    return user.has_perm(permission)


def is_vault_keeper(user: Any) -> bool:
    """May see the vault's pages and the list of pseudonyms."""
    return _allowed(user, OPEN)


def can_add(user: Any) -> bool:
    return _allowed(user, ADD)


def can_shred(user: Any) -> bool:
    return _allowed(user, SHRED)


def check_allowed(
    user: Any, permission: str, operation: str, *, via: str, entry_id: Any = ""
) -> None:
    """Raise VaultRefused (after auditing the attempt) unless `user` has `permission`."""
    if _allowed(user, permission):
        return
    record_audit(
        user,
        "vault.denied",
        object_type="vault_entry" if entry_id else "",
        object_id=entry_id or "",
        details={"operation": operation, "via": via},
    )
    security_log.warning(
        "vault access denied: user=%s operation=%s vault_entry=%s via=%s",
        getattr(user, "get_username", lambda: "anonymous")() if user is not None else "-",
        operation,
        entry_id or "-",
        via,
    )
    raise VaultRefused("only vault keepers may do this; the attempt was recorded")


def _entry_id(pseudonym: str) -> Any:
    """The id of the entry called `pseudonym`, for the audit of a refused attempt (never the
    text asked for: a mistyped real name must not end up in the audit log)."""
    return (
        VaultEntry.objects.filter(pseudonym=pseudonym.strip()).values_list("pk", flat=True).first()
    )


# --- checks --------------------------------------------------------------------------------


def check_pseudonym(pseudonym: str) -> str:
    pseudonym = unicodedata.normalize("NFC", (pseudonym or "").strip())
    if not pseudonym:
        raise VaultError("a pseudonym is required")
    if len(pseudonym) > MAX_PSEUDONYM:
        raise VaultError(f"a pseudonym is at most {MAX_PSEUDONYM} characters")
    if any(unicodedata.category(ch).startswith("C") for ch in pseudonym):
        raise VaultError("a pseudonym may not contain control characters")
    return pseudonym


def check_purpose(purpose: str) -> str:
    purpose = " ".join((purpose or "").split())
    if len(purpose.split()) < MIN_PURPOSE_WORDS or len(purpose) < MIN_PURPOSE_CHARS:
        raise VaultError(
            "state the purpose in a few words (at least three), for example "
            "'arrange follow-up interview for case 12'"
        )
    if len(purpose) > MAX_TEXT:
        raise VaultError(f"the purpose is at most {MAX_TEXT} characters")
    return purpose


def check_reason(reason: str) -> str:
    reason = " ".join((reason or "").split())
    if len(reason) < 3:
        raise VaultError("give the reason, for example 'consent withdrawn on 2026-05-01'")
    if len(reason) > MAX_TEXT:
        raise VaultError(f"the reason is at most {MAX_TEXT} characters")
    return reason


# Fields a pseudonym is checked against. Not addresses, family locations or notes: a place
# in a pseudonym ("Source Hamhung-3") is the convention docs/vault.md describes.
PSEUDONYM_MUST_NOT_REPEAT = (
    *NAME_FIELDS,
    FieldName.CONTACT,
    FieldName.ID_NUMBER,
    FieldName.BIRTH_DATE,
)

# The message names the field, never the value (it goes to the page, the CLI's stderr).
_REPEATS = {
    "purpose": gettext_lazy(
        "the purpose repeats a detail of this entry (%(field)s), perhaps spelled, spaced or "
        "written differently: describe the purpose without it"
    ),
    "reason": gettext_lazy(
        "the reason repeats a detail of this entry (%(field)s), perhaps spelled, spaced or "
        "written differently: give the reason without it"
    ),
    "pseudonym": gettext_lazy(
        "the pseudonym repeats a detail of this entry (%(field)s), perhaps spelled, spaced or "
        "written differently: choose a pseudonym that does not"
    ),
}


@sensitive_variables("value")
def check_value(field_name: str, value: str, pseudonym: str) -> str:
    if field_name not in FieldName.values:
        raise VaultError(
            f"unknown field {field_name!r}; choose one of: {', '.join(FieldName.values)}"
        )
    value = unicodedata.normalize("NFC", (value or "").strip())
    if not value:
        raise VaultError("the value is empty")
    if len(value) > MAX_VALUE:
        raise VaultError(f"a value is at most {MAX_VALUE} characters")
    if field_name in PSEUDONYM_MUST_NOT_REPEAT:
        _check_free_of(pseudonym, [(field_name, value)], "pseudonym")
    return value


@sensitive_variables("values")
def _check_free_of(text: str, values: list[tuple[str, str]], what: str) -> None:
    """A purpose, reason or pseudonym goes to the audit log: it must not repeat what the vault
    hides. `values` are (field, value); the message names the field, never the value."""
    repeated = leaks.repeated_field(text, values)
    if repeated is not None:
        label = dict(FieldName.choices).get(repeated, repeated)
        raise RepeatsVaultDetail(_REPEATS[what] % {"field": label})


# --- reading -------------------------------------------------------------------------------


def visible_entries(user: Any, *, via: str) -> Any:
    """Every entry (pseudonyms and state only, no values) for a vault keeper."""
    check_allowed(user, OPEN, "list", via=via)
    return VaultEntry.objects.select_related("person").order_by("pseudonym")


def access_entry(user: Any, entry_id: Any, *, via: str) -> VaultEntry:
    check_allowed(user, OPEN, "view", via=via)
    try:
        return VaultEntry.objects.select_related("person").get(pk=int(entry_id))
    except (TypeError, ValueError, VaultEntry.DoesNotExist):
        raise EntryNotFound("no such vault entry") from None


def entry_by_pseudonym(pseudonym: str, *, for_update: bool = False) -> VaultEntry:
    query = VaultEntry.objects.select_for_update() if for_update else VaultEntry.objects
    entry = query.filter(pseudonym=(pseudonym or "").strip()).first()
    if entry is None:
        raise EntryNotFound("no vault entry has this pseudonym")
    return entry


def find_entry(pseudonym: str) -> VaultEntry | None:
    """The entry called `pseudonym`, or None (callers have checked the permission)."""
    return VaultEntry.objects.filter(pseudonym=(pseudonym or "").strip()).first()


def _data_key(entry: VaultEntry, master: bytes) -> bytes:
    if entry.is_shredded or entry.wrapped_key is None:
        raise EntryShredded(f"the identity behind {entry.pseudonym} was shredded")
    if entry.key_wrap_id != crypto.key_id(master):
        raise VaultError(
            f"entry {entry.pseudonym} is wrapped by master key {entry.key_wrap_id}, but this "
            f"process has master key {crypto.key_id(master)}: finish the key rotation "
            "(docs/vault.md) and restart"
        )
    return crypto.unwrap_key(master, entry.wrapped_key)


@sensitive_variables("data_key")
def _decrypt_all(entry: VaultEntry, master: bytes) -> list[RevealedField]:
    data_key = _data_key(entry, master)
    labels = dict(FieldName.choices)
    return [
        RevealedField(
            f.field,
            str(labels.get(f.field, f.field)),
            crypto.decrypt_field(data_key, entry.pk, f.field, f.nonce, f.ciphertext),
        )
        for f in entry.fields.order_by("id")
    ]


@sensitive_variables("fields")
def do_open(user: Any, pseudonym: str, purpose: str, *, via: str = "") -> Revealed:
    """Decrypt every field of an entry for a vault keeper who says why; audited."""
    check_allowed(user, OPEN, "open", via=via, entry_id=_entry_id(pseudonym or ""))
    purpose = check_purpose(purpose)
    entry = entry_by_pseudonym(pseudonym)
    fields = _decrypt_all(entry, crypto.master_key())
    _check_free_of(purpose, [(f.field, f.value) for f in fields], "purpose")
    with transaction.atomic():
        record_audit(
            user,
            "vault.open",
            object_type="vault_entry",
            object_id=entry.pk,
            details={
                "pseudonym": entry.pseudonym,
                "purpose": purpose,
                "fields": [f.field for f in fields],
                "via": via,
            },
        )
    return Revealed(entry, fields)


@sensitive_variables("names", "terms")
def identity_terms_for_redaction(actor: Any) -> list[str]:
    """Every real and other name of every entry not shredded, with its romanizations, longest
    first, for redacting texts. Decrypted in memory only; the caller must not store or show
    them. One audit entry records how many were handed out (never which)."""
    master = crypto.master_key()
    keys: dict[int, bytes] = {}
    names: list[str] = []
    rows = VaultField.objects.filter(
        field__in=NAME_FIELDS, entry__shredded_at__isnull=True
    ).select_related("entry")
    for row in rows:
        if row.entry_id not in keys:
            keys[row.entry_id] = _data_key(row.entry, master)
        key = keys[row.entry_id]
        names.append(crypto.decrypt_field(key, row.entry_id, row.field, row.nonce, row.ciphertext))
    terms = name_variants(names)
    with transaction.atomic():
        record_audit(
            actor,
            "vault.used_for_redaction",
            details={"entries": len(keys), "terms": len(terms)},
        )
    return terms


@sensitive_variables("names", "seen", "name")
def name_variants(names: list[str]) -> list[str]:
    """The names and their romanizations (each Hangul name, whole and word by word)."""
    from sillok.vocab.romanize import person_name_romanizations

    seen: dict[str, None] = {}
    for name in names:
        seen[name] = None
        for part in [name, *name.split()]:
            if any("가" <= ch <= "힣" for ch in part):
                for spellings in person_name_romanizations(part).values():
                    seen.update(dict.fromkeys(spellings))
    return sorted(seen, key=lambda term: (-len(term), term))


# --- writing -------------------------------------------------------------------------------


def _person_for(actor: Any, reference: str) -> Any:
    from sillok.records.access import RecordNotFound, access_record
    from sillok.records.fields import FieldError, parse_reference
    from sillok.records.models import Person

    try:
        _, pk = parse_reference(reference, "person")
    except FieldError as exc:
        raise VaultError(str(exc)) from None
    if actor is None:
        person = Person.objects.filter(pk=pk).first()
    else:
        try:
            person = access_record(actor, "person", pk)
        except RecordNotFound:
            person = None
    if person is None:
        raise VaultError(f"no such person record {reference}")
    return person


def do_add_entry(
    actor: Any, pseudonym: str, *, kind: str = PersonKind.OTHER, person: str = "", via: str = ""
) -> VaultEntry:
    """A new entry with its own data key, no fields yet. `actor` None is the operator at the
    shell (who holds the master key anyway)."""
    if actor is not None:
        check_allowed(actor, ADD, "add", via=via)
    pseudonym = check_pseudonym(pseudonym)
    if kind not in PersonKind.values:
        raise VaultError(f"unknown kind {kind!r}; choose one of: {', '.join(PersonKind.values)}")
    person_record = _person_for(actor, person) if person else None
    master = crypto.master_key()
    try:
        with transaction.atomic():
            entry = VaultEntry.objects.create(
                pseudonym=pseudonym,
                kind=kind,
                person=person_record,
                wrapped_key=crypto.wrap_key(master, crypto.new_data_key()),
                key_wrap_id=crypto.key_id(master),
                created_by=actor,
            )
            record_audit(
                actor,
                "vault.add_entry",
                object_type="vault_entry",
                object_id=entry.pk,
                details={
                    "pseudonym": pseudonym,
                    "kind": kind,
                    "person": person_record.pk if person_record else None,
                    "via": via,
                },
            )
    except IntegrityError:
        raise VaultError(f"the pseudonym {pseudonym} is already in the vault") from None
    return entry


@sensitive_variables("value", "data_key")
def do_add_field(
    actor: Any,
    pseudonym: str,
    field_name: str,
    value: str,
    *,
    kind: str = PersonKind.OTHER,
    person: str = "",
    via: str = "",
) -> tuple[VaultEntry, bool]:
    """Encrypt `value` into a new field of the entry `pseudonym`, creating the entry if it
    is new (with `kind` and `person`); returns (entry, created)."""
    if actor is not None:
        check_allowed(actor, ADD, "add", via=via)
    pseudonym = check_pseudonym(pseudonym)
    value = check_value(field_name, value, pseudonym)
    master = crypto.master_key()
    with transaction.atomic():
        created = not VaultEntry.objects.filter(pseudonym=pseudonym).exists()
        if created:
            do_add_entry(actor, pseudonym, kind=kind, person=person, via=via)
        # Locked: a shred or a key rotation must not slip between unwrapping and writing.
        entry = entry_by_pseudonym(pseudonym, for_update=True)
        data_key = _data_key(entry, master)
        row = VaultField(entry=entry, field=field_name, created_by=actor)
        row.nonce, row.ciphertext = crypto.encrypt_field(data_key, entry.pk, field_name, value)
        row.save()
        record_audit(
            actor,
            "vault.add_field",
            object_type="vault_entry",
            object_id=entry.pk,
            details={"pseudonym": entry.pseudonym, "field": field_name, "via": via},
        )
    return entry, created


@sensitive_variables("values")
def _check_reason_free_of_values(reason: str, entry: VaultEntry, master: bytes) -> None:
    try:
        values = [(f.field, f.value) for f in _decrypt_all(entry, master)]
    except (VaultError, crypto.VaultCryptoError):
        # An entry that no longer decrypts (lost or wrong master key) must still be shreddable.
        return
    _check_free_of(reason, values, "reason")


def do_shred(user: Any, pseudonym: str, reason: str, *, via: str = "") -> VaultEntry:
    """Destroy the entry's data key and ciphertexts for good, and record that and why.

    The entry row stays (pseudonym, who shredded it, when, why): the identity existed and was
    destroyed on purpose. Nothing can bring it back, not even with the master key.
    """
    check_allowed(user, SHRED, "shred", via=via, entry_id=_entry_id(pseudonym or ""))
    reason = check_reason(reason)
    master = crypto.master_key()
    with transaction.atomic():
        # Locked: two shreds, or a shred and an add, must not interleave.
        entry = entry_by_pseudonym(pseudonym, for_update=True)
        if entry.is_shredded:
            raise EntryShredded(f"the identity behind {entry.pseudonym} was already shredded")
        _check_reason_free_of_values(reason, entry, master)
        destroyed, _ = VaultField.objects.filter(entry=entry).delete()
        entry.wrapped_key = None
        entry.key_wrap_id = ""
        entry.shredded_at = timezone.now()
        entry.shredded_by = user
        entry.shred_reason = reason
        entry.save(
            update_fields=[
                "wrapped_key",
                "key_wrap_id",
                "shredded_at",
                "shredded_by",
                "shred_reason",
            ]
        )
        record_audit(
            user,
            "vault.shred",
            object_type="vault_entry",
            object_id=entry.pk,
            details={
                "pseudonym": entry.pseudonym,
                "reason": reason,
                "fields_destroyed": destroyed,
                "via": via,
            },
        )
        transaction.on_commit(erase_remnants)
    return entry
