"""The demo's waiting work (sillok/demo/casework.py): after `sillok demo` every role finds
something to do, read through the same services its pages and queues use."""

from __future__ import annotations

import pytest

from sillok.accounts.models import User
from sillok.custody.models import AuditEntry
from sillok.demo.casework import CaseworkError, do_load_demo_casework
from sillok.demo.services import DemoDataError, do_load_demo

pytestmark = pytest.mark.django_db

COMPARTMENT = "demo-case-musan"
RECORD_KINDS = ("person", "event", "act", "testimony")


def _user(username: str) -> User:
    return User.objects.get(username=username)


def _in_review_for(user: User) -> int:
    from sillok.records.access import visible_records

    return sum(
        visible_records(user, kind).filter(review_status="in_review", reviewer=user).count()
        for kind in RECORD_KINDS
    )


def _redactions_to_review(user: User) -> int:
    from sillok.redaction.services import can_review, visible_reviews

    if not can_review(user):
        return 0
    pending = visible_reviews(user).filter(status="pending")
    return pending.exclude(requested_by=user).count()


def _compartment_records(user: User) -> int:
    from sillok.records.access import visible_records

    return sum(
        visible_records(user, kind).filter(compartment__code=COMPARTMENT).count()
        for kind in RECORD_KINDS
    )


def _compartment_items(user: User) -> int:
    from sillok.evidence.access import visible_items

    return visible_items(user).filter(compartment__code=COMPARTMENT).count()


def test_every_demo_role_finds_its_work_and_a_second_load_adds_nothing(
    roles, vocabularies, repo_home
):
    from sillok.vault.services import visible_entries

    first = do_load_demo()
    work = first.casework
    assert work is not None and work.loaded_now and not first.already_loaded
    assert (work.records_created, work.sent_for_review, work.vault_entries_added) == (10, 2, 3)
    assert work.redactions_requested == 1 and work.items_stored == 3
    assert work.items_corrected == 1

    analyst, legal = _user("demo-analyst"), _user("demo-legal-expert")
    keeper, officer = _user("demo-vault-keeper"), _user("demo-documentation-officer")
    # Reviewers: a record sent to each, and a redacted copy someone else asked for.
    assert _in_review_for(analyst) == 1 and _in_review_for(legal) == 1
    assert _redactions_to_review(analyst) == 1 and _redactions_to_review(legal) == 1
    assert _redactions_to_review(officer) == 0  # the officer asked for it: not theirs to decide
    # The vault keeper: three fictional identities, two of them tied to witness records.
    entries = list(visible_entries(keeper, via="test"))
    assert len(entries) == 3 and sum(e.person_id is not None for e in entries) == 2
    # The compartment: its members see its records and its item, the analyst sees none.
    for member in (officer, legal, keeper, _user("demo-manager")):
        assert _compartment_records(member) == 5 and _compartment_items(member) == 1
    assert _compartment_records(analyst) == 0 and _compartment_items(analyst) == 0
    assert _in_review_for(analyst) == 1  # ... and the compartment's review is not the analyst's

    # A placeholder picture marked graphic (reviewers see it blurred), and an item whose
    # history shows a correction with its reason.
    from sillok.evidence.models import Item, ItemVersion

    assert Item.objects.filter(graphic=True, kind="photo").count() == 1
    corrected = ItemVersion.objects.filter(action="edited").get()
    assert corrected.actor == officer and "면담 장소" in corrected.reason
    assert corrected.item.collected_place.startswith("서울")

    audited = AuditEntry.objects.count()
    second = do_load_demo()
    assert second.already_loaded and second.casework is not None
    assert not second.casework.loaded_now
    assert AuditEntry.objects.count() == audited
    assert len(list(visible_entries(keeper, via="test"))) == 3
    assert _redactions_to_review(analyst) == 1


def test_the_redacted_copy_hides_the_vault_name_and_the_phone_number(
    roles, vocabularies, repo_home
):
    from sillok.custody.services import open_blob
    from sillok.redaction.models import RedactionReview

    do_load_demo()
    review = RedactionReview.objects.select_related("redacted").get()
    with open_blob(review.redacted.sha256) as stream:
        text = stream.read().decode("utf-8")
    assert "이영희" not in text and "010-0000-1234" not in text
    assert "회령시 보위부 구류장" in text  # the rest of the note is still there
    assert review.summary["counts"]["name"] >= 1 and review.summary["counts"]["phone"] == 1


def test_casework_without_the_demo_users_is_refused_and_writes_nothing(roles, vocabularies):
    audited = AuditEntry.objects.count()
    with pytest.raises(CaseworkError, match="demo-admin"):
        do_load_demo_casework()
    assert AuditEntry.objects.count() == audited


def test_damaged_casework_data_stops_the_demo_with_the_file_named(
    roles, vocabularies, repo_home, monkeypatch, tmp_path
):
    from sillok.demo import casework

    broken = tmp_path / "casework.json"
    broken.write_text("{not json", encoding="utf-8")
    monkeypatch.setattr(casework, "CASEWORK", broken)
    with pytest.raises(DemoDataError, match="casework.json"):
        do_load_demo()
    assert not User.objects.filter(username__startswith="demo-").exists()
