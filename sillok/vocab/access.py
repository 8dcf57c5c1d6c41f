"""Who may read the vocabularies and the gazetteer.

A term or place names what documentation records describe, so the vocabularies are open to
whoever may see records: the permission `records.view_record`, held through a role. The rule
is written here rather than imported from records, because vocab sits below records in the
layer order (tests/test_layering.py); it names the permission, not records' code.
"""

from __future__ import annotations

from typing import Any

READ_PERMISSION = "records.view_record"


def can_read_vocabularies(user: Any) -> bool:
    """True for an active, signed-in user who may see documentation records."""
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and user.has_perm(READ_PERMISSION)
    )
