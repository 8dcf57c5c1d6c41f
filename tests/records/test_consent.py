"""The consent rule (records/consent.py) and the exports that go through it: each purpose,
missing consent, named recipients, witnesses, records that touch left-out ones, the note in
each file format, the audit entry, the export page, and validation of consent values."""

from __future__ import annotations

import csv
import io
import json

import pytest
from openpyxl import load_workbook

from sillok.custody.models import AuditEntry
from sillok.evidence.metadata import MetadataError, check_metadata
from sillok.evidence.models import Item
from sillok.records.consent import (
    NO_CONSENT,
    NOT_FOUND,
    NOT_IN_SCOPE,
    RECIPIENT_NOT_NAMED,
    TOUCHES_LEFT_OUT,
    WITNESS_WITHOUT_CONSENT,
    ConsentError,
    Share,
    check_share,
    consent_check,
)
from sillok.records.exporting import do_export_records, preview_export
from sillok.records.fields import RecordValuesError
from sillok.records.services import do_withdraw_record

pytestmark = pytest.mark.django_db

ICC = "ICC Office of the Prosecutor"


def export(user, kind: str, fmt: str, share: Share, **options):
    out = io.BytesIO()
    result = do_export_records(user, kind, fmt, out, share=share, **options)
    return out.getvalue(), result


def csv_rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def reasons(result) -> dict[str, str]:
    return {entry.reference: entry.reason for entry in result.left_out_list}


@pytest.fixture
def world(documentation_officer, make_record):
    """Three witnesses: A consented to internal analysis and UN reporting, B to prosecution
    by the ICC only, C to nothing; a victim who is no witness; the records around them."""
    officer = documentation_officer
    rec = make_record
    w = {
        "a": rec(officer, "person", name="Witness A", roles="witness"),
        "b": rec(officer, "person", name="Witness B", roles="witness"),
        "c": rec(officer, "person", name="Witness C", roles="witness; victim"),
        "victim": rec(officer, "person", name="Victim V", roles="victim"),
    }
    w["x_ok"] = Item.objects.create(
        title="Consented photo", kind="photo", sensitivity="restricted",
        consent_scope=["internal_analysis", "un_reporting"],
    )  # fmt: skip
    w["x_none"] = Item.objects.create(title="Unconsented audio", kind="audio")
    w["t_a"] = rec(
        officer, "testimony", title="Interview A", witness=f"P-{w['a'].pk}",
        consent_given="yes", consent_scope="internal_analysis; un_reporting",
        consent_date="2019-05-02", consent_form="written",
        items=f"X-{w['x_ok'].pk}; X-{w['x_none'].pk}",
    )  # fmt: skip
    w["t_b"] = rec(
        officer, "testimony", title="Interview B", witness=f"P-{w['b'].pk}",
        consent_given="yes", consent_scope="prosecution", consent_recipients=ICC,
    )  # fmt: skip
    w["t_c"] = rec(
        officer, "testimony", title="Interview C", witness=f"P-{w['c'].pk}", consent_given="no"
    )
    w["event"] = rec(officer, "event", title="Detention at Onsong")
    w["act"] = rec(
        officer, "act", event=f"E-{w['event'].pk}", victim=f"P-{w['c'].pk}",
        violation_type="torture",
    )  # fmt: skip
    w["act_v"] = rec(
        officer, "act", event=f"E-{w['event'].pk}", victim=f"P-{w['victim'].pk}",
        violation_type="torture",
    )  # fmt: skip
    w["inv_c"] = rec(officer, "involvement", act=f"A-{w['act_v'].pk}", perpetrator=f"P-{w['c'].pk}")
    w["unit"] = rec(officer, "organization", name="Onsong county security office")
    w["inv_unit"] = rec(
        officer, "involvement", act=f"A-{w['act_v'].pk}", organization=f"O-{w['unit'].pk}"
    )
    w["link_c"] = rec(
        officer, "link", **{"from": f"P-{w['c'].pk}", "to": f"P-{w['victim'].pk}",
                            "relation": "sibling_of"},
    )  # fmt: skip
    w["link_a"] = rec(
        officer, "link", **{"from": f"P-{w['a'].pk}", "to": f"E-{w['event'].pk}",
                            "relation": "witnessed"},
    )  # fmt: skip
    w["source_c"] = rec(officer, "source", name="Source C", person=f"P-{w['c'].pk}")
    w["source_ngo"] = rec(officer, "source", name="Partner NGO")
    w["info_from_c"] = rec(
        officer, "information", source=f"S-{w['source_c'].pk}", event=f"E-{w['event'].pk}"
    )
    w["info_in_t_c"] = rec(
        officer, "information", source=f"S-{w['source_ngo'].pk}", event=f"E-{w['event'].pk}",
        testimony=f"T-{w['t_c'].pk}",
    )  # fmt: skip
    w["info_ok"] = rec(
        officer, "information", source=f"S-{w['source_ngo'].pk}", event=f"E-{w['event'].pk}",
        testimony=f"T-{w['t_a'].pk}",
    )  # fmt: skip
    return w


