"""Assessment API: frameworks, case files, charges, evidence links, element assessments,
tasks and the proof matrix. Thin: fetch and authorise (assessment/access.py), call one
service, shape the answer. A case the caller may not see answers 404 like a missing one."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError

from sillok.assessment import presentation
from sillok.assessment import services as case_services
from sillok.assessment.access import (
    CaseActionRefused,
    CaseNotFound,
    access_case,
    can_view_cases,
    visible_cases,
)
from sillok.assessment.case_input import CaseInputError
from sillok.assessment.case_lookup import RowNotFound, charge_for_element, row_of
from sillok.assessment.framework_queries import (
    FrameworkNotFound,
    can_read_frameworks,
    find_framework,
    framework_as_dict,
    framework_summary,
    frameworks_with_counts,
)
from sillok.assessment.history import case_versions
from sillok.assessment.schemas import (
    CaseChangeIn,
    CaseErrorOut,
    CaseIn,
    CaseOut,
    CaseSummaryOut,
    CaseVersionOut,
    CaseWithdrawIn,
    ChargeIn,
    ChargeOut,
    LinkChangeIn,
    LinkIn,
    LinkOut,
    MemberIn,
    SuspectIn,
    SuspectOut,
    TaskChangeIn,
    TaskIn,
    TaskOut,
)
from sillok.core.api import Id

router = Router(tags=["assessment"])


# ---------------------------------------------------------------------------------------------
# Legal frameworks (read-only; helper "frameworks"). Readable by whoever may see case files or
# documentation records (framework_queries.can_read_frameworks); others get 403. Frameworks
# are law, not evidence, so a missing one is simply 404.


class FrameworkErrorOut(Schema):
    detail: str = Field(..., examples=["no framework 'geneva'"])


class FrameworkSummaryOut(Schema):
    id: int
    code: str = Field(..., examples=["rome-statute"])
    name: str = Field(..., description="the English name", examples=["Rome Statute of the ICC"])
    label_en: str
    label_ko: str = Field(..., examples=["국제형사재판소에 관한 로마규정"])
    origin: str = Field(..., description="shipped or local")
    elements: int = Field(..., description="active elements")
    crimes: int = Field(..., description="active crimes")


class FrameworkTermOut(Schema):
    vocabulary: str = Field(..., examples=["violations"])
    code: str = Field(..., examples=["torture.beating"])
    label_en: str
    label_ko: str


class FrameworkElementOut(Schema):
    id: int
    code: str = Field(..., examples=["art7-1-f.1"])
    kind: str = Field(..., description="group, crime, contextual, element, mode or standard")
    parent: str | None = Field(None, description="the parent's code", examples=["art7-1-f"])
    context: str | None = Field(None, description="a crime's contextual group")
    label_en: str
    label_ko: str
    description_en: str
    description_ko: str
    korean_ours: bool = Field(..., description="the Korean wording is Sillok's own")
    reference: str = Field(..., examples=["ICC Elements of Crimes (2011), art. 7(1)(f), element 1"])
    terms: list[FrameworkTermOut] = Field(..., description="violation terms that can prove it")
    data: dict[str, Any] = Field(..., description="a standard's rank and rule; grounds; variants")
    active: bool


class FrameworkOut(Schema):
    id: int
    code: str
    name: str
    label_en: str
    label_ko: str
    description_en: str
    description_ko: str
    source: str
    licence: str
    origin: str
    elements: list[FrameworkElementOut]


def _framework_reader(request: HttpRequest) -> Any:
    user = request.auth  # type: ignore[attr-defined]
    if not can_read_frameworks(user):
        raise HttpError(403, "reading legal frameworks needs case or record access")
    return user


@router.get(
    "/frameworks",
    response={200: list[FrameworkSummaryOut], 403: FrameworkErrorOut},
    summary="Legal frameworks",
    operation_id="list_frameworks",
)
def list_frameworks(request: HttpRequest) -> list[dict[str, Any]]:
    _framework_reader(request)
    return [framework_summary(framework) for framework in frameworks_with_counts()]


@router.get(
    "/frameworks/{code}",
    response={200: FrameworkOut, 403: FrameworkErrorOut, 404: FrameworkErrorOut},
    summary="One legal framework with its elements",
    operation_id="get_framework",
)
def get_framework(request: HttpRequest, code: str, include_retired: bool = False) -> Any:
    """Every element in file order: groups, crimes and their elements, contextual elements,
    modes of liability and standards of proof (with their rules in `data`). `code` may also
    be the framework's numeric id."""
    _framework_reader(request)
    try:
        framework = find_framework(code)
    except FrameworkNotFound as exc:
        raise HttpError(404, str(exc)) from None
    return framework_as_dict(framework, include_retired=include_retired)


