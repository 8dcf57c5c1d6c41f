"""Creating, editing, reviewing, withdrawing and restoring records through the services:
history, audit, locks and permissions."""

from __future__ import annotations

import pytest

from sillok.custody.models import AuditEntry
from sillok.records.access import RecordActionRefused, RecordNotFound, access_record
from sillok.records.fields import RecordValuesError, clean_values
from sillok.records.history import diff
from sillok.records.models import Person, RecordVersion, ReviewStatus
from sillok.records.resolve import Resolver
from sillok.records.services import (
    StaleRevision,
    do_complete_review,
    do_create_record,
    do_reinstate_record,
    do_restore_version,
    do_return_for_changes,
    do_submit_for_review,
    do_update_record,
    do_withdraw_record,
)

pytestmark = pytest.mark.django_db


def edit(user, record, **raw):
    reason = raw.pop("_reason", "")
    values = clean_values(record_kind(record), raw, Resolver(user), partial=True)
    return do_update_record(user, record, values, expected_revision=record.revision, reason=reason)


def record_kind(record):
    from sillok.records.kinds import kind_of

    return kind_of(record).name


def versions(record):
    return list(RecordVersion.objects.filter(kind=record_kind(record), record_id=record.pk))


def test_an_analyst_records_an_act_with_victim_type_place_and_date(analyst, make_record):
    victim = make_record(
        analyst,
        "person",
        name="김정철",
        name_hangul="김정철",
        roles="victim",
        sex="male",
        birth_year="1968..1970",
        origin="회령시",
        status="detained",
    )
    event = make_record(
        analyst, "event", title="Arrest after repatriation", date="2015-03", place="Onsong County"
    )
    act = make_record(
        analyst,
        "act",
        event=f"E-{event.pk}",
        victim=f"P-{victim.pk}",
        violation_type="torture.beating",
        date="~2015",
        place="온성군",
        victim_status="detained",
    )
    assert act.violation_type.code == "torture.beating"
    assert act.place.label_ko == "온성군"
    assert (act.date_start.isoformat(), act.date_end.isoformat(), act.date_precision) == (
        "2015-01-01",
        "2015-12-31",
        "approximate",
    )
    assert victim.origin.label_ko == "회령시"
    assert (victim.birth_year_from, victim.birth_year_to) == (1968, 1970)
    assert act.created_by == analyst and act.review_status == ReviewStatus.DRAFT


def test_every_bad_field_is_reported_at_once_and_nothing_is_created(analyst, vocabularies):
    with pytest.raises(RecordValuesError) as caught:
        clean_values(
            "act",
            {
                "event": "E-999999",
                "violation_type": "flying",
                "date": "2015-02-30",
                "place": "Atlantis",
                "colour": "red",
            },
            Resolver(analyst),
        )
    errors = caught.value.errors
    assert set(errors) == {"event", "violation_type", "date", "place", "colour"}
    assert "not in the gazetteer" in errors["place"]
    assert "violations vocabulary" in errors["violation_type"]


def test_a_person_is_found_by_any_spelling_of_their_name(analyst, make_record):
    from sillok.records.names import persons_named

    person = make_record(
        analyst, "person", name="Witness 17", name_hangul="김정철", aliases="Kim Jong-chol; 정철이"
    )
    everyone = Person.objects.all()
    for spelling in [
        "김정철",
        "Kim Jeong-cheol",
        "Kim Chŏng-ch'ŏl",
        "kim jong chol",
        "Witness 17",
        "정철이",
        "Kim Jung-chul",
    ]:
        assert list(persons_named(everyone, spelling)) == [person], spelling
    assert not persons_named(everyone, "Park").exists()


def test_each_change_keeps_who_when_why_and_the_whole_record(analyst, make_record):
    person = make_record(analyst, "person", name="Witness 3", status="missing")
    person = edit(analyst, person, status="deceased", notes="Reported by two relatives")
    first, second = versions(person)
    assert (first.number, first.action, second.number, second.action) == (1, "created", 2, "edited")
    assert second.actor == analyst
    changes = {c.field: (c.before, c.after) for c in diff(first.snapshot, second.snapshot)}
    assert changes == {
        "status": ("missing", "deceased"),
        "notes": ("", "Reported by two relatives"),
    }
    entry = AuditEntry.objects.get(seq=second.audit_seq)
    assert entry.action == "record.edited" and entry.object_id == str(person.pk)
    # The audit entry names the fields, never their values (witness details stay out of
    # logs); the version's digest lets verify prove the row unchanged without revealing it.
    digest = entry.details.pop("versions_sha256")
    assert entry.details == {"fields": ["notes", "status"], "revision": 2}
    assert len(digest) == 64 and digest not in str(second.snapshot)


