"""Finding the rows of a case that a person names: by id, by reference, by element.

The caller fetched the case through access_case; a row id that belongs to another case is
answered exactly like a missing one (RowNotFound), so ids of cases the caller may not see
cannot be probed through a case they may see.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Model
from django.utils.translation import gettext as _

from sillok.assessment.case_input import CaseInputError
from sillok.assessment.models import (
    CaseFile,
    CaseTask,
    Charge,
    Element,
    ElementAssessment,
    EvidenceLink,
    Suspect,
)

ROW_MODELS: dict[str, type[Model]] = {
    "suspect": Suspect,
    "charge": Charge,
    "task": CaseTask,
    "link": EvidenceLink,
    "assessment": ElementAssessment,
}


class RowNotFound(LookupError):
    """No such row in this case."""

    def __init__(self, kind: str, row_id: Any) -> None:
        super().__init__(_("no %(kind)s %(id)s in this case") % {"kind": kind, "id": row_id})
        self.kind = kind
        self.row_id = row_id


def row_of(case: CaseFile, kind: str, row_id: Any) -> Any:
    """The `kind` row `row_id` of `case` ("suspect", "charge", "task", "link")."""
    model = ROW_MODELS[kind]
    try:
        pk = int(row_id)
    except (TypeError, ValueError):
        raise RowNotFound(kind, row_id) from None
    row = model.objects.filter(case=case, pk=pk).first()
    if row is None:
        raise RowNotFound(kind, row_id)
    return row


def suspect_for_record(case: CaseFile, kind: str, record_id: int) -> Suspect | None:
    """The standing suspect of `case` who is the person or organization (kind, id)."""
    field = "person_id" if kind == "person" else "organization_id"
    standing = Suspect.objects.filter(case=case, withdrawn_at__isnull=True)
    return standing.filter(**{field: record_id}).first()


def charge_for_element(case: CaseFile, element: Element, charge_id: Any = None) -> Charge:
    """The standing charge of `case` that `element` belongs to: the one named, or the only
    one that contains it. CaseInputError when none does, or when several do and none is
    named (the message lists them)."""
    from sillok.assessment.elements import elements_for_charge

    if charge_id not in (None, ""):
        charge = row_of(case, "charge", charge_id)
        if charge.withdrawn_at is not None:
            raise CaseInputError("charge", _("this charge was withdrawn"))
        return charge
    charges = Charge.objects.filter(case=case, withdrawn_at__isnull=True).select_related(
        "crime", "mode"
    )
    holding = [
        charge
        for charge in charges
        if element.pk in {e.element.pk for e in elements_for_charge(charge.crime, charge.mode)}
    ]
    if not holding:
        raise CaseInputError(
            "element",
            _("no charge of this case has the element %(code)s") % {"code": element.code},
        )
    if len(holding) > 1:
        listed = ", ".join(
            f"{charge.pk} ({charge.crime.code}, {charge.mode.code})" for charge in holding
        )
        raise CaseInputError(
            "charge",
            _("%(code)s belongs to several charges: %(charges)s; say which with --charge")
            % {"code": element.code, "charges": listed},
        )
    return holding[0]
