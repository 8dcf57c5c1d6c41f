"""Repository-wide operations: initialisation (`sillok init`) brings every app's shipped data
in line (roles, vocabularies, gazetteer, legal frameworks), so it lives in the top layer,
which may import them all."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction

from sillok.accounts.services import sync_roles
from sillok.assessment.frameworks import do_load_shipped_frameworks
from sillok.custody.audit import record_audit
from sillok.records import corroboration_store
from sillok.records.models import Act, CorroborationSummary, Event
from sillok.vocab.services import do_load_shipped_data


def do_initialise_repository() -> str:
    """Bring roles in line with the code and record the initialisation; idempotent."""
    with transaction.atomic():
        changed = sync_roles()
        loaded = do_load_shipped_data(audit=False)
        # After the vocabularies: framework elements link to their terms.
        frameworks = do_load_shipped_frameworks(audit=False)
        record_audit(
            None,
            "repository.initialised",
            details={
                "database": settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1],
                "vocabularies_loaded": loaded["changed"],
                "frameworks_loaded": frameworks["changed"],
            },
        )
    corroborated = _corroboration_for_an_upgraded_repository()
    roles = f"roles updated: {', '.join(changed)}" if changed else "roles up to date"
    terms = sum(counts["created"] for counts in loaded["vocabularies"].values())
    places = loaded["places"]["created"]
    elements = sum(counts["created"] for counts in frameworks["frameworks"].values())
    return (
        f"{roles}; vocabularies: {terms} terms added; gazetteer: {places} places added; "
        f"legal frameworks: {elements} elements added"
        + (f"; corroboration computed for {corroborated} acts and events" if corroborated else "")
    )


def _corroboration_for_an_upgraded_repository() -> int:
    """A repository from before corroboration was stored has acts and events but no stored
    summary: compute it once (lists would still be right, computed on the spot, but slow)."""
    if CorroborationSummary.objects.exists():
        return 0
    if not (Act.objects.exists() or Event.objects.exists()):
        return 0
    return sum(corroboration_store.rebuild().values())
