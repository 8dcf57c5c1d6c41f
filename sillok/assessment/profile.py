"""A suspect's profile from the records: their own involvements, their units, the chain of
command above them and the acts below them (command.superior_paths), as one viewer may see
them. It helps a case find "those most responsible": who stands above the direct
perpetrators, through which units.

- involvements: the visible involvements naming the suspect (as perpetrator or as unit);
- units: for a person, the units they are `member_of`; for a unit, its direct sub-units;
- chain_of_command: upwards, nearest first: for a unit its parent units
  (Organization.parent) and the units it is `member_of` or that are `superior_of` it; for a
  person those `superior_of` them, then the chain above each of their units.
Nothing hidden from the viewer is named or counted.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from sillok.assessment.command import RELATIONS_VOCABULARY, Node, superior_paths, suspect_node
from sillok.assessment.models import Suspect
from sillok.records.access import visible_records
from sillok.records.kinds import reference_of
from sillok.records.titles import visible_titles

MAX_CHAIN = 20


def _links(user: Any, code: str, condition: Q) -> list[tuple[str, int, str, int]]:
    query = visible_records(user, "link").filter(
        condition,
        relation__vocabulary__slug=RELATIONS_VOCABULARY,
        relation__code=code,
        withdrawn_at__isnull=True,
    )
    return list(query.values_list("from_kind", "from_id", "to_kind", "to_id"))


def _superiors(user: Any, node: Node) -> list[tuple[Node, str]]:
    """The persons or units directly above `node` and how (one or two queries)."""
    kind, pk = node
    above: list[tuple[Node, str]] = []
    if kind == "organization":
        parent = (
            visible_records(user, "organization").filter(units__pk=pk).values_list("pk", flat=True)
        )
        above += [(("organization", p), "parent") for p in parent]
        member = _links(user, "member_of", Q(from_kind=kind, from_id=pk, to_kind="organization"))
        above += [((tk, tid), "member_of") for _fk, _fid, tk, tid in member]
    superior = _links(user, "superior_of", Q(to_kind=kind, to_id=pk))
    above += [((fk, fid), "superior_of") for fk, fid, _tk, _tid in superior]
    return above


def chain_above(user: Any, start: Node) -> list[tuple[Node, str, Node]]:
    """(superior, relation, subordinate) upwards from `start`, nearest first, each once."""
    chain: list[tuple[Node, str, Node]] = []
    seen = {start}
    frontier = [start]
    while frontier and len(chain) < MAX_CHAIN:
        following = []
        for node in frontier:
            for superior, relation in _superiors(user, node):
                if superior not in seen:
                    seen.add(superior)
                    chain.append((superior, relation, node))
                    following.append(superior)
        frontier = following
    return chain[:MAX_CHAIN]


def _entry(node: Node, names: dict[Node, str]) -> dict[str, Any]:
    ref = reference_of(*node)
    return {"kind": node[0], "id": node[1], "ref": ref, "label": names.get(node, ref)}


def _names(user: Any, nodes: set[Node]) -> dict[Node, str]:
    names: dict[Node, str] = {}
    for kind in ("person", "organization"):
        ids = {pk for k, pk in nodes if k == kind}
        if ids:
            names.update({(kind, pk): t for pk, t in visible_titles(user, kind, ids).items()})
    return names


def _units(user: Any, node: Node) -> list[Node]:
    kind, pk = node
    if kind == "person":
        member = _links(
            user, "member_of", Q(from_kind="person", from_id=pk, to_kind="organization")
        )
        return [(tk, tid) for _fk, _fid, tk, tid in member]
    children = visible_records(user, "organization").filter(parent_id=pk, withdrawn_at__isnull=True)
    return [("organization", child) for child in children.values_list("pk", flat=True)]


def _involvements(user: Any, node: Node) -> list[dict[str, Any]]:
    kind, pk = node
    condition = Q(perpetrator_id=pk) if kind == "person" else Q(organization_id=pk)
    rows = (
        visible_records(user, "involvement")
        .filter(condition, withdrawn_at__isnull=True)
        .filter(act__in=visible_records(user, "act"))
        .values("pk", "act_id", "degree__label_en", "degree__label_ko")
        .order_by("act_id", "pk")
    )
    rows = list(rows)
    titles = visible_titles(user, "act", {row["act_id"] for row in rows})
    return [
        {
            "id": row["pk"],
            "ref": reference_of("involvement", row["pk"]),
            "act": {
                "id": row["act_id"],
                "ref": reference_of("act", row["act_id"]),
                "title": titles.get(row["act_id"], ""),
            },
            "degree_en": row["degree__label_en"] or "",
            "degree_ko": row["degree__label_ko"] or "",
        }
        for row in rows
    ]


def suspect_profile(user: Any, suspect: Suspect) -> dict[str, Any]:
    """The profile of `suspect` as `user` may see the records (module docstring)."""
    node = suspect_node(suspect)
    if not visible_records(user, node[0]).filter(pk=node[1]).exists():
        # A suspect record the viewer may not open: nothing about it is shown.
        return {
            "suspect": {
                "id": suspect.pk,
                **_entry(node, {}),
                "visible": False,
                "notes": suspect.notes,
            },
            "involvements": [],
            "units": [],
            "chain_of_command": [],
            "subordinate_acts": 0,
            "superior_paths": [],
        }
    units = _units(user, node)
    chain = chain_above(user, node)
    for unit in units if node[0] == "person" else []:
        chain += [step for step in chain_above(user, unit) if step[0] not in {c[0] for c in chain}]
    paths = superior_paths(user, suspect)
    names = _names(user, {node, *units, *(c[0] for c in chain), *(c[2] for c in chain)})
    return {
        "suspect": {
            "id": suspect.pk,
            **_entry(node, names),
            "visible": True,
            "notes": suspect.notes,
        },
        "involvements": _involvements(user, node),
        "units": [_entry(unit, names) for unit in units if unit in names],
        "chain_of_command": [
            {"superior": _entry(sup, names), "relation": rel, "of": _entry(sub, names)}
            for sup, rel, sub in chain
            if sup in names
        ],
        "subordinate_acts": len({path["act"]["id"] for path in paths if len(path["steps"]) > 1}),
        "superior_paths": paths,
    }
