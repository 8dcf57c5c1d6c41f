"""Saved searches and their alerts: saving and deleting a search, checking saved searches for
matches indexed since their last check (`sillok saved-searches check`, from cron), marking
alerts seen, and showing an alert's matches with the owner's permissions of the moment.

Privacy: a saved search's name and query may name a witness, so neither goes into the audit
log (entries carry the saved search's id, and counts) nor into alert mails (a count and a
link only). An alert stores ids only; titles are looked up when it is shown, with the owner's
current permissions, so a match the owner may no longer see is left out.
"""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q, Sum
from django.urls import reverse
from django.utils import timezone

from sillok.custody.audit import record_audit
from sillok.search.models import SavedSearch, SearchAlert

logger = logging.getLogger(__name__)

# The most matches one alert lists (a bulk import can bring thousands at once).
ALERT_LIMIT = 1000
# How far each check looks back before the previous one (see check_alerts).
OVERLAP = timedelta(minutes=10)


class SavedSearchError(ValueError):
    """A saved search that cannot be saved (a message for the user)."""


@dataclass
class AlertMatch:
    kind: str
    id: int
    title: str


def do_save_search(
    user: Any,
    name: str,
    query: str,
    filters: dict[str, list[str]] | None = None,
    semantic: bool = False,
    alert: bool = True,
) -> SavedSearch:
    """Save a search for `user`; its alerts report objects indexed from now on."""
    name = name.strip()
    if not name:
        raise SavedSearchError("a saved search needs a name")
    with transaction.atomic():
        if SavedSearch.objects.filter(owner=user, name=name).exists():
            raise SavedSearchError("you already have a saved search with this name")
        now = timezone.now()
        saved = SavedSearch.objects.create(
            owner=user,
            name=name[:200],
            query=query,
            filters=filters or {},
            semantic=semantic,
            alert=alert,
            created_at=now,
            last_checked_at=now,
        )
        record_audit(
            user,
            "search.saved",
            object_type="saved_search",
            object_id=saved.pk,
            details={"alert": alert},
        )
    return saved


def own_saved_search(user: Any, saved_id: int) -> SavedSearch:
    """The user's saved search; SavedSearch.DoesNotExist for anyone else's (same as missing)."""
    return SavedSearch.objects.get(pk=saved_id, owner=user)


def do_delete_saved_search(user: Any, saved_id: int) -> None:
    with transaction.atomic():
        saved = own_saved_search(user, saved_id)
        saved.delete()
        record_audit(user, "search.saved_deleted", object_type="saved_search", object_id=saved_id)


def do_mark_alerts_seen(user: Any, saved_id: int) -> int:
    """Mark every unseen alert of the user's saved search seen; returns how many."""
    with transaction.atomic():
        saved = own_saved_search(user, saved_id)
        count = saved.alerts.filter(seen_at__isnull=True).update(seen_at=timezone.now())
        if count:
            record_audit(
                user,
                "search.alerts_seen",
                object_type="saved_search",
                object_id=saved.pk,
                details={"alerts": count},
            )
    return count


def saved_searches_of(user: Any) -> list[SavedSearch]:
    """The user's saved searches, each with `unread` (matches in unseen alerts)."""
    return list(
        SavedSearch.objects.filter(owner=user)
        .annotate(unread=Sum("alerts__count", filter=Q(alerts__seen_at__isnull=True), default=0))
        .order_by("name")
    )


def new_matches(saved: SavedSearch, since: datetime, until: datetime) -> list[dict]:
    """The objects with a passage first indexed in (since, until] that the saved search
    finds, searched AS ITS OWNER with the same access rule, filters and full-text query as
    search() (so what the owner may not see is never a match). Keyword matches only: a
    semantic neighbour is not "new matching text". Best first, at most ALERT_LIMIT."""
    from sillok.search import engine
    from sillok.search.access import searchable_documents
    from sillok.search.facets import FACET_KEYS
    from sillok.search.query import parse_query
    from sillok.search.services import filter_condition, match_expression

    owner = saved.owner
    parsed = parse_query(saved.query or "")
    filters = {
        key: [str(v) for v in values if v]
        for key, values in (saved.filters or {}).items()
        if key in FACET_KEYS
    }
    allowed = searchable_documents(owner).filter(
        filter_condition(owner, parsed, filters),
        first_indexed_at__gt=since,
        first_indexed_at__lte=until,
    )
    page = engine.MatchSet(allowed, match_expression(parsed)).page(ALERT_LIMIT, 0)
    return [{"kind": match.kind, "id": match.object_id} for match in page]