def test_an_edit_against_an_old_revision_is_refused(analyst, documentation_officer, make_record):
    person = make_record(analyst, "person", name="Witness 4")
    stale = Person.objects.get(pk=person.pk)
    edit(analyst, person, status="missing")
    with pytest.raises(StaleRevision, match="changed by someone else"):
        edit(documentation_officer, stale, status="released")
    assert Person.objects.get(pk=person.pk).status == "missing"


def test_an_unchanged_edit_writes_no_version(analyst, make_record):
    person = make_record(analyst, "person", name="Witness 5", status="missing")
    edit(analyst, person, status="missing")
    assert len(versions(person)) == 1


def test_peer_review_locks_the_record_and_only_the_assigned_other_person_finishes_it(
    analyst, legal_expert, documentation_officer, make_record
):
    event = make_record(
        documentation_officer, "event", title="Public execution in Hyesan", date="2013-11"
    )
    # The documentation officer may not review at all: refused before anything changes.
    with pytest.raises(RecordActionRefused, match="may review"):
        do_submit_for_review(documentation_officer, event, documentation_officer)
    event = do_submit_for_review(documentation_officer, event, legal_expert)
    assert (event.review_status, event.reviewer) == (ReviewStatus.IN_REVIEW, legal_expert)
    with pytest.raises(RecordActionRefused, match="locked while in review"):
        edit(documentation_officer, event, title="changed")
    with pytest.raises(RecordActionRefused, match="only the assigned reviewer"):
        do_complete_review(analyst, event)
    event = do_complete_review(legal_expert, event, comment="Corroborated by T-2")
    assert event.review_status == ReviewStatus.REVIEWED
    assert versions(event)[-1].reason == "Corroborated by T-2"


def test_the_author_cannot_review_even_when_someone_else_assigns_them(
    analyst, make_user, make_record
):
    colleague = make_user("second_analyst", "analyst")
    event = make_record(analyst, "event", title="Detention in Chongjin")
    with pytest.raises(RecordActionRefused, match="other than the author"):
        do_submit_for_review(colleague, event, analyst)


def test_returning_needs_a_comment_and_brings_the_record_back_to_draft(
    documentation_officer, analyst, make_record
):
    person = make_record(documentation_officer, "person", name="Witness 8")
    person = do_submit_for_review(documentation_officer, person, analyst)
    with pytest.raises(RecordActionRefused, match="say what needs to change"):
        do_return_for_changes(analyst, person, comment=" ")
    person = do_return_for_changes(analyst, person, comment="Birth year conflicts with T-4")
    assert (person.review_status, person.reviewer) == (ReviewStatus.DRAFT, None)
    assert versions(person)[-1].action == "returned"


def test_editing_a_reviewed_record_needs_a_reason_and_sends_it_back_to_draft(
    documentation_officer, analyst, make_record
):
    person = make_record(documentation_officer, "person", name="Witness 9")
    person = do_complete_review(
        analyst, do_submit_for_review(documentation_officer, person, analyst)
    )
    with pytest.raises(RecordActionRefused, match="give a reason"):
        edit(documentation_officer, person, status="released")
    person = edit(
        documentation_officer, person, status="released", _reason="Released in 2019 per T-7"
    )
    assert person.review_status == ReviewStatus.DRAFT
    assert versions(person)[-1].reason == "Released in 2019 per T-7"


def test_restoring_an_old_version_brings_back_its_content_as_a_new_version(analyst, make_record):
    person = make_record(analyst, "person", name="Witness 10", status="missing", aliases="Ms Ri")
    person = edit(analyst, person, status="deceased", aliases="Ms Ri; Ri Sun-hui")
    person = do_restore_version(
        analyst,
        person,
        1,
        expected_revision=person.revision,
        reason="the death report was retracted",
    )
    assert (person.status, person.aliases) == ("missing", ["Ms Ri"])
    last = versions(person)[-1]
    assert (last.number, last.action) == (3, "restored")
    assert last.reason == "restored version 1: the death report was retracted"
    with pytest.raises(RecordActionRefused, match="no version 9"):
        do_restore_version(analyst, person, 9, expected_revision=person.revision)