# ---------------------------------------------------------------------------------------------
# Case files, members, suspects, charges, evidence links and tasks (helper "cases").
# 404: a case the caller may not see, like a missing one (and any row of it); 403: the case
# is visible but the caller may not do this; 409: changed since the revision given; 422: bad
# input, `errors` naming the field. Shapes: assessment/schemas.py.

# Path names of the rows that can be withdrawn, and their kinds.
WITHDRAWABLE = {"suspects": "suspect", "charges": "charge", "tasks": "task", "links": "link"}
CASE_ERRORS = {403: CaseErrorOut, 404: CaseErrorOut, 409: CaseErrorOut, 422: CaseErrorOut}


def _case_user(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


def _visible_case(request: HttpRequest, case_id: int) -> Any:
    try:
        return access_case(_case_user(request), case_id)
    except CaseNotFound as exc:
        raise HttpError(404, str(exc)) from None


def _case_call(call: Callable[[], Any]) -> Any:
    """Run a service; its refusals become 403/404/409/422 answers."""
    from sillok.assessment.elements import ElementNotFound
    from sillok.assessment.evidence_refs import EvidenceNotFound, EvidenceRefError

    try:
        return call()
    except CaseInputError as exc:
        return Status(422, {"detail": str(exc), "errors": {exc.field: exc.message}})
    except (ElementNotFound, EvidenceNotFound, EvidenceRefError) as exc:
        field = getattr(exc, "field", "element")
        return Status(422, {"detail": str(exc), "errors": {field: str(exc)}})
    except (CaseNotFound, RowNotFound) as exc:
        raise HttpError(404, str(exc)) from None
    except CaseActionRefused as exc:
        stale = isinstance(exc, case_services.StaleRevision)
        raise HttpError(409 if stale else 403, str(exc)) from None


def _element(framework: Any, spec: str, field: str = "element") -> Any:
    from sillok.assessment.elements import ElementNotFound, find_element

    try:
        return find_element(spec, framework)
    except ElementNotFound as exc:
        raise CaseInputError(field, str(exc)) from None


def _record_ref(user: Any, ref: str, field: str) -> tuple[str, Any]:
    from sillok.records.access import RecordNotFound, access_record
    from sillok.records.fields import FieldError, parse_reference

    try:
        kind, pk = parse_reference(ref)
        if kind not in ("person", "organization"):
            raise FieldError(f"{ref} is not a person or an organization")
        return kind, access_record(user, kind, pk)
    except (FieldError, RecordNotFound) as exc:
        raise CaseInputError(field, str(exc)) from None


def _changes(payload: Schema, exclude: set[str]) -> dict[str, Any]:
    return {k: v for k, v in payload.model_dump(exclude=exclude).items() if v is not None}


@router.get(
    "/cases",
    response={200: list[CaseSummaryOut], 403: CaseErrorOut},
    summary="The case files you may see",
    operation_id="list_cases",
)
def list_cases(request: HttpRequest) -> Any:
    """Cases of the compartments you are a member of, at sensitivities you are cleared for."""
    user = _case_user(request)
    if not can_view_cases(user):
        raise HttpError(403, "seeing case files needs the view_cases permission")
    cases = visible_cases(user).select_related("compartment", "framework", "standard", "created_by")
    return [presentation.case_summary(case) for case in cases]


@router.post(
    "/cases",
    response={201: CaseOut, **CASE_ERRORS},
    summary="Open a case file (in a compartment of its own)",
    operation_id="create_case",
)
def create_case(request: HttpRequest, payload: CaseIn) -> Any:
    """You become its first member. `framework` and `standard` are codes."""
    from sillok.assessment.models import Framework

    user = _case_user(request)
    if not user.has_perm("assessment.change_cases"):
        raise HttpError(403, "opening case files needs the change_cases permission")

    def create() -> Any:
        framework = Framework.objects.filter(code=payload.framework.strip()).first()
        if framework is None:
            raise CaseInputError("framework", f"no framework {payload.framework!r}")
        case = case_services.do_create_case(
            user,
            payload.title,
            framework=framework,
            standard=_element(framework, payload.standard, "standard"),
            strategy=payload.strategy,
            sensitivity=payload.sensitivity,
        )
        return Status(201, presentation.case_as_dict(user, case))

    return _case_call(create)


@router.get(
    "/cases/{case_id}",
    response={200: CaseOut, 404: CaseErrorOut},
    summary="One case file: members, suspects, charges, tasks, evidence links",
    operation_id="get_case",
)
def get_case(request: HttpRequest, case_id: Id) -> Any:
    """Evidence you may not see is left out; a suspect's record you may not see has no label."""
    return presentation.case_as_dict(_case_user(request), _visible_case(request, case_id))


@router.patch(
    "/cases/{case_id}",
    response={200: CaseOut, **CASE_ERRORS},
    summary="Change a case file's title, strategy, sensitivity, standard or status",
    operation_id="update_case",
)
def update_case(request: HttpRequest, case_id: Id, payload: CaseChangeIn) -> Any:
    user, case = _case_user(request), _visible_case(request, case_id)

    def update() -> Any:
        changes = _changes(payload, {"revision", "reason"})
        if "standard" in changes:
            changes["standard"] = _element(case.framework, changes["standard"], "standard")
        updated = case_services.do_update_case(
            user, case, revision=payload.revision, reason=payload.reason, **changes
        )
        return Status(200, presentation.case_as_dict(user, updated))

    return _case_call(update)


@router.get(
    "/cases/{case_id}/versions",
    response={200: list[CaseVersionOut], 404: CaseErrorOut},
    summary="The history of a case: every version of every row",
    operation_id="case_versions",
)
def list_case_versions(request: HttpRequest, case_id: Id) -> Any:
    case = _visible_case(request, case_id)
    return [presentation.version_dict(version) for version in case_versions(case)]


@router.post(
    "/cases/{case_id}/members",
    response={200: CaseOut, **CASE_ERRORS},
    summary="Make a legal expert or manager a member of the case",
    operation_id="add_case_member",
)
def add_case_member(request: HttpRequest, case_id: Id, payload: MemberIn) -> Any:
    user, case = _case_user(request), _visible_case(request, case_id)

    def add() -> Any:
        case_services.do_add_member(user, case, payload.username)
        return Status(200, presentation.case_as_dict(user, case))

    return _case_call(add)


@router.post(
    "/cases/{case_id}/suspects",
    response={201: SuspectOut, **CASE_ERRORS},
    summary="Name a person or an organization a suspect",
    operation_id="add_suspect",
)
def add_suspect(request: HttpRequest, case_id: Id, payload: SuspectIn) -> Any:
    user, case = _case_user(request), _visible_case(request, case_id)

    def add() -> Any:
        kind, record = _record_ref(user, payload.ref, "ref")
        suspect = case_services.do_add_suspect(user, case, notes=payload.notes, **{kind: record})
        return Status(201, presentation.suspects_as_dicts(user, [suspect])[0])

    return _case_call(add)


@router.post(
    "/cases/{case_id}/charges",
    response={201: ChargeOut, **CASE_ERRORS},
    summary="Charge a suspect of the case with a crime by a mode of liability",
    operation_id="add_charge",
)
def add_charge(request: HttpRequest, case_id: Id, payload: ChargeIn) -> Any:
    from sillok.assessment.case_lookup import suspect_for_record

    user, case = _case_user(request), _visible_case(request, case_id)

    def add() -> Any:
        kind, record = _record_ref(user, payload.suspect, "suspect")
        suspect = suspect_for_record(case, kind, record.pk)
        if suspect is None:
            raise CaseInputError("suspect", f"{payload.suspect} is not a suspect of this case")
        charge = case_services.do_add_charge(
            user,
            case,
            crime=_element(case.framework, payload.crime, "crime"),
            suspect=suspect,
            mode=_element(case.framework, payload.mode, "mode"),
            notes=payload.notes,
        )
        return Status(201, presentation.charge_dict(charge))

    return _case_call(add)


@router.post(
    "/cases/{case_id}/links",
    response={201: LinkOut, **CASE_ERRORS},
    summary="Link evidence (an item down to a passage, or a record) to an element",
    operation_id="link_evidence",
)
def link_evidence(request: HttpRequest, case_id: Id, payload: LinkIn) -> Any:
    """`charge` is needed only when several charges of the case hold the element."""
    from sillok.assessment.evidence_refs import parse_evidence_ref

    user, case = _case_user(request), _visible_case(request, case_id)

    def link() -> Any:
        element = _element(case.framework, payload.element)
        charge = charge_for_element(case, element, payload.charge)
        kind, pk = parse_evidence_ref(payload.evidence)
        made = case_services.do_link_evidence(
            user,
            charge,
            element,
            evidence_kind=kind,
            evidence_id=pk,
            passage=payload.passage or None,
            assessment=payload.assessment,
            weight=payload.weight,
            comment=payload.comment,
        )
        return Status(201, presentation.link_dict(user, made))

    return _case_call(link)


@router.patch(
    "/cases/{case_id}/links/{link_id}",
    response={200: LinkOut, **CASE_ERRORS},
    summary="Assess an evidence link again (assessment, weight, comment)",
    operation_id="reassess_link",
)
def reassess_link(request: HttpRequest, case_id: Id, link_id: Id, payload: LinkChangeIn) -> Any:
    user, case = _case_user(request), _visible_case(request, case_id)

    def reassess() -> Any:
        link = row_of(case, "link", link_id)
        changed = case_services.do_reassess_link(
            user, link, revision=payload.revision, **_changes(payload, {"revision"})
        )
        return Status(200, presentation.link_dict(user, changed))

    return _case_call(reassess)


@router.post(
    "/cases/{case_id}/tasks",
    response={201: TaskOut, **CASE_ERRORS},
    summary="Add an investigative task",
    operation_id="create_task",
)
def create_task(request: HttpRequest, case_id: Id, payload: TaskIn) -> Any:
    user, case = _case_user(request), _visible_case(request, case_id)

    def create() -> Any:
        charge = row_of(case, "charge", payload.charge) if payload.charge else None
        task = case_services.do_create_task(
            user,
            case,
            title=payload.title,
            description=payload.description,
            assignee=payload.assignee or None,
            due_date=payload.due_date or None,
            charge=charge,
            elements=[_element(case.framework, spec, "elements") for spec in payload.elements],
        )
        return Status(201, presentation.task_dict(task))

    return _case_call(create)


@router.patch(
    "/cases/{case_id}/tasks/{task_id}",
    response={200: TaskOut, **CASE_ERRORS},
    summary="Change a task: status, assignee, due date, ...",
    operation_id="update_task",
)
def update_task(request: HttpRequest, case_id: Id, task_id: Id, payload: TaskChangeIn) -> Any:
    user, case = _case_user(request), _visible_case(request, case_id)

    def update() -> Any:
        task = row_of(case, "task", task_id)
        changes = _changes(payload, {"revision"})
        if "elements" in changes:
            changes["elements"] = [
                _element(case.framework, s, "elements") for s in changes["elements"]
            ]
        changed = case_services.do_update_task(user, task, revision=payload.revision, **changes)
        return Status(200, presentation.task_dict(changed))

    return _case_call(update)


@router.post(
    "/cases/{case_id}/{kind}/{row_id}/withdraw",
    response={200: CaseOut, **CASE_ERRORS},
    summary="Withdraw a suspect, charge, task or evidence link (never deleted)",
    operation_id="withdraw_case_row",
)
def withdraw_case_row(
    request: HttpRequest, case_id: Id, kind: str, row_id: Id, payload: CaseWithdrawIn
) -> Any:
    """`kind`: suspects, charges, tasks or links. A `reason` is required."""
    user, case = _case_user(request), _visible_case(request, case_id)
    if kind not in WITHDRAWABLE:
        raise HttpError(404, f"no {kind} in a case; one of: {', '.join(WITHDRAWABLE)}")

    def withdraw() -> Any:
        row = row_of(case, WITHDRAWABLE[kind], row_id)
        case_services.do_withdraw(user, row, reason=payload.reason)
        return Status(200, presentation.case_as_dict(user, case))

    return _case_call(withdraw)
