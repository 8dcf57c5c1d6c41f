""" "Add to a case" as a page action on item and record pages (core/page_actions.py), registered
in apps.py. Kept apart from the views so that registering it at start-up imports little."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext as _

from sillok.assessment.access import visible_cases
from sillok.assessment.evidence_refs import EVIDENCE_KINDS, evidence_ref
from sillok.assessment.models import CaseStatus
from sillok.core.page_actions import PageAction


def may_add_to_cases(user: Any) -> bool:
    """A legal expert (change_cases) with at least one open case they may see: the add form
    would have nothing to offer anyone else."""
    return user.has_perm("assessment.change_cases") and (
        visible_cases(user).filter(status=CaseStatus.OPEN).exists()
    )


def add_to_case_actions(user: Any, kind: str, obj: Any) -> list[PageAction]:
    """The "Add to a case" button on an item page or the page of a record that can prove
    something (testimony, information, act, event, involvement, source, link)."""
    if kind not in EVIDENCE_KINDS or not may_add_to_cases(user):
        return []
    url = reverse("assessment:add") + "?" + urlencode({"evidence": evidence_ref(kind, obj)})
    return [
        PageAction(
            key="assessment.add_to_case",
            label=_("Add to a case"),
            url=url,
            help=_("Link it to an element of a charge in a case file."),
            takes_passage=kind == "item",
            passage_label=_("Add the selected passage to a case"),
        )
    ]