def three_testimonies(world):
    return [world["t_a"], world["t_b"], world["t_c"]]


# --- the rule ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "purpose, recipient, shared",
    [
        ("internal_analysis", "", ["t_a"]),
        ("un_reporting", "", ["t_a"]),
        ("publication", "", []),
        ("prosecution", ICC, ["t_b"]),
        # Named recipients match ignoring case and runs of spaces.
        ("prosecution", "  icc office   of the PROSECUTOR ", ["t_b"]),
        ("prosecution", "Seoul Central District Prosecutors' Office", []),
    ],
)
def test_each_purpose_shares_only_testimonies_whose_consent_covers_it(
    documentation_officer, world, purpose, recipient, shared
):
    decision = consent_check(
        documentation_officer, check_share(purpose, recipient), three_testimonies(world)
    )
    assert decision.included == [world[name] for name in shared]
    assert len(decision.left_out) == 3 - len(shared)


def test_missing_consent_scope_and_recipient_each_say_why(documentation_officer, world):
    share = check_share("prosecution", "Seoul Central District Prosecutors' Office")
    decision = consent_check(documentation_officer, share, three_testimonies(world))
    why = {entry.reference: entry for entry in decision.left_out}
    t_a, t_b, t_c = (f"T-{world[n].pk}" for n in ("t_a", "t_b", "t_c"))
    assert why[t_c].reason == NO_CONSENT and why[t_c].message == "no consent recorded"
    assert why[t_a].reason == NOT_IN_SCOPE
    assert why[t_a].message == "consent does not cover Sharing with prosecutors"
    assert why[t_b].reason == RECIPIENT_NOT_NAMED
    assert ICC in why[t_b].message and "Seoul Central District" in why[t_b].message
    assert why[t_b].title == "Interview B"
    assert decision.reasons() == {NO_CONSENT: 1, NOT_IN_SCOPE: 1, RECIPIENT_NOT_NAMED: 1}


def test_internal_analysis_needs_consent_too(documentation_officer, world):
    decision = consent_check(documentation_officer, Share("internal_analysis"), [world["t_c"]])
    assert decision.included == [] and decision.left_out[0].reason == NO_CONSENT


def test_items_follow_their_own_consent(documentation_officer, world):
    item = Item.objects.create(
        title="Letter", kind="document", consent_scope=["prosecution"], consent_recipients=[ICC]
    )
    share = check_share("prosecution", ICC.upper())
    objects = [world["x_ok"], world["x_none"], item]
    decision = consent_check(documentation_officer, share, objects)
    assert decision.included == [item]
    assert {e.reference: e.reason for e in decision.left_out} == {
        f"X-{world['x_ok'].pk}": NOT_IN_SCOPE,
        f"X-{world['x_none'].pk}": NO_CONSENT,
    }


def test_what_the_user_may_not_see_is_left_out_unnamed(analyst, documentation_officer, world):
    secret = Item.objects.create(
        title="Secret map", kind="document", sensitivity="strictly_confidential",
        consent_scope=["un_reporting"],
    )  # fmt: skip
    decision = consent_check(analyst, Share("un_reporting"), [secret, world["t_a"]])
    assert decision.included == [world["t_a"]]
    assert [(e.reason, e.title) for e in decision.left_out] == [(NOT_FOUND, "")]
    assert consent_check(documentation_officer, Share("un_reporting"), [secret]).included == [
        secret
    ]


@pytest.mark.parametrize(
    "purpose, recipient, message",
    [
        ("", "", "say what the export is for"),
        ("lawsuit", "", "unknown purpose 'lawsuit'"),
        ("prosecution", "  ", "needs a recipient"),
        ("publication", "ICC", "only when sharing with prosecutors"),
    ],
)
def test_a_share_without_a_clear_purpose_is_refused(purpose, recipient, message):
    with pytest.raises(ConsentError, match=message):
        check_share(purpose, recipient)


# --- exports -------------------------------------------------------------------------------


