"""The proof matrix of a case file, as one viewer may see it.

For every charge (crime × suspect × mode of liability), each of its elements (contextual,
crime-specific, mode; elements.elements_for_charge) with the evidence linked to it, the
element's status under the case's standard of proof (rules.py) and its assessment.

What the viewer may not see is not there: an evidence link whose item or record the viewer may
not open is left out of the element's list, its counts, its status and its gaps, exactly as if
it had never been linked; origin keys naming a person, organization or source the viewer may
not open read "withheld:N". `computed_status` is therefore always the rule applied now to what
the viewer sees; `status` is the expert's override where there is one, else that.

Cost: a fixed number of queries whatever the number of links (the charges, the links, the
assessments, the suspects' names, two or three per evidence kind and per framework branch;
tests/assessment/test_matrix.py bounds it), never one per link.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from sillok.assessment.facts import EvidenceInfo, load_evidence, visible_facts
from sillok.assessment.models import (
    CaseFile,
    Charge,
    Element,
    ElementAssessment,
    EvidenceLink,
)
from sillok.assessment.passages import describe_passage
from sillok.assessment.rules import RuleResult, count_origins, evaluate, rule_text
from sillok.records.access import visible_ids
from sillok.records.kinds import reference_of
from sillok.records.titles import visible_titles

MASKED_KINDS = ("person", "organization", "source")


@dataclass
class ElementView:
    """One element of one charge with what the viewer sees of its evidence."""

    section: str
    element: Element
    links: list[EvidenceLink]  # visible links only
    result: RuleResult
    assessment: ElementAssessment | None
    facts: list = field(default_factory=list)


@dataclass
class ChargeView:
    charge: Charge
    elements: list[ElementView]


@dataclass
class CaseView:
    """Everything the matrix and the gap analysis read, loaded once."""

    case: CaseFile
    rule: dict
    charges: list[ChargeView]
    evidence: dict[tuple[str, int], EvidenceInfo]


def case_rule(case: CaseFile) -> dict:
    from sillok.assessment.elements import standard_rule

    return standard_rule(case.standard)


def charge_elements(charge: Charge, cache: dict) -> list:
    """The charge's elements, once per (crime, mode) pair."""
    from sillok.assessment.elements import elements_for_charge

    key = (charge.crime_id, charge.mode_id)
    if key not in cache:
        cache[key] = elements_for_charge(charge.crime, charge.mode)
    return cache[key]


def load_case_view(user: Any, case: CaseFile) -> CaseView:
    """The charges of `case`, each element with its visible evidence and its status."""
    charges = list(
        case.charges.filter(withdrawn_at__isnull=True).select_related(
            "crime", "mode", "suspect__person", "suspect__organization"
        )
    )
    links = list(
        case.evidence_links.filter(withdrawn_at__isnull=True)
        .select_related("assessor")
        .order_by("pk")
    )
    assessments = {
        (row.charge_id, row.element_id): row
        for row in case.assessments.filter(withdrawn_at__isnull=True).select_related(
            "assessor", "reviewer"
        )
    }
    evidence = load_evidence(user, links)
    by_element: dict[tuple[int, int], list[EvidenceLink]] = {}
    for link in links:
        if (link.evidence_kind, int(link.evidence_id)) in evidence:
            by_element.setdefault((link.charge_id, link.element_id), []).append(link)
    rule = case_rule(case)
    cache: dict = {}
    views = []
    for charge in charges:
        elements = []
        for charge_element in charge_elements(charge, cache):
            element = charge_element.element
            element_links = by_element.get((charge.pk, element.pk), [])
            facts = visible_facts(element_links, evidence)
            elements.append(
                ElementView(
                    section=charge_element.section,
                    element=element,
                    links=element_links,
                    result=evaluate(facts, rule),
                    assessment=assessments.get((charge.pk, element.pk)),
                    facts=facts,
                )
            )
        views.append(ChargeView(charge, elements))
    return CaseView(case, rule, views, evidence)


def _username(user: Any) -> str:
    return user.get_username() if user is not None else ""


def _when(value: Any) -> str | None:
    return value.isoformat() if value else None


def _term(element: Element) -> dict[str, str]:
    return {"code": element.code, "label_en": element.label_en, "label_ko": element.label_ko}


def _suspect_labels(user: Any, charges: list[ChargeView]) -> dict[tuple[str, int], str]:
    """Names of the suspects' records the viewer may see (one query per kind)."""
    wanted: dict[str, set[int]] = {"person": set(), "organization": set()}
    for view in charges:
        suspect = view.charge.suspect
        if suspect.person_id:
            wanted["person"].add(suspect.person_id)
        else:
            wanted["organization"].add(suspect.organization_id)
    labels: dict[tuple[str, int], str] = {}
    for kind, ids in wanted.items():
        if ids:
            labels.update({(kind, pk): t for pk, t in visible_titles(user, kind, ids).items()})
    return labels


