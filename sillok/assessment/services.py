"""Every change to a case file: open and edit it, its members, suspects, charges, evidence
links and tasks, and withdrawing any of its rows.

Each runs in one transaction that locks the case (or the row it changes), checks the input,
writes the change, its AssessmentVersion and its audit entry (history.py): a refused or
failed change leaves none of them. The case is fetched again through access_case inside the
transaction, so a service refuses a case its caller may no longer see exactly like a missing
one, whatever the caller passed in. Edits name the revision they were made against: an edit of
a row someone changed since is refused (StaleRevision). Nothing is deleted: rows are withdrawn
with a reason, a case is closed. What every service shares is in case_rows.py; evidence links
and tasks have modules of their own (link_services.py, task_services.py), whose operations
callers take from here.
"""

from __future__ import annotations

from typing import Any

from django.db import models, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from sillok.accounts.clearance import forget_compartments
from sillok.accounts.compartments import do_create_compartment, do_grant, do_revoke
from sillok.accounts.models import Compartment
from sillok.assessment.access import (
    CaseActionRefused,
    access_case,
    check_can_change_case,
)
from sillok.assessment.case_input import (
    CaseInputError,
    clean_text,
    parse_sensitivity,
)
from sillok.assessment.case_rows import (
    MAX_REASON,
    MAX_TEXT,
    MAX_TITLE,
    StaleRevision,
    bump,
    check_active,
    check_revision,
    lock_case,
    lock_row,
    member_user,
)
from sillok.assessment.history import write_version

# Links and tasks have modules of their own; callers use their operations from here.
from sillok.assessment.link_services import do_link_evidence, do_reassess_link, reopen_assessment
from sillok.assessment.models import (
    CaseFile,
    CaseStatus,
    CaseTask,
    Charge,
    Element,
    ElementAssessment,
    ElementKind,
    EvidenceLink,
    Framework,
    PatternQuery,
    Suspect,
)
from sillok.assessment.task_services import do_create_task, do_update_task
from sillok.core.sensitivity import Sensitivity, cleared_levels
from sillok.records.access import RecordNotFound, access_record

__all__ = [
    "StaleRevision",
    "do_add_charge",
    "do_add_member",
    "do_add_suspect",
    "do_create_case",
    "do_create_task",
    "do_link_evidence",
    "do_reassess_link",
    "do_remove_member",
    "do_update_case",
    "do_update_task",
    "do_withdraw",
]

ROW_KINDS: dict[type[models.Model], str] = {
    Suspect: "suspect",
    Charge: "charge",
    CaseTask: "task",
    EvidenceLink: "link",
    ElementAssessment: "assessment",
    PatternQuery: "pattern",
}


# --- the case itself -------------------------------------------------------------------------


def _compartment_code(title: str) -> str:
    """A free compartment code from the title: "case-detention-facility-14", "-2" etc."""
    base = "case-" + (slugify(title)[:48].strip("-") or "file")
    code, number = base, 1
    while Compartment.objects.filter(code=code).exists():
        number += 1
        code = f"{base}-{number}"
    return code


def _check_standard(framework: Any, standard: Any) -> tuple[Framework, Element]:
    if not isinstance(framework, Framework):
        raise CaseInputError("framework", _("choose a legal framework"))
    if not isinstance(standard, Element) or standard.kind != ElementKind.STANDARD:
        raise CaseInputError("standard", _("choose a standard of proof"))
    if standard.framework_id != framework.pk:
        raise CaseInputError(
            "standard",
            _("%(code)s is not a standard of %(framework)s")
            % {"code": standard.code, "framework": framework.code},
        )
    return framework, standard


def _check_sensitivity(user: Any, value: Any) -> str:
    sensitivity = parse_sensitivity(value)
    if sensitivity not in cleared_levels(user):
        raise CaseInputError(
            "sensitivity", _("you are not cleared for %(level)s") % {"level": sensitivity}
        )
    return sensitivity


