"""Master key rotation: re-wrap every data key of the vault under a new master key.

Only the wrapped keys change; no field is decrypted or re-encrypted. The steps around it
(stop Sillok, rotate, install the new key, restart, keep the old key as long as backups made
with it) are in docs/vault.md.
"""

from __future__ import annotations

from django.db import connection, transaction

from sillok.custody.audit import record_audit
from sillok.vault import crypto
from sillok.vault.models import VaultEntry
from sillok.vault.services import VaultError


def do_rotate_master_key(new_master: bytes) -> int:
    """Re-wrap every data key under `new_master` in one transaction; returns how many.

    Entries already wrapped by the new key are left alone, so running it again (after an
    entry was added during the rotation) finishes the job. Run by the operator at the shell.
    """
    old_master = crypto.master_key()
    old_id, new_id = crypto.key_id(old_master), crypto.key_id(new_master)
    if old_id == new_id:
        raise VaultError("the new master key is the one in use")
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # Blocks adds until commit: an entry wrapped with the old key after the rows were
            # read would be unreadable once the new key is installed.
            with connection.cursor() as cursor:
                cursor.execute("LOCK TABLE vault_vaultentry IN SHARE ROW EXCLUSIVE MODE")
        entries = list(
            VaultEntry.objects.select_for_update().filter(shredded_at__isnull=True).order_by("pk")
        )
        changed = []
        for entry in entries:
            if entry.key_wrap_id == new_id:
                continue
            if entry.key_wrap_id != old_id:
                raise VaultError(
                    f"entry {entry.pseudonym} is wrapped by master key {entry.key_wrap_id}, "
                    "neither the current nor the new one; nothing was changed"
                )
            data_key = crypto.unwrap_key(old_master, entry.wrapped_key)
            entry.wrapped_key = crypto.wrap_key(new_master, data_key)
            entry.key_wrap_id = new_id
            changed.append(entry)
        VaultEntry.objects.bulk_update(changed, ["wrapped_key", "key_wrap_id"], batch_size=500)
        record_audit(
            None,
            "vault.rotate_key",
            details={"entries": len(changed), "old_key": old_id, "new_key": new_id},
        )
    return len(changed)
