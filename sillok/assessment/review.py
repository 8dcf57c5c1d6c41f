"""Element assessments and their four-eyes review.

An element of a charge is assessed by a legal expert (`do_assess_element`): the status the
rule of the case's standard of proof gives at that moment, from the evidence the assessor
may see, is stored as `computed_status`; the expert may override it (`override_status`), only
with a reason. The assessment then goes:

    draft --submit--> in_review --confirm (another legal expert)--> confirmed
                          \\--return (with a comment)--> draft

Confirming needs `assessment.review_assessment` and not being the assessor: an analyst
cannot, the assessor cannot. What was confirmed must stay what was confirmed, so any later
change sends the assessment back to draft, with a version saying why:
- assessing it again (a new override, reason or comment) resets it to draft, and the
  assessor becomes whoever assessed it last;
- a change of its evidence (a link added, reassessed or withdrawn for the same charge and
  element) calls `do_reopen_for_evidence` inside the link service's transaction;
- as a second lock, confirming refuses an assessment whose evidence links changed after it
  was last assessed (the reviewer would confirm something the assessor never saw).
Every step writes an AssessmentVersion and its audit entry (history.write_version) in the
same transaction as the change; nothing is deleted.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from sillok.assessment.access import (
    CaseActionRefused,
    access_case,
    check_can_change_case,
    check_can_review_assessments,
)
from sillok.assessment.case_input import CaseInputError, clean_text
from sillok.assessment.facts import load_evidence, visible_facts
from sillok.assessment.history import write_version
from sillok.assessment.matrix import case_rule, charge_elements
from sillok.assessment.models import (
    AssessmentVersion,
    CaseFile,
    CaseStatus,
    Charge,
    Element,
    ElementAssessment,
    ElementStatus,
    EvidenceLink,
    ReviewState,
)
from sillok.assessment.rules import evaluate

MAX_TEXT = 20000
# The versions after which the assessment reflects its evidence as it then was.
ASSESSED_ACTIONS = ("created", "edited", "reopened")
STATUS_WORDS = {
    ElementStatus.NO_EVIDENCE: ("no_evidence", "no evidence", "증거 없음"),
    ElementStatus.INSUFFICIENT: ("insufficient", "not yet met", "not met", "미충족", "불충분"),
    ElementStatus.CONTRADICTED: ("contradicted", "반박됨", "상충"),
    ElementStatus.MET: ("met", "충족"),
}


def parse_status(value: Any) -> str:
    """An element status as stored, from the stored value or an English or Korean word."""
    typed = " ".join(str(value or "").strip().lower().replace("_", " ").split())
    for stored, words in STATUS_WORDS.items():
        if typed in words or typed == str(stored.label).lower():
            return str(stored)
    allowed = ", ".join(f"{stored} ({words[-1]})" for stored, words in STATUS_WORDS.items())
    raise CaseInputError(
        "override_status",
        _("%(value)r is not one of: %(allowed)s")
        % {"value": value, "allowed": allowed},  # fmt: skip
    )


def lock_case(user: Any, case: CaseFile, *, change: bool) -> CaseFile:
    # Two experts acting on one case at once: the second waits and sees the first's result.
    locked = access_case(user, case.pk, for_update=True)
    if change:
        check_can_change_case(user, locked)
    elif locked.status == CaseStatus.CLOSED:
        raise CaseActionRefused(_("this case is closed; reopen it before changing it"))
    return locked


def _bump(row: ElementAssessment) -> None:
    row.revision += 1
    row.updated_at = timezone.now()
    row.save()


def computed_status(user: Any, charge: Charge, element: Element) -> str:
    """What the rule of the case's standard says now about one element, from the evidence
    `user` may see."""
    links = list(
        EvidenceLink.objects.filter(charge=charge, element=element, withdrawn_at__isnull=True)
    )
    facts = visible_facts(links, load_evidence(user, links))
    return evaluate(facts, case_rule(charge.case)).status


def _check_element(charge: Charge, element: Element) -> None:
    allowed = {entry.element.pk for entry in charge_elements(charge, {})}
    if not isinstance(element, Element) or element.pk not in allowed:
        raise CaseInputError(
            "element",
            _("%(code)s is not an element of this charge (%(crime)s by %(mode)s)")
            % {
                "code": getattr(element, "code", element),
                "crime": charge.crime.code,
                "mode": charge.mode.code,
            },  # fmt: skip
        )


def _clear_review(row: ElementAssessment) -> None:
    row.review_state = ReviewState.DRAFT
    row.reviewer = None
    row.reviewed_at = None
    row.review_comment = ""


def do_assess_element(
    user: Any,
    charge: Charge,
    element: Element,
    *,
    override_status: str = "",
    override_reason: str = "",
    comment: str = "",
) -> ElementAssessment:
    """Assess one element of one charge (again): the rule's status now, the expert's override
    with its mandatory reason, a comment. A submitted or confirmed assessment goes back to
    draft; `user` becomes its assessor."""
    override = parse_status(override_status) if str(override_status or "").strip() else ""
    reason = clean_text("override_reason", override_reason, max_length=MAX_TEXT)
    comment = clean_text("comment", comment, max_length=MAX_TEXT)
    if override and not reason:
        raise CaseInputError("override_reason", _("say why you override the computed status"))
    if reason and not override:
        raise CaseInputError("override_status", _("a reason needs the status it overrides to"))
    with transaction.atomic():
        case = lock_case(user, charge.case, change=True)
        charge = Charge.objects.select_related("case", "crime", "mode").get(pk=charge.pk)
        if charge.case_id != case.pk or charge.withdrawn_at is not None:
            raise CaseInputError("charge", _("this charge was withdrawn"))
        _check_element(charge, element)
        status = computed_status(user, charge, element)
        row = (
            ElementAssessment.objects.select_for_update()
            .filter(charge=charge, element=element)
            .first()
        )
        if row is None:
            row = ElementAssessment.objects.create(
                case=case,
                charge=charge,
                element=element,
                computed_status=status,
                override_status=override,
                override_reason=reason,
                comment=comment,
                assessor=user,
                created_by=user,
            )
            write_version(user, row, "assessment", "created", reason=reason)
            return row
        action = "edited" if row.review_state == ReviewState.DRAFT else "reopened"
        row.computed_status, row.override_status = status, override
        row.override_reason, row.comment, row.assessor = reason, comment, user
        row.withdrawn_at, row.withdrawn_reason = None, ""
        _clear_review(row)
        _bump(row)
        write_version(user, row, "assessment", action, reason=reason)
    return row


def _locked_assessment(user: Any, assessment: ElementAssessment, *, change: bool) -> Any:
    lock_case(user, assessment.case, change=change)
    row = ElementAssessment.objects.select_for_update().get(pk=assessment.pk)
    if row.withdrawn_at is not None:
        raise CaseActionRefused(_("this assessment was withdrawn"))
    return row


def do_submit_assessment(user: Any, assessment: ElementAssessment) -> ElementAssessment:
    """Send a draft assessment for review by a second legal expert."""
    with transaction.atomic():
        row = _locked_assessment(user, assessment, change=True)
        if row.review_state != ReviewState.DRAFT:
            raise CaseActionRefused(_("only a draft assessment can be sent for review"))
        row.review_state = ReviewState.IN_REVIEW
        _bump(row)
        write_version(user, row, "assessment", "submitted")
    return row


def _check_reviewer(user: Any, row: ElementAssessment) -> None:
    check_can_review_assessments(user)
    if row.assessor_id == user.pk:
        raise CaseActionRefused(
            _("four eyes: a second legal expert, not the assessor, reviews an assessment")
        )
    if row.review_state != ReviewState.IN_REVIEW:
        raise CaseActionRefused(_("only an assessment sent for review can be reviewed"))


def evidence_changed_since(row: ElementAssessment) -> bool:
    """Whether a link of the element was added, reassessed or withdrawn after the
    assessment was last assessed (its last "created", "edited" or "reopened" version)."""
    since = (
        AssessmentVersion.objects.filter(
            kind="assessment", object_id=row.pk, action__in=ASSESSED_ACTIONS
        )
        .order_by("-number")
        .values_list("created_at", flat=True)
        .first()
    ) or row.updated_at
    return (
        EvidenceLink.objects.filter(charge_id=row.charge_id, element_id=row.element_id)
        .filter(Q(created_at__gt=since) | Q(updated_at__gt=since) | Q(assessed_at__gt=since))
        .exists()
    )


def do_confirm_assessment(
    user: Any, assessment: ElementAssessment, *, comment: str = ""
) -> ElementAssessment:
    """A second legal expert confirms an assessment in review: it becomes final."""
    comment = clean_text("comment", comment, max_length=MAX_TEXT)
    with transaction.atomic():
        row = _locked_assessment(user, assessment, change=False)
        _check_reviewer(user, row)
        if evidence_changed_since(row):
            raise CaseActionRefused(
                _(
                    "the evidence of this element changed since it was assessed; "
                    "it must be assessed again"
                )
            )
        row.review_state = ReviewState.CONFIRMED
        row.reviewer, row.reviewed_at, row.review_comment = user, timezone.now(), comment
        _bump(row)
        write_version(user, row, "assessment", "confirmed", reason=comment)
    return row


def do_return_assessment(
    user: Any, assessment: ElementAssessment, *, comment: str
) -> ElementAssessment:
    """The reviewer sends an assessment back to its assessor, saying what to change."""
    comment = clean_text("comment", comment, max_length=MAX_TEXT, required=True)
    with transaction.atomic():
        row = _locked_assessment(user, assessment, change=False)
        _check_reviewer(user, row)
        row.review_state = ReviewState.DRAFT
        row.reviewer, row.reviewed_at, row.review_comment = user, timezone.now(), comment
        _bump(row)
        write_version(user, row, "assessment", "returned", reason=comment)
    return row


def do_reopen_for_evidence(user: Any, link: EvidenceLink, *, reason: str = "") -> None:
    """Send the assessment of `link`'s element back to draft when it was in review or
    confirmed. Call inside the transaction that changed the link (case locked)."""
    row = (
        ElementAssessment.objects.select_for_update()
        .filter(charge_id=link.charge_id, element_id=link.element_id, withdrawn_at__isnull=True)
        .exclude(review_state=ReviewState.DRAFT)
        .first()
    )
    if row is None:
        return
    _clear_review(row)
    _bump(row)
    why = reason or _("the evidence of this element changed (link %(id)d)") % {"id": link.pk}
    write_version(user, row, "assessment", "reopened", reason=why)
