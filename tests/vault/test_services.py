"""The vault's operations: who may do what, what is audited, what shredding destroys."""

from __future__ import annotations

import base64
import os

import pytest

from sillok.vault import crypto, services
from sillok.vault.models import VaultEntry, VaultField
from sillok.vault.rotation import do_rotate_master_key

pytestmark = pytest.mark.django_db

PURPOSE = "arrange a follow-up interview for case 12"


@pytest.fixture
def witness(vault_keeper):
    services.do_add_field(vault_keeper, "W-1", "real_name", "김영희", kind="witness")
    services.do_add_field(vault_keeper, "W-1", "contact", "+82-10-5555-0199")
    return VaultEntry.objects.get(pseudonym="W-1")


def test_a_vault_keeper_reveals_what_was_stored(witness, vault_keeper, audit_actions):
    revealed = services.do_open(vault_keeper, "W-1", PURPOSE, via="test")
    assert [(f.field, f.value) for f in revealed.fields] == [
        ("real_name", "김영희"),
        ("contact", "+82-10-5555-0199"),
    ]
    actor, action, details = audit_actions()[-1]
    assert (actor, action) == ("vault_keeper", "vault.open")
    assert details["purpose"] == PURPOSE and details["fields"] == ["real_name", "contact"]
    assert "김영희" not in str(audit_actions()) and "5555" not in str(audit_actions())


def test_stored_fields_hold_ciphertext_only(witness):
    rows = VaultField.objects.filter(entry=witness)
    assert rows.count() == 2
    for row in rows:
        assert "김영희".encode() not in bytes(row.ciphertext)
        assert b"5555" not in bytes(row.ciphertext)
    assert witness.key_wrap_id == crypto.key_id(crypto.master_key())


def test_a_revealed_value_does_not_show_in_its_repr(witness, vault_keeper):
    revealed = services.do_open(vault_keeper, "W-1", PURPOSE)
    assert "김영희" not in repr(revealed.fields)


@pytest.mark.parametrize("purpose", ["", "   ", "check", "see it now"])
def test_opening_needs_a_purpose_of_a_few_words(witness, vault_keeper, purpose, audit_actions):
    with pytest.raises(services.VaultError, match="purpose"):
        services.do_open(vault_keeper, "W-1", purpose)
    assert not [a for a in audit_actions() if a[1] == "vault.open"]


def test_a_purpose_that_repeats_a_vault_detail_is_refused(witness, vault_keeper, audit_actions):
    with pytest.raises(services.VaultError, match="repeats a detail"):
        services.do_open(vault_keeper, "W-1", "call 김영희 about the hearing")
    assert "김영희" not in str(audit_actions())


@pytest.mark.parametrize(
    "persona", ["documentation_officer", "analyst", "legal_expert", "manager", "auditor", "admin"]
)
def test_other_roles_cannot_open_and_the_attempt_is_audited(
    witness, persona, request, audit_actions
):
    user = request.getfixturevalue(persona)
    with pytest.raises(services.VaultRefused):
        services.do_open(user, "W-1", PURPOSE, via="test")
    assert audit_actions()[-1] == (
        persona,
        "vault.denied",
        {"operation": "open", "via": "test"},
    )


def test_a_superuser_is_not_a_vault_keeper(witness, make_user):
    boss = make_user("boss", "admin")
    boss.is_superuser = True
    boss.save()
    with pytest.raises(services.VaultRefused):
        services.do_open(boss, "W-1", PURPOSE)
    with pytest.raises(services.VaultRefused):
        services.do_shred(boss, "W-1", "consent withdrawn")


def test_others_cannot_add_or_shred(witness, analyst):
    with pytest.raises(services.VaultRefused):
        services.do_add_field(analyst, "W-1", "address", "Hoeryong")
    with pytest.raises(services.VaultRefused):
        services.do_shred(analyst, "W-1", "consent withdrawn")
    assert VaultField.objects.filter(entry=witness).count() == 2


def test_a_denied_attempt_on_an_unknown_pseudonym_does_not_record_the_text(
    witness, analyst, audit_actions
):
    with pytest.raises(services.VaultRefused):
        services.do_open(analyst, "Kim Young-hee", PURPOSE)
    assert "Kim Young-hee" not in str(audit_actions())


def test_the_pseudonym_must_not_be_the_real_name(vault_keeper):
    with pytest.raises(services.VaultError, match="pseudonym repeats a detail"):
        services.do_add_field(vault_keeper, "Kim Young-hee", "real_name", "kim young-hee")
    assert not VaultEntry.objects.exists()