class KeyMask:
    """Origin keys the viewer may not open become "withheld:N", numbered consistently
    within one matrix (two links resting on the same hidden witness show the same N)."""

    def __init__(self, user: Any, evidence: dict[tuple[str, int], EvidenceInfo]) -> None:
        refs = set()
        for info in evidence.values():
            for unit in info.units:
                for key in unit.keys:
                    kind, _, pk = key.partition(":")
                    if kind in MASKED_KINDS and pk.isdigit():
                        refs.add((kind, int(pk)))
        self.hidden = refs - visible_ids(user, refs)
        self.numbers: dict[tuple[str, int], int] = {}

    def show(self, keys: frozenset[str]) -> list[str]:
        shown = []
        for key in sorted(keys):
            kind, _, pk = key.partition(":")
            ref = (kind, int(pk)) if pk.isdigit() else None
            if ref in self.hidden:
                number = self.numbers.setdefault(ref, len(self.numbers) + 1)
                shown.append(f"withheld:{number}")
            else:
                shown.append(key)
        return shown


def _evidence_row(link: EvidenceLink, info: EvidenceInfo, mask: KeyMask) -> dict[str, Any]:
    return {
        "id": link.pk,
        "kind": link.evidence_kind,
        "ref": info.ref,
        "title": info.title,
        "passage": link.passage or {},
        "passage_label": describe_passage(link.passage),
        "assessment": link.assessment,
        "weight": link.weight,
        "first_hand": any(unit.first_hand for unit in info.units),
        "origin_keys": mask.show(frozenset().union(*(u.keys for u in info.units))),
        "grading": dict(info.grading),
        "assessor": _username(link.assessor),
        "assessed_at": _when(link.assessed_at),
        "comment": link.comment,
    }


def _element_row(view: ElementView, evidence: dict, mask: KeyMask, gaps: list[str]) -> dict:
    assessment = view.assessment
    computed = view.result.status
    override = assessment.override_status if assessment else ""
    return {
        **_term(view.element),
        "section": view.section,
        "reference": view.element.reference,
        "status": override or computed,
        "computed_status": computed,
        "override_status": override,
        "override_reason": assessment.override_reason if assessment else "",
        "review_state": assessment.review_state if assessment else "none",
        "assessor": _username(assessment.assessor) if assessment else "",
        "reviewer": _username(assessment.reviewer) if assessment else "",
        "independent_sources": view.result.independent_sources,
        "first_hand": view.result.first_hand,
        "supporting": view.result.supporting,
        "contradicting": view.result.contradicting,
        "gaps": gaps,
        "evidence": [
            _evidence_row(link, evidence[(link.evidence_kind, int(link.evidence_id))], mask)
            for link in view.links
        ],
    }


def gap_kinds(view: ElementView) -> list[str]:
    """The gaps of one element (gaps.py explains each kind), in a fixed order."""
    facts = view.facts
    supporting = [f for f in facts if f.assessment == "supports"]
    contradicting = [f for f in facts if f.assessment == "contradicts"]
    if not supporting and not contradicting:
        return ["no_evidence"]
    kinds = []
    units = [unit for fact in supporting for unit in fact.units]
    independent, _first = count_origins(supporting)
    if supporting and independent == 1:
        kinds.append("single_source")
    if units and all(unit.hearsay for unit in units):
        kinds.append("hearsay_only")
    standing = [unit for unit in units if not unit.contradicted]
    if not standing and (contradicting or units):
        kinds.append("contradicted_only")
    return kinds


def build_matrix(user: Any, case: CaseFile) -> dict[str, Any]:
    """The matrix of `case` for `user` (who was allowed to see the case: access_case)."""
    view = load_case_view(user, case)
    mask = KeyMask(user, view.evidence)
    suspects = _suspect_labels(user, view.charges)
    standard = case.standard
    charges = []
    for charge_view in view.charges:
        charge = charge_view.charge
        suspect = charge.suspect
        kind = "person" if suspect.person_id else "organization"
        record_id = suspect.person_id or suspect.organization_id
        ref = reference_of(kind, record_id)
        charges.append(
            {
                "id": charge.pk,
                "crime": _term(charge.crime),
                "suspect": {
                    "id": suspect.pk,
                    "ref": ref,
                    "label": suspects.get((kind, record_id), ref),
                },
                "mode": _term(charge.mode),
                "elements": [
                    _element_row(element, view.evidence, mask, gap_kinds(element))
                    for element in charge_view.elements
                ],
            }
        )
    return {
        "case": {
            "id": case.pk,
            "title": case.title,
            "compartment": case.compartment.code,
            "framework": case.framework.code,
            "standard": {
                "code": standard.code,
                "label_en": standard.label_en,
                "label_ko": standard.label_ko,
                "rule_en": rule_text(view.rule, "en"),
                "rule_ko": rule_text(view.rule, "ko"),
            },
        },
        "generated_at": timezone.now().isoformat(),
        "charges": charges,
        "withheld": [],
    }