def test_witnesses_without_consent_are_left_out_and_other_persons_stay(
    documentation_officer, world
):
    data, result = export(documentation_officer, "persons", "csv", Share("un_reporting"))
    assert [r["name"] for r in csv_rows(data)] == ["Witness A", "Victim V"]
    assert reasons(result) == {
        f"P-{world['b'].pk}": WITNESS_WITHOUT_CONSENT,
        f"P-{world['c'].pk}": WITNESS_WITHOUT_CONSENT,
    }
    # Consent to prosecution by the ICC brings witness B back, for that recipient only.
    data, _ = export(documentation_officer, "persons", "csv", Share("prosecution", ICC))
    assert [r["name"] for r in csv_rows(data)] == ["Witness B", "Victim V"]


def test_a_witness_whose_only_consented_testimony_is_withdrawn_is_left_out(
    documentation_officer, world
):
    do_withdraw_record(documentation_officer, world["t_a"], reason="consent withdrawn")
    data, result = export(documentation_officer, "persons", "csv", Share("un_reporting"))
    assert [r["name"] for r in csv_rows(data)] == ["Victim V"]
    assert reasons(result)[f"P-{world['a'].pk}"] == WITNESS_WITHOUT_CONSENT


def test_links_involvements_sources_and_information_of_left_out_records_go_with_them(
    documentation_officer, world
):
    share = Share("un_reporting")
    data, result = export(documentation_officer, "links", "csv", share)
    assert [r["reference"] for r in csv_rows(data)] == [f"L-{world['link_a'].pk}"]
    assert reasons(result)[f"L-{world['link_c'].pk}"] == TOUCHES_LEFT_OUT
    data, result = export(documentation_officer, "involvements", "csv", share)
    assert [r["reference"] for r in csv_rows(data)] == [f"V-{world['inv_unit'].pk}"]
    assert reasons(result) == {f"V-{world['inv_c'].pk}": TOUCHES_LEFT_OUT}
    data, result = export(documentation_officer, "sources", "csv", share)
    assert [r["name"] for r in csv_rows(data)] == ["Partner NGO"]
    data, result = export(documentation_officer, "information", "csv", share)
    assert [r["reference"] for r in csv_rows(data)] == [f"I-{world['info_ok'].pk}"]
    assert set(reasons(result)) == {f"I-{world['info_from_c'].pk}", f"I-{world['info_in_t_c'].pk}"}
    # Events and organizations carry no personal consent.
    assert len(csv_rows(export(documentation_officer, "events", "csv", share)[0])) == 1
    assert len(csv_rows(export(documentation_officer, "organizations", "csv", share)[0])) == 1


def test_references_to_left_out_records_and_items_are_emptied_and_listed(
    documentation_officer, world
):
    data, result = export(documentation_officer, "acts", "csv", Share("un_reporting"))
    victims = {r["reference"]: r["victim"] for r in csv_rows(data)}
    assert victims == {
        f"A-{world['act'].pk}": "",
        f"A-{world['act_v'].pk}": f"P-{world['victim'].pk}",
    }
    assert reasons(result) == {f"P-{world['c'].pk}": WITNESS_WITHOUT_CONSENT}
    data, result = export(documentation_officer, "testimonies", "csv", Share("un_reporting"))
    (row,) = csv_rows(data)
    assert row["title"] == "Interview A" and row["items"] == f"X-{world['x_ok'].pk}"
    assert reasons(result) == {
        f"T-{world['t_b'].pk}": NOT_IN_SCOPE,
        f"T-{world['t_c'].pk}": NO_CONSENT,
        f"X-{world['x_none'].pk}": NO_CONSENT,
    }


def test_each_file_format_notes_what_was_left_out_by_reference_and_reason_only(
    documentation_officer, world
):
    share = Share("un_reporting")
    data, _ = export(documentation_officer, "testimonies", "json", share)
    document = json.loads(data)
    assert document["kind"] == "testimonies" and document["purpose"] == "un_reporting"
    assert [r["title"] for r in document["records"]] == ["Interview A"]
    assert {tuple(sorted(note)) for note in document["left_out"]} == {
        ("kind", "reason", "reference")
    }
    assert {note["reference"] for note in document["left_out"]} == {
        f"T-{world['t_b'].pk}", f"T-{world['t_c'].pk}", f"X-{world['x_none'].pk}"
    }  # fmt: skip
    assert b"Interview C" not in data and b"Unconsented audio" not in data
    data, _ = export(documentation_officer, "testimonies", "xlsx", share)
    book = load_workbook(io.BytesIO(data), read_only=True)
    assert book.sheetnames == ["records", "left out"]
    notes = list(book["left out"].iter_rows(values_only=True))
    assert notes[0] == ("reference", "kind", "reason")
    assert (f"T-{world['t_c'].pk}", "testimony", NO_CONSENT) in notes


