"""Repository-wide operations: initialisation (`sillok init`) brings every app's shipped data
in line (roles, vocabularies, gazetteer), so it lives in the top layer, which may import them
all."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction

from sillok.accounts.services import sync_roles
from sillok.custody.audit import record_audit
from sillok.vocab.services import do_load_shipped_data


def do_initialise_repository() -> str:
    """Bring roles in line with the code and record the initialisation; idempotent."""
    with transaction.atomic():
        changed = sync_roles()
        loaded = do_load_shipped_data(audit=False)
        record_audit(
            None,
            "repository.initialised",
            details={
                "database": settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1],
                "vocabularies_loaded": loaded["changed"],
            },
        )
    roles = f"roles updated: {', '.join(changed)}" if changed else "roles up to date"
    terms = sum(counts["created"] for counts in loaded["vocabularies"].values())
    places = loaded["places"]["created"]
    return f"{roles}; vocabularies: {terms} terms added; gazetteer: {places} places added"
