"""Evidence links as the rule of a standard of proof sees them, for one viewer.

`load_evidence(user, links)` loads, with a fixed number of queries whatever the number of
links (one or two per evidence kind present, plus the information behind them), what the
viewer may see of the evidence: its title, its grading and its origin units (rules.py).
Evidence the viewer may not see is absent from the answer, and information the viewer may not
see is not counted as an origin: a matrix, a gap list or an assessment computed for a user
never rests on what that user could not open.

What each kind of evidence rests on (its origin units):
- information: itself, with the origin keys of records.corroboration.origin_keys (its
  source's person or organization, else the source; hearsay traced back to its roots);
  first-hand when its connection is in FIRST_HAND_CONNECTIONS; hearsay when its connection is
  "hearsay" or it was `heard_from` someone; contradicted when a `contradicts` link touches it;
- testimony: the witness ("person:<id>", the witness speaks for themself) and every piece of
  information reported in it; first-hand when any of that information is;
- item: the testimony it belongs to (as above) or, failing that, the source a records link
  ties it to (a documentary origin of that source), else the item itself as a documentary
  origin ("item:<id>"); a document is first-hand when "document" is a first-hand connection;
- act, event: the information about it; involvement: the information about its act;
  source: the information it gave; any of them with no information the viewer sees rests
  on itself ("act:<id>"), one origin, never first-hand;
- link between records: the items supporting it, else the link itself (an analyst's
  finding, never first-hand).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q

from sillok.assessment.models import EvidenceLink
from sillok.assessment.rules import EvidenceFact, OriginUnit
from sillok.records.access import visible_records
from sillok.records.kinds import reference_of
from sillok.records.models import Link, Testimony
from sillok.records.titles import visible_titles

HEARSAY = "hearsay"
HEARD_FROM = "heard_from"
CONTRADICTS = "contradicts"
RELATIONS_VOCABULARY = "relation_types"


@dataclass
class EvidenceInfo:
    """One piece of evidence the viewer may see."""

    kind: str
    pk: int
    ref: str
    title: str
    grading: dict[str, str] = field(default_factory=dict)
    units: tuple[OriginUnit, ...] = ()


def source_key(source: dict[str, Any]) -> str:
    """The origin key of a source row (values with person_id, organization_id, pk)."""
    if source.get("person_id"):
        return f"person:{source['person_id']}"
    if source.get("organization_id"):
        return f"organization:{source['organization_id']}"
    return f"source:{source['pk']}"


class _Loader:
    """One viewer's batch of evidence; each step is one query."""

    def __init__(self, user: Any, wanted: dict[str, set[int]]) -> None:
        from sillok.records.corroboration import FIRST_HAND_CONNECTIONS

        self.user = user
        self.wanted = wanted
        self.first_hand_connections = FIRST_HAND_CONNECTIONS
        self.titles: dict[str, dict[int, str]] = {}
        self.info: dict[int, dict[str, Any]] = {}
        self.info_units: dict[int, OriginUnit] = {}

    def load(self) -> dict[tuple[str, int], EvidenceInfo]:
        for kind, ids in self.wanted.items():
            self.titles[kind] = visible_titles(self.user, kind, ids) if ids else {}
        item_testimony, item_source = self._item_owners()
        testimony_witness = self._testimony_witnesses(set(item_testimony.values()))
        involvement_act = self._involvement_acts()
        link_items = self._link_items()
        self._load_information(testimony_witness, involvement_act)
        return self._assemble(
            item_testimony, item_source, testimony_witness, involvement_act, link_items
        )

    def visible(self, kind: str) -> set[int]:
        return set(self.titles.get(kind, {}))

    def _item_owners(self) -> tuple[dict[int, int], dict[int, dict[str, Any]]]:
        """The visible testimony each visible item belongs to, and for the others the
        visible source a records link ties it to."""
        items = self.visible("item")
        if not items:
            return {}, {}
        through = Testimony.items.through
        testimonies = visible_records(self.user, "testimony").values("pk")
        owned = through.objects.filter(item_id__in=items, testimony_id__in=testimonies)
        item_testimony: dict[int, int] = {}
        for item_id, testimony_id in owned.order_by("testimony_id").values_list(
            "item_id", "testimony_id"
        ):
            item_testimony.setdefault(item_id, testimony_id)
        loose = items - set(item_testimony)
        item_source: dict[int, dict[str, Any]] = {}
        if loose:
            links = visible_records(self.user, "link").filter(
                Q(from_kind="source", to_kind="item", to_id__in=loose)
                | Q(to_kind="source", from_kind="item", from_id__in=loose)
            )
            pairs = [
                (row.to_id, row.from_id) if row.to_kind == "item" else (row.from_id, row.to_id)
                for row in links.only("from_kind", "from_id", "to_kind", "to_id")
            ]
            sources = {
                row["pk"]: row
                for row in visible_records(self.user, "source")
                .filter(pk__in={source for _, source in pairs})
                .values("pk", "person_id", "organization_id")
            }
            for item_id, source_id in sorted(pairs):
                if source_id in sources:
                    item_source.setdefault(item_id, sources[source_id])
        return item_testimony, item_source

    def _testimony_witnesses(self, extra: set[int]) -> dict[int, int]:
        ids = self.visible("testimony") | extra
        if not ids:
            return {}
        return dict(
            visible_records(self.user, "testimony")
            .filter(pk__in=ids)
            .values_list("pk", "witness_id")
        )

    def _involvement_acts(self) -> dict[int, int]:
        ids = self.visible("involvement")
        if not ids:
            return {}
        return dict(
            visible_records(self.user, "involvement").filter(pk__in=ids).values_list("pk", "act_id")
        )

    def _link_items(self) -> dict[int, set[int]]:
        ids = self.visible("link")
        if not ids:
            return {}
        from sillok.evidence.access import visible_items

        through = Link.items.through
        rows = through.objects.filter(
            link_id__in=ids, item_id__in=visible_items(self.user).values("pk")
        )
        found: dict[int, set[int]] = defaultdict(set)
        for link_id, item_id in rows.values_list("link_id", "item_id"):
            found[link_id].add(item_id)
        return found

    def _load_information(
        self,
        testimony_witness: dict[int, int],
        involvement_act: dict[int, int],
    ) -> None:
        """The visible information behind the evidence, with its origin keys and flags."""
        wanted = {
            "pk__in": self.visible("information"),
            "testimony_id__in": set(testimony_witness),
            "act_id__in": self.visible("act") | set(involvement_act.values()),
            "event_id__in": self.visible("event"),
            "source_id__in": self.visible("source"),
        }
        if not any(wanted.values()):
            return
        condition = Q()
        for lookup, ids in wanted.items():
            if ids:
                condition |= Q(**{lookup: ids})
        rows = visible_records(self.user, "information").filter(condition)
        self.info = {
            row["pk"]: row
            for row in rows.values(
                "pk",
                "source_id",
                "testimony_id",
                "act_id",
                "event_id",
                "connection",
                "credibility",
                "source__reliability",
            )
        }
        if not self.info:
            return
        from sillok.records.corroboration import origin_keys

        keys = origin_keys(self.info, user=self.user)
        heard, contradicted = self._relations(set(self.info))
        for pk, row in self.info.items():
            hearsay = row["connection"] == HEARSAY or pk in heard
            self.info_units[pk] = OriginUnit(
                keys=frozenset(keys.get(pk) or {f"source:{row['source_id']}"}),
                first_hand=not hearsay and row["connection"] in self.first_hand_connections,
                hearsay=hearsay,
                contradicted=pk in contradicted,
            )

    def _relations(self, info_ids: set[int]) -> tuple[set[int], set[int]]:
        """(information heard from someone, information marked as contradicted)."""
        # Only relations the viewer may see: a hidden contradiction must not mark a gap.
        links = (
            visible_records(self.user, "link")
            .filter(
                relation__vocabulary__slug=RELATIONS_VOCABULARY,
                relation__code__in=[HEARD_FROM, CONTRADICTS],
                withdrawn_at__isnull=True,
            )
            .filter(
                Q(from_kind="information", from_id__in=info_ids)
                | Q(to_kind="information", to_id__in=info_ids)
            )
        )
        heard: set[int] = set()
        contradicted: set[int] = set()
        for code, from_kind, from_id, to_kind, to_id in links.values_list(
            "relation__code", "from_kind", "from_id", "to_kind", "to_id"
        ):
            if code == HEARD_FROM and from_kind == "information":
                heard.add(from_id)
            if code == CONTRADICTS:
                contradicted |= {
                    pk
                    for kind, pk in ((from_kind, from_id), (to_kind, to_id))
                    if kind == "information"
                }
        return heard, contradicted

    def _units_where(self, column: str, value: int) -> list[OriginUnit]:
        return [self.info_units[pk] for pk, row in self.info.items() if row[column] == value]

    def _testimony_units(self, testimony_id: int, witness_id: int) -> tuple[OriginUnit, ...]:
        reported = self._units_where("testimony_id", testimony_id)
        # The witness is hearsay exactly when all they reported was heard from others
        # (and is contradicted when all of it is).
        hearsay = bool(reported) and all(unit.hearsay for unit in reported)
        contradicted = bool(reported) and all(unit.contradicted for unit in reported)
        witness = OriginUnit(
            keys=frozenset({f"person:{witness_id}"}), hearsay=hearsay, contradicted=contradicted
        )
        return (witness, *reported)

    @staticmethod
    def _own(kind: str, pk: int) -> tuple[OriginUnit, ...]:
        """A record with no information the viewer sees rests on itself: one origin, the
        documenter's finding, never first-hand."""
        return (OriginUnit(keys=frozenset({f"{kind}:{pk}"})),)

    def _document_unit(self, key: str) -> OriginUnit:
        return OriginUnit(
            keys=frozenset({key}), first_hand="document" in self.first_hand_connections
        )

    def _item_units(
        self,
        pk: int,
        item_testimony: dict[int, int],
        item_source: dict[int, dict[str, Any]],
        testimony_witness: dict[int, int],
    ) -> tuple[OriginUnit, ...]:
        testimony = item_testimony.get(pk)
        if testimony is not None and testimony in testimony_witness:
            return self._testimony_units(testimony, testimony_witness[testimony])
        if pk in item_source:
            return (self._document_unit(source_key(item_source[pk])),)
        return (self._document_unit(f"item:{pk}"),)

    def _assemble(
        self,
        item_testimony: dict[int, int],
        item_source: dict[int, dict[str, Any]],
        testimony_witness: dict[int, int],
        involvement_act: dict[int, int],
        link_items: dict[int, set[int]],
    ) -> dict[tuple[str, int], EvidenceInfo]:
        found: dict[tuple[str, int], EvidenceInfo] = {}
        for kind, titles in self.titles.items():
            for pk, title in titles.items():
                grading: dict[str, str] = {}
                if kind == "information" and pk in self.info:
                    units: tuple[OriginUnit, ...] = (self.info_units[pk],)
                    row = self.info[pk]
                    grading = {
                        "reliability": row["source__reliability"],
                        "credibility": row["credibility"],
                    }
                elif kind == "testimony":
                    units = self._testimony_units(pk, testimony_witness[pk])
                elif kind == "item":
                    units = self._item_units(pk, item_testimony, item_source, testimony_witness)
                elif kind in ("act", "event", "source"):
                    units = tuple(self._units_where(f"{kind}_id", pk)) or self._own(kind, pk)
                elif kind == "involvement":
                    act = involvement_act[pk]
                    units = tuple(self._units_where("act_id", act)) or self._own("act", act)
                elif kind == "link":
                    items = sorted(link_items.get(pk, ()))
                    units = tuple(self._document_unit(f"item:{i}") for i in items) or (
                        OriginUnit(keys=frozenset({f"link:{pk}"})),
                    )
                else:
                    units = ()
                found[(kind, pk)] = EvidenceInfo(
                    kind, pk, reference_of(kind, pk), title, grading, units
                )
        return found


def load_evidence(user: Any, links: Iterable[EvidenceLink]) -> dict[tuple[str, int], EvidenceInfo]:
    """{(kind, id): EvidenceInfo} for the evidence of `links` that `user` may see."""
    wanted: dict[str, set[int]] = defaultdict(set)
    for link in links:
        wanted[link.evidence_kind].add(int(link.evidence_id))
    if not wanted:
        return {}
    return _Loader(user, wanted).load()


def fact_of(link: EvidenceLink, info: EvidenceInfo) -> EvidenceFact:
    return EvidenceFact(
        link_id=link.pk, assessment=link.assessment, weight=link.weight, units=info.units
    )


def visible_facts(
    links: Iterable[EvidenceLink], evidence: dict[tuple[str, int], EvidenceInfo]
) -> list[EvidenceFact]:
    """The facts of the links whose evidence is in `evidence` (the others are hidden)."""
    return [
        fact_of(link, evidence[(link.evidence_kind, int(link.evidence_id))])
        for link in links
        if (link.evidence_kind, int(link.evidence_id)) in evidence
    ]
