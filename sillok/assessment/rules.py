"""The rule of a standard of proof, applied to the evidence linked to one element.

A standard's rule (Element.data["rule"] of a standard, frameworks.standard_rule fills in the
defaults) reads: the element is *met* when, among the SUPPORTING evidence links of at least
`weight`, there are at least `independent_sources` independent origins, at least `first_hand`
of them first-hand, and (when `uncontradicted`) no CONTRADICTING link of at least that weight.

What an "origin" is comes from assessment/facts.py: every evidence link is reduced to its
origin units (one per piece of information it rests on, each with the origin keys of
records.corroboration: "person:<id>", "organization:<id>", "source:<id>", or "item:<id>"
for a document that belongs to no one). Two units are independent when their key sets are
disjoint; units that share a key are one origin, and so are chains of them (one witness
heard by two sources is one origin, however many links repeat it). Counting connected
groups is conservative: it never counts two sources as independent when any path of shared
origins joins them.

The statuses (models.ElementStatus), in this order:
1. no supporting and no contradicting link: `no_evidence`;
2. the rule asks for no contradiction and a contradicting link of the weight exists:
   `contradicted`;
3. the counts are reached: `met`;
4. no supporting link at all, only contradicting ones: `contradicted`;
5. otherwise `insufficient` ("not yet met").
Links assessed as "context" never count either way.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from sillok.assessment.models import Assessment, ElementStatus, Weight

WEIGHT_RANK = {Weight.LOW: 1, Weight.MEDIUM: 2, Weight.HIGH: 3}
DEFAULT_RULE = {
    "independent_sources": 2,
    "first_hand": 1,
    "weight": Weight.MEDIUM.value,
    "uncontradicted": False,
}


@dataclass(frozen=True)
class OriginUnit:
    """One piece of information (or one document) an evidence link rests on."""

    keys: frozenset[str]
    first_hand: bool = False
    hearsay: bool = False
    # Marked as contradicted in the records (a `contradicts` link on its information).
    contradicted: bool = False


@dataclass(frozen=True)
class EvidenceFact:
    """An evidence link as the rule sees it."""

    link_id: int
    assessment: str
    weight: str
    units: tuple[OriginUnit, ...] = ()

    @property
    def first_hand(self) -> bool:
        return any(unit.first_hand for unit in self.units)

    @property
    def origin_keys(self) -> frozenset[str]:
        return frozenset().union(*(unit.keys for unit in self.units))

    @property
    def hearsay_only(self) -> bool:
        return bool(self.units) and all(unit.hearsay for unit in self.units)

    def at_least(self, weight: str) -> bool:
        return WEIGHT_RANK.get(self.weight, 0) >= WEIGHT_RANK.get(weight, 2)


@dataclass
class RuleResult:
    status: str
    independent_sources: int = 0  # among supporting links of the rule's weight
    first_hand: int = 0  # independent origins with a first-hand unit, same links
    supporting: int = 0  # supporting links, any weight
    contradicting: int = 0  # contradicting links, any weight
    reasons: list[str] = field(default_factory=list)


def normalise_rule(rule: dict | None) -> dict:
    """The rule with every key present and of the right type; unknown weights read as medium."""
    merged = {**DEFAULT_RULE, **(rule or {})}
    weight = merged["weight"] if merged["weight"] in WEIGHT_RANK else Weight.MEDIUM.value
    return {
        "independent_sources": max(int(merged["independent_sources"]), 1),
        "first_hand": max(int(merged["first_hand"]), 0),
        "weight": str(weight),
        "uncontradicted": bool(merged["uncontradicted"]),
    }


def origin_groups(units: Iterable[OriginUnit]) -> list[list[OriginUnit]]:
    """Units joined when they share an origin key, directly or through others (union-find
    over the keys). A unit without keys stands alone."""
    units = list(units)
    parent: dict[str, str] = {}

    def find(key: str) -> str:
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    for index, unit in enumerate(units):
        keys = sorted(unit.keys) or [f"unit:{index}"]
        for key in keys:
            parent.setdefault(key, key)
        for key in keys[1:]:
            parent[find(key)] = find(keys[0])
    groups: dict[str, list[OriginUnit]] = {}
    for index, unit in enumerate(units):
        first = min(unit.keys) if unit.keys else f"unit:{index}"
        groups.setdefault(find(first), []).append(unit)
    return list(groups.values())


def count_origins(facts: Iterable[EvidenceFact]) -> tuple[int, int]:
    """(independent origins, of them first-hand) among the units of `facts`."""
    groups = origin_groups(unit for fact in facts for unit in fact.units)
    return len(groups), sum(1 for group in groups if any(u.first_hand for u in group))


def evaluate(links: list[EvidenceFact], rule: dict) -> RuleResult:
    """The status of one element from its evidence links under `rule` (module docstring)."""
    rule = normalise_rule(rule)
    supporting = [f for f in links if f.assessment == Assessment.SUPPORTS]
    contradicting = [f for f in links if f.assessment == Assessment.CONTRADICTS]
    weighty = [f for f in supporting if f.at_least(rule["weight"])]
    independent, first_hand = count_origins(weighty)
    result = RuleResult(
        status=ElementStatus.INSUFFICIENT.value,
        independent_sources=independent,
        first_hand=first_hand,
        supporting=len(supporting),
        contradicting=len(contradicting),
    )
    contradicted = any(f.at_least(rule["weight"]) for f in contradicting)
    if not supporting and not contradicting:
        result.status = ElementStatus.NO_EVIDENCE.value
        result.reasons.append(_("No evidence is linked to this element."))
        return result
    if rule["uncontradicted"] and contradicted:
        result.status = ElementStatus.CONTRADICTED.value
        result.reasons.append(_("Evidence of the required weight contradicts this element."))
        return result
    if independent >= rule["independent_sources"] and first_hand >= rule["first_hand"]:
        result.status = ElementStatus.MET.value
        result.reasons.append(_count_reason(independent, first_hand))
        return result
    if not supporting:
        result.status = ElementStatus.CONTRADICTED.value
        result.reasons.append(_("Only contradicting evidence is linked to this element."))
        return result
    result.reasons.append(_count_reason(independent, first_hand))
    if independent < rule["independent_sources"]:
        result.reasons.append(
            ngettext(
                "The standard needs %(count)d independent source.",
                "The standard needs %(count)d independent sources.",
                rule["independent_sources"],
            )
            % {"count": rule["independent_sources"]}
        )
    if first_hand < rule["first_hand"]:
        result.reasons.append(
            ngettext(
                "The standard needs %(count)d first-hand source.",
                "The standard needs %(count)d first-hand sources.",
                rule["first_hand"],
            )
            % {"count": rule["first_hand"]}
        )
    return result


def _count_reason(independent: int, first_hand: int) -> str:
    return ngettext(
        "%(count)d independent source of the required weight, %(first)d first-hand.",
        "%(count)d independent sources of the required weight, %(first)d first-hand.",
        independent,
    ) % {"count": independent, "first": first_hand}


def _weight_phrase(weight: str) -> str:
    return {
        Weight.LOW.value: _("of low weight or more"),
        Weight.MEDIUM.value: _("of medium weight or more"),
        Weight.HIGH.value: _("of high weight"),
    }[weight]


def rule_text(rule: dict, language: str) -> str:
    """The rule in words, in `language` ("en" or "ko"): "at least 2 independent sources of
    medium weight or more, at least 1 of them first-hand"."""
    rule = normalise_rule(rule)
    with translation.override(language):
        text = ngettext(
            "at least %(count)d independent source %(weight)s",
            "at least %(count)d independent sources %(weight)s",
            rule["independent_sources"],
        ) % {"count": rule["independent_sources"], "weight": _weight_phrase(rule["weight"])}
        if rule["first_hand"]:
            text += ngettext(
                ", at least %(count)d of them first-hand",
                ", at least %(count)d of them first-hand",
                rule["first_hand"],
            ) % {"count": rule["first_hand"]}
        if rule["uncontradicted"]:
            text += _(", and no contradicting evidence of that weight")
        return str(text)
