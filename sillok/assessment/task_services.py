"""Investigative tasks of a case: for members of the case, serving elements of its charges.
Each change in one transaction with its version and audit entry (history.py)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from sillok.accounts.models import User
from sillok.assessment.case_input import (
    CaseInputError,
    clean_text,
    parse_date,
    parse_gap,
    parse_task_status,
)
from sillok.assessment.case_rows import (
    MAX_TEXT,
    MAX_TITLE,
    bump,
    check_active,
    check_revision,
    lock_case,
    lock_row,
    member_user,
)
from sillok.assessment.elements import elements_for_charge
from sillok.assessment.history import write_version
from sillok.assessment.models import CaseFile, CaseTask, Charge, Element


def _check_assignee(case: CaseFile, assignee: Any) -> User | None:
    if assignee is None or assignee == "":
        return None
    assignee = member_user(assignee) if not isinstance(assignee, User) else assignee
    if not assignee.compartments.filter(pk=case.compartment_id).exists():
        raise CaseInputError(
            "assignee",
            _("%(name)s is not a member of this case") % {"name": assignee.get_username()},
        )
    return assignee


def _check_task_charge(case: CaseFile, charge: Any) -> Charge | None:
    if charge is None or charge == "":
        return None
    if not isinstance(charge, Charge) or charge.case_id != case.pk:
        raise CaseInputError("charge", _("is not a charge of this case"))
    if charge.withdrawn_at is not None:
        raise CaseInputError("charge", _("this charge was withdrawn"))
    return charge


def _check_task_elements(case: CaseFile, charge: Charge | None, elements: Iterable) -> list:
    elements = list(elements or ())
    if charge is not None:
        allowed = {entry.element.pk for entry in elements_for_charge(charge.crime, charge.mode)}
    for element in elements:
        if not isinstance(element, Element) or element.framework_id != case.framework_id:
            raise CaseInputError("elements", _("%(code)s is not in the framework of this case")
                                 % {"code": getattr(element, "code", element)})  # fmt: skip
        if charge is not None and element.pk not in allowed:
            raise CaseInputError("elements", _("%(code)s is not an element of this charge")
                                 % {"code": element.code})  # fmt: skip
    return elements


def do_create_task(
    user: Any,
    case: CaseFile,
    *,
    title: str,
    description: str = "",
    assignee: Any = None,
    due_date: Any = None,
    charge: Charge | None = None,
    elements: Iterable[Element] = (),
    gap: str = "",
) -> CaseTask:
    """An investigative task serving some elements (of a charge), for a member of the case."""
    title = clean_text("title", title, max_length=MAX_TITLE, required=True)
    description = clean_text("description", description, max_length=MAX_TEXT)
    due = parse_date("due_date", due_date)
    gap = parse_gap(gap)
    with transaction.atomic():
        locked = lock_case(user, case)
        charge = _check_task_charge(locked, charge)
        chosen = _check_task_elements(locked, charge, elements)
        task = CaseTask.objects.create(
            case=locked,
            created_by=user,
            title=title,
            description=description,
            assignee=_check_assignee(locked, assignee),
            due_date=due,
            charge=charge,
            gap=gap,
        )
        task.elements.set(chosen)
        write_version(user, task, "task", "created")
    return task


TASK_FIELDS = ("title", "description", "assignee", "due_date", "status", "charge", "elements")


def _task_changes(case: CaseFile, task: CaseTask, changes: dict[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(changes) - set(TASK_FIELDS))
    if unknown:
        raise CaseInputError(unknown[0], _("is not a field of a task"))
    clean: dict[str, Any] = {}
    if "title" in changes:
        clean["title"] = clean_text("title", changes["title"], max_length=MAX_TITLE, required=True)
    if "description" in changes:
        clean["description"] = clean_text(
            "description", changes["description"], max_length=MAX_TEXT
        )
    if "assignee" in changes:
        clean["assignee"] = _check_assignee(case, changes["assignee"])
    if "due_date" in changes:
        clean["due_date"] = parse_date("due_date", changes["due_date"])
    if "status" in changes:
        clean["status"] = parse_task_status(changes["status"])
    if "charge" in changes:
        clean["charge"] = _check_task_charge(case, changes["charge"])
    if "elements" in changes:
        charge = clean.get("charge", task.charge)
        clean["elements"] = _check_task_elements(case, charge, changes["elements"])
    return clean


def do_update_task(user: Any, task: CaseTask, *, revision: int | None, **changes: Any) -> CaseTask:
    """Change a task: its title, description, assignee, due date, status, charge, elements."""
    with transaction.atomic():
        case, locked = lock_row(user, task)
        check_revision(locked, revision)
        check_active(locked)
        clean = _task_changes(case, locked, changes)
        elements = clean.pop("elements", None)
        changed = [name for name, value in clean.items() if getattr(locked, name) != value]
        if elements is not None:
            before = set(locked.elements.values_list("pk", flat=True))
            if before != {element.pk for element in elements}:
                locked.elements.set(elements)
                changed.append("elements")
        if not changed:
            return locked
        for name in changed:
            if name != "elements":
                setattr(locked, name, clean[name])
        bump(locked)
        write_version(user, locked, "task", "edited")
    return locked
