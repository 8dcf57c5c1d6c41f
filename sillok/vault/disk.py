"""Making a shredded identity unrecoverable from the database files, not only from its rows.

Deleting a row does not erase its bytes: SQLite leaves them in free space of the page and in
older copies of the page in the write-ahead log; PostgreSQL leaves dead tuples in the table
until a vacuum, and plain VACUUM marks the space free without overwriting it.

- SQLite: every connection runs with `PRAGMA secure_delete=ON`, so deleted content is
  overwritten with zeros (in the page and in freed pages), and after a shred the WAL is
  checkpointed and truncated so that no older copy of a page survives in the -wal file.
  Deletes are rare in Sillok (nothing else is hard-deleted), so the extra writes cost little.
- PostgreSQL: after the shred commits, `VACUUM FULL` rewrites the two vault tables into new
  files and drops the old ones. The server's WAL segments, WAL archive, replicas and base
  backups still hold the old pages until they are recycled; they are useless without the
  master key, which is why docs/vault.md says to rotate the master key after shredding when
  backups must forget too.

Both steps are best effort after commit: the shred itself (key and ciphertexts gone from the
tables) is already final, and a failure here is logged without any vault content.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import connection

logger = logging.getLogger(__name__)

VAULT_TABLES = ("vault_vaultfield", "vault_vaultentry")


def secure_delete_on_sqlite(sender: Any, connection: Any, **kwargs: Any) -> None:
    """connection_created receiver: zero deleted content on every SQLite connection."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA secure_delete=ON")


def erase_remnants() -> bool:
    """Push what a shred deleted out of the database files; True if it fully succeeded.

    Call after commit (transaction.on_commit), never inside a transaction: neither a WAL
    checkpoint nor VACUUM can run inside one.
    """
    try:
        if connection.vendor == "sqlite":
            return _checkpoint_sqlite()
        if connection.vendor == "postgresql":
            return _vacuum_postgresql()
    except Exception:  # best effort: the shred itself is already committed
        logger.warning("vault: erasing the remnants of a shredded entry failed", exc_info=True)
    return False


def _checkpoint_sqlite() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        busy, _log_frames, _done = cursor.fetchone()
    if busy:
        # Another process is reading: the old pages stay in the WAL until the next checkpoint.
        logger.warning("vault: WAL checkpoint after a shred was blocked by a reader; retry later")
    return not busy


def _vacuum_postgresql() -> bool:
    if connection.in_atomic_block:
        logger.warning("vault: VACUUM skipped inside a transaction; run `sillok vault erase`")
        return False
    with connection.cursor() as cursor:
        for table in VAULT_TABLES:
            cursor.execute(f"VACUUM FULL {connection.ops.quote_name(table)}")  # noqa: S608
    return True
