"""Pages of the documentation records: the home with counts, a list per kind (filtered,
paginated), and the record page (fields, related records, links as a list and a graph, review
state and actions, history). Forms are in views_edit, review actions in views_review, history
in views_history, links in views_links, autocomplete in views_lookup. Thin: access check,
service call, render.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Model
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from sillok.records.access import can_view_records, visible_records
from sillok.records.fields import FieldSpec, fields_of
from sillok.records.history import visible_versions
from sillok.records.kinds import KINDS, KINDS_BY_NAME, RecordKind
from sillok.records.listing import filter_records
from sillok.records.names import romanizations_for
from sillok.records.titles import TITLE_RELATED, safe_title
from sillok.records.views_common import record_or_404, refused
from sillok.records.views_corroboration import corroboration_panel
from sillok.records.views_display import (
    RecordRefs,
    Shown,
    field_rows,
    related_for_display,
    shown_value,
    want_refs,
    with_related,
)
from sillok.records.views_filters import filter_fields, parse_filters
from sillok.records.views_links import link_form, link_graph, link_rows, link_table
from sillok.records.views_review import review_state

PAGE_SIZE = 50
RELATED_LIMIT = 100
NO_RECORDS = _("Documentation records need the view_record permission.")

# The columns of each list, after the reference and title (names of FIELDS[kind]).
LIST_COLUMNS: dict[str, tuple[str, ...]] = {
    "testimony": ("witness", "date", "place"),
    "event": ("date", "place"),
    "act": ("event", "date", "place"),
    "involvement": ("act",),
    "person": ("status", "birth_year"),
    "organization": ("name_ko", "kind", "parent"),
    "source": ("source_type", "reliability"),
    "information": ("event", "act", "credibility"),
    "link": ("from", "to", "certainty"),
}

# Persons are listed by name (the title, often the Hangul name); beside it the romanized
# form, as given or else generated from the Hangul, not the Hangul a second time.
ROMANIZED = FieldSpec("romanized_name", "text", _("Romanized name"))


def list_columns(kind: RecordKind) -> list[FieldSpec]:
    columns = [s for s in fields_of(kind.name) if s.name in LIST_COLUMNS[kind.name]]
    return [ROMANIZED, *columns] if kind.name == "person" else columns


def romanized_name(person: Model) -> str:
    """The Latin spelling given, else the first Revised Romanization of the Hangul name (or
    of the name, when that is Hangul); empty when there is none."""
    if person.name_latin:
        return person.name_latin
    generated = (person.romanizations or {}).get("rr") or []
    if not generated:
        generated = romanizations_for(person.name_hangul or person.name).get("rr", [])
    return generated[0] if generated else ""


def _cell(spec: FieldSpec, record: Model, refs: RecordRefs) -> list[Shown]:
    if spec is ROMANIZED:
        text = romanized_name(record)
        return [Shown(text)] if text else []
    return shown_value(spec, record, refs)


# (heading, kind, field pointing at this record) of the related lists on a record page.
RELATED: dict[str, tuple[tuple[Any, str, str], ...]] = {
    "event": (
        (_("Acts in this event"), "act", "event"),
        (_("Information"), "information", "event"),
    ),
    "act": (
        (_("Perpetrators (involvements)"), "involvement", "act"),
        (_("Information"), "information", "act"),
    ),
    "person": (
        (_("Acts suffered as victim"), "act", "victim"),
        (_("Involvements as perpetrator"), "involvement", "perpetrator"),
        (_("Testimonies given as witness"), "testimony", "witness"),
        (_("As a source"), "source", "person"),
    ),
    "organization": (
        (_("Units"), "organization", "parent"),
        (_("Involvements"), "involvement", "organization"),
    ),
    "testimony": ((_("Information from this testimony"), "information", "testimony"),),
    "source": ((_("Information given"), "information", "source"),),
}


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    if not can_view_records(request.user):
        return refused(request, str(NO_RECORDS))
    counts = [
        {
            "kind": kind,
            "count": visible_records(request.user, kind).filter(withdrawn_at__isnull=True).count(),
        }
        for kind in KINDS
    ]
    return render(
        request,
        "records/home.html",
        {"counts": counts, "can_change": request.user.has_perm("records.change_record")},
    )


def _rows(user: Any, kind: RecordKind, records: list[Model]) -> list[dict]:
    """Reference, title and list columns of a page of records, with every record they name
    fetched in bulk."""
    refs = RecordRefs(user)
    columns = list_columns(kind)
    names = [s.name for s in columns]
    for record in records:
        refs.add(kind.name, record)
        want_refs(kind.name, record, refs, names)
    refs.load()
    return [
        {
            "record": record,
            "shown": refs.shown(kind.name, record.pk),
            "cells": [_cell(spec, record, refs) for spec in columns],
        }
        for record in records
    ]


@never_cache
@login_required
@require_GET
def record_list(request: HttpRequest, kind: RecordKind) -> HttpResponse:
    if not can_view_records(request.user):
        return refused(request, str(NO_RECORDS))
    filters = parse_filters(kind, request.GET)
    errors: dict[str, str] = {}  # a bad filter is reported beside it and not applied
    query = filter_records(request.user, kind, filters, errors=errors)
    related = {*TITLE_RELATED.get(kind.name, ()), *related_for_display(kind.name)}
    query = with_related(query, related)
    page = Paginator(query, PAGE_SIZE).get_page(request.GET.get("page"))
    columns = list_columns(kind)
    return render(
        request,
        "records/list.html",
        {
            "kind": kind,
            "page": page,
            "rows": _rows(request.user, kind, list(page.object_list)),
            "columns": columns,
            "filters": filter_fields(kind, filters, errors),
            "can_change": request.user.has_perm("records.change_record"),
        },
    )


def _related_sections(user: Any, kind: RecordKind, record: Model) -> list[dict]:
    sections = []
    for heading, other, field_name in RELATED.get(kind.name, ()):
        query = visible_records(user, other).filter(
            **{field_name: record.pk}, withdrawn_at__isnull=True
        )
        query = with_related(query, TITLE_RELATED.get(other, ())).order_by("-pk")
        found = list(query[: RELATED_LIMIT + 1])
        refs = RecordRefs(user)
        for related in found[:RELATED_LIMIT]:
            refs.add(other, related)
        sections.append(
            {
                "heading": heading,
                "kind": other,
                "plural": KINDS_BY_NAME[other].plural,
                "field": field_name,
                "reference": f"{kind.prefix}-{record.pk}",
                "rows": [refs.shown(other, r.pk) for r in found[:RELATED_LIMIT]],
                "more": len(found) > RELATED_LIMIT,
            }
        )
    return sections


def render_record(
    request: HttpRequest,
    kind: RecordKind,
    record: Model,
    *,
    link: dict | None = None,
    review_error: str = "",
    status: int = 200,
) -> HttpResponse:
    """The record page; forms posted to it come back here with their errors."""
    user = request.user
    refs = RecordRefs(user)
    title = safe_title(record, refs.levels)
    rows = link_rows(user, kind, record)
    versions = visible_versions(user, record)[::-1]  # newest first
    can_change = user.has_perm("records.change_record")
    context = {
        "kind": kind,
        "record": record,
        "reference": f"{kind.prefix}-{record.pk}",
        "title": title,
        "fields": field_rows(kind.name, record, refs),
        "related": _related_sections(user, kind, record),
        "links": rows,
        "links_html": link_table(rows),
        "graph": link_graph(kind, record, title, rows) if rows else "",
        "link_form": link or (link_form(kind) if can_change and kind.name != "link" else None),
        "review": review_state(user, kind, record),
        "review_error": review_error,
        "versions": versions,
        "can_change": can_change,
        "corroboration": corroboration_panel(user, kind.name, record),
    }
    return render(request, "records/record.html", context, status=status)


@never_cache
@login_required
@require_GET
def record_page(request: HttpRequest, kind: RecordKind, record_id: int) -> HttpResponse:
    record = record_or_404(request, kind, record_id)
    return render_record(request, kind, record)
