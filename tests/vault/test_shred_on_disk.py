"""A shredded identity is gone from the database files, not only from the rows."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.db import connection

from sillok.vault import services
from sillok.vault.models import VaultEntry

pytestmark = pytest.mark.django_db(transaction=True)


def database_bytes() -> bytes:
    db = Path(connection.settings_dict["NAME"])
    return b"".join(p.read_bytes() for p in (db, Path(f"{db}-wal")) if p.exists())


def add_witness(keeper) -> tuple[bytes, list[bytes]]:
    services.do_add_field(keeper, "W-1", "real_name", "김영희", kind="witness")
    services.do_add_field(keeper, "W-1", "note", "met in Yanji; " * 120)  # an overflow page
    entry = VaultEntry.objects.get(pseudonym="W-1")
    return bytes(entry.wrapped_key), [bytes(f.ciphertext) for f in entry.fields.all()]


@pytest.mark.skipif("connection.vendor != 'sqlite'")
def test_sqlite_connections_zero_what_they_delete():
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA secure_delete")
        assert cursor.fetchone()[0] == 1


@pytest.mark.skipif("connection.vendor != 'sqlite'")
def test_after_a_shred_the_key_and_ciphertexts_are_not_in_the_sqlite_files(vault_keeper):
    wrapped, ciphertexts = add_witness(vault_keeper)
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    before = database_bytes()
    assert wrapped in before and all(c in before for c in ciphertexts)  # the search works

    services.do_shred(vault_keeper, "W-1", "consent withdrawn")  # commits, then erases

    after = database_bytes()
    assert Path(f"{connection.settings_dict['NAME']}-wal").stat().st_size == 0
    assert wrapped not in after
    assert not [c for c in ciphertexts if c[:32] in after]


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_after_a_shred_the_vault_tables_are_rewritten_on_postgresql(vault_keeper):
    add_witness(vault_keeper)

    def filenodes() -> tuple:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_relation_filenode('vault_vaultentry'), "
                "pg_relation_filenode('vault_vaultfield')"
            )
            return cursor.fetchone()

    before = filenodes()
    services.do_shred(vault_keeper, "W-1", "consent withdrawn")
    after = filenodes()
    # VACUUM FULL wrote new files and dropped the ones that held the deleted rows.
    assert before[0] != after[0] and before[1] != after[1]
    entry = VaultEntry.objects.get(pseudonym="W-1")
    assert entry.wrapped_key is None and not entry.fields.exists()
