"""Titles of records for a viewer: the one safe title used by the pages, the API and the CLI.

`kinds.title_of` names no other record. Here an act's title adds its victim, an
involvement's the perpetrator or unit, an information's its source, but only where the
viewer may see that record: an act may be less sensitive than its victim, and the victim's
name must not leak through the act. The check costs no query: the related rows come with
the record (select_related `TITLE_RELATED`) and their sensitivity and compartment are
compared with the viewer's clearance (`viewer_levels`), the rule `access.visible_records`
applies to persons, organizations and sources (accounts/clearance.py).
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext as _

from sillok.accounts.clearance import Clearance
from sillok.records.access import can_view_records, visible_records
from sillok.records.kinds import title_of
from sillok.records.models import Act, Information, Involvement

# What a title reads beyond the record itself (select_related keeps titles at one query).
TITLE_RELATED: dict[str, tuple[str, ...]] = {
    "act": ("violation_type", "victim"),
    "involvement": ("perpetrator", "organization", "degree"),
    "information": ("source",),
    "link": ("relation",),
}
# The columns a title reads, for `.only()`: the titles of a thousand link ends load only
# these (a full person row decodes three JSON fields, which costs more than the query).
TITLE_FIELDS: dict[str, tuple[str, ...]] = {
    "person": ("name",),
    "organization": ("name",),
    "source": ("name",),
    "event": ("title",),
    "testimony": ("title",),
    "act": (
        "violation_type__label_en",
        "violation_type__label_ko",
        "victim__name",
        "victim__sensitivity",
        "victim__compartment",
    ),
    "involvement": (
        "act",
        "perpetrator__name",
        "perpetrator__sensitivity",
        "perpetrator__compartment",
        "organization__name",
        "organization__sensitivity",
        "organization__compartment",
        "degree__label_en",
        "degree__label_ko",
    ),
    "information": ("source__name", "source__sensitivity", "source__compartment", "connection"),
    "link": ("relation__label_en", "relation__label_ko"),
}


def viewer_levels(user: Any) -> Clearance:
    """The clearance (sensitivity levels and compartments) whose records `user` sees (none
    without view_record): what `access.record_filter` selects."""
    return Clearance(user, may_view=can_view_records(user))


def _named(record: models.Model, levels: Clearance) -> str:
    return record.name if levels.sees(record) else _("someone you may not see")


def safe_title(record: models.Model, levels: Clearance) -> str:
    """The title of `record` for a viewer cleared for `levels` (`viewer_levels`), with the
    names of the related records that viewer may see and "someone you may not see" for the
    others. Load the record with `TITLE_RELATED` to keep this free of queries."""
    if isinstance(record, Act):
        victim = _named(record.victim, levels) if record.victim_id else _("unidentified victim")
        return f"{record.violation_type.label} — {victim}"
    if isinstance(record, Involvement):
        related = (record.perpetrator, record.organization)
        names = [_named(r, levels) for r in related if r is not None]
        degree = record.degree.label if record.degree_id else "?"
        return f"{' / '.join(names)} ({degree})" if names else title_of(record)
    if isinstance(record, Information):
        return f"{_named(record.source, levels)} — {record.get_connection_display()}"
    return title_of(record)


def visible_titles(user: Any, kind: str, ids: set[int]) -> dict[int, str]:
    """{id: title} of the records of `kind` (or evidence items, or gazetteer places) among
    `ids` that `user` may see, in one query; the others are left out. An item's title may
    be empty."""
    if kind == "place":
        from sillok.vocab.models import Place

        places = Place.objects.filter(pk__in=ids).only("pk", "label_en", "label_ko")
        return {place.pk: place.label for place in places}
    if kind == "item":
        from sillok.evidence.access import visible_items

        return dict(visible_items(user).filter(pk__in=ids).values_list("pk", "title"))
    related = TITLE_RELATED.get(kind, ())
    query = visible_records(user, kind).filter(pk__in=ids)
    query = query.only("pk", "sensitivity", *related, *TITLE_FIELDS[kind])
    if related:
        query = query.select_related(*related)
    levels = viewer_levels(user)
    return {record.pk: safe_title(record, levels) for record in query}
