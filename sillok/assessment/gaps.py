"""Gap analysis: the elements of a case's charges whose evidence falls short, as one viewer
sees it (the same visible evidence as the matrix, matrix.load_case_view).

Kinds of gap, for one element of one charge (an element may have several):
- `no_evidence`: no evidence link supports or contradicts it;
- `single_source`: what supports it rests on one origin only (rules.origin_groups: however
  many links, one person, organization, source or document behind them);
- `hearsay_only`: everything that supports it was heard from others (connection "hearsay"
  or a `heard_from` link);
- `contradicted_only`: nothing supporting it stands uncontradicted: either only
  contradicting links, or every supporting origin is marked `contradicts` in the records.

A gap's key, "<charge id>:<element code>:<kind>", is stable: the same gap has the same key
on every run for as long as it exists, so a page, the CLI or the API can name the gap to
turn into a task.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from sillok.assessment.matrix import gap_kinds, load_case_view
from sillok.assessment.models import CaseFile, CaseTask, Charge, Element

GAP_KINDS = ("no_evidence", "single_source", "hearsay_only", "contradicted_only")


class GapNotFound(LookupError):
    """No such gap in this case now (it may have been closed by new evidence)."""

    def __init__(self, key: str) -> None:
        super().__init__(_("no gap %(key)s in this case") % {"key": key})
        self.key = key


@dataclass(frozen=True)
class Gap:
    key: str
    kind: str
    charge: Charge
    element: Element
    section: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "kind": self.kind,
            "label": str(gap_label(self.kind)),
            "charge": self.charge.pk,
            "crime": self.charge.crime.code,
            "element": self.element.code,
            "element_label_en": self.element.label_en,
            "element_label_ko": self.element.label_ko,
            "section": self.section,
        }


def gap_key(charge: Charge, element: Element, kind: str) -> str:
    return f"{charge.pk}:{element.code}:{kind}"


def gap_label(kind: str) -> str:
    return {
        "no_evidence": _("No evidence"),
        "single_source": _("Single source"),
        "hearsay_only": _("Hearsay only"),
        "contradicted_only": _("Only contradicted evidence"),
    }[kind]


def gaps_of(user: Any, case: CaseFile) -> list[Gap]:
    """Every gap of `case` as `user` sees its evidence, charge by charge, element by element."""
    gaps = []
    for charge_view in load_case_view(user, case).charges:
        for view in charge_view.elements:
            for kind in gap_kinds(view):
                gaps.append(
                    Gap(
                        key=gap_key(charge_view.charge, view.element, kind),
                        kind=kind,
                        charge=charge_view.charge,
                        element=view.element,
                        section=view.section,
                    )
                )
    return gaps


def _task_title(gap: Gap) -> str:
    element = gap.element.label or gap.element.code
    titles = {
        "no_evidence": _("Find evidence for: %(element)s"),
        "single_source": _("Find an independent second source for: %(element)s"),
        "hearsay_only": _("Find a first-hand source for: %(element)s"),
        "contradicted_only": _("Resolve the contradicted evidence for: %(element)s"),
    }
    return (titles[gap.kind] % {"element": element})[:500]


def do_task_from_gap(
    user: Any,
    case: CaseFile,
    gap_key: str,
    *,
    assignee: Any = None,
    due_date: dt.date | None = None,
) -> CaseTask:
    """A task made from one gap of `case` (as `user` sees it now): its charge, its element
    and its kind. The task service checks the permission and writes history and audit."""
    from sillok.assessment.services import do_create_task

    found = next((gap for gap in gaps_of(user, case) if gap.key == gap_key), None)
    if found is None:
        raise GapNotFound(gap_key)
    description = _("Gap found in the proof matrix: %(gap)s (%(crime)s, %(code)s).") % {
        "gap": gap_label(found.kind),
        "crime": found.charge.crime.code,
        "code": found.element.code,
    }
    return do_create_task(
        user,
        case,
        title=_task_title(found),
        description=description,
        assignee=assignee,
        due_date=due_date,
        charge=found.charge,
        elements=[found.element],
        gap=found.kind,
    )
