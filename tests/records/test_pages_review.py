"""Review, withdrawal and history through the record pages: send for review to someone other
than the author, the lock while in review, complete and return, withdraw and reinstate, every
version with who/when/why, the diff of a version, and restoring an old one."""

from __future__ import annotations

import pytest

from sillok.records.models import Event, RecordVersion

pytestmark = pytest.mark.django_db


@pytest.fixture
def event(analyst, make_record):
    return make_record(analyst, "event", title="Arrest in Musan", date="2016", place="KP-09")


def url(event, action=""):
    return f"/records/events/{event.pk}/{action}"


def test_the_record_page_offers_reviewers_other_than_the_author(
    client_for, analyst, legal_expert, documentation_officer, event
):
    page = client_for(analyst).get(url(event))
    review = page.context["review"]
    assert review["can_submit"] and not review["can_finish"]
    names = [user.username for user in review["reviewers"]]
    assert "legal_expert" in names and "analyst" not in names
    assert "documentation_officer" not in names  # may not review
    # A colleague sending the author's record: neither of them is offered.
    page = client_for(documentation_officer).get(url(event))
    names = [user.username for user in page.context["review"]["reviewers"]]
    assert names == ["legal_expert"]


def test_a_record_goes_through_review_on_its_page(client_for, analyst, legal_expert, event):
    author, reviewer = client_for(analyst), client_for(legal_expert)
    sent = author.post(
        url(event, "review/send/"),
        {"reviewer": legal_expert.pk, "revision": event.revision, "comment": "please check"},
    )
    assert sent.status_code == 302 and sent["Location"] == url(event)
    event.refresh_from_db()
    assert (event.review_status, event.reviewer) == ("in_review", legal_expert)

    # Locked while in review: no edit, and the author cannot finish the review.
    edit = author.post(
        url(event, "edit/"), {"title": "Changed", "revision": event.revision, "date": "2016"}
    )
    assert edit.status_code == 409 and "locked while in review" in edit.context["problem"]
    assert "locked while in review" in author.get(url(event, "edit/")).content.decode()
    assert author.get(url(event)).context["review"]["can_finish"] is False
    by_author = author.post(url(event, "review/complete/"), {"revision": event.revision})
    assert by_author.status_code == 409
    assert "only the assigned reviewer" in by_author.context["review_error"]
    withdraw = author.post(url(event, "withdraw/"), {"reason": "x", "revision": event.revision})
    assert withdraw.status_code == 409

    page = reviewer.get(url(event))
    assert page.context["review"]["can_finish"]
    assert f'action="/records/events/{event.pk}/review/complete/"' in page.content.decode()
    done = reviewer.post(
        url(event, "review/complete/"), {"revision": event.revision, "comment": "ok"}
    )
    assert done.status_code == 302
    event.refresh_from_db()
    assert event.review_status == "reviewed"
    actions = list(
        RecordVersion.objects.filter(kind="event", record_id=event.pk).values_list(
            "action", flat=True
        )
    )
    assert actions == ["created", "submitted", "reviewed"]
    history = author.get(url(event, "history/")).content.decode()
    assert "Sent for review" in history and "Reviewed" in history and "please check" in history


def test_the_author_cannot_choose_themselves_as_reviewer(client_for, analyst, event):
    response = client_for(analyst).post(url(event, "review/send/"), {"reviewer": analyst.pk})
    assert (
        response.status_code == 409
        and "someone other than the author" in response.context["review_error"]
    )
    assert Event.objects.get().review_status == "draft"


def test_a_reviewer_returns_a_record_with_a_comment(client_for, analyst, legal_expert, event):
    from sillok.records.services import do_submit_for_review

    do_submit_for_review(analyst, event, legal_expert)
    reviewer = client_for(legal_expert)
    silent = reviewer.post(url(event, "review/return/"), {"comment": ""})
    assert (
        silent.status_code == 409 and "say what needs to change" in silent.context["review_error"]
    )
    returned = reviewer.post(url(event, "review/return/"), {"comment": "the date is wrong"})
    assert returned.status_code == 302
    event.refresh_from_db()
    assert (event.review_status, event.reviewer) == ("draft", None)
    version = RecordVersion.objects.get(kind="event", record_id=event.pk, number=event.revision)
    assert (version.action, version.reason, version.actor) == (
        "returned",
        "the date is wrong",
        legal_expert,
    )


def test_who_may_not_review_gets_403(
    client_for, documentation_officer, manager, analyst, legal_expert, event
):
    from sillok.records.services import do_submit_for_review

    do_submit_for_review(analyst, event, legal_expert)
    for user in (documentation_officer, manager):
        for action in ("review/complete/", "review/return/"):
            response = client_for(user).post(url(event, action), {"comment": "x"})
            assert response.status_code == 403, (user, action)
            assert "review_record" in response.content.decode()
    refused = client_for(manager).post(url(event, "review/send/"), {"reviewer": legal_expert.pk})
    assert refused.status_code == 403


