"""The home page's "waiting for you": one count per four-eyes step, counted with the queue's
own permission predicate, never the user's own submission, each a link to its queue."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from sillok.accounts.compartments import do_create_compartment
from sillok.core import waiting as registry
from sillok.core.waiting import WaitingWork, register_waiting_provider, waiting_for
from sillok.records.models import Event, ReviewStatus
from sillok.records.services import do_submit_for_review
from sillok.redaction.models import RedactionReview
from sillok.redaction.services import do_request_redaction
from tests.redaction import conftest as redaction_fixtures
from tests.redaction.conftest import TESTIMONY

pytestmark = pytest.mark.django_db

HOME = reverse("workspace:home")
# The redaction tests' fixtures: an item with a text, and the witness in the real vault.
make_item = redaction_fixtures.make_item
vault_witness = redaction_fixtures.vault_witness


def counts(user) -> dict[str, int]:
    return {work.key: work.count for work in waiting_for(user)}


def waiting_on_page(client) -> dict[str, WaitingWork]:
    return {work.key: work for work in client.get(HOME).context["waiting"]}


@pytest.fixture
def event_in_review(documentation_officer, legal_expert, make_record):
    event = make_record(documentation_officer, "event", title="Public execution in Hyesan")
    return do_submit_for_review(documentation_officer, event, legal_expert)


def test_the_assigned_reviewer_sees_the_record_with_a_link_to_it(client_for, event_in_review):
    page = client_for(event_in_review.reviewer).get(HOME)
    work = {w.key: w for w in page.context["waiting"]}["records.review"]
    record_url = reverse("records:record", args=["events", event_in_review.pk])
    assert work.count == 1
    assert work.url == reverse("records:list", args=["events"]) + "?review_status=in_review"
    assert [e.url for e in work.entries] == [record_url]
    assert f"E-{event_in_review.pk} Public execution in Hyesan" in work.entries[0].title
    html = page.content.decode()
    assert "Waiting for you" in html and "Records to review" in html
    assert f'href="{record_url}"' in html
    # The link leads somewhere the reviewer can act: the record page offers the decision.
    record_page = client_for(event_in_review.reviewer).get(record_url).content.decode()
    assert reverse("records:complete_review", args=["events", event_in_review.pk]) in record_page


def test_records_of_several_kinds_add_up_on_one_line_that_opens_the_records_page(
    documentation_officer, legal_expert, event_in_review, make_record
):
    person = make_record(documentation_officer, "person", name="김철수")
    do_submit_for_review(documentation_officer, person, legal_expert)
    [work] = [w for w in waiting_for(legal_expert) if w.key == "records.review"]
    assert work.count == 2 and work.url == reverse("records:home")
    assert sorted(e.url for e in work.entries) == sorted(
        [
            reverse("records:record", args=["events", event_in_review.pk]),
            reverse("records:record", args=["persons", person.pk]),
        ]
    )
    assert any("김철수" in e.title for e in work.entries)


def test_a_reviewer_who_is_not_assigned_counts_nothing_but_learns_where_reviews_appear(
    analyst, event_in_review
):
    assert counts(analyst) == {"records.review": 0, "redaction.review": 0}


def test_roles_without_a_review_step_get_no_count_and_the_outsider_no_section(
    client_for, documentation_officer, manager, outsider, event_in_review
):
    assert "records.review" not in counts(documentation_officer)
    assert counts(manager) == {}
    page = client_for(outsider).get(HOME)
    assert page.context["waiting"] == [] and "Waiting for you" not in page.content.decode()


def test_a_record_the_reviewer_may_no_longer_see_is_not_counted(legal_expert, event_in_review):
    """Moved into a compartment the reviewer is not a member of: the count is the queue's
    predicate (clearance and compartments), so it tells nothing about the hidden record."""
    secret = do_create_compartment(None, "case-9", name="Case 9")
    Event.objects.filter(pk=event_in_review.pk).update(compartment=secret)
    assert counts(legal_expert)["records.review"] == 0


def test_a_record_assigned_to_its_own_author_is_not_counted(analyst, make_record):
    """Peer review forbids it (the service refuses); a row that says so anyway, say from
    before that rule, is not work for its author."""
    event = make_record(analyst, "event", title="Detention in Onsong")
    Event.objects.filter(pk=event.pk).update(review_status=ReviewStatus.IN_REVIEW, reviewer=analyst)
    assert counts(analyst)["records.review"] == 0


def test_a_redacted_copy_waits_for_others_but_not_for_its_requester(
    client_for, analyst, legal_expert, documentation_officer, make_item, vault_witness
):
    item = make_item(documentation_officer, texts={"text": TESTIMONY})
    [review] = do_request_redaction(analyst, item).reviews
    assert counts(analyst)["redaction.review"] == 0  # four eyes: not the requester
    work = waiting_on_page(client_for(legal_expert))["redaction.review"]
    assert work.count == 1 and work.url == reverse("redaction:reviews")
    assert [e.url for e in work.entries] == [reverse("redaction:review", args=[review.pk])]
    # The queue behind the link lists it, and the copy's page offers the decision.
    client = client_for(legal_expert)
    assert f"/redaction/{review.pk}/" in client.get(work.url).content.decode()
    assert 'value="approve"' in client.get(work.entries[0].url).content.decode()


def test_a_decided_copy_and_one_of_an_item_the_reviewer_may_not_see_are_not_counted(
    analyst, legal_expert, documentation_officer, make_item, vault_witness
):
    item = make_item(documentation_officer, texts={"text": TESTIMONY})
    [review] = do_request_redaction(analyst, item).reviews
    assert counts(legal_expert)["redaction.review"] == 1
    secret = do_create_compartment(None, "case-9", name="Case 9")
    type(item).objects.filter(pk=item.pk).update(compartment=secret)
    assert counts(legal_expert)["redaction.review"] == 0
    type(item).objects.filter(pk=item.pk).update(compartment=None)
    RedactionReview.objects.filter(pk=review.pk).update(status="approved")
    assert counts(legal_expert)["redaction.review"] == 0


def test_an_app_adds_its_own_count_through_the_registry(client_for, analyst, monkeypatch):
    """A later app (sharing, assessment) registers a provider; the home page shows it
    without importing that app. Registering twice shows it once."""
    monkeypatch.setattr(registry, "_providers", dict(registry._providers))

    def packages_to_approve(user) -> list[WaitingWork]:
        return [WaitingWork("sharing.approve", "Packages to approve", 2, "/sharing/")]

    register_waiting_provider(packages_to_approve)
    register_waiting_provider(packages_to_approve)
    page = client_for(analyst).get(HOME)
    keys = [work.key for work in page.context["waiting"]]
    assert keys.count("sharing.approve") == 1
    assert page.context["waiting_total"] == 2
    assert 'href="/sharing/"' in page.content.decode()


def test_the_home_page_speaks_korean(client_for, event_in_review):
    client = client_for(event_in_review.reviewer)
    html = client.get(HOME, HTTP_ACCEPT_LANGUAGE="ko").content.decode()
    assert "나를 기다리는 일" in html and "검토할 기록" in html and "여기서 시작하기" in html


def test_the_home_page_costs_the_same_queries_for_one_waiting_record_or_seven(
    client_for, documentation_officer, legal_expert, event_in_review, make_record
):
    """One query per record kind and one for the titles shown, whatever waits (about 30 in
    all with the session, roles and repository status)."""
    client = client_for(legal_expert)
    client.get(HOME)
    with CaptureQueriesContext(connection) as one:
        client.get(HOME)
    for number in range(6):
        event = make_record(documentation_officer, "event", title=f"Event {number}")
        do_submit_for_review(documentation_officer, event, legal_expert)
    with CaptureQueriesContext(connection) as seven:
        page = client.get(HOME)
    work = {w.key: w for w in page.context["waiting"]}["records.review"]
    assert work.count == 7 and len(work.entries) == 5
    assert "See all 7" in page.content.decode()
    assert len(seven) <= len(one) + 1  # the count itself, once more than five wait
    assert len(one) <= 35
