"""`sillok places search TEXT [--kind K] [--limit N] [--json]`, `sillok places show CODE`."""

from __future__ import annotations

import json
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from sillok.accounts.acting import acting_user, add_as_option
from sillok.vocab.management.commands.vocab import check_may_read_vocabularies
from sillok.vocab.models import Place, PlaceKind
from sillok.vocab.queries import place_as_dict, search_places

MAX_LIMIT = 1000


class Command(BaseCommand):
    help = (
        "The gazetteer: `search TEXT` finds places by the beginning of any of their names, "
        "in Hangul or any romanization (회령, Hoeryong and Hoeryŏng find the same city); "
        "`show CODE` prints one place and the places below it."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("action", choices=["search", "show"])
        parser.add_argument("text", metavar="TEXT", help="a name to search, or a place code")
        parser.add_argument("--kind", choices=PlaceKind.values, help="only places of this kind")
        parser.add_argument("--limit", type=int, default=20, help="at most this many (20)")
        parser.add_argument("--json", action="store_true", help="print JSON")
        add_as_option(parser, "as USER (who must be allowed to see records, as on the web)")

    def handle(self, *args: Any, **options: Any) -> None:
        user = acting_user(options["as_user"])
        if user is not None:
            check_may_read_vocabularies(user)
        if options["action"] == "show":
            self._show(options["text"], options["json"])
            return
        limit = options["limit"]
        if not 1 <= limit <= MAX_LIMIT:
            raise CommandError(f"--limit must be between 1 and {MAX_LIMIT}", returncode=2)
        kinds = [options["kind"]] if options["kind"] else None
        places = [
            place_as_dict(p) for p in search_places(options["text"], limit=limit, kinds=kinds)
        ]
        if options["json"]:
            self.stdout.write(json.dumps(places, indent=2, ensure_ascii=False))
            return
        if not places:
            self.stderr.write(f"no place matches {options['text']!r}")
        for place in places:
            self.stdout.write(_line(place))

    def _show(self, code: str, as_json: bool) -> None:
        place = Place.objects.select_related("parent").filter(code=code).first()
        if place is None:
            raise CommandError(f"no place with the code {code!r}", returncode=2)
        data = place_as_dict(place)
        children = place.children.filter(active=True).select_related("parent").order_by("label_en")
        data["children"] = [place_as_dict(child) for child in children]
        if as_json:
            self.stdout.write(json.dumps(data, indent=2, ensure_ascii=False))
            return
        self.stdout.write(_line(data))
        for key in ("romanization_rr", "romanization_mr", "aliases", "country", "latitude",
                    "longitude", "facility_status"):  # fmt: skip
            if data[key]:
                self.stdout.write(f"  {key}: {data[key]}")
        for child in data["children"]:
            self.stdout.write(f"  {_line(child)}")


def _line(place: dict[str, Any]) -> str:
    names = f"{place['name_en']} / {place['name_ko']}" if place["name_ko"] else place["name_en"]
    within = f"  (in {place['parent_name_en']})" if place["parent_name_en"] else ""
    return f"{place['code']:<26} {place['kind']:<9} {names}{within}"
