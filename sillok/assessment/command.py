"""Superior responsibility: the paths from a suspect down the chain of command to the acts
of their subordinates (art. 28; "those most responsible").

The chain of command is read from the records, only from what the viewer may see:
- a unit commands its sub-units (records.Organization.parent), the units linked to it as
  `member_of` it and the units it is `superior_of`, and its members (persons `member_of` it);
- a person commands the persons and units they are `superior_of`, and acts through the units
  they are `member_of` (the unit they belong to or lead: the expert judges which from the
  path, which names every step and its relation).
From the suspect, breadth first (shortest path first, at most MAX_DEPTH steps), every person
and unit reached is a possible perpetrator: each visible involvement of one of them in a
visible act gives one path. A step hidden from the viewer (a unit in a compartment they are
not in, a link whose other end they may not see) is not walked, so no path passes through
it. One query per kind and level, whatever the number of records.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Q

from sillok.assessment.models import Suspect
from sillok.records.access import visible_records
from sillok.records.kinds import reference_of
from sillok.records.titles import visible_titles

MAX_DEPTH = 8
MAX_NODES = 5000
RELATIONS_VOCABULARY = "relation_types"
PARENT = "part_of"  # the step from a unit to its sub-unit (Organization.parent)

Node = tuple[str, int]  # ("person", 12) or ("organization", 3)


def suspect_node(suspect: Suspect) -> Node:
    if suspect.person_id:
        return ("person", suspect.person_id)
    return ("organization", suspect.organization_id)


def _relation_links(user: Any, codes: list[str]) -> Any:
    return visible_records(user, "link").filter(
        relation__vocabulary__slug=RELATIONS_VOCABULARY,
        relation__code__in=codes,
        withdrawn_at__isnull=True,
    )


def _subordinates(user: Any, frontier: set[Node]) -> list[tuple[Node, Node, str]]:
    """(from, to, relation) for every step down from the frontier (two or three queries)."""
    steps: list[tuple[Node, Node, str]] = []
    units = {pk for kind, pk in frontier if kind == "organization"}
    people = {pk for kind, pk in frontier if kind == "person"}
    if units:
        children = visible_records(user, "organization").filter(
            parent_id__in=units, withdrawn_at__isnull=True
        )
        for pk, parent in children.values_list("pk", "parent_id"):
            steps.append((("organization", parent), ("organization", pk), PARENT))
    down = Q()
    up = Q()
    if units:
        # A unit is superior of a unit; units and persons are members of a unit.
        down |= Q(relation__code="superior_of", from_kind="organization", from_id__in=units)
        up |= Q(relation__code="member_of", to_kind="organization", to_id__in=units)
    if people:
        down |= Q(relation__code="superior_of", from_kind="person", from_id__in=people)
        down |= Q(relation__code="member_of", from_kind="person", from_id__in=people)
    links = _relation_links(user, ["superior_of", "member_of"]).filter(down | up)
    for code, fk, fid, tk, tid in links.values_list(
        "relation__code", "from_kind", "from_id", "to_kind", "to_id"
    ):
        if (fk, fid) in frontier and not (code == "member_of" and fk == "organization"):
            # superior_of: from commands to; a person's member_of: acts through the unit.
            steps.append(((fk, fid), (tk, tid), code))
        if code == "member_of" and (tk, tid) in frontier and tk == "organization":
            steps.append(((tk, tid), (fk, fid), "has_member"))
    return [step for step in steps if step[1][0] in ("person", "organization")]


def chain_below(user: Any, start: Node) -> dict[Node, tuple[Node | None, str]]:
    """Every person and unit reached down from `start`: {node: (previous node, relation)}."""
    reached: dict[Node, tuple[Node | None, str]] = {start: (None, "")}
    frontier = {start}
    for _depth in range(MAX_DEPTH):
        if not frontier or len(reached) > MAX_NODES:
            break
        following: set[Node] = set()
        for source, target, relation in sorted(_subordinates(user, frontier)):
            if target not in reached:
                reached[target] = (source, relation)
                following.add(target)
        frontier = following
    return reached


def _steps(node: Node, reached: dict, names: dict[Node, str]) -> list[dict[str, Any]]:
    path: list[dict[str, Any]] = []
    current: Node | None = node
    while current is not None:
        previous, relation = reached[current]
        path.append(
            {
                "kind": current[0],
                "id": current[1],
                "ref": reference_of(*current),
                "label": names.get(current, reference_of(*current)),
                "relation": relation,  # how the previous step reaches this one
            }
        )
        current = previous
    return list(reversed(path))


def _names(user: Any, nodes: Iterable[Node]) -> dict[Node, str]:
    names: dict[Node, str] = {}
    for kind in ("person", "organization"):
        ids = {pk for k, pk in nodes if k == kind}
        if ids:
            names.update({(kind, pk): t for pk, t in visible_titles(user, kind, ids).items()})
    return names


def superior_paths(
    user: Any, suspect: Suspect, acts: Iterable[Any] | None = None
) -> list[dict[str, Any]]:
    """One path per visible involvement of the suspect or anyone below them in a visible
    act: [{"act": {...}, "involvement": {...}, "steps": [suspect, ..., perpetrator]}], the
    shortest chains first. `acts` (Act rows or ids) narrows to those acts."""
    start = suspect_node(suspect)
    if not visible_records(user, start[0]).filter(pk=start[1]).exists():
        return []  # a suspect the viewer may not open leads nowhere they may see
    reached = chain_below(user, start)
    people = [pk for kind, pk in reached if kind == "person"]
    units = [pk for kind, pk in reached if kind == "organization"]
    involvements = visible_records(user, "involvement").filter(
        Q(perpetrator_id__in=people) | Q(organization_id__in=units),
        withdrawn_at__isnull=True,
        act__in=visible_records(user, "act").filter(withdrawn_at__isnull=True),
    )
    if acts is not None:
        involvements = involvements.filter(act_id__in=[getattr(a, "pk", a) for a in acts])
    rows = list(
        involvements.select_related("degree").values(
            "pk",
            "act_id",
            "perpetrator_id",
            "organization_id",
            "degree__label_en",
            "degree__label_ko",
        )  # fmt: skip
    )
    act_titles = visible_titles(user, "act", {row["act_id"] for row in rows})
    names = _names(user, reached)
    paths = []
    for row in rows:
        # Through the person where the person is in the chain, else through the unit.
        person = ("person", row["perpetrator_id"])
        node = person if person in reached else ("organization", row["organization_id"])
        steps = _steps(node, reached, names)
        paths.append(
            {
                "act": {
                    "id": row["act_id"],
                    "ref": reference_of("act", row["act_id"]),
                    "title": act_titles.get(row["act_id"], ""),
                },
                "involvement": {
                    "id": row["pk"],
                    "ref": reference_of("involvement", row["pk"]),
                    "degree_en": row["degree__label_en"] or "",
                    "degree_ko": row["degree__label_ko"] or "",
                },
                "steps": steps,
            }
        )
    paths.sort(key=lambda path: (len(path["steps"]), path["act"]["id"], path["involvement"]["id"]))
    return paths