def test_a_person_record_can_be_linked(vault_keeper, make_record, analyst):
    person = make_record(analyst, "person", name="Witness 7", sensitivity="internal")
    entry, created = services.do_add_field(
        vault_keeper, "W-7", "real_name", "박철수", person=f"P-{person.pk}"
    )
    assert created and entry.person == person
    with pytest.raises(services.VaultError, match="no such person"):
        services.do_add_field(vault_keeper, "W-8", "real_name", "박철수", person="P-999999")


def test_shredding_destroys_the_key_and_ciphertexts_for_good(witness, vault_keeper, audit_actions):
    services.do_shred(vault_keeper, "W-1", "consent withdrawn on 2026-05-01", via="test")
    witness.refresh_from_db()
    assert witness.is_shredded and witness.wrapped_key is None and witness.key_wrap_id == ""
    assert witness.shredded_by == vault_keeper
    assert not VaultField.objects.filter(entry=witness).exists()
    assert audit_actions()[-1][1:] == (
        "vault.shred",
        {
            "fields_destroyed": 2,
            "pseudonym": "W-1",
            "reason": "consent withdrawn on 2026-05-01",
            "via": "test",
        },
    )
    with pytest.raises(services.EntryShredded):
        services.do_open(vault_keeper, "W-1", PURPOSE)
    with pytest.raises(services.EntryShredded):
        services.do_add_field(vault_keeper, "W-1", "real_name", "김영희")
    with pytest.raises(services.EntryShredded):
        services.do_shred(vault_keeper, "W-1", "again")


def test_shredding_needs_a_reason(witness, vault_keeper):
    with pytest.raises(services.VaultError, match="reason"):
        services.do_shred(vault_keeper, "W-1", " ")
    with pytest.raises(services.VaultError, match="repeats a detail"):
        services.do_shred(vault_keeper, "W-1", "김영희 asked us to")
    witness.refresh_from_db()
    assert not witness.is_shredded


def test_redaction_terms_hold_names_and_romanizations_but_not_shredded_ones(
    witness, vault_keeper, documentation_officer, audit_actions
):
    services.do_add_field(vault_keeper, "W-1", "other_name", "Young-hee Kim")
    services.do_add_field(vault_keeper, "S-2", "real_name", "박철수")
    services.do_shred(vault_keeper, "S-2", "consent withdrawn")
    terms = services.identity_terms_for_redaction(documentation_officer)
    assert {"김영희", "Kim Yeong-hui", "Kim Young-hui", "Young-hee Kim"} <= set(terms)
    assert "+82-10-5555-0199" not in terms  # contacts are not names
    assert not any("박" in t or "Pak" in t or "Park" in t for t in terms)
    assert [len(t) for t in terms] == sorted((len(t) for t in terms), reverse=True)
    actor, action, details = audit_actions()[-1]
    assert (actor, action, details) == (
        "documentation_officer",
        "vault.used_for_redaction",
        {"entries": 1, "terms": len(terms)},
    )


def test_rotation_keeps_entries_readable_with_the_new_key_only(witness, vault_keeper, settings):
    old_master = crypto.master_key()
    new_master = os.urandom(32)
    assert do_rotate_master_key(new_master) == 1
    witness.refresh_from_db()
    assert witness.key_wrap_id == crypto.key_id(new_master)
    with pytest.raises(services.VaultError, match="finish the key rotation"):
        services.do_open(vault_keeper, "W-1", PURPOSE)
    with pytest.raises(crypto.VaultCryptoError):
        crypto.unwrap_key(old_master, witness.wrapped_key)
    settings.SILLOK_MASTER_KEY = base64.b64encode(new_master).decode()
    assert services.do_open(vault_keeper, "W-1", PURPOSE).fields[0].value == "김영희"
    # Run again with the same key: nothing is left to re-wrap.
    with pytest.raises(services.VaultError, match="the one in use"):
        do_rotate_master_key(new_master)


def test_rotation_refuses_an_entry_wrapped_by_an_unknown_key(witness):
    VaultEntry.objects.filter(pk=witness.pk).update(key_wrap_id="0000000000000000")
    with pytest.raises(services.VaultError, match="neither the current nor the new"):
        do_rotate_master_key(os.urandom(32))
    witness.refresh_from_db()
    assert witness.key_wrap_id == "0000000000000000"
