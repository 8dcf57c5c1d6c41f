"""Corroboration of acts and events: how many independent sources support them.

What counts (docs/records.md, "Corroboration"):

1. The information about an act (`Information.act`), or about an event (`Information.event`,
   and the information about the event's acts that are not withdrawn), that is not
   withdrawn, whose source is not withdrawn, and that the viewer may see (records/access.py).
2. Each piece of information rests on origins: "person:<id>" and/or "organization:<id>" of
   its source (both when the source names both), else "source:<id>". Hearsay is traced back:
   `heard_from` links from the information (to information or a source) replace its origins
   with those of what it was heard from; information marked as hearsay without such a link
   follows its source's `heard_from` links, if it has any. Tracing follows only links the
   viewer may see (both ends included) and never visits a record twice, so a cycle ends; a
   chain that only goes round in circles rests on every source in it.
3. Two pieces of information are independent when their origins are disjoint. The number of
   independent sources is the number of groups of information joined by shared origins; a
   group is first-hand when it holds first-hand information (connection in
   FIRST_HAND_CONNECTIONS, and heard from nobody). Fewer than two groups: a single source.
4. Contradicting information: a visible `contradicts` link between two pieces of information
   about the record, or between their testimonies or sources. Both stay listed, side by
   side, each naming the other.

The graph is loaded once (corroboration_graph.py) and evaluated with a visibility predicate:
a viewer's clearance here, each clearance tier in corroboration_store.py.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from sillok.accounts.clearance import Clearance
from sillok.records.access import can_view_records, visible_ids
from sillok.records.corroboration_graph import (
    Graph,
    Node,
    Sees,
    information_about,
    load_graph,
    ref,
    sees_everything,
)
from sillok.records.models import SourceConnection

# Connections to the facts that make information first-hand: the victim, someone who saw it,
# or a document made at the time by those involved (an order, a register, a death notice).
# Hearsay, expert analysis and "other" are not; nor is anything with a heard_from link.
FIRST_HAND_CONNECTIONS: frozenset[str] = frozenset(
    {SourceConnection.VICTIM, SourceConnection.EYEWITNESS, SourceConnection.DOCUMENT}
)
KINDS = ("act", "event")


class Bucket(models.TextChoices):
    """How an act or event is corroborated, for lists and search."""

    NONE = "none", _("No information")
    SINGLE_SOURCE = "single_source", _("Single source")
    CORROBORATED = "corroborated", _("Corroborated (two or more independent sources)")


BUCKETS = tuple(Bucket.values)
# Bounds on what one record shows: hearsay chains listed, and steps in one chain.
MAX_CHAINS = 50
MAX_CHAIN_LENGTH = 25


class NotCorroborated(LookupError):
    """Corroboration is counted for acts and events only."""


@dataclass
class InformationEntry:
    pk: int
    source_id: int
    testimony_id: int | None
    connection: str
    credibility: str
    reliability: str  # "" when the viewer may not see the source
    first_hand: bool
    origin_keys: frozenset[str]
    heard_from: list[Node]
    contradicts: list[int] = field(default_factory=list)

    @property
    def ref(self) -> str:
        return f"I-{self.pk}"


@dataclass
class Corroboration:
    kind: str
    record_id: int
    information: list[InformationEntry]
    independent_sources: int
    first_hand: int
    hearsay_chains: list[list[Node]]
    # Every row the result was read from (for the clearance a stored value needs).
    used: list[Any] = field(default_factory=list, repr=False)
    # Origin keys naming a person or organization the viewer may not see.
    hidden_keys: set[str] = field(default_factory=set, repr=False)

    @property
    def ref(self) -> str:
        return f"{'A' if self.kind == 'act' else 'E'}-{self.record_id}"

    @property
    def single_source(self) -> bool:
        return self.independent_sources < 2

    @property
    def contradicted(self) -> bool:
        return any(entry.contradicts for entry in self.information)

    @property
    def bucket(self) -> str:
        if not self.information:
            return "none"
        return "single_source" if self.independent_sources < 2 else "corroborated"

    def contradiction_pairs(self) -> list[tuple[InformationEntry, InformationEntry]]:
        """Each pair of contradicting information once, in the order listed."""
        by_pk = {entry.pk: entry for entry in self.information}
        pairs = []
        for entry in self.information:
            for other in entry.contradicts:
                if other > entry.pk and other in by_pk:
                    pairs.append((entry, by_pk[other]))
        return pairs

    def shown_keys(self, keys: Iterable[str]) -> list[str]:
        """Origin keys as a viewer may read them: a hidden person or organization becomes
        "withheld:<n>" (numbered within this result, so sharing stays visible)."""
        order = sorted(self.hidden_keys)
        return sorted(
            f"withheld:{order.index(key) + 1}" if key in self.hidden_keys else key for key in keys
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "ref": self.ref,
            "independent_sources": self.independent_sources,
            "first_hand": self.first_hand,
            "single_source": self.single_source,
            "contradicted": self.contradicted,
            "information": [
                {
                    "ref": entry.ref,
                    "source": f"S-{entry.source_id}",
                    "connection": entry.connection,
                    "credibility": entry.credibility,
                    "reliability": entry.reliability,
                    "first_hand": entry.first_hand,
                    "origin_keys": self.shown_keys(entry.origin_keys),
                    "heard_from": [ref(node) for node in entry.heard_from],
                    "contradicts": [f"I-{pk}" for pk in entry.contradicts],
                }
                for entry in self.information
            ],
            "hearsay_chains": [[ref(node) for node in chain] for chain in self.hearsay_chains],
        }


def viewer_predicate(user: Any) -> Sees:
    """Whether `user` may see a loaded row: the one clearance rule (accounts/clearance.py)."""
    if not can_view_records(user):
        return lambda row: False
    clearance = Clearance(user)
    return clearance.sees


class Evaluator:
    """Corroboration over one loaded graph for one visibility predicate."""

    def __init__(self, graph: Graph, sees: Sees) -> None:
        self.graph = graph
        self.sees = sees
        self._edges: dict[Node, list[tuple[Any, Node]]] = {}

    def visible(self, node: Node) -> bool:
        row = self.graph.row(node)
        return row is not None and self.sees(row)

    def edges(self, node: Node) -> list[tuple[Any, Node]]:
        """The visible heard_from steps out of `node` (a visible node), with their links."""
        if node not in self._edges:
            out = [
                (link, target)
                for link, target in self.graph.heard.get(node, [])
                if self.sees(link) and self.visible(target)
            ]
            if not out and node[0] == "information":
                info = self.graph.info[node[1]]
                source = ("source", info.source_id)
                if (
                    info.connection == SourceConnection.HEARSAY
                    and self.visible(source)
                    and self.edges(source)
                ):
                    out = [(None, source)]
            self._edges[node] = out
        return self._edges[node]

    def source_keys(self, source_id: int) -> frozenset[str]:
        source = self.graph.sources.get(source_id)
        keys = set()
        if source is not None and source.person_id:
            keys.add(f"person:{source.person_id}")
        if source is not None and source.organization_id:
            keys.add(f"organization:{source.organization_id}")
        return frozenset(keys or {f"source:{source_id}"})

    def origins(self, start: Node, used: list[Any]) -> frozenset[str]:
        reached, stack = {start}, [start]
        terminals = []
        while stack:
            node = stack.pop()
            steps = self.edges(node)
            if not steps:
                terminals.append(node)
            for link, target in steps:
                if link is not None:
                    used.append(link)
                if target not in reached:
                    reached.add(target)
                    used.append(self.graph.row(target))
                    stack.append(target)
        keys: set[str] = set()
        for kind, pk in terminals or reached:  # only cycles: every source in them
            source_id = self.graph.info[pk].source_id if kind == "information" else pk
            keys |= self.source_keys(source_id)
        return frozenset(keys)

    def chains(self, start: Node, limit: int) -> list[list[Node]]:
        """Hearsay paths from `start` to what it was finally heard from (a path that comes
        back to a record already on it stops there)."""
        found: list[list[Node]] = []

        def walk(path: list[Node]) -> None:
            steps = self.edges(path[-1])
            if not steps or len(path) >= MAX_CHAIN_LENGTH:
                found.append(path)
                return
            for _link, target in steps:
                if len(found) >= limit:
                    return
                if target in path:
                    found.append([*path, target])
                else:
                    walk([*path, target])

        if self.edges(start):
            walk([start])
        return found[:limit]

    def evaluate(self, kind: str, record_id: int, information_ids: Iterable[int]) -> Corroboration:
        used: list[Any] = []
        entries = []
        for pk in information_ids:
            info = self.graph.info.get(pk)
            if info is None or not self.sees(info):
                continue
            used.append(info)
            node = ("information", pk)
            heard = [target for _link, target in self.edges(node)]
            source = self.graph.sources.get(info.source_id)
            entries.append(
                InformationEntry(
                    pk=pk,
                    source_id=info.source_id,
                    testimony_id=info.testimony_id,
                    connection=info.connection,
                    credibility=info.credibility,
                    reliability=source.reliability if source and self.sees(source) else "",
                    first_hand=info.connection in FIRST_HAND_CONNECTIONS and not heard,
                    origin_keys=self.origins(node, used),
                    heard_from=heard,
                )
            )
        self._mark_contradictions(entries, used)
        groups, first_hand = _groups(entries)
        chains: list[list[Node]] = []
        for entry in entries:
            chains += self.chains(("information", entry.pk), MAX_CHAINS - len(chains))
        return Corroboration(
            kind=kind,
            record_id=record_id,
            information=entries,
            independent_sources=groups,
            first_hand=first_hand,
            hearsay_chains=chains,
            used=used,
        )

    def _mark_contradictions(self, entries: list[InformationEntry], used: list[Any]) -> None:
        by_end: dict[Node, set[int]] = {}
        for entry in entries:
            for end in (
                ("information", entry.pk),
                ("source", entry.source_id),
                ("testimony", entry.testimony_id),
            ):
                if end[1] is not None:
                    by_end.setdefault(end, set()).add(entry.pk)
        pairs: dict[int, set[int]] = {}
        for link, a, b in self.graph.contradicting:
            if a not in by_end or b not in by_end:
                continue
            if not (self.sees(link) and self.visible(a) and self.visible(b)):
                continue
            used += [link, self.graph.row(a), self.graph.row(b)]
            for one in by_end[a]:
                for other in by_end[b] - {one}:
                    pairs.setdefault(one, set()).add(other)
                    pairs.setdefault(other, set()).add(one)
        for entry in entries:
            entry.contradicts = sorted(pairs.get(entry.pk, ()))


def _groups(entries: list[InformationEntry]) -> tuple[int, int]:
    """(groups of information joined by shared origins, groups holding first-hand
    information): union-find over the origin keys."""
    parent: dict[str, str] = {}

    def root(key: str) -> str:
        while parent.setdefault(key, key) != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    for entry in entries:
        keys = sorted(entry.origin_keys)
        for key in keys[1:]:
            parent[root(key)] = root(keys[0])
    groups = {root(min(entry.origin_keys)) for entry in entries}
    first_hand = {root(min(entry.origin_keys)) for entry in entries if entry.first_hand}
    return len(groups), len(first_hand)


def check_kind(kind: str) -> str:
    if kind not in KINDS:
        raise NotCorroborated(f"corroboration is counted for acts and events, not {kind}")
    return kind


def corroboration_of(user: Any, kind: str, record: Any) -> Corroboration:
    """The corroboration of one act or event as `user` may see it (the caller has checked
    that `user` may see the record itself: records.access.access_record)."""
    check_kind(kind)
    about = information_about(kind, [record.pk])[record.pk]
    result = Evaluator(load_graph(about), viewer_predicate(user)).evaluate(kind, record.pk, about)
    named = {
        (key.split(":")[0], int(key.split(":")[1]))
        for entry in result.information
        for key in entry.origin_keys
        if not key.startswith("source:")
    }
    seen = visible_ids(user, named) if named else set()
    result.hidden_keys = {f"{kind}:{pk}" for kind, pk in named - seen}
    return result


def origin_keys(information_ids: Iterable[int], *, user: Any = None) -> dict[int, frozenset[str]]:
    """For each active information, the origins it rests on (module docstring, step 2); two
    pieces of information are independent when their sets are disjoint. Hearsay links are
    followed as `user` may see them; without a user, all of them (the caller decides what
    it shows). Withdrawn information, or information of a withdrawn source, is left out."""
    ids = sorted(set(information_ids))
    graph = load_graph(ids)
    evaluator = Evaluator(graph, sees_everything if user is None else viewer_predicate(user))
    return {pk: evaluator.origins(("information", pk), []) for pk in ids if pk in graph.info}


def evaluate_batch(kind: str, record_ids: Iterable[int], predicates: dict[str, Sees]) -> dict:
    """{record id: {predicate name: Corroboration}}: one load for many records, evaluated
    once per predicate (corroboration_store.py: one per clearance tier)."""
    about = information_about(check_kind(kind), record_ids)
    graph = load_graph({pk for infos in about.values() for pk in infos})
    evaluators = {name: Evaluator(graph, sees) for name, sees in predicates.items()}
    return {
        record_id: {
            name: evaluator.evaluate(kind, record_id, infos)
            for name, evaluator in evaluators.items()
        }
        for record_id, infos in about.items()
    }
