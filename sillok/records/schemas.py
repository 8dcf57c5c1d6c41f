"""What the records API takes and gives (records/api.py), with descriptions and examples
for the OpenAPI document. A record's `values` hold the fields of its kind (records/fields.py)
in the raw form the API accepts back."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from ninja import Field, Schema

from sillok.core.api import MAX_INTEGER, MAX_PAGE

VALUES_EXAMPLE = {
    "name": "Kim Young-hee",
    "name_hangul": "김영희",
    "sex": "female",
    "birth_year": "1975..1978",
    "origin": {"code": "KP-09", "name_en": "North Hamgyong", "name_ko": "함경북도"},
    "status": "detained",
    "sensitivity": "restricted",
}


class ErrorOut(Schema):
    detail: str = Field(..., examples=["no person 42"])
    errors: dict[str, str] = Field(
        {},
        description="bad fields: field name -> what is wrong with it",
        examples=[{"birth_year": "must be a year like 1975; got 'soon'"}],
    )


class FiltersIn(Schema):
    q: str = Field(
        "",
        description="text: for persons any spelling of a name (Hangul, Revised Romanization, "
        "McCune-Reischauer, aliases); for other kinds title, name and description",
    )
    review_status: str = Field(
        "", description="draft, in_review or reviewed (or its English or Korean label)"
    )
    sensitivity: str = Field(
        "",
        description="public, internal, restricted or strictly_confidential (or its English "
        "or Korean label)",
    )
    violation_type: str = Field(
        "",
        description="a violations code; includes its sub-types. Acts; events and persons "
        "through their acts",
    )
    place: str = Field(
        "",
        description="a gazetteer code, id or name in any spelling; includes the places below "
        "it (a province finds its "
        "counties). Persons by place of origin",
    )
    date_from: str = Field("", description="dated kinds: overlapping the period from this date")
    date_to: str = Field("", description="dated kinds: overlapping the period until this date")
    corroboration: str = Field(
        "",
        description="acts and events: none, single_source or corroborated (two or more "
        "independent sources; or their English or Korean label), counted from the "
        "information you may see",
    )
    include_withdrawn: bool = Field(False, description="also withdrawn records")
    limit: int = Field(50, ge=1, le=MAX_PAGE, description=f"at most {MAX_PAGE}")
    offset: int = Field(0, ge=0, le=MAX_INTEGER, description="how many to skip")


class WithdrawnOut(Schema):
    at: datetime
    reason: str


class RecordOut(Schema):
    id: int = Field(..., examples=[12])
    reference: str = Field(..., description="what users quote", examples=["P-12"])
    kind: str = Field(..., description="singular", examples=["person"])
    title: str = Field(..., examples=["Kim Young-hee"])
    values: dict[str, Any] = Field(
        ...,
        description="every field of the kind, as the API accepts them: text, codes of "
        "choices, dates with their precision (2015-03, ~2015, 2015..2017); terms as "
        "{code, label_en, label_ko}, places as {code, name_en, name_ko}, records as "
        "{reference, id, title} (title null when you may not see that record)",
        examples=[VALUES_EXAMPLE],
    )
    review_status: str = Field(..., examples=["draft"])
    reviewer: str | None = Field(None, description="user name of the assigned reviewer")
    sensitivity: str = Field(..., examples=["restricted"])
    revision: int = Field(..., description="send it back with an edit", examples=[3])
    created_at: datetime
    created_by: str | None = Field(None, examples=["mina"])
    updated_at: datetime
    withdrawn: WithdrawnOut | None = Field(None, description="null unless withdrawn")


class RecordListOut(Schema):
    total: int = Field(..., examples=[1])
    items: list[RecordOut]


class RecordIn(Schema):
    values: dict[str, Any] = Field(
        ...,
        description="field name -> raw value; what a read returns is accepted back. "
        "Choices (sex, status, certainty, reliability, …) by code, English or Korean label "
        "or a common abbreviation (female, Female, 여성, 여, F); terms by code or label; "
        "places by code or a name only one place has (an ambiguous name is refused, with "
        "the places it may mean)",
        examples=[
            {"name": "Kim Young-hee", "name_hangul": "김영희", "sex": "여", "origin": "회령"}
        ],
    )
    reason: str = Field("", description="kept in the history")


class RecordChangeIn(RecordIn):
    revision: int = Field(..., description="the revision you read", examples=[3])
    reason: str = Field(
        "", description="kept in the history; required when the record was reviewed"
    )


class RestoreIn(Schema):
    revision: int | None = Field(None, description="the revision you read (recommended)")
    reason: str = ""


class ReviewIn(Schema):
    action: Literal["submit", "complete", "return"]
    reviewer: str = Field("", description="submit: the reviewer's user name", examples=["jun"])
    comment: str = Field("", description="required to return a record")
    revision: int | None = None


class WithdrawIn(Schema):
    reason: str = Field(..., description="why it is withdrawn", examples=["duplicate of P-9"])
    revision: int | None = None


class ReinstateIn(Schema):
    reason: str = ""
    revision: int | None = None


class VersionOut(Schema):
    number: int = Field(..., examples=[2])
    action: str = Field(..., examples=["edited"])
    actor: str | None = Field(None, examples=["mina"])
    created_at: datetime
    reason: str = Field(..., examples=["corrected the date from the transcript"])


class ChangeOut(Schema):
    field: str = Field(..., examples=["date_start"])
    before: Any = Field(None, examples=["2015-03-01"])
    after: Any = Field(None, examples=["2015-04-01"])


class VersionDetailOut(VersionOut):
    snapshot: dict[str, Any] = Field(..., description="the whole record (foreign keys as ids)")
    changes: list[ChangeOut]
    previous_withheld: bool = Field(
        False, description="you are not cleared for the version before: no earlier values"
    )


class TermValueOut(Schema):
    code: str = Field(..., examples=["detained_at"])
    label_en: str
    label_ko: str


class LinkEndOut(Schema):
    reference: str = Field(..., examples=["E-3"])
    kind: str = Field(..., examples=["event"])
    id: int
    title: str | None = None


class LinkOut(Schema):
    id: int
    reference: str = Field(..., examples=["L-5"])
    relation: TermValueOut
    label: str = Field(..., description="the relation read from this record's side")
    direction: Literal["outgoing", "incoming"]
    other: LinkEndOut
    certainty: str = Field(..., examples=["likely"])
    comment: str
    items: list[int] = Field(..., description="supporting items you may see")
    sensitivity: str
    review_status: str


class CorroboratingInformationOut(Schema):
    ref: str = Field(..., examples=["I-12"])
    source: str = Field(..., examples=["S-4"])
    connection: str = Field(..., examples=["eyewitness"])
    credibility: str = Field(..., examples=["2"])
    reliability: str = Field(..., description="A–F; empty when you may not see the source")
    first_hand: bool
    origin_keys: list[str] = Field(
        ...,
        description="what the information rests on (person:ID, organization:ID, source:ID; "
        "withheld:N for a person or organization you may not see)",
        examples=[["person:3"]],
    )
    heard_from: list[str] = Field(..., examples=[["I-9"]])
    contradicts: list[str] = Field(..., examples=[["I-15"]])


class CorroborationOut(Schema):
    ref: str = Field(..., examples=["A-12"])
    independent_sources: int
    first_hand: int = Field(..., description="independent sources with first-hand information")
    single_source: bool = Field(..., description="fewer than two independent sources")
    contradicted: bool
    information: list[CorroboratingInformationOut]
    hearsay_chains: list[list[str]] = Field(..., examples=[[["I-14", "I-9"]]])
