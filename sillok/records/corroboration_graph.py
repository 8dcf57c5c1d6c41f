"""Loading what corroboration is computed from (records/corroboration.py): the information
about some records, their sources, and every record their `heard_from` links reach, with the
`contradicts` links among them. Withdrawn rows are left out; visibility is not decided here
(the same load serves every viewer and every clearance tier), each row keeps its sensitivity
and compartment for the predicate that evaluates it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q

from sillok.records.models import Information, Link, Source, Testimony

HEARD_FROM = "heard_from"
CONTRADICTS = "contradicts"
PREFIX = {"information": "I", "source": "S", "testimony": "T", "act": "A", "event": "E"}

Node = tuple[str, int]  # ("information" | "source" | "testimony", id)
Sees = Callable[[Any], bool]  # is this row (with sensitivity, compartment_id) visible?


def ref(node: Node) -> str:
    return f"{PREFIX[node[0]]}-{node[1]}"


def sees_everything(row: Any) -> bool:
    return True


@dataclass
class Graph:
    """Information, sources, testimonies and the heard_from / contradicts links among them,
    loaded (withdrawn rows left out) from a starting set of information and every record its
    hearsay links reach."""

    info: dict[int, Information] = field(default_factory=dict)
    sources: dict[int, Source] = field(default_factory=dict)
    testimonies: dict[int, Testimony] = field(default_factory=dict)
    heard: dict[Node, list[tuple[Link, Node]]] = field(default_factory=lambda: defaultdict(list))
    contradicting: list[tuple[Link, Node, Node]] = field(default_factory=list)

    def row(self, node: Node) -> Any:
        table = {"information": self.info, "source": self.sources, "testimony": self.testimonies}
        return table[node[0]].get(node[1])


def _active_links(code: str) -> Any:
    return Link.objects.filter(relation__code=code, withdrawn_at__isnull=True)


def load_graph(information_ids: Iterable[int]) -> Graph:
    """The graph reachable from `information_ids` through heard_from links, plus the
    contradicts links between the loaded information, testimonies and sources."""
    graph = Graph()
    pending_info = set(information_ids)
    pending_sources: set[int] = set()
    expanded: set[Node] = set()
    while pending_info or pending_sources:
        _load_info(graph, pending_info)
        pending_sources |= {i.source_id for i in graph.info.values()} - set(graph.sources)
        _load_sources(graph, pending_sources)
        frontier = [("information", pk) for pk in pending_info if pk in graph.info]
        frontier += [("source", pk) for pk in pending_sources if pk in graph.sources]
        expanded |= set(frontier)
        pending_info, pending_sources = set(), set()
        for link, target in _heard_from_links(frontier):
            graph.heard[
                ("information" if link.from_kind == "information" else "source", link.from_id)
            ].append((link, target))
            if target not in expanded:
                (pending_info if target[0] == "information" else pending_sources).add(target[1])
        pending_info -= set(graph.info)
        pending_sources -= set(graph.sources)
    _load_contradictions(graph)
    return graph


def _load_info(graph: Graph, ids: set[int]) -> None:
    missing = sorted(ids - set(graph.info))
    fields = (
        "pk",
        "source_id",
        "testimony_id",
        "act_id",
        "event_id",
        "connection",
        "credibility",
        "sensitivity",
        "compartment_id",
    )
    for start in range(0, len(missing), 500):
        rows = Information.objects.filter(
            pk__in=missing[start : start + 500],
            withdrawn_at__isnull=True,
            source__withdrawn_at__isnull=True,
        ).only(*fields)
        graph.info.update((row.pk, row) for row in rows)


def _load_sources(graph: Graph, ids: set[int]) -> None:
    missing = sorted(ids - set(graph.sources))
    fields = ("pk", "person_id", "organization_id", "reliability", "sensitivity", "compartment_id")
    for start in range(0, len(missing), 500):
        rows = Source.objects.filter(
            pk__in=missing[start : start + 500], withdrawn_at__isnull=True
        ).only(*fields)
        graph.sources.update((row.pk, row) for row in rows)


def _heard_from_links(frontier: list[Node]) -> Iterable[tuple[Link, Node]]:
    by_kind: dict[str, list[int]] = defaultdict(list)
    for kind, pk in frontier:
        by_kind[kind].append(pk)
    for kind, ids in by_kind.items():
        for start in range(0, len(ids), 500):
            links = _active_links(HEARD_FROM).filter(
                from_kind=kind, from_id__in=ids[start : start + 500]
            )
            for link in links.only(
                "pk", "from_kind", "from_id", "to_kind", "to_id", "sensitivity", "compartment_id"
            ):
                if link.to_kind in ("information", "source"):
                    yield link, (link.to_kind, int(link.to_id))


def _load_contradictions(graph: Graph) -> None:
    ends = {
        "information": sorted(graph.info),
        "testimony": sorted({i.testimony_id for i in graph.info.values() if i.testimony_id}),
        "source": sorted(graph.sources),
    }
    condition = Q(pk__in=[])
    for kind, ids in ends.items():
        if ids:
            condition |= Q(from_kind=kind, from_id__in=ids) | Q(to_kind=kind, to_id__in=ids)
    links = _active_links(CONTRADICTS).filter(condition)
    found = list(
        links.only(
            "pk", "from_kind", "from_id", "to_kind", "to_id", "sensitivity", "compartment_id"
        )
    )
    testimony_ids = {
        int(pk)
        for link in found
        for kind, pk in ((link.from_kind, link.from_id), (link.to_kind, link.to_id))
        if kind == "testimony"
    }
    rows = Testimony.objects.filter(pk__in=testimony_ids, withdrawn_at__isnull=True)
    graph.testimonies.update((t.pk, t) for t in rows.only("pk", "sensitivity", "compartment_id"))
    for link in found:
        graph.contradicting.append(
            (link, (link.from_kind, int(link.from_id)), (link.to_kind, int(link.to_id)))
        )


def information_about(kind: str, ids: Iterable[int]) -> dict[int, list[int]]:
    """{record id: ids of the active information about it} for acts or events (an event's
    include the information about its acts that are not withdrawn)."""
    ids = sorted(set(ids))
    found: dict[int, set[int]] = {pk: set() for pk in ids}
    active = Information.objects.filter(
        withdrawn_at__isnull=True, source__withdrawn_at__isnull=True
    )
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        if kind == "act":
            for pk, act_id in active.filter(act_id__in=chunk).values_list("pk", "act_id"):
                found[act_id].add(pk)
            continue
        rows = active.filter(
            Q(event_id__in=chunk) | Q(act__event_id__in=chunk, act__withdrawn_at__isnull=True)
        ).values_list("pk", "event_id", "act__event_id", "act__withdrawn_at")
        for pk, event_id, act_event_id, act_withdrawn in rows:
            if event_id in found:
                found[event_id].add(pk)
            if act_event_id in found and act_withdrawn is None:
                found[act_event_id].add(pk)
    return {pk: sorted(infos) for pk, infos in found.items()}