def do_create_case(
    user: Any,
    title: str,
    *,
    framework: Framework,
    standard: Element,
    strategy: str = "",
    sensitivity: str = Sensitivity.RESTRICTED,
) -> CaseFile:
    """Open a case file in a compartment of its own, with its creator as the first member."""
    if not user.has_perm("assessment.change_cases"):
        raise CaseActionRefused(
            _("opening case files needs the change_cases permission (legal experts)")
        )
    title = clean_text("title", title, max_length=MAX_TITLE, required=True)
    strategy = clean_text("strategy", strategy, max_length=MAX_TEXT)
    framework, standard = _check_standard(framework, standard)
    sensitivity = _check_sensitivity(user, sensitivity)
    with transaction.atomic():
        compartment = do_create_compartment(
            user, _compartment_code(title), name=title[:200], description=_("Case file")
        )
        do_grant(user, compartment.code, user.get_username())
        case = CaseFile.objects.create(
            title=title,
            compartment=compartment,
            sensitivity=sensitivity,
            framework=framework,
            standard=standard,
            strategy=strategy,
            created_by=user,
        )
        write_version(user, case, "case", "created")
    forget_compartments(user)
    return case


CASE_FIELDS = ("title", "strategy", "sensitivity", "standard", "status")


def _case_changes(user: Any, case: CaseFile, changes: dict[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(changes) - set(CASE_FIELDS))
    if unknown:
        raise CaseInputError(unknown[0], _("is not a field of a case file"))
    clean: dict[str, Any] = {}
    if "title" in changes:
        clean["title"] = clean_text("title", changes["title"], max_length=MAX_TITLE, required=True)
    if "strategy" in changes:
        clean["strategy"] = clean_text("strategy", changes["strategy"], max_length=MAX_TEXT)
    if "sensitivity" in changes:
        clean["sensitivity"] = _check_sensitivity(user, changes["sensitivity"])
    if "standard" in changes:
        clean["standard"] = _check_standard(case.framework, changes["standard"])[1]
    if "status" in changes:
        status = str(changes["status"] or "").strip().lower()
        words = {"open": CaseStatus.OPEN, "열림": CaseStatus.OPEN, "closed": CaseStatus.CLOSED,
                 "close": CaseStatus.CLOSED, "종결": CaseStatus.CLOSED}  # fmt: skip
        if status not in words:
            raise CaseInputError("status", _("write open or closed"))
        clean["status"] = str(words[status])
    return clean


def do_update_case(
    user: Any, case: CaseFile, *, revision: int | None, reason: str = "", **changes: Any
) -> CaseFile:
    """Change the title, strategy notes, sensitivity, standard of proof or status (open,
    closed) of a case. A closed case may only be reopened."""
    reason = clean_text("reason", reason, max_length=MAX_REASON)
    with transaction.atomic():
        locked = access_case(user, case.pk, for_update=True)
        # Reopening is the one change a closed case takes.
        reopening = str(changes.get("status", "")).strip().lower() in ("open", "열림")
        check_can_change_case(user, locked, reopening=reopening)
        check_revision(locked, revision)
        clean = _case_changes(user, locked, changes)
        changed = [name for name, value in clean.items() if getattr(locked, name) != value]
        if not changed:
            return locked
        for name in changed:
            setattr(locked, name, clean[name])
        bump(locked)
        action = "edited"
        if "status" in changed:
            action = "closed" if locked.status == CaseStatus.CLOSED else "reopened"
        write_version(user, locked, "case", action, reason=reason)
    return locked


def do_add_member(user: Any, case: CaseFile, member: Any) -> bool:
    """Make `member` (a user or a user name) a member of the case's compartment; False when
    they already were. Members must be able to see case files (legal experts, managers)."""
    member = member_user(member)
    if not member.is_active or not member.has_perm("assessment.view_cases"):
        raise CaseInputError(
            "member",
            _("%(name)s may not see case files (legal experts and managers may)")
            % {"name": member.get_username()},
        )
    with transaction.atomic():
        locked = lock_case(user, case)
        if not do_grant(user, locked.compartment.code, member.get_username()):
            return False
        write_version(user, locked, "case", "member_added")
    forget_compartments(member)
    return True


def do_remove_member(user: Any, case: CaseFile, member: Any, *, reason: str = "") -> bool:
    """End a membership; False when there was none. The last member cannot leave: a case
    nobody may see could never be opened again."""
    member = member_user(member)
    reason = clean_text("reason", reason, max_length=MAX_REASON)
    with transaction.atomic():
        locked = lock_case(user, case)
        members = locked.compartment.members
        if not members.filter(pk=member.pk).exists():
            return False
        if members.count() == 1:
            raise CaseInputError("member", _("the last member of a case cannot be removed"))
        do_revoke(user, locked.compartment.code, member.get_username())
        write_version(user, locked, "case", "member_removed", reason=reason)
    forget_compartments(member)
    return True


# --- suspects and charges --------------------------------------------------------------------


def do_add_suspect(
    user: Any, case: CaseFile, *, person: Any = None, organization: Any = None, notes: str = ""
) -> Suspect:
    """Name a person or an organization (a unit) as a suspect; the user must see the record."""
    if (person is None) == (organization is None):
        raise CaseInputError("suspect", _("name either a person or an organization"))
    kind = "person" if person is not None else "organization"
    target = person if person is not None else organization
    notes = clean_text("notes", notes, max_length=MAX_TEXT)
    with transaction.atomic():
        locked = lock_case(user, case)
        try:
            record = access_record(user, kind, getattr(target, "pk", target))
        except RecordNotFound as exc:
            raise CaseInputError(kind, str(exc)) from None
        existing = Suspect.objects.filter(case=locked, withdrawn_at__isnull=True)
        if existing.filter(**{kind: record}).exists():
            raise CaseInputError(kind, _("is already a suspect in this case"))
        suspect = Suspect.objects.create(
            case=locked, created_by=user, notes=notes, **{kind: record}
        )
        write_version(user, suspect, "suspect", "created")
    return suspect


def _check_element(field: str, case: CaseFile, element: Any, kind: str) -> Element:
    if not isinstance(element, Element) or element.kind != kind or not element.active:
        raise CaseInputError(field, _("choose a %(kind)s") % {"kind": kind})
    if element.framework_id != case.framework_id:
        raise CaseInputError(
            field,
            _("%(code)s is not in the framework of this case") % {"code": element.code},
        )
    return element


def do_add_charge(
    user: Any, case: CaseFile, *, crime: Element, suspect: Suspect, mode: Element, notes: str = ""
) -> Charge:
    """Charge a suspect of this case with a crime of its framework, by a mode of liability."""
    notes = clean_text("notes", notes, max_length=MAX_TEXT)
    with transaction.atomic():
        locked = lock_case(user, case)
        crime = _check_element("crime", locked, crime, ElementKind.CRIME)
        mode = _check_element("mode", locked, mode, ElementKind.MODE)
        if not isinstance(suspect, Suspect) or suspect.case_id != locked.pk:
            raise CaseInputError("suspect", _("is not a suspect of this case"))
        if suspect.withdrawn_at is not None:
            raise CaseInputError("suspect", _("was withdrawn from this case"))
        active = Charge.objects.filter(case=locked, withdrawn_at__isnull=True)
        if active.filter(crime=crime, suspect=suspect, mode=mode).exists():
            raise CaseInputError(
                "crime", _("this suspect is already charged with this crime by this mode")
            )
        charge = Charge.objects.create(
            case=locked, created_by=user, crime=crime, suspect=suspect, mode=mode, notes=notes
        )
        write_version(user, charge, "charge", "created")
    return charge


# --- withdrawing -----------------------------------------------------------------------------


def do_withdraw(user: Any, row: models.Model, *, reason: str) -> models.Model:
    """Withdraw a suspect, charge, task, evidence link, element assessment or pattern query,
    with a reason. A suspect with charges standing, or a charge with evidence linked, keeps
    them: withdraw those first (the matrix must never show evidence for a vanished charge)."""
    kind = ROW_KINDS.get(type(row))
    if kind is None:
        raise CaseInputError("row", _("only rows of a case can be withdrawn"))
    reason = clean_text("reason", reason, max_length=MAX_REASON, required=True)
    with transaction.atomic():
        _case, locked = lock_row(user, row)
        check_active(locked)
        if isinstance(locked, Suspect) and locked.charges.filter(withdrawn_at__isnull=True):
            raise CaseActionRefused(_("withdraw the charges against this suspect first"))
        if isinstance(locked, Charge) and locked.evidence_links.filter(withdrawn_at__isnull=True):
            raise CaseActionRefused(_("withdraw the evidence linked to this charge first"))
        locked.withdrawn_at = timezone.now()
        locked.withdrawn_reason = reason
        bump(locked)
        write_version(user, locked, kind, "withdrawn", reason=reason)
        if isinstance(locked, EvidenceLink):
            reopen_assessment(user, locked)
    return locked
