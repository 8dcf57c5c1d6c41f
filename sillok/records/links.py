"""Rules of links between records, and reading a record's links from both ends.

A link is read from its `from` end with the relation's label ("superior of") and from its
`to` end with the reverse label ("subordinate of"). Relation types may limit the kinds they
join (`data.kinds`); chain-of-events relations (`data.chain`) join two events.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q

from sillok.records.access import RecordActionRefused, visible_ids
from sillok.records.models import Link
from sillok.vocab.models import Term


def check_link(values: dict[str, Any], *, exclude_pk: int | None = None) -> None:
    """Refuse a link that joins a record to itself, joins kinds its relation does not allow,
    or repeats an active link (same ends, same relation)."""
    relation: Term = values["relation"]
    ends = (values["from_kind"], int(values["from_id"])), (values["to_kind"], int(values["to_id"]))
    if ends[0] == ends[1]:
        raise RecordActionRefused("a record cannot be linked to itself")
    data = relation.data or {}
    allowed = [tuple(pair) for pair in data.get("kinds") or []]
    if data.get("chain"):
        allowed = allowed or [("event", "event")]
    if allowed and (ends[0][0], ends[1][0]) not in allowed:
        pairs = ", ".join(f"{a} → {b}" for a, b in allowed)
        raise RecordActionRefused(
            f"the relation {relation.label_en!r} joins {pairs}, not {ends[0][0]} → {ends[1][0]}"
        )
    duplicate = Link.objects.filter(
        from_kind=ends[0][0],
        from_id=ends[0][1],
        to_kind=ends[1][0],
        to_id=ends[1][1],
        relation=relation,
        withdrawn_at__isnull=True,
    )
    if exclude_pk is not None:
        duplicate = duplicate.exclude(pk=exclude_pk)
    if duplicate.exists():
        raise RecordActionRefused("this link already exists")


@dataclass(frozen=True)
class LinkView:
    """A link as seen from one record: the relation read in that direction and the other end."""

    link: Link
    label: str
    other_kind: str
    other_id: int
    outgoing: bool


def links_of(
    user: Any, kind: str, record_id: int, *, include_withdrawn: bool = False
) -> list[LinkView]:
    """The links of one record that `user` may see (the link and its other end both visible),
    read from this record's side. Two queries for the links, one per kind of other end."""
    from sillok.records.access import record_filter

    condition = record_filter(user)
    if condition is None:
        return []
    query = (
        Link.objects.filter(condition)
        .filter(Q(from_kind=kind, from_id=record_id) | Q(to_kind=kind, to_id=record_id))
        .select_related("relation")
    )
    if not include_withdrawn:
        query = query.filter(withdrawn_at__isnull=True)
    views = []
    for link in query:
        outgoing = link.from_kind == kind and link.from_id == record_id
        other = (link.to_kind, link.to_id) if outgoing else (link.from_kind, link.from_id)
        reverse = (link.relation.data or {}).get("reverse") or {}
        if outgoing:
            label = link.relation.label
        else:
            from sillok.vocab.models import prefers_korean

            label = (
                (reverse.get("ko") if prefers_korean() else None)
                or reverse.get("en")
                or link.relation.label
            )
        views.append(LinkView(link, label, other[0], other[1], outgoing))
    seen = visible_ids(user, [(v.other_kind, v.other_id) for v in views])
    return [v for v in views if (v.other_kind, v.other_id) in seen]