def test_a_stale_review_action_is_refused(client_for, analyst, legal_expert, event):
    response = client_for(analyst).post(
        url(event, "review/send/"), {"reviewer": legal_expert.pk, "revision": 99}
    )
    assert (
        response.status_code == 409
        and "changed by someone else" in response.context["review_error"]
    )


def test_withdraw_and_reinstate_from_the_record_page(client_for, analyst, manager, event):
    client = client_for(analyst)
    assert client_for(manager).post(url(event, "withdraw/"), {"reason": "x"}).status_code == 403
    assert client.post(url(event, "withdraw/"), {"reason": ""}).status_code == 409
    done = client.post(
        url(event, "withdraw/"), {"reason": "duplicate of E-1", "revision": event.revision}
    )
    assert done.status_code == 302
    event.refresh_from_db()
    assert event.withdrawn_at is not None and event.withdrawn_reason == "duplicate of E-1"
    page = client.get(url(event))
    assert page.status_code == 200 and "duplicate of E-1" in page.content.decode()
    assert page.context["review"]["can_reinstate"] and not page.context["review"]["can_submit"]
    assert client.get("/records/events/").context["rows"] == []
    assert client_for(manager).post(url(event, "reinstate/"), {}).status_code == 403
    assert client.post(url(event, "reinstate/"), {"reason": "not a duplicate"}).status_code == 302
    event.refresh_from_db()
    assert event.withdrawn_at is None


def test_history_shows_every_version_and_the_diff_names_labels(client_for, analyst, event):
    client = client_for(analyst)
    client.post(
        url(event, "edit/"),
        {
            "title": "Arrest in Musan county",
            "date": "2016-05",
            "place": "KP-08",
            "revision": event.revision,
            "sensitivity": "restricted",
        },
    )
    event.refresh_from_db()
    assert event.revision == 2
    page = client.get(url(event))
    versions = page.context["versions"]
    assert [(v.number, v.action, v.actor.username) for v in versions] == [
        (2, "edited", "analyst"),
        (1, "created", "analyst"),
    ]
    diff = client.get(url(event, "versions/2/"))
    assert diff.status_code == 200
    changes = {c["field"]: c for c in diff.context["changes"]}
    assert set(changes) >= {"title", "date_start", "date_end", "date_precision", "place"}
    assert changes["title"]["before"][0].text == "Arrest in Musan"
    assert changes["place"]["before"][0].text == "North Hamgyong Province"
    assert changes["place"]["after"][0].text == "South Hamgyong Province"
    assert changes["date_precision"]["after"][0].text == "Month"
    html = diff.content.decode()
    assert "North Hamgyong Province" in html and "함경북도" in html
    assert not diff.context["can_restore"]  # the current version
    first = client.get(url(event, "versions/1/"))
    assert first.context["previous"] is None and first.context["can_restore"]
    assert client.get(url(event, "versions/9/")).status_code == 404


def test_restoring_an_old_version_is_itself_a_version(client_for, analyst, manager, event):
    client = client_for(analyst)
    client.post(
        url(event, "edit/"), {"title": "Wrong title", "revision": 1, "sensitivity": "public"}
    )
    assert (
        client_for(manager).post(url(event, "versions/1/restore/"), {"reason": "x"}).status_code
        == 403
    )
    stale = client.post(url(event, "versions/1/restore/"), {"reason": "undo", "revision": 1})
    assert stale.status_code == 409 and "changed by someone else" in stale.context["problem"]
    done = client.post(
        url(event, "versions/1/restore/"), {"reason": "undo the vandalism", "revision": 2}
    )
    assert done.status_code == 302
    event.refresh_from_db()
    assert (event.title, event.sensitivity, event.revision) == ("Arrest in Musan", "restricted", 3)
    version = RecordVersion.objects.get(kind="event", record_id=event.pk, number=3)
    assert version.action == "restored" and "undo the vandalism" in version.reason
    assert "Restored an earlier version" in client.get(url(event, "history/")).content.decode()


def test_a_diff_of_an_act_names_the_victim_only_when_visible(
    client_for, analyst, documentation_officer, make_record
):
    hidden = make_record(
        documentation_officer, "person", name="숨은 피해자", sensitivity="strictly_confidential"
    )
    shown = make_record(
        documentation_officer, "person", name="Visible victim", sensitivity="internal"
    )
    event = make_record(documentation_officer, "event", title="E", sensitivity="internal")
    act = make_record(
        documentation_officer,
        "act",
        event=f"E-{event.pk}",
        victim=f"P-{hidden.pk}",
        violation_type="torture",
        sensitivity="internal",
    )
    officer = client_for(documentation_officer)
    officer.post(
        f"/records/acts/{act.pk}/edit/",
        {
            "event": f"E-{event.pk}",
            "victim": f"P-{shown.pk}",
            "violation_type": "torture",
            "sensitivity": "internal",
            "revision": 1,
        },
    )
    page = client_for(analyst).get(f"/records/acts/{act.pk}/versions/2/")
    changes = {c["field"]: c for c in page.context["changes"]}
    assert (
        changes["victim"]["before"][0].hidden
        and changes["victim"]["after"][0].text == "Visible victim"
    )
    assert "숨은 피해자" not in page.content.decode()
