"""Which index entries a user may see: the same rules as the objects they were made from.

Nothing here states a rule of its own (STYLE rule 2): record documents follow
records/access.py (`record_filter`; links are not indexed), item documents follow
evidence/access.py (`visibility_filter`: view_item and clearance, or only one's own items
for a user who may add but not view), and facet values follow accounts/clearance.py with
the clearance of the record each value was read from. `SearchDocument` carries
`sensitivity`, `compartment` and `created_by` under the same names as Item and the records,
so the same Q objects apply to it unchanged.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from sillok.accounts.clearance import clearance_filter
from sillok.evidence.access import visibility_filter
from sillok.records.access import record_filter
from sillok.search.models import SearchDocument, SearchFacetValue

ITEM = "item"
NO_SEARCH = _("Searching needs a role that may see items or records.")


class Operator:
    """The operator at the server's shell (`sillok search` without --as), who holds the
    database already: every document, titles as indexed (which name no other record)."""

    def __repr__(self) -> str:
        return "OPERATOR"


OPERATOR = Operator()


def document_filter(user: Any) -> Q | None:
    """The Q selecting the documents `user` may see; None when they may see none."""
    if user is OPERATOR:
        return Q()
    parts: list[Q] = []
    items = visibility_filter(user)
    if items is not None:
        parts.append(Q(kind=ITEM) & items)
    records = record_filter(user)
    if records is not None:
        # Links are not indexed (documents.py: their comments speak of two records); were a
        # link document ever written, it would need both ends visible (records/access.py),
        # so none is ever searchable rather than one checked by a weaker rule.
        parts.append(~Q(kind__in=[ITEM, "link"]) & records)
    if not parts:
        return None
    condition = parts[0]
    for part in parts[1:]:
        condition |= part
    return condition


def may_search(user: Any) -> bool:
    """Whether `user` may see any document at all (a user with no role may not search)."""
    return document_filter(user) is not None


def searchable_documents(user: Any) -> QuerySet[SearchDocument]:
    condition = document_filter(user)
    if condition is None:
        return SearchDocument.objects.none()
    return SearchDocument.objects.filter(condition)


def facet_value_filter(user: Any) -> Q:
    """Facet values `user` is cleared for (each carries its own record's clearance)."""
    if user is OPERATOR:
        return Q()
    return clearance_filter(user)


def visible_facet_values(user: Any) -> QuerySet[SearchFacetValue]:
    return SearchFacetValue.objects.filter(facet_value_filter(user))
