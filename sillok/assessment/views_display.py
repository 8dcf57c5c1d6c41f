"""How the rows of a case read on its pages: suspects and charges named by the records they
point at (only where the viewer may see that record: a case member without clearance for a
suspect's record sees its reference, never its name), tasks with their elements.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sillok.assessment.models import CaseFile, CaseTask, Charge, Suspect
from sillok.records.access import visible_ids
from sillok.records.kinds import get_kind, reference_of
from sillok.records.titles import safe_title, viewer_levels

# The three parts of a charge's elements, as the matrix and the add-to-case form head them.
SECTION_LABELS = {
    "contextual": gettext_lazy("Contextual elements"),
    "crime": gettext_lazy("Elements of the crime"),
    "mode": gettext_lazy("Elements of the mode of liability"),
}


def suspect_kind(suspect: Suspect) -> tuple[str, Any]:
    if suspect.person_id:
        return "person", suspect.person
    return "organization", suspect.organization


def suspect_rows(user: Any, suspects: list[Suspect]) -> list[dict[str, Any]]:
    """{suspect, kind, ref, label, url} for each suspect; label and url empty where the viewer
    may not see the record."""
    ends = [suspect_kind(s) for s in suspects]
    seen = visible_ids(user, {(kind, record.pk) for kind, record in ends})
    levels = viewer_levels(user)
    rows = []
    for suspect, (kind, record) in zip(suspects, ends, strict=True):
        visible = (kind, record.pk) in seen
        rows.append(
            {
                "suspect": suspect,
                "kind": kind,
                "kind_label": _("Person") if kind == "person" else _("Unit"),
                "ref": reference_of(kind, record.pk),
                "label": safe_title(record, levels) if visible else "",
                "url": (
                    reverse("records:record", args=[get_kind(kind).plural, record.pk])
                    if visible
                    else ""
                ),
            }
        )
    return rows


def suspect_labels(user: Any, suspects: Any) -> dict[int, str]:
    """{suspect id: "O-3 Unit 7"} for choices; the reference alone where the record is hidden."""
    return {
        row["suspect"].pk: f"{row['ref']} {row['label']}".strip()
        for row in suspect_rows(user, list(suspects))
    }


def charge_rows(user: Any, charges: list[Charge]) -> list[dict[str, Any]]:
    """{charge, crime, mode, suspect (a suspect row)} for each charge."""
    suspects = {row["suspect"].pk: row for row in suspect_rows(user, [c.suspect for c in charges])}
    return [
        {
            "charge": charge,
            "crime": charge.crime,
            "mode": charge.mode,
            "suspect": suspects[charge.suspect_id],
        }
        for charge in charges
    ]


def task_rows(case: CaseFile) -> list[CaseTask]:
    """The case's tasks that are not withdrawn, with what their lines show."""
    return list(
        CaseTask.objects.filter(case=case, withdrawn_at__isnull=True)
        .select_related("assignee", "charge__crime", "charge__mode")
        .prefetch_related("elements")
        .order_by("due_date", "pk")
    )
