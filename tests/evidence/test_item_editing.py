"""Correcting item metadata through the one service (sillok/evidence/editing.py): history,
restore, the revision check, the clearance rule, custody and audit, verification, search."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from sillok.accounts.compartments import do_create_compartment, do_grant
from sillok.custody.models import AuditEntry
from sillok.custody.triggers import lifted_triggers
from sillok.custody.verify import verify_repository
from sillok.evidence.access import ActionRefused
from sillok.evidence.custody_log import HandlingContext
from sillok.evidence.editing import (
    ClearanceRefused,
    StaleRevision,
    VersionNotFound,
    do_edit_item,
    do_restore_item_version,
)
from sillok.evidence.item_history import version_changes, visible_versions
from sillok.evidence.metadata import MetadataError
from sillok.evidence.models import CustodyAction, CustodyEvent, Item, ItemVersion

pytestmark = pytest.mark.django_db

CONTEXT = HandlingContext(channel="cli", place="test")


@pytest.fixture
def item(documentation_officer):
    return Item.objects.create(
        created_by=documentation_officer,
        title="Camp report",
        kind="document",
        sensitivity="internal",
        source="NGO A",
        tags=["camp"],
    )


def edit(user, item, reason="typo in the title", revision=None, **changes):
    item.refresh_from_db()
    return do_edit_item(
        user,
        item,
        changes,
        expected_revision=item.revision if revision is None else revision,
        reason=reason,
        context=CONTEXT,
    )


def state(item):
    """Everything an edit may change, to prove a refused one changed nothing."""
    item.refresh_from_db()
    return (
        item.title,
        item.sensitivity,
        item.compartment_id,
        item.revision,
        ItemVersion.objects.count(),
        CustodyEvent.objects.count(),
        AuditEntry.objects.exclude(action="access.denied").count(),
    )


def test_an_edit_changes_the_fields_and_bumps_the_revision(item, documentation_officer):
    result = edit(
        documentation_officer,
        item,
        title="Camp report (Yodok)",
        collected_on="2019-03-05",
        languages="ko, en",
        tags="camp; forced labour",
        consent_scope=["publication"],
        graphic="yes",
    )
    item.refresh_from_db()
    assert item.title == "Camp report (Yodok)"
    assert item.collected_on == dt.date(2019, 3, 5)
    # A full date given where the precision was unknown is a date to the day.
    assert item.collected_on_precision == "day"
    assert item.languages == ["ko", "en"]
    assert item.tags == ["camp", "forced labour"]
    assert item.consent_scope == ["publication"]
    assert item.graphic is True
    assert item.revision == 2
    assert sorted(result.changed) == sorted(
        [
            "title",
            "collected_on",
            "collected_on_precision",
            "languages",
            "tags",
            "consent_scope",
            "graphic",
        ]
    )


def test_the_first_edit_keeps_the_state_before_it_and_the_diff_names_each_change(
    item, documentation_officer
):
    edit(documentation_officer, item, title="Camp report (Yodok)", reason="place was missing")
    edit(documentation_officer, item, source="NGO B", reason="source misread")
    versions = visible_versions(documentation_officer, item)
    assert [(v.number, v.action, v.reason) for v in versions] == [
        (1, "baseline", ""),
        (2, "edited", "place was missing"),
        (3, "edited", "source misread"),
    ]
    assert versions[0].snapshot["title"] == "Camp report"
    assert all(v.actor == documentation_officer for v in versions)
    found = version_changes(documentation_officer, item, 3)
    assert [(c.field, c.before, c.after) for c in found.changes] == [("source", "NGO A", "NGO B")]


def test_a_restore_brings_an_earlier_version_back_as_a_new_version(item, documentation_officer):
    edit(documentation_officer, item, title="Wrong title", sensitivity="restricted")
    item.refresh_from_db()
    result = do_restore_item_version(
        documentation_officer,
        item,
        1,
        expected_revision=2,
        reason="the correction was wrong",
        context=CONTEXT,
    )
    item.refresh_from_db()
    assert (item.title, item.sensitivity, item.revision) == ("Camp report", "internal", 3)
    assert sorted(result.changed) == ["sensitivity", "title"]
    latest = ItemVersion.objects.get(item=item, number=3)
    assert (latest.action, latest.reason) == (
        "restored",
        "restored version 1: the correction was wrong",
    )
    event = CustodyEvent.objects.filter(item=item).latest("pk")
    assert event.details["restored"] == 1


def test_restoring_a_version_that_does_not_exist_is_refused(item, documentation_officer):
    with pytest.raises(VersionNotFound):
        do_restore_item_version(
            documentation_officer, item, 7, expected_revision=1, reason="x", context=CONTEXT
        )


@pytest.mark.parametrize("reason", ["", "   "])
def test_an_edit_without_a_reason_is_refused_and_changes_nothing(
    item, documentation_officer, reason
):
    before = state(item)
    with pytest.raises(MetadataError) as refused:
        edit(documentation_officer, item, title="New", reason=reason)
    assert refused.value.field == "reason"
    assert state(item) == before


def test_an_edit_against_an_older_revision_is_refused(item, documentation_officer, analyst):
    edit(analyst, item, title="First correction")
    before = state(item)
    with pytest.raises(StaleRevision, match="changed by someone else"):
        edit(documentation_officer, item, title="Second correction", revision=1)
    assert state(item) == before


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": ""}, "title"),
        ({"sensitivity": "top secret"}, "sensitivity"),
        ({"collected_on": "5 March"}, "collected_on"),
        ({"languages": "Korean language"}, "languages"),
        ({"consent_scope": "prosecution"}, "consent_recipients"),
        ({"kind": "photo"}, "kind"),
        ({"graphic": "perhaps"}, "graphic"),
    ],
)
def test_bad_values_are_refused_naming_the_field(item, documentation_officer, changes, field):
    before = state(item)
    with pytest.raises(MetadataError) as refused:
        edit(documentation_officer, item, **changes)
    assert refused.value.field == field
    assert state(item) == before


def test_choices_take_codes_english_labels_and_korean_labels(item, documentation_officer):
    edit(
        documentation_officer,
        item,
        sensitivity="제한",
        collected_on_precision="Month",
        collected_place_precision="도",
        consent_form="서면",
        consent_scope="내부 분석, UN reporting",
    )
    item.refresh_from_db()
    assert item.sensitivity == "restricted"
    assert item.collected_on_precision == "month"
    assert item.collected_place_precision == "province"
    assert item.consent_form == "written"
    assert item.consent_scope == ["internal_analysis", "un_reporting"]


def test_an_edit_that_changes_nothing_writes_nothing(item, documentation_officer):
    before = state(item)
    result = edit(documentation_officer, item, title="Camp report", source=" NGO A ")
    assert result.changed == [] and result.version is None
    assert state(item) == before


def test_each_edit_writes_one_custody_event_with_its_audit_entry(item, documentation_officer):
    edit(documentation_officer, item, title="Camp report (Yodok)", reason="place was missing")
    event = CustodyEvent.objects.get(item=item, action=CustodyAction.METADATA_CHANGED)
    entry = AuditEntry.objects.get(seq=event.audit_seq)
    assert entry.action == "custody.metadata_changed"
    assert entry.object_id == str(item.pk)
    assert (event.reason, event.actor, event.channel) == (
        "place was missing",
        documentation_officer,
        "cli",
    )
    assert entry.details["fields"] == ["title"]
    assert entry.details["versions"] == [1, 2]
    # The entry names the fields, never their values (titles may name witnesses).
    assert "Camp report" not in str(entry.details)
    assert set(ItemVersion.objects.filter(item=item).values_list("audit_seq", flat=True)) == {
        event.audit_seq
    }


# --- clearance ----------------------------------------------------------------------------------


def test_raising_sensitivity_beyond_ones_own_clearance_is_refused(item, analyst):
    # Analysts are cleared for restricted, not for strictly confidential (roles.py).
    before = state(item)
    with pytest.raises(ClearanceRefused) as refused:
        edit(analyst, item, sensitivity="strictly_confidential")
    assert refused.value.field == "sensitivity"
    assert state(item) == before
    edit(analyst, item, sensitivity="restricted")
    assert state(item)[1] == "restricted"


def test_moving_an_item_into_a_compartment_the_editor_is_not_in_is_refused(
    item, documentation_officer
):
    do_create_compartment(None, "case-7", name="Case 7")
    before = state(item)
    with pytest.raises(ClearanceRefused) as refused:
        edit(documentation_officer, item, compartment="case-7")
    assert refused.value.field == "compartment"
    assert state(item) == before


def test_a_member_moves_an_item_into_and_out_of_a_compartment(item, documentation_officer, analyst):
    compartment = do_create_compartment(None, "case-7", name="Case 7")
    do_grant(None, "case-7", documentation_officer.username)
    edit(documentation_officer, item, compartment="CASE-7")
    assert state(item)[2] == compartment.pk
    # The analyst is no member: the item is now hidden from them, and so is its history.
    from sillok.evidence.access import ItemNotFound, access_item

    with pytest.raises(ItemNotFound):
        access_item(analyst, item.pk)
    edit(documentation_officer, item, compartment="")
    assert state(item)[2] is None
    # Back in view, the analyst sees every version, but not the content of the one that was
    # in the compartment (records/history.py's rule).
    versions = visible_versions(analyst, item)
    assert [v.withheld for v in versions] == [False, True, False]
    assert version_changes(analyst, item, 3).previous_withheld
    with pytest.raises(VersionNotFound):
        do_restore_item_version(analyst, item, 2, expected_revision=3, reason="x", context=CONTEXT)


def test_lowering_sensitivity_needs_clearance_for_the_level_it_had(documentation_officer, analyst):
    secret = Item.objects.create(
        created_by=documentation_officer, title="Secret", kind="document",
        sensitivity="strictly_confidential",
    )  # fmt: skip
    with pytest.raises(ActionRefused):
        edit(analyst, secret, sensitivity="internal")  # not cleared for what it is now
    edit(documentation_officer, secret, sensitivity="internal", reason="published since")
    assert state(secret)[1] == "internal"


@pytest.mark.parametrize("persona", ["partner", "auditor", "legal_expert", "manager", "outsider"])
def test_who_may_not_change_items_is_refused_and_nothing_changes(item, personas, persona):
    before = state(item)
    with pytest.raises(ActionRefused):
        edit(personas[persona], item, title="Changed")
    assert state(item) == before


def test_a_partner_may_not_edit_even_what_it_submitted(partner):
    own = Item.objects.create(created_by=partner, title="Submitted", kind="document")
    before = state(own)
    with pytest.raises(ActionRefused):
        edit(partner, own, title="Changed")
    assert state(own) == before


# --- verification -------------------------------------------------------------------------------


def test_verify_passes_after_edits_and_a_restore(item, documentation_officer):
    edit(documentation_officer, item, title="A")
    edit(documentation_officer, item, title="B")
    do_restore_item_version(
        documentation_officer, item, 1, expected_revision=3, reason="back", context=CONTEXT
    )
    report = verify_repository(check_blobs=False)
    assert report.ok, report.as_dict()
    assert report.checked["item_versions"] == 4


def test_verify_names_a_tampered_history_row(item, documentation_officer):
    edit(documentation_officer, item, title="Camp report (Yodok)")
    version = ItemVersion.objects.get(item=item, number=2)
    with lifted_triggers(connection):
        ItemVersion.objects.filter(pk=version.pk).update(
            snapshot={**version.snapshot, "title": "Forged"}
        )
    report = verify_repository(check_blobs=False)
    assert not report.ok
    [problem] = [p for p in report.problems if p.kind == "item_version_altered"]
    assert (problem.seq, problem.item, problem.fields) == (version.audit_seq, item.pk, ("content",))


def test_verify_names_a_deleted_and_an_inserted_history_row(item, documentation_officer):
    edit(documentation_officer, item, title="Camp report (Yodok)")
    baseline = ItemVersion.objects.get(item=item, number=1)
    with lifted_triggers(connection):
        ItemVersion.objects.filter(pk=baseline.pk).delete()
        ItemVersion.objects.create(
            item=item, number=9, action="edited", snapshot={}, audit_seq=baseline.audit_seq + 1000
        )
    kinds = {p.kind for p in verify_repository(check_blobs=False).problems}
    assert {"item_version_missing", "item_version_unaudited"} <= kinds


def test_history_rows_are_append_only(item, documentation_officer):
    from django.db import DatabaseError, transaction

    edit(documentation_officer, item, title="Camp report (Yodok)")
    with pytest.raises(DatabaseError), transaction.atomic():
        ItemVersion.objects.filter(item=item).update(reason="rewritten")


# --- search -------------------------------------------------------------------------------------


def test_search_finds_the_item_by_its_new_title(
    item, documentation_officer, analyst, client_for, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        edit(documentation_officer, item, title="Chongori zebrafinch testimony")
    found = client_for(analyst).get("/api/v1/search?q=zebrafinch").json()
    assert ("item", item.pk) in {(row["kind"], row["id"]) for row in found["results"]}
