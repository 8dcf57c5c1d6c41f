"""The filter form of the record lists: reading it from the query string into listing's
RecordFilters (listing.filter_records does the filtering, for the API and the CLI too), and
the fields, options and error messages the form shows."""

from __future__ import annotations

from typing import Any

from django.http import QueryDict
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from sillok.core.sensitivity import Sensitivity
from sillok.records.corroboration import Bucket
from sillok.records.kinds import RecordKind
from sillok.records.listing import RecordFilters, filters_of, find_place
from sillok.records.models import PersonStatus, ReviewStatus
from sillok.records.views_forms import Option, term_options

WITHDRAWN = "withdrawn"  # the checkbox that asks for withdrawn records too


def parse_filters(kind: RecordKind, query: QueryDict) -> RecordFilters:
    """The filters of the list page of `kind`, from its query string."""
    values = {name: query.get(name, "").strip() for name in filters_of(kind)}
    return RecordFilters(**values, include_withdrawn=query.get(WITHDRAWN) == "1")


def _choices(choices: Any, selected: str) -> list[Option]:
    return [Option("", "—")] + [Option(str(v), str(label), v == selected) for v, label in choices]


def filter_fields(kind: RecordKind, filters: RecordFilters, errors: dict[str, str]) -> list[dict]:
    """The filter form: name, label, widget, options, value, error (`errors` as
    listing.filter_records reported them)."""
    applicable = filters_of(kind)
    values = {name: getattr(filters, name) for name in applicable}
    values[WITHDRAWN] = "1" if filters.include_withdrawn else ""

    def entry(name: str, label: Any, widget: str, **extra: Any) -> dict:
        return {
            "name": name,
            "label": label,
            "widget": widget,
            "value": values.get(name, ""),
            "error": errors.get(name, ""),
            **extra,
        }

    fields = [entry("q", _("Search"), "text")]
    if kind.name == "person":
        fields.append(
            entry(
                "status",
                _("Status"),
                "select",
                options=_choices(PersonStatus.choices, filters.status),
            )
        )
    if "violation_type" in applicable:
        options = term_options("violations", filters.violation_type)
        fields.append(entry("violation_type", _("Violation type"), "select", options=options))
    if "relation" in applicable:
        options = term_options("relation_types", filters.relation)
        fields.append(entry("relation", _("Relation"), "select", options=options))
    if "corroboration" in applicable:
        options = _choices(Bucket.choices, filters.corroboration)
        fields.append(entry("corroboration", _("Corroboration"), "select", options=options))
    if "place" in applicable:
        place = find_place(filters.place) if filters.place and "place" not in errors else None
        fields.append(
            entry(
                "place",
                _("Place (and places within it)"),
                "autocomplete",
                lookup=reverse("records:lookup_places"),
                picked=place.label if place else "",
            )
        )
    if "date_from" in applicable:
        fields.append(entry("date_from", _("From"), "text", hint="2015, 2015-03"))
        fields.append(entry("date_to", _("Until"), "text", hint="2016"))
    fields.append(
        entry(
            "review_status",
            _("Review"),
            "select",
            options=_choices(ReviewStatus.choices, filters.review_status),
        )
    )
    fields.append(
        entry(
            "sensitivity",
            _("Sensitivity"),
            "select",
            options=_choices(Sensitivity.choices, filters.sensitivity),
        )
    )
    fields.append(entry(WITHDRAWN, _("Include withdrawn records"), "checkbox"))
    return fields
