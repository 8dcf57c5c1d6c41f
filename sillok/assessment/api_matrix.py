"""Assessment API, second part: the proof matrix, element assessments and their review, gaps,
suspect profiles, superior-responsibility paths and pattern evidence.

Thin: fetch and authorise (access.access_case), call one service, shape the answer. A case
the caller may not see answers 404 exactly like a missing one, and so do its charges,
assessments, suspects and pattern queries; 403 means the caller may see the case but not do
this (the detail says why); 422 names the bad field.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError

from sillok.assessment.access import CaseActionRefused, CaseNotFound, access_case
from sillok.assessment.case_input import CaseInputError, parse_date
from sillok.assessment.command import superior_paths
from sillok.assessment.elements import ElementNotFound, find_element
from sillok.assessment.gaps import GapNotFound, do_task_from_gap, gaps_of
from sillok.assessment.matrix import build_matrix
from sillok.assessment.models import CaseFile, ElementAssessment, PatternQuery
from sillok.assessment.patterns import do_rerun_pattern, do_run_pattern, pattern_result
from sillok.assessment.profile import suspect_profile
from sillok.assessment.review import (
    do_assess_element,
    do_confirm_assessment,
    do_return_assessment,
    do_submit_assessment,
)
from sillok.core.api import Id
from sillok.records.schemas import ErrorOut

matrix_router = Router(tags=["assessment"])

MATRIX_DESCRIPTION = (
    "Every charge with each of its elements, their status under the case's standard of proof "
    "and the evidence linked to them. Evidence you may not see is left out entirely, from "
    "the lists, the counts and the statuses."
)


class AssessIn(Schema):
    override_status: str = Field("", description="met, insufficient, contradicted, no_evidence")
    override_reason: str = Field("", description="required with an override")
    comment: str = ""


class ReviewCommentIn(Schema):
    comment: str = ""


class GapTaskIn(Schema):
    key: str = Field(
        ..., description="a gap's key from the gaps list", examples=["4:art7-1-f.1:single_source"]
    )
    assignee: str = Field("", description="username of a member of the case")
    due_date: str = Field("", examples=["2027-03-31"])


class PatternIn(Schema):
    element: str = Field(..., examples=["art7-context.widespread-systematic"])
    title: str
    query: dict[str, Any] = Field(
        default_factory=dict,
        examples=[{"violations": ["torture"], "dimensions": ["violation", "year", "province"]}],
    )


def _user(request: HttpRequest) -> Any:
    return request.auth


def _case(request: HttpRequest, case_id: int) -> CaseFile:
    try:
        return access_case(_user(request), case_id)
    except CaseNotFound as exc:
        raise HttpError(404, str(exc)) from None


def _invalid(exc: CaseInputError) -> Status:
    return Status(422, {"detail": str(exc), "errors": {exc.field: exc.message}})


def _assessment_dict(row: ElementAssessment) -> dict[str, Any]:
    return {
        "id": row.pk,
        "charge": row.charge_id,
        "element": row.element.code,
        "status": row.status,
        "computed_status": row.computed_status,
        "override_status": row.override_status,
        "override_reason": row.override_reason,
        "comment": row.comment,
        "review_state": row.review_state,
        "assessor": row.assessor.get_username(),
        "reviewer": row.reviewer.get_username() if row.reviewer_id else "",
        "review_comment": row.review_comment,
        "revision": row.revision,
    }


def _pattern_dict(user: Any, row: PatternQuery) -> dict[str, Any]:
    return {
        "id": row.pk,
        "element": row.element.code,
        "title": row.title,
        "query": row.query,
        "result": pattern_result(user, row),
        "run_by": row.run_by.get_username(),
        "run_at": row.run_at.isoformat(),
        "revision": row.revision,
    }


@matrix_router.get(
    "/cases/{case_id}/matrix",
    response={200: dict[str, Any], 404: ErrorOut},
    summary="The proof matrix of a case",
    description=MATRIX_DESCRIPTION,
    operation_id="case_matrix",
)
def case_matrix(request: HttpRequest, case_id: Id) -> dict[str, Any]:
    return build_matrix(_user(request), _case(request, case_id))


def _review_call(request: HttpRequest, case_id: int, assessment_id: int, action: Any) -> Status:
    case = _case(request, case_id)
    row = case.assessments.filter(pk=assessment_id, withdrawn_at__isnull=True).first()
    if row is None:
        raise HttpError(404, f"no assessment {assessment_id} in this case")
    try:
        row = action(row)
    except CaseInputError as exc:
        return _invalid(exc)
    except CaseNotFound as exc:
        raise HttpError(404, str(exc)) from None
    except CaseActionRefused as exc:
        raise HttpError(403, str(exc)) from None
    return Status(200, _assessment_dict(row))


@matrix_router.post(
    "/cases/{case_id}/charges/{charge_id}/elements/{code}/assess",
    response={200: dict[str, Any], 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="Assess one element of a charge",
    description=(
        "Stores the status the standard's rule gives now and, optionally, your override with "
        "its reason. A submitted or confirmed assessment goes back to draft."
    ),
    operation_id="assess_element",
)
def assess_element(
    request: HttpRequest, case_id: Id, charge_id: Id, code: str, payload: AssessIn
) -> Status:
    user, case = _user(request), _case(request, case_id)
    charge = case.charges.filter(pk=charge_id, withdrawn_at__isnull=True).first()
    if charge is None:
        raise HttpError(404, f"no charge {charge_id} in this case")
    try:
        element = find_element(code, case.framework)
        row = do_assess_element(
            user,
            charge,
            element,
            override_status=payload.override_status,
            override_reason=payload.override_reason,
            comment=payload.comment,
        )
    except ElementNotFound as exc:
        return Status(422, {"detail": str(exc), "errors": {"element": str(exc)}})
    except CaseInputError as exc:
        return _invalid(exc)
    except CaseNotFound as exc:
        raise HttpError(404, str(exc)) from None
    except CaseActionRefused as exc:
        raise HttpError(403, str(exc)) from None
    return Status(200, _assessment_dict(row))


@matrix_router.post(
    "/cases/{case_id}/assessments/{assessment_id}/submit",
    response={200: dict[str, Any], 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="Send an element assessment for review",
    operation_id="submit_assessment",
)
def submit_assessment(request: HttpRequest, case_id: Id, assessment_id: Id) -> Status:
    user = _user(request)
    return _review_call(
        request, case_id, assessment_id, lambda row: do_submit_assessment(user, row)
    )


@matrix_router.post(
    "/cases/{case_id}/assessments/{assessment_id}/confirm",
    response={200: dict[str, Any], 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="Confirm another legal expert's element assessment",
    description="Needs review_assessment; the assessor may not confirm their own.",
    operation_id="confirm_assessment",
)
def confirm_assessment(
    request: HttpRequest, case_id: Id, assessment_id: Id, payload: ReviewCommentIn
) -> Status:
    user = _user(request)
    return _review_call(
        request,
        case_id,
        assessment_id,
        lambda row: do_confirm_assessment(user, row, comment=payload.comment),
    )


@matrix_router.post(
    "/cases/{case_id}/assessments/{assessment_id}/return",
    response={200: dict[str, Any], 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="Return an element assessment to its assessor, with a comment",
    operation_id="return_assessment",
)
def return_assessment(
    request: HttpRequest, case_id: Id, assessment_id: Id, payload: ReviewCommentIn
) -> Status:
    user = _user(request)
    return _review_call(
        request,
        case_id,
        assessment_id,
        lambda row: do_return_assessment(user, row, comment=payload.comment),
    )


@matrix_router.get(
    "/cases/{case_id}/gaps",
    response={200: list[dict[str, Any]], 404: ErrorOut},
    summary="Gaps in the evidence of a case",
    description="no_evidence, single_source, hearsay_only, contradicted_only; as you see it.",
    operation_id="case_gaps",
)
def case_gaps(request: HttpRequest, case_id: Id) -> list[dict[str, Any]]:
    return [gap.as_dict() for gap in gaps_of(_user(request), _case(request, case_id))]


@matrix_router.post(
    "/cases/{case_id}/gaps/task",
    response={201: dict[str, Any], 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="Turn a gap into an investigative task",
    operation_id="task_from_gap",
)
def task_from_gap(request: HttpRequest, case_id: Id, payload: GapTaskIn) -> Status:
    user, case = _user(request), _case(request, case_id)
    try:
        due = parse_date("due_date", payload.due_date)
        task = do_task_from_gap(
            user, case, payload.key, assignee=payload.assignee or None, due_date=due
        )
    except GapNotFound as exc:
        raise HttpError(404, str(exc)) from None
    except CaseInputError as exc:
        return _invalid(exc)
    except CaseNotFound as exc:
        raise HttpError(404, str(exc)) from None
    except CaseActionRefused as exc:
        raise HttpError(403, str(exc)) from None
    return Status(
        201,
        {
            "id": task.pk,
            "title": task.title,
            "gap": task.gap,
            "charge": task.charge_id,
            "elements": [element.code for element in task.elements.all()],
            "assignee": task.assignee.get_username() if task.assignee_id else "",
            "due_date": task.due_date.isoformat() if task.due_date else None,
        },
    )


def _suspect(request: HttpRequest, case_id: int, suspect_id: int) -> Any:
    case = _case(request, case_id)
    suspect = case.suspects.filter(pk=suspect_id, withdrawn_at__isnull=True).first()
    if suspect is None:
        raise HttpError(404, f"no suspect {suspect_id} in this case")
    return suspect


@matrix_router.get(
    "/cases/{case_id}/suspects/{suspect_id}/profile",
    response={200: dict[str, Any], 404: ErrorOut},
    summary="A suspect's involvements, units and chain of command",
    operation_id="suspect_profile",
)
def get_suspect_profile(request: HttpRequest, case_id: Id, suspect_id: Id) -> dict[str, Any]:
    return suspect_profile(_user(request), _suspect(request, case_id, suspect_id))


@matrix_router.get(
    "/cases/{case_id}/suspects/{suspect_id}/superior-paths",
    response={200: list[dict[str, Any]], 404: ErrorOut},
    summary="Paths from a suspect down the chain of command to acts",
    operation_id="superior_paths",
)
def get_superior_paths(request: HttpRequest, case_id: Id, suspect_id: Id) -> list[dict[str, Any]]:
    return superior_paths(_user(request), _suspect(request, case_id, suspect_id))


@matrix_router.get(
    "/cases/{case_id}/patterns",
    response={200: list[dict[str, Any]], 404: ErrorOut},
    summary="Pattern evidence of a case, counted over what you may see",
    operation_id="list_patterns",
)
def list_patterns(request: HttpRequest, case_id: Id) -> list[dict[str, Any]]:
    user, case = _user(request), _case(request, case_id)
    rows = case.patterns.filter(withdrawn_at__isnull=True).select_related("element", "run_by")
    return [_pattern_dict(user, row) for row in rows]


@matrix_router.post(
    "/cases/{case_id}/patterns",
    response={201: dict[str, Any], 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="Count acts by violation, year, province and institution for a contextual element",
    operation_id="run_pattern",
)
def run_pattern(request: HttpRequest, case_id: Id, payload: PatternIn) -> Status:
    user, case = _user(request), _case(request, case_id)
    try:
        element = find_element(payload.element, case.framework)
        row = do_run_pattern(user, case, element, title=payload.title, query=payload.query)
    except ElementNotFound as exc:
        return Status(422, {"detail": str(exc), "errors": {"element": str(exc)}})
    except CaseInputError as exc:
        return _invalid(exc)
    except CaseNotFound as exc:
        raise HttpError(404, str(exc)) from None
    except CaseActionRefused as exc:
        raise HttpError(403, str(exc)) from None
    return Status(201, _pattern_dict(user, row))


@matrix_router.post(
    "/cases/{case_id}/patterns/{pattern_id}/rerun",
    response={200: dict[str, Any], 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="Run a pattern query again on the records as they are now",
    operation_id="rerun_pattern",
)
def rerun_pattern(request: HttpRequest, case_id: Id, pattern_id: Id) -> Status:
    user, case = _user(request), _case(request, case_id)
    row = case.patterns.filter(pk=pattern_id, withdrawn_at__isnull=True).first()
    if row is None:
        raise HttpError(404, f"no pattern query {pattern_id} in this case")
    try:
        row = do_rerun_pattern(user, row)
    except CaseInputError as exc:
        return _invalid(exc)
    except CaseNotFound as exc:
        raise HttpError(404, str(exc)) from None
    except CaseActionRefused as exc:
        raise HttpError(403, str(exc)) from None
    return Status(200, _pattern_dict(user, row))
