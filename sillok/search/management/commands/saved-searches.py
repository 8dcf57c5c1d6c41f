"""`sillok saved-searches check` (cron: alerts for new matches) and
`sillok saved-searches list [--as USER] [--json]`."""

from __future__ import annotations

import json
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from sillok.accounts.acting import acting_user, add_as_option
from sillok.search.models import SavedSearch
from sillok.search.saved import check_alerts, saved_searches_of


class Command(BaseCommand):
    help = (
        "Saved searches: `check` looks for matches indexed since each saved search's last "
        "check, as its owner, and stores an alert (run it from cron, e.g. every 15 minutes); "
        "`list` shows saved searches with their unread matches (--as USER: that user's own)."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        check = actions.add_parser("check", help="check every saved search with alerts on")
        check.add_argument("--json", action="store_true", help="print JSON")
        listing = actions.add_parser("list", help="list saved searches")
        listing.add_argument("--json", action="store_true", help="print JSON")
        add_as_option(listing, "only USER's own saved searches")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "check":
            self._check(options["json"])
        else:
            self._list(acting_user(options.get("as_user")), options["json"])

    def _check(self, as_json: bool) -> None:
        # Run by the operator: each search runs with its owner's permissions, and only ids
        # and counts are printed.
        alerts = check_alerts()
        rows = [
            {"saved_search": a.saved_search_id, "alert": a.pk, "count": a.count} for a in alerts
        ]
        if as_json:
            self.stdout.write(json.dumps({"alerts": rows}))
            return
        for row in rows:
            self.stdout.write(
                f"saved search {row['saved_search']}: {row['count']} new (alert {row['alert']})"
            )
        self.stdout.write(f"{len(rows)} alerts created")

    def _list(self, user: Any, as_json: bool) -> None:
        if user is not None:
            saved = saved_searches_of(user)
        else:  # the operator at the server's shell: everyone's, with their owners
            saved = list(SavedSearch.objects.select_related("owner").order_by("owner_id", "name"))
            for s in saved:
                s.unread = sum(a.count for a in s.alerts.filter(seen_at__isnull=True))
        rows = [
            {
                "id": s.pk,
                "owner": s.owner.get_username(),
                "name": s.name,
                "query": s.query,
                "filters": s.filters,
                "semantic": s.semantic,
                "alert": s.alert,
                "unread": int(s.unread or 0),
                "last_checked_at": s.last_checked_at.isoformat() if s.last_checked_at else None,
            }
            for s in saved
        ]
        if as_json:
            self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2))
            return
        for row in rows:
            alert = "alerts on" if row["alert"] else "alerts off"
            self.stdout.write(
                f"{row['id']:>5}  {row['owner']:<16} {row['name']}  [{row['query']}]  "
                f"{alert}, {row['unread']} unread"
            )
