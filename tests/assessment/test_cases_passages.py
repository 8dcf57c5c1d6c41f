"""Passages as people type them, held against what the item has."""

from __future__ import annotations

import pytest

from sillok.assessment.evidence_refs import (
    EvidenceNotFound,
    EvidenceRefError,
    evidence_ref,
    resolve_evidence,
)
from sillok.assessment.passages import (
    PassageError,
    check_passage,
    describe_passage,
    parse_passage,
)


@pytest.mark.parametrize(
    ("spec", "passage"),
    [
        ("", {}),
        ("p3", {"pages": [3, 3]}),
        ("P3-4", {"pages": [3, 4]}),
        ("p 3 – 4", {"pages": [3, 4]}),
        ("3쪽", {"pages": [3, 3]}),
        ("3~4페이지", {"pages": [3, 4]}),
        ("c120-480", {"start": 120, "end": 480}),
        ("c17:120-480", {"derivative": 17, "start": 120, "end": 480}),
        ("t12.5-40", {"seconds": [12.5, 40.0]}),
        ("t1:05-2:30", {"seconds": [65.0, 150.0]}),
    ],
)
def test_passages_are_read_in_every_accepted_form(spec, passage):
    assert parse_passage(spec) == passage


@pytest.mark.parametrize("spec", ["p0", "p4-3", "c480-120", "t40-12", "t1:75", "page 3", "x1"])
def test_unreadable_passages_are_refused_with_the_forms_accepted(spec):
    with pytest.raises(PassageError):
        parse_passage(spec)


@pytest.mark.parametrize(
    ("passage", "label"),
    [
        ({}, ""),
        ({"pages": [3, 3]}, "p. 3"),
        ({"pages": [3, 4]}, "pp. 3–4"),
        ({"derivative": 1, "start": 120, "end": 480}, "chars 120–480"),
        ({"seconds": [12.5, 40.0]}, "0:12.5–0:40.0"),
    ],
)
def test_passages_are_described_for_the_matrix(passage, label):
    assert describe_passage(passage) == label


@pytest.mark.django_db
def test_passages_are_held_against_the_item(legal_expert, make_item):
    document = make_item(legal_expert, text="x" * 600, pages=4)
    recording = make_item(legal_expert, kind="audio", duration=95.0)
    text = document.files.get(kind="text")
    assert check_passage(document, {"pages": [2, 4]}) == {"pages": [2, 4]}
    assert check_passage(document, {"start": 0, "end": 600}) == {
        "derivative": text.pk, "start": 0, "end": 600,
    }  # fmt: skip
    assert check_passage(recording, {"seconds": [10, 95]}) == {"seconds": [10.0, 95.0]}
    for item, passage, message in (
        (document, {"pages": [4, 5]}, r"has 4 page\(s\)"),
        (document, {"start": 0, "end": 601}, "600 characters"),
        (document, {"derivative": 999999, "start": 0, "end": 1}, "no text derivative 999999"),
        (document, {"seconds": [1, 2]}, "no known duration"),
        (recording, {"seconds": [90, 96]}, "lasts 95 seconds"),
        (recording, {"pages": [1, 1]}, "no known page count"),
    ):
        with pytest.raises(PassageError, match=message):
            check_passage(item, passage)


@pytest.mark.django_db
def test_evidence_references_resolve_only_what_the_user_may_see(
    legal_expert, analyst, documentation_officer, make_item, make_record
):
    item = make_item(documentation_officer, sensitivity="strictly_confidential")
    witness = make_record(documentation_officer, "person", name="W-4", sensitivity="internal")
    testimony = make_record(
        documentation_officer, "testimony", title="Guard 4", witness=f"P-{witness.pk}",
        sensitivity="internal",
    )  # fmt: skip
    assert resolve_evidence(legal_expert, f"X-{item.pk}") == ("item", item)
    assert resolve_evidence(legal_expert, f"item:{item.pk}") == ("item", item)
    assert resolve_evidence(legal_expert, f"T-{testimony.pk}") == ("testimony", testimony)
    with pytest.raises(EvidenceNotFound, match=f"no evidence X-{item.pk}"):
        resolve_evidence(analyst, f"X-{item.pk}")  # analysts are cleared up to restricted
    with pytest.raises(EvidenceRefError, match="not evidence"):
        resolve_evidence(legal_expert, "P-1")
    with pytest.raises(EvidenceRefError):
        resolve_evidence(legal_expert, "the report")
    assert evidence_ref("item", item) == f"X-{item.pk}"
    assert evidence_ref("act", 12) == "A-12"
