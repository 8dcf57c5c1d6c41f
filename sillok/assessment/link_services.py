"""Evidence links: linking a piece of evidence to an element of a charge, and assessing it
again. Each in one transaction with its version and audit entry (history.py); a change of an
element's evidence sends its submitted or confirmed assessment back to draft (review.py)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sillok.assessment.case_input import (
    CaseInputError,
    clean_text,
    parse_assessment,
    parse_weight,
)
from sillok.assessment.case_rows import (
    MAX_TEXT,
    bump,
    check_active,
    check_revision,
    lock_case,
    lock_row,
)
from sillok.assessment.elements import elements_for_charge
from sillok.assessment.evidence_refs import EvidenceNotFound, EvidenceRefError, fetch_evidence
from sillok.assessment.history import write_version
from sillok.assessment.models import Charge, Element, EvidenceLink
from sillok.assessment.passages import check_passage, parse_passage


def _check_charge_element(charge: Charge, element: Any) -> Element:
    allowed = {entry.element.pk for entry in elements_for_charge(charge.crime, charge.mode)}
    if not isinstance(element, Element) or element.pk not in allowed:
        code = getattr(element, "code", element)
        raise CaseInputError(
            "element",
            _("%(code)s is not an element of this charge (%(crime)s by %(mode)s)")
            % {"code": code, "crime": charge.crime.code, "mode": charge.mode.code},
        )
    return element


def _check_evidence(user: Any, kind: str, pk: Any, passage: Any) -> tuple[Any, dict]:
    try:
        evidence = fetch_evidence(user, str(kind), int(pk))
    except (EvidenceNotFound, EvidenceRefError, TypeError, ValueError) as exc:
        raise CaseInputError("evidence", str(exc)) from None
    if isinstance(passage, str):
        passage = parse_passage(passage)
    passage = dict(passage or {})
    if passage and kind != "item":
        raise CaseInputError("passage", _("a passage narrows an item; this is a record"))
    if passage:
        try:
            passage = check_passage(evidence, passage)
        except ValueError as exc:
            raise CaseInputError("passage", str(exc)) from None
    return evidence, passage


def reopen_assessment(user: Any, link: EvidenceLink) -> None:
    """What was assessed (and perhaps confirmed) no longer reflects the element's evidence:
    its assessment goes back to draft, in this transaction (review.py)."""
    from sillok.assessment.review import do_reopen_for_evidence

    do_reopen_for_evidence(user, link)


def do_link_evidence(
    user: Any,
    charge: Charge,
    element: Element,
    *,
    evidence_kind: str,
    evidence_id: int,
    passage: dict | str | None = None,
    assessment: str = "supports",
    weight: str = "medium",
    comment: str = "",
) -> EvidenceLink:
    """Link a piece of evidence the user may see (an item, down to a passage, or a record)
    to one element of one charge, assessed as supporting, contradicting or context."""
    assessment = parse_assessment(assessment)
    weight = parse_weight(weight)
    comment = clean_text("comment", comment, max_length=MAX_TEXT)
    try:
        passage = parse_passage(passage) if isinstance(passage, str) else passage
    except ValueError as exc:
        raise CaseInputError("passage", str(exc)) from None
    with transaction.atomic():
        locked = lock_case(user, charge.case)
        charge = Charge.objects.select_related("crime", "mode").get(pk=charge.pk)
        if charge.case_id != locked.pk or charge.withdrawn_at is not None:
            raise CaseInputError("charge", _("this charge was withdrawn"))
        element = _check_charge_element(charge, element)
        evidence, passage = _check_evidence(user, evidence_kind, evidence_id, passage)
        duplicate = EvidenceLink.objects.filter(
            charge=charge,
            element=element,
            evidence_kind=evidence_kind,
            evidence_id=evidence.pk,
            withdrawn_at__isnull=True,
        )
        if any(link.passage == passage for link in duplicate):
            raise CaseInputError(
                "evidence", _("is already linked to this element with this passage")
            )
        link = EvidenceLink.objects.create(
            case=locked,
            charge=charge,
            element=element,
            evidence_kind=evidence_kind,
            evidence_id=evidence.pk,
            passage=passage,
            assessment=assessment,
            weight=weight,
            comment=comment,
            assessor=user,
            created_by=user,
        )
        write_version(user, link, "link", "created")
        reopen_assessment(user, link)
    return link


def do_reassess_link(
    user: Any,
    link: EvidenceLink,
    *,
    revision: int | None,
    assessment: str | None = None,
    weight: str | None = None,
    comment: str | None = None,
) -> EvidenceLink:
    """Assess a link again (supports/contradicts/context, weight, comment); the user becomes
    its assessor. The evidence must still be visible to them."""
    values: dict[str, Any] = {}
    if assessment is not None:
        values["assessment"] = parse_assessment(assessment)
    if weight is not None:
        values["weight"] = parse_weight(weight)
    if comment is not None:
        values["comment"] = clean_text("comment", comment, max_length=MAX_TEXT)
    with transaction.atomic():
        _case, locked = lock_row(user, link)
        check_revision(locked, revision)
        check_active(locked)
        _check_evidence(user, locked.evidence_kind, locked.evidence_id, None)
        changed = [name for name, value in values.items() if getattr(locked, name) != value]
        if not changed:
            return locked
        for name in changed:
            setattr(locked, name, values[name])
        locked.assessor = user
        locked.assessed_at = timezone.now()
        bump(locked)
        write_version(user, locked, "link", "reassessed")
        reopen_assessment(user, locked)
    return locked
