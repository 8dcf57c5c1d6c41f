"""Helpers shared by the vault tests."""

from __future__ import annotations

import pytest

from sillok.custody.models import AuditEntry


@pytest.fixture
def audit_actions():
    """audit_actions(prefix="vault.") -> [(actor name, action, details), ...] in order."""

    def actions(prefix: str = "vault.") -> list[tuple[str, str, dict]]:
        rows = AuditEntry.objects.filter(action__startswith=prefix).order_by("seq")
        return [(row.actor_name, row.action, row.details) for row in rows]

    return actions
