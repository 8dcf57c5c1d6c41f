"""Request and response shapes of the case file API (assessment/api.py)."""

from __future__ import annotations

from typing import Any

from ninja import Field, Schema


class ElementRefOut(Schema):
    id: int
    code: str = Field(..., examples=["art7-1-f"])
    label_en: str
    label_ko: str


class WithdrawnOut(Schema):
    at: str
    reason: str


class SuspectOut(Schema):
    id: int
    kind: str = Field(..., description="person or organization")
    ref: str = Field(..., examples=["O-3"])
    label: str | None = Field(None, description="null where you may not see the record")
    notes: str
    revision: int
    withdrawn: WithdrawnOut | None = None


class ChargeOut(Schema):
    id: int
    crime: ElementRefOut
    suspect: int
    mode: ElementRefOut
    notes: str
    revision: int
    withdrawn: WithdrawnOut | None = None


class TaskOut(Schema):
    id: int
    title: str
    description: str
    assignee: str | None = None
    due_date: str | None = None
    status: str = Field(..., description="open, in_progress, done, cancelled")
    charge: int | None = None
    elements: list[str]
    gap: str
    revision: int
    withdrawn: WithdrawnOut | None = None


class LinkOut(Schema):
    id: int
    charge: int
    element: str
    evidence_kind: str
    evidence_id: int
    ref: str = Field(..., examples=["X-5"])
    title: str | None = None
    passage: dict[str, Any]
    passage_label: str = Field(..., examples=["pp. 3–4"])
    assessment: str
    weight: str
    comment: str
    assessor: str | None = None
    assessed_at: str | None = None
    revision: int
    withdrawn: WithdrawnOut | None = None


class CaseSummaryOut(Schema):
    id: int
    title: str
    compartment: str = Field(..., examples=["case-detention-facility-14"])
    sensitivity: str
    framework: str = Field(..., examples=["rome-statute"])
    standard: str = Field(..., examples=["standard-rgb"])
    status: str
    revision: int
    created_by: str | None = None
    created_at: str | None = None
    updated_at: str | None = None


class CaseOut(CaseSummaryOut):
    strategy: str
    members: list[str]
    suspects: list[SuspectOut]
    charges: list[ChargeOut]
    tasks: list[TaskOut]
    evidence_links: list[LinkOut]


class CaseVersionOut(Schema):
    kind: str
    object_id: int
    number: int
    action: str
    actor: str | None = None
    reason: str
    created_at: str | None = None
    audit_seq: int | None = None


class CaseIn(Schema):
    title: str = Field(..., examples=["Detention facility 14"])
    framework: str = Field("rome-statute", description="framework code")
    standard: str = Field("standard-rgb", description="standard of proof code")
    strategy: str = ""
    sensitivity: str = Field("restricted", examples=["restricted", "제한"])


class CaseChangeIn(Schema):
    revision: int = Field(..., description="the revision you read; 409 if it changed since")
    reason: str = ""
    title: str | None = None
    strategy: str | None = None
    sensitivity: str | None = None
    standard: str | None = Field(None, description="standard of proof code")
    status: str | None = Field(None, description="open or closed")


class MemberIn(Schema):
    username: str


class SuspectIn(Schema):
    ref: str = Field(..., description="a person P-12 or an organization O-3", examples=["O-3"])
    notes: str = ""


class ChargeIn(Schema):
    crime: str = Field(..., examples=["art7-1-f"])
    suspect: str = Field(..., description="a suspect's record reference", examples=["O-3"])
    mode: str = Field(..., examples=["art25-3-a"])
    notes: str = ""


class LinkIn(Schema):
    element: str = Field(..., examples=["art7-1-f.1"])
    evidence: str = Field(..., examples=["X-5", "T-3", "A-12"])
    passage: str = Field("", examples=["p3-4", "c120-480", "t12.5-40"])
    assessment: str = Field("supports", examples=["supports", "지지"])
    weight: str = Field("medium", examples=["medium", "높음"])
    comment: str = ""
    charge: int | None = Field(None, description="needed when several charges hold the element")


class LinkChangeIn(Schema):
    revision: int
    assessment: str | None = None
    weight: str | None = None
    comment: str | None = None


class TaskIn(Schema):
    title: str
    description: str = ""
    assignee: str = Field("", description="username of a member of the case")
    due_date: str = Field("", examples=["2027-03-31"])
    charge: int | None = None
    elements: list[str] = Field(default_factory=list, examples=[["art7-1-f.1"]])


class TaskChangeIn(Schema):
    revision: int
    title: str | None = None
    description: str | None = None
    assignee: str | None = None
    due_date: str | None = None
    status: str | None = Field(None, examples=["done", "완료"])
    elements: list[str] | None = None


class CaseWithdrawIn(Schema):
    reason: str = Field(..., examples=["linked to the wrong element"])


class CaseErrorOut(Schema):
    detail: str = Field(..., examples=["no case 42"])
    errors: dict[str, str] = Field({}, description="bad fields: field name -> what is wrong")