def test_the_audit_entry_names_purpose_recipient_and_counts_but_nobody(
    documentation_officer, world
):
    export(documentation_officer, "persons", "json", Share("prosecution", ICC))
    entry = AuditEntry.objects.get(action="record.exported")
    assert entry.details == {
        "format": "json",
        "records": 2,
        "include_withdrawn": False,
        "purpose": "prosecution",
        "recipient": ICC,
        "left_out": 2,
        "left_out_reasons": {WITNESS_WITHOUT_CONSENT: 2},
    }
    assert "Witness" not in json.dumps(entry.details)


def test_sensitivity_still_applies_and_hidden_records_are_never_named(
    analyst, documentation_officer, make_record, world
):
    hidden = make_record(
        documentation_officer, "person", name="Hidden witness", sensitivity="strictly_confidential"
    )
    make_record(
        documentation_officer, "testimony", title="Hidden interview", witness=f"P-{hidden.pk}",
        sensitivity="strictly_confidential",
    )  # fmt: skip
    result = preview_export(analyst, "persons", share=Share("un_reporting"))
    assert result.count == 2  # Witness A and Victim V
    assert f"P-{hidden.pk}" not in reasons(result)
    assert "Hidden" not in json.dumps([e.as_dict() for e in result.left_out_list])


# --- validation ----------------------------------------------------------------------------


def test_consent_to_prosecution_must_name_its_recipients(documentation_officer, make_record):
    witness = make_record(documentation_officer, "person", name="W")
    with pytest.raises(RecordValuesError) as caught:
        make_record(
            documentation_officer, "testimony", title="T", witness=f"P-{witness.pk}",
            consent_given="yes", consent_scope="prosecution",
        )  # fmt: skip
    assert caught.value.errors == {
        "consent_recipients": "name the prosecutors or jurisdictions the witness consented to"
    }
    with pytest.raises(MetadataError, match="name the prosecutors"):
        check_metadata({"consent_scope": ["prosecution"]})
    metadata = check_metadata(
        {
            "consent_scope": "prosecution",
            "consent_recipients": f"{ICC}; Seoul  Central District Prosecutors' Office",
            "consent_date": "2020-01-31",
            "consent_form": "oral_recorded",
        }
    )
    assert metadata.consent_recipients == [ICC, "Seoul Central District Prosecutors' Office"]
    assert str(metadata.consent_date) == "2020-01-31" and metadata.consent_form == "oral_recorded"


# --- the export page -----------------------------------------------------------------------


def test_the_export_page_lists_what_is_left_out_and_why(
    reauthenticated_client_for, documentation_officer, world, repo_home
):
    client = reauthenticated_client_for(documentation_officer)
    form = {"kind": "testimony", "format": "csv", "purpose": "un_reporting"}
    page = client.post("/records/export/", form)
    text = page.content.decode()
    assert page.status_code == 200
    assert "1 record can be exported for UN reporting" in text
    assert "3 records and items are left out" in text
    assert f"T-{world['t_c'].pk}</strong> Interview C: no consent recorded" in text
    assert not AuditEntry.objects.filter(action="record.exported").exists()
    note = client.post("/records/export/", {**form, "download": "left_out"})
    assert note["Content-Disposition"].endswith('.left-out.csv"')
    rows = csv_rows(note.content)
    assert {r["reference"] for r in rows} >= {f"T-{world['t_c'].pk}"}
    assert "Interview C" not in note.content.decode("utf-8-sig")
    file = client.post("/records/export/", {**form, "download": "records"})
    assert [r["title"] for r in csv_rows(b"".join(file.streaming_content))] == ["Interview A"]
    assert AuditEntry.objects.get(action="record.exported").details["left_out"] == 3


def test_the_export_page_refuses_a_missing_purpose_and_writes_nothing(
    reauthenticated_client_for, documentation_officer, world, repo_home
):
    client = reauthenticated_client_for(documentation_officer)
    form = {"kind": "person", "format": "csv", "download": "records"}
    for bad in ({}, {"purpose": "everything"}, {"purpose": "prosecution"}):
        response = client.post("/records/export/", {**form, **bad})
        assert response.status_code == 400
        assert response["Content-Type"].startswith("text/html")
    assert not AuditEntry.objects.filter(action="record.exported").exists()


def test_the_item_page_shows_the_consent(client_for, documentation_officer, world):
    item = Item.objects.create(
        title="Letter", kind="document", consent_scope=["prosecution"], consent_recipients=[ICC],
        consent_form="written",
    )  # fmt: skip
    client = client_for(documentation_officer)
    page = client.get(f"/items/{item.pk}/").content.decode()
    assert "Sharing with prosecutors" in page and ICC in page and "Written" in page
    page = client.get(f"/items/{world['x_none'].pk}/").content.decode()
    assert "None recorded: left out of every export, report and package" in page