def test_withdrawn_records_are_kept_with_their_history_and_can_come_back(analyst, make_record):
    person = make_record(analyst, "person", name="Duplicate of P-1")
    with pytest.raises(RecordActionRefused, match="say why"):
        do_withdraw_record(analyst, person, reason="")
    person = do_withdraw_record(analyst, person, reason="duplicate report of P-1")
    assert Person.objects.filter(pk=person.pk).exists() and person.withdrawn_at is not None
    with pytest.raises(RecordActionRefused, match="withdrawn"):
        edit(analyst, person, notes="x")
    person = do_reinstate_record(analyst, person)
    assert person.withdrawn_at is None
    assert [v.action for v in versions(person)] == ["created", "withdrawn", "reinstated"]


def test_records_cannot_be_deleted_nor_their_history_changed(analyst, make_record):
    from django.db import DatabaseError, transaction

    person = make_record(analyst, "person", name="Witness 11")
    with pytest.raises(DatabaseError), transaction.atomic():
        Person.objects.filter(pk=person.pk).delete()
    with pytest.raises(DatabaseError), transaction.atomic():
        RecordVersion.objects.filter(record_id=person.pk).update(reason="rewritten")


def test_a_failed_change_leaves_no_version_and_no_audit_entry(analyst, make_record):
    person = make_record(analyst, "person", name="Witness 12")
    audit_before, versions_before = AuditEntry.objects.count(), RecordVersion.objects.count()
    with pytest.raises(StaleRevision):
        do_update_record(analyst, person, {"status": "missing"}, expected_revision=99)
    assert (AuditEntry.objects.count(), RecordVersion.objects.count()) == (
        audit_before,
        versions_before,
    )


def test_users_without_the_permission_cannot_create_edit_or_review(
    manager, auditor, partner, outsider, analyst, make_record
):
    person = make_record(analyst, "person", name="Witness 13")
    for user in (manager, auditor, partner, outsider):
        with pytest.raises(RecordActionRefused):
            do_create_record(user, "person", {"name": "x"})
        with pytest.raises(RecordActionRefused):
            do_update_record(user, person, {"name": "y"}, expected_revision=1)
    with pytest.raises(RecordActionRefused, match="may review"):
        do_submit_for_review(analyst, person, manager)


@pytest.mark.parametrize(
    ("persona", "sees"),
    [
        ("analyst", {"public", "internal", "restricted"}),
        ("legal_expert", {"public", "internal", "restricted", "strictly_confidential"}),
        ("partner", set()),
        ("outsider", set()),
    ],
)
def test_who_sees_a_record_follows_its_sensitivity(
    persona, sees, request, documentation_officer, make_record
):
    made = {
        level: make_record(documentation_officer, "person", name=f"P {level}", sensitivity=level)
        for level in ("public", "internal", "restricted", "strictly_confidential")
    }
    user = request.getfixturevalue(persona)
    seen = set()
    for level, person in made.items():
        try:
            access_record(user, "person", person.pk)
            seen.add(level)
        except RecordNotFound:
            pass
    assert seen == sees


def test_a_reviewer_who_may_not_see_the_record_cannot_be_assigned(
    documentation_officer, make_user, make_record
):
    from django.contrib.auth.models import Permission

    reviewer = make_user("junior_reviewer")
    reviewer.user_permissions.add(
        *Permission.objects.filter(
            codename__in=["view_record", "review_record"], content_type__app_label="records"
        )
    )
    reviewer = reviewer.__class__.objects.get(pk=reviewer.pk)
    secret = make_record(
        documentation_officer, "person", name="Source X", sensitivity="strictly_confidential"
    )
    with pytest.raises(RecordActionRefused, match="not cleared"):
        do_submit_for_review(documentation_officer, secret, reviewer)


def test_references_to_records_the_user_cannot_see_are_errors(
    documentation_officer, analyst, make_record
):
    secret = make_record(
        documentation_officer,
        "person",
        name="Protected witness",
        sensitivity="strictly_confidential",
    )
    event = make_record(analyst, "event", title="Arrest")
    with pytest.raises(RecordValuesError) as caught:
        clean_values(
            "act",
            {"event": f"E-{event.pk}", "victim": f"P-{secret.pk}", "violation_type": "torture"},
            Resolver(analyst),
        )
    assert "not one you may see" in caught.value.errors["victim"]


def test_a_version_the_user_is_not_cleared_for_cannot_be_restored(
    documentation_officer, analyst, make_record
):
    person = make_record(
        documentation_officer, "person", name="Source K", sensitivity="strictly_confidential"
    )
    person = edit(documentation_officer, person, sensitivity="restricted")
    # The analyst now sees the record, but not what it said while strictly confidential.
    with pytest.raises(RecordActionRefused, match="no version 1"):
        do_restore_version(analyst, person, 1, expected_revision=person.revision)