def _not_alerted_since(saved: SavedSearch, since: datetime, matches: list[dict]) -> list[dict]:
    alerted = {
        (m["kind"], m["id"])
        for alert in saved.alerts.filter(created_at__gte=since).only("matches")
        for m in alert.matches
    }
    return [m for m in matches if (m["kind"], m["id"]) not in alerted]


def check_alerts(now: datetime | None = None) -> list[SearchAlert]:
    """Check every saved search with alerts on; returns the alerts created. Each saved search
    is checked and updated in its own transaction, so one failure loses no other's alert."""
    from sillok.search.query import QueryError

    now = now or timezone.now()
    created = []
    for saved in SavedSearch.objects.filter(alert=True).select_related("owner").order_by("pk"):
        if not saved.owner.is_active:
            continue
        # The window overlaps the previous one: an index transaction that wrote its rows
        # before the last check but committed after it is still seen. Matches already
        # alerted are not repeated; nothing from before the search was saved is "new".
        since = max((saved.last_checked_at or saved.created_at) - OVERLAP, saved.created_at)
        try:
            matches = new_matches(saved, since, now)
            matches = _not_alerted_since(saved, since - OVERLAP, matches)
        except QueryError:
            # A place or term the query names was removed from the vocabulary, say.
            logger.warning("saved search %s: its query no longer parses", saved.pk)
            continue
        except Exception:
            # From cron: one broken saved search must not stop the others' alerts.
            logger.exception("saved search %s could not be checked", saved.pk)
            continue
        with transaction.atomic():
            alert = None
            if matches:
                alert = SearchAlert.objects.create(
                    saved_search=saved, created_at=now, matches=matches, count=len(matches)
                )
                record_audit(
                    None,
                    "search.alert_created",
                    object_type="saved_search",
                    object_id=saved.pk,
                    details={"alert": alert.pk, "count": len(matches)},
                )
            SavedSearch.objects.filter(pk=saved.pk).update(last_checked_at=now)
        if alert is not None:
            created.append(alert)
            _mail_owner(saved, alert)
    return created


def _mail_owner(saved: SavedSearch, alert: SearchAlert) -> None:
    """A count and a link: never titles, snippets, the query or the name (mail leaves the
    repository's protection)."""
    email = saved.owner.email
    if not email:
        return
    path = reverse("search:saved_detail", args=[saved.pk])
    body = (
        f"{alert.count} new matches for one of your saved searches (number {saved.pk}).\n"
        f"Sign in to Sillok to see them: {path}\n"
    )
    try:
        send_mail("Sillok: new search matches", body, settings.SERVER_EMAIL, [email])
    except (OSError, smtplib.SMTPException):
        # The alert is stored and shown on the saved-searches page; mail is a convenience.
        logger.warning("could not mail user %s about saved search %s", saved.owner_id, saved.pk)


def alert_matches(user: Any, alert: SearchAlert) -> list[AlertMatch]:
    """An alert's matches `user` may see now, with the titles their own pages show
    (records/titles.py), in the alert's order. Others are left out without a trace."""
    from sillok.records.kinds import KINDS_BY_NAME
    from sillok.records.titles import visible_titles

    wanted = [(str(m["kind"]), int(m["id"])) for m in alert.matches]
    by_kind: dict[str, set[int]] = {}
    for kind, object_id in wanted:
        if kind == "item" or kind in KINDS_BY_NAME:
            by_kind.setdefault(kind, set()).add(object_id)
    titles = {
        (kind, pk): title
        for kind, ids in by_kind.items()
        for pk, title in visible_titles(user, kind, ids).items()
    }
    return [
        AlertMatch(kind, object_id, titles[(kind, object_id)])
        for kind, object_id in wanted
        if (kind, object_id) in titles
    ]
