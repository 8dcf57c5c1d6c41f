"""Case files as plain data for the API and the CLI (the pages render the same rows).

The caller has fetched the case through access_case. What the case names that its viewer
may not see (a suspect's record, a linked item or record) is shown by reference only, with
no title: `visible_titles` decides, as everywhere else.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sillok.assessment.evidence_refs import evidence_ref, evidence_visible
from sillok.assessment.models import (
    AssessmentVersion,
    CaseFile,
    CaseTask,
    Charge,
    Element,
    EvidenceLink,
    Suspect,
)
from sillok.assessment.passages import describe_passage
from sillok.records.kinds import reference_of
from sillok.records.titles import visible_titles


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _username(user: Any) -> str | None:
    return user.get_username() if user is not None else None


def element_dict(element: Element) -> dict[str, Any]:
    return {
        "id": element.pk,
        "code": element.code,
        "label_en": element.label_en,
        "label_ko": element.label_ko,
    }


def _withdrawn(row: Any) -> dict[str, Any] | None:
    if row.withdrawn_at is None:
        return None
    return {"at": _iso(row.withdrawn_at), "reason": row.withdrawn_reason}


def suspects_as_dicts(user: Any, suspects: list[Suspect]) -> list[dict[str, Any]]:
    ids: dict[str, set[int]] = defaultdict(set)
    for suspect in suspects:
        kind = "person" if suspect.person_id else "organization"
        ids[kind].add(suspect.person_id or suspect.organization_id)
    titles = {kind: visible_titles(user, kind, found) for kind, found in ids.items()}
    rows = []
    for suspect in suspects:
        kind = "person" if suspect.person_id else "organization"
        pk = suspect.person_id or suspect.organization_id
        rows.append(
            {
                "id": suspect.pk,
                "kind": kind,
                "ref": reference_of(kind, pk),
                # None where the viewer may not see the record the suspect is.
                "label": titles[kind].get(pk),
                "notes": suspect.notes,
                "revision": suspect.revision,
                "withdrawn": _withdrawn(suspect),
            }
        )
    return rows


def charge_dict(charge: Charge) -> dict[str, Any]:
    return {
        "id": charge.pk,
        "crime": element_dict(charge.crime),
        "suspect": charge.suspect_id,
        "mode": element_dict(charge.mode),
        "notes": charge.notes,
        "revision": charge.revision,
        "withdrawn": _withdrawn(charge),
    }


def task_dict(task: CaseTask) -> dict[str, Any]:
    return {
        "id": task.pk,
        "title": task.title,
        "description": task.description,
        "assignee": _username(task.assignee),
        "due_date": _iso(task.due_date),
        "status": task.status,
        "charge": task.charge_id,
        "elements": [element.code for element in task.elements.all()],
        "gap": task.gap,
        "revision": task.revision,
        "withdrawn": _withdrawn(task),
    }


def links_as_dicts(user: Any, links: list[EvidenceLink]) -> list[dict[str, Any]]:
    """The links whose evidence `user` may see (the others are left out entirely)."""
    visible = evidence_visible(user, links)
    shown = [link for link in links if link.pk in visible]
    ids: dict[str, set[int]] = defaultdict(set)
    for link in shown:
        ids[link.evidence_kind].add(link.evidence_id)
    titles = {kind: visible_titles(user, kind, found) for kind, found in ids.items()}
    return [
        {
            "id": link.pk,
            "charge": link.charge_id,
            "element": link.element.code,
            "evidence_kind": link.evidence_kind,
            "evidence_id": link.evidence_id,
            "ref": evidence_ref(link.evidence_kind, link.evidence_id),
            "title": titles[link.evidence_kind].get(link.evidence_id),
            "passage": link.passage,
            "passage_label": describe_passage(link.passage),
            "assessment": link.assessment,
            "weight": link.weight,
            "comment": link.comment,
            "assessor": _username(link.assessor),
            "assessed_at": _iso(link.assessed_at),
            "revision": link.revision,
            "withdrawn": _withdrawn(link),
        }
        for link in shown
    ]


def link_dict(user: Any, link: EvidenceLink) -> dict[str, Any]:
    [row] = links_as_dicts(user, [link]) or [None]
    return row


def case_summary(case: CaseFile) -> dict[str, Any]:
    return {
        "id": case.pk,
        "title": case.title,
        "compartment": case.compartment.code,
        "sensitivity": case.sensitivity,
        "framework": case.framework.code,
        "standard": case.standard.code,
        "status": case.status,
        "revision": case.revision,
        "created_by": _username(case.created_by),
        "created_at": _iso(case.created_at),
        "updated_at": _iso(case.updated_at),
    }


def case_as_dict(user: Any, case: CaseFile) -> dict[str, Any]:
    """The whole case as `user` may see it: members, suspects, charges, tasks, links."""
    suspects = list(Suspect.objects.filter(case=case).order_by("pk"))
    charges = list(Charge.objects.filter(case=case).select_related("crime", "mode"))
    tasks = CaseTask.objects.filter(case=case).select_related("assignee")
    links = EvidenceLink.objects.filter(case=case).select_related("element", "assessor")
    members = case.compartment.members.order_by("username").values_list("username", flat=True)
    return {
        **case_summary(case),
        "strategy": case.strategy,
        "members": list(members),
        "suspects": suspects_as_dicts(user, suspects),
        "charges": [charge_dict(charge) for charge in charges],
        "tasks": [task_dict(task) for task in tasks.prefetch_related("elements")],
        "evidence_links": links_as_dicts(user, list(links)),
    }


def version_dict(version: AssessmentVersion) -> dict[str, Any]:
    return {
        "kind": version.kind,
        "object_id": version.object_id,
        "number": version.number,
        "action": version.action,
        "actor": _username(version.actor),
        "reason": version.reason,
        "created_at": _iso(version.created_at),
        "audit_seq": version.audit_seq,
    }
