"""Consent scopes read the way people mean them (records/consent.py): publication covers UN
reporting and internal analysis, not the reverse, and never prosecution; public items (UN
documents, anything public) get the publication scope at intake unless a scope is given, so
the UN resolutions go into a UN-reporting export."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from sillok.evidence.custody_log import HandlingContext
from sillok.evidence.intake import do_ingest_file
from sillok.evidence.metadata import check_metadata
from sillok.evidence.models import Item
from sillok.records.consent import (
    NO_CONSENT,
    NOT_IN_SCOPE,
    RECIPIENT_NOT_NAMED,
    Share,
    check_share,
    consent_check,
    covered_purposes,
)
from sillok.records.exporting import do_export_records

pytestmark = pytest.mark.django_db

ICC = "ICC Office of the Prosecutor"


def item(scope: list[str], **fields) -> Item:
    return Item.objects.create(
        title=fields.pop("title", "Photo"), kind=fields.pop("kind", "photo"),
        consent_scope=scope, **fields,
    )  # fmt: skip


def shared(user, purpose: str, objects, recipient: str = "") -> list:
    return consent_check(user, check_share(purpose, recipient), objects).included


@pytest.mark.parametrize("purpose", ["publication", "un_reporting", "internal_analysis"])
def test_consent_to_publication_covers_un_reporting_and_internal_analysis(
    documentation_officer, purpose
):
    published = item(["publication"])
    assert shared(documentation_officer, purpose, [published]) == [published]


@pytest.mark.parametrize(
    "scope, purpose",
    [
        (["un_reporting"], "publication"),
        (["internal_analysis"], "publication"),
        (["internal_analysis"], "un_reporting"),
        (["un_reporting"], "internal_analysis"),
        (["prosecution"], "publication"),
    ],
)
def test_a_narrower_consent_does_not_cover_a_wider_or_other_purpose(
    documentation_officer, scope, purpose
):
    narrow = item(scope, consent_recipients=[ICC])
    decision = consent_check(documentation_officer, check_share(purpose), [narrow])
    assert decision.included == []
    assert [entry.reason for entry in decision.left_out] == [NOT_IN_SCOPE]


def test_consent_to_publication_never_covers_prosecution(documentation_officer):
    published = item(["publication"])
    decision = consent_check(documentation_officer, check_share("prosecution", ICC), [published])
    assert [entry.reason for entry in decision.left_out] == [NOT_IN_SCOPE]
    # Prosecution still needs the named recipient, publication or not.
    both = item(["publication", "prosecution"], consent_recipients=[ICC])
    assert shared(documentation_officer, "prosecution", [both], ICC) == [both]
    decision = consent_check(documentation_officer, check_share("prosecution", "Seoul"), [both])
    assert [entry.reason for entry in decision.left_out] == [RECIPIENT_NOT_NAMED]


def test_a_testimony_consented_for_publication_goes_into_a_un_report(
    documentation_officer, make_record
):
    witness = make_record(documentation_officer, "person", name="Witness P", roles="witness")
    testimony = make_record(
        documentation_officer, "testimony", title="Interview P", witness=f"P-{witness.pk}",
        consent_given="yes", consent_scope="publication",
    )  # fmt: skip
    silent = make_record(
        documentation_officer, "testimony", title="Interview Q", witness=f"P-{witness.pk}",
        consent_given="no", consent_scope="publication",
    )  # fmt: skip
    assert shared(documentation_officer, "un_reporting", [testimony, silent]) == [testimony]
    assert shared(documentation_officer, "internal_analysis", [witness]) == [witness]
    # Consent not given is no consent, whatever scope was noted.
    decision = consent_check(documentation_officer, Share("publication"), [silent])
    assert [entry.reason for entry in decision.left_out] == [NO_CONSENT]


def test_covered_purposes_reads_stored_scopes_without_rewriting_them(documentation_officer):
    stored = item(["publication"])
    assert covered_purposes(stored.consent_scope) == {
        "publication", "un_reporting", "internal_analysis"
    }  # fmt: skip
    assert covered_purposes(["prosecution"]) == {"prosecution"}
    assert covered_purposes([]) == set()
    shared(documentation_officer, "un_reporting", [stored])
    stored.refresh_from_db()
    assert stored.consent_scope == ["publication"]


# --- public items at intake ----------------------------------------------------------------


@pytest.fixture
def take_in(repo_home: Path, tmp_path: Path):
    """take_in(actor, name, **metadata) -> Item, through the real intake service."""

    def run(actor, name: str, **metadata) -> Item:
        path = tmp_path / name
        path.write_text(f"{name}: A/RES/78/218 Situation of human rights in the DPRK\n")
        result = do_ingest_file(
            actor,
            path,
            filename=name,
            metadata=check_metadata(metadata),
            context=HandlingContext.for_cli(reason="test intake"),
        )
        assert result.status == "new", result.reason
        return Item.objects.get(pk=result.item)

    return run


@pytest.mark.parametrize(
    "metadata",
    [
        {"kind": "un_document"},
        {"kind": "un_document", "sensitivity": "internal"},
        {"kind": "document", "sensitivity": "public"},  # a published report
    ],
)
def test_a_public_item_gets_the_publication_scope_at_intake(
    documentation_officer, take_in, metadata
):
    taken = take_in(documentation_officer, "resolution.txt", **metadata)
    assert taken.consent_scope == ["publication"]


@pytest.mark.parametrize(
    "metadata, scope",
    [
        # The submitter's scope is kept as given, even for a UN document.
        ({"kind": "un_document", "consent_scope": ["internal_analysis"]}, ["internal_analysis"]),
        # Not public: no consent unless given.
        ({"kind": "document"}, []),
        ({"kind": "photo", "sensitivity": "internal"}, []),
        ({"kind": "testimony_recording", "sensitivity": "restricted"}, []),
    ],
)
def test_other_items_keep_the_scope_they_were_given(
    documentation_officer, take_in, metadata, scope
):
    assert take_in(documentation_officer, "file.txt", **metadata).consent_scope == scope


def test_a_un_document_taken_in_without_a_scope_goes_into_a_un_reporting_export(
    documentation_officer, make_record, take_in
):
    resolution = take_in(documentation_officer, "A_RES_78_218.txt", kind="un_document",
                         sensitivity="public", title="A/RES/78/218")  # fmt: skip
    restricted = take_in(documentation_officer, "photo-notes.txt", kind="document")
    event = make_record(documentation_officer, "event", title="Public executions, 2015")
    source = make_record(documentation_officer, "source", name="Partner NGO")
    info = make_record(
        documentation_officer, "information", source=f"S-{source.pk}", event=f"E-{event.pk}"
    )
    link = make_record(
        documentation_officer, "link", **{"from": f"I-{info.pk}", "to": f"X-{resolution.pk}",
                                         "relation": "mentions"},
        items=f"X-{resolution.pk}; X-{restricted.pk}",
    )  # fmt: skip
    assert shared(documentation_officer, "un_reporting", [resolution]) == [resolution]
    out = io.BytesIO()
    result = do_export_records(
        documentation_officer, "links", "json", out, share=Share("un_reporting")
    )
    document = json.loads(out.getvalue())
    assert [row["reference"] for row in document["records"]] == [f"L-{link.pk}"]
    assert document["records"][0]["items"] == [f"X-{resolution.pk}"]
    assert {entry.reference: entry.reason for entry in result.left_out_list} == {
        f"X-{restricted.pk}": NO_CONSENT
    }
