"""Case history under `sillok verify`: versions edited, deleted or inserted behind the
triggers' back are named by seq, kind and row."""

from __future__ import annotations

import pytest
from django.db import connection

from sillok.assessment.models import AssessmentVersion
from sillok.assessment.services import do_update_case
from sillok.custody.triggers import lifted_triggers
from sillok.custody.verify import verify_repository

pytestmark = pytest.mark.django_db


def verify():
    return verify_repository(check_blobs=False)


def problems(report, kind):
    return [p for p in report.problems if p.kind == kind]


@pytest.fixture
def edited_case(case_file, legal_expert, torture_charge):
    case = do_update_case(legal_expert, case_file, revision=1, strategy="Torture first")
    report = verify()
    assert report.ok, report.as_dict()
    return case


def test_every_case_version_is_checked(edited_case):
    # created (case), created (suspect), created (charge), edited (case)
    assert verify().checked["assessment_versions"] == 4


def test_an_edited_snapshot_is_named(edited_case):
    version = AssessmentVersion.objects.get(kind="case", object_id=edited_case.pk, number=2)
    with lifted_triggers(connection):
        AssessmentVersion.objects.filter(pk=version.pk).update(
            snapshot={**version.snapshot, "strategy": "Something else"}
        )
    [problem] = problems(verify(), "assessment_version_altered")
    assert (problem.seq, problem.row, problem.record, problem.fields) == (
        version.audit_seq, version.pk, f"case:{edited_case.pk}", ("content",),
    )  # fmt: skip


def test_a_deleted_version_is_named(edited_case):
    version = AssessmentVersion.objects.get(kind="case", object_id=edited_case.pk, number=2)
    with lifted_triggers(connection):
        AssessmentVersion.objects.filter(pk=version.pk).delete()
    [problem] = problems(verify(), "assessment_version_missing")
    assert (problem.seq, problem.record) == (version.audit_seq, f"case:{edited_case.pk}")


def test_an_inserted_version_is_named(edited_case, legal_expert):
    first = AssessmentVersion.objects.get(kind="case", object_id=edited_case.pk, number=1)
    with lifted_triggers(connection):
        forged = AssessmentVersion.objects.create(
            kind="case", object_id=edited_case.pk, case=edited_case, number=3, action="edited",
            snapshot=first.snapshot, actor=legal_expert, audit_seq=first.audit_seq,
        )  # fmt: skip
    [problem] = problems(verify(), "assessment_version_unaudited")
    assert problem.row == forged.pk
