"""Record versions edited, deleted or inserted behind the triggers' back are named by verify."""

from __future__ import annotations

import pytest
from django.db import connection

from sillok.custody.models import AuditEntry
from sillok.custody.triggers import lifted_triggers
from sillok.custody.verify import verify_repository
from sillok.records.fields import clean_values
from sillok.records.models import RecordVersion
from sillok.records.resolve import Resolver
from sillok.records.services import do_import_records, do_update_record

pytestmark = pytest.mark.django_db


def verify():
    return verify_repository(check_blobs=False)


def problems(report, kind):
    return [p for p in report.problems if p.kind == kind]


@pytest.fixture
def edited_person(documentation_officer, make_record):
    person = make_record(documentation_officer, "person", name="김영희")
    values = clean_values(
        "person", {"name": "Witness 7"}, Resolver(documentation_officer), partial=True
    )
    person = do_update_record(
        documentation_officer, person, values, expected_revision=1, reason="pseudonymised"
    )
    assert verify().ok
    return person


@pytest.fixture
def imported_people(admin):
    rows = [
        clean_values("person", {"name": name}, Resolver(admin))
        for name in ("박철수", "Lee Min-ho", "최진수")
    ]
    people = do_import_records(
        admin, "person", rows, source={"name": "people.csv", "sha256": "0" * 64, "rows": 3}
    )
    assert verify().ok
    return people


def version(person, number):
    return RecordVersion.objects.get(kind="person", record_id=person.pk, number=number)


def test_every_version_is_counted_when_nothing_was_touched(edited_person, imported_people):
    report = verify()
    assert report.ok, report.as_dict()
    assert report.checked["record_versions"] == 5


def test_an_edited_snapshot_is_named_by_seq_and_record(edited_person):
    second = version(edited_person, 2)
    with lifted_triggers(connection):
        RecordVersion.objects.filter(pk=second.pk).update(
            snapshot={**second.snapshot, "name": "김영희"}
        )
    report = verify()
    assert not report.ok
    [problem] = problems(report, "record_version_altered")
    assert (problem.seq, problem.record, problem.fields) == (
        second.audit_seq,
        f"person:{edited_person.pk}",
        ("content",),
    )


def test_a_changed_reason_actor_or_time_is_named(edited_person, analyst):
    first = version(edited_person, 1)
    with lifted_triggers(connection):
        RecordVersion.objects.filter(pk=first.pk).update(
            reason="forged", actor=analyst, created_at=first.created_at.replace(year=2001)
        )
    [problem] = problems(verify(), "record_version_altered")
    assert problem.fields == ("content", "created_at")


def test_a_renumbered_version_is_named(edited_person):
    second = version(edited_person, 2)
    with lifted_triggers(connection):
        RecordVersion.objects.filter(pk=second.pk).update(number=3, action="restored")
    [problem] = problems(verify(), "record_version_altered")
    assert problem.fields == ("action", "content", "number")


def test_a_deleted_version_is_named_by_its_entry(edited_person):
    second = version(edited_person, 2)
    with lifted_triggers(connection):
        RecordVersion.objects.filter(pk=second.pk).delete()
    [problem] = problems(verify(), "record_version_missing")
    assert (problem.seq, problem.record) == (second.audit_seq, f"person:{edited_person.pk}")


def test_inserted_versions_are_named_whatever_entry_they_claim(edited_person):
    first = version(edited_person, 1)
    other_entry = AuditEntry.objects.exclude(action__startswith="record.").first()
    with lifted_triggers(connection):
        for number, seq in ((3, other_entry.seq), (4, first.audit_seq), (5, None)):
            RecordVersion.objects.create(
                kind="person",
                record_id=edited_person.pk,
                number=number,
                action="edited",
                snapshot=first.snapshot,
                audit_seq=seq,
            )
    found = problems(verify(), "record_version_unaudited")
    assert sorted(p.seq or 0 for p in found) == sorted([0, other_entry.seq, first.audit_seq])
    assert {p.record for p in found} == {f"person:{edited_person.pk}"}


def test_one_altered_version_of_an_import_is_caught(imported_people):
    target = version(imported_people[1], 1)
    with lifted_triggers(connection):
        RecordVersion.objects.filter(pk=target.pk).update(
            snapshot={**target.snapshot, "name": "Someone Else"}
        )
    [problem] = problems(verify(), "record_version_altered")
    assert problem.seq == target.audit_seq
    assert problem.fields == ("content",)


def test_a_version_deleted_from_an_import_is_caught(imported_people):
    target = version(imported_people[2], 1)
    with lifted_triggers(connection):
        RecordVersion.objects.filter(pk=target.pk).delete()
    report = verify()
    [problem] = problems(report, "record_version_missing")
    assert problem.seq == target.audit_seq
