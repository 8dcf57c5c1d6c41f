"""Saved searches and alerts: saving from the search page (audited without the query), a
check after new matches are indexed makes one alert with their ids, a record the owner may
not see never alerts, matches are shown with the owner's current permissions, mail says a
count and nothing else, and nobody reaches anyone else's saved searches."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command

from sillok.custody.models import AuditEntry
from sillok.search.models import SavedSearch, SearchAlert
from sillok.search.saved import alert_matches, check_alerts, do_save_search

pytestmark = pytest.mark.django_db


def index_everything() -> None:
    from sillok.search.indexing import process_queue

    process_queue()


@pytest.fixture
def old_event(analyst, make_record):
    event = make_record(analyst, "event", title="수용소 이송 기록", description="요덕 수용소")
    index_everything()
    return event


def test_saving_from_the_search_page(analyst, client_for, old_event):
    client = client_for(analyst)
    response = client.post(
        "/search/save/",
        {"q": "수용소 김정철", "violation": "torture", "name": "김정철 watch", "alert": "1"},
    )
    assert response.status_code == 302 and response["Location"] == "/search/saved/"
    saved = SavedSearch.objects.get(owner=analyst)
    assert (saved.name, saved.query, saved.filters) == (
        "김정철 watch",
        "수용소 김정철",
        {"violation": ["torture"]},
    )
    assert saved.alert and saved.last_checked_at is not None
    entry = AuditEntry.objects.get(action="search.saved")
    assert entry.object_id == str(saved.pk)
    assert "김정철" not in json.dumps(entry.details, ensure_ascii=False)  # no name, no query
    page = client.get("/search/saved/").content.decode()
    assert "김정철 watch" in page and f"/search/saved/{saved.pk}/" in page
    # The same name twice is refused with a message, not an error page.
    again = client.post("/search/save/", {"q": "x", "name": "김정철 watch"}, follow=True)
    assert "already have a saved search with this name" in again.content.decode()
    assert SavedSearch.objects.filter(owner=analyst).count() == 1


def test_new_matches_make_one_alert_for_the_owner_only(
    analyst, partner, documentation_officer, make_record, old_event, client_for
):
    mine = do_save_search(analyst, "camps", "수용소")
    theirs = do_save_search(partner, "camps too", "수용소")
    assert check_alerts() == []  # the old event was indexed before the searches were saved

    new = make_record(analyst, "event", title="수용소 새 증언", description="수용소 구금")
    hidden = make_record(
        documentation_officer,
        "event",
        title="Hidden 수용소 기밀",
        sensitivity="strictly_confidential",
    )
    index_everything()
    alerts = check_alerts()
    assert [a.saved_search_id for a in alerts] == [mine.pk]  # the partner sees none of it
    alert = alerts[0]
    assert alert.matches == [{"kind": "event", "id": new.pk}]  # not the hidden one
    assert alert.count == 1
    assert {"kind": "event", "id": hidden.pk} not in alert.matches
    assert check_alerts() == []  # checked: nothing new since
    entry = AuditEntry.objects.get(action="search.alert_created")
    assert entry.object_id == str(mine.pk) and entry.details["count"] == 1

    # Mail: a count and a link, never the title, the query or the name.
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["analyst@example.org"]
    assert "1 new matches" in message.body and f"/search/saved/{mine.pk}/" in message.body
    for secret in ("수용소", "camps", new.title):
        assert secret not in message.body + message.subject

    client = client_for(analyst)
    listing = client.get("/search/saved/")
    row = next(s for s in listing.context["rows"] if s["saved"].pk == mine.pk)
    assert row["saved"].unread == 1
    page = client.get(f"/search/saved/{mine.pk}/").content.decode()
    assert "수용소 새 증언" in page and f"/records/events/{new.pk}/" in page
    assert "Hidden" not in page
    client.post(f"/search/saved/{mine.pk}/seen/")
    assert SearchAlert.objects.get().seen_at is not None
    row = next(s for s in client.get("/search/saved/").context["rows"])
    assert row["saved"].unread == 0
    assert theirs.alerts.count() == 0


def test_matches_are_shown_with_the_owners_current_permissions(
    analyst, documentation_officer, make_record, old_event
):
    saved = do_save_search(analyst, "camps", "수용소")
    secret = make_record(
        documentation_officer, "event", title="Secret 수용소", sensitivity="strictly_confidential"
    )
    alert = SearchAlert.objects.create(
        saved_search=saved,
        matches=[{"kind": "event", "id": secret.pk}, {"kind": "event", "id": old_event.pk}],
        count=2,
    )
    shown = alert_matches(analyst, alert)
    assert [(m.kind, m.id) for m in shown] == [("event", old_event.pk)]
    assert [m.id for m in alert_matches(documentation_officer, alert)] == [secret.pk, old_event.pk]


def test_nobody_reaches_anyone_elses_saved_searches(analyst, manager, client_for, old_event):
    saved = do_save_search(analyst, "mine", "수용소")
    SearchAlert.objects.create(saved_search=saved, matches=[], count=0)
    other = client_for(manager)
    assert other.get(f"/search/saved/{saved.pk}/").status_code == 404
    assert other.post(f"/search/saved/{saved.pk}/seen/").status_code == 404
    assert other.post(f"/search/saved/{saved.pk}/delete/").status_code == 404
    assert "mine" not in other.get("/search/saved/").content.decode()
    assert SavedSearch.objects.filter(pk=saved.pk).exists()
    assert SearchAlert.objects.get().seen_at is None
    # The owner deletes it (audited), alerts and all.
    response = client_for(analyst).post(f"/search/saved/{saved.pk}/delete/")
    assert response.status_code == 302
    assert not SavedSearch.objects.exists() and not SearchAlert.objects.exists()
    assert AuditEntry.objects.filter(action="search.saved_deleted").count() == 1


def test_the_command_checks_and_lists(analyst, manager, make_record, old_event):
    saved = do_save_search(analyst, "camps", "수용소")
    do_save_search(manager, "managers", "보위부", alert=False)
    make_record(analyst, "event", title="수용소 새 기록")
    index_everything()
    out = StringIO()
    call_command("saved-searches", "check", "--json", stdout=out)
    assert json.loads(out.getvalue())["alerts"][0]["saved_search"] == saved.pk
    out = StringIO()
    call_command("saved-searches", "list", "--as", "analyst", "--json", stdout=out)
    rows = json.loads(out.getvalue())
    assert [(r["name"], r["unread"]) for r in rows] == [("camps", 1)]
    out = StringIO()
    call_command("saved-searches", "list", stdout=out)  # the operator: everyone's
    assert "camps" in out.getvalue() and "managers" in out.getvalue()


def test_a_match_committed_just_after_a_check_is_not_lost(analyst, make_record, old_event):
    from datetime import timedelta

    from django.utils import timezone

    from sillok.search.models import SearchDocument

    saved = do_save_search(analyst, "camps", "수용소")
    earlier = timezone.now() - timedelta(hours=1)
    SavedSearch.objects.filter(pk=saved.pk).update(created_at=earlier)
    check_alerts()
    saved.refresh_from_db()
    late = make_record(analyst, "event", title="수용소 늦은 기록")
    index_everything()
    # Its index rows were written a minute before the last check, committed after it.
    SearchDocument.objects.filter(kind="event", object_id=late.pk).update(
        first_indexed_at=saved.last_checked_at - timedelta(minutes=1)
    )
    alerts = check_alerts()
    assert [a.matches for a in alerts] == [[{"kind": "event", "id": late.pk}]]
    assert check_alerts() == []  # not repeated by the overlapping window
