"""A record's links on its page (a list and a graph) and the form that adds one.

A record with a thousand links must render fast: `links_of` reads the links with their
relations in one query, the other ends come in one query per kind (RecordRefs), the authors
in one, and the supporting items the user may see in one prefetch.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.db.models import Model, Prefetch, prefetch_related_objects
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sillok.records.access import RecordActionRefused, check_can_change
from sillok.records.fields import RecordValuesError, clean_values
from sillok.records.graph import GraphNode, link_graph_svg
from sillok.records.kinds import RecordKind, reference_of
from sillok.records.links import LinkView, links_of
from sillok.records.models import Certainty
from sillok.records.resolve import Resolver
from sillok.records.services import do_create_record
from sillok.records.views_common import record_or_404, refused
from sillok.records.views_display import RecordRefs, Shown, list_url
from sillok.records.views_forms import INDENT, Option
from sillok.vocab.models import prefers_korean
from sillok.vocab.queries import terms_of

REVERSED = "~"  # prefix of a relation option read from the other end ("subordinate of")
LINK_FORM_FIELDS = ("relation", "other", "certainty", "comment", "items")


@dataclass
class LinkRow:
    view: LinkView
    other: Shown
    author: str
    items: list[Any]
    certainty: str
    url: str


def link_rows(user: Any, kind: RecordKind, record: Model) -> list[LinkRow]:
    views = links_of(user, kind.name, record.pk)
    refs = RecordRefs(user)
    for view in views:
        refs.want(view.other_kind, view.other_id)
    refs.load()
    links = [view.link for view in views]
    author_ids = {link.created_by_id for link in links if link.created_by_id}
    authors = dict(get_user_model().objects.filter(pk__in=author_ids).values_list("pk", "username"))
    from sillok.evidence.access import visible_items

    items = visible_items(user).only("pk", "title").order_by("pk")
    prefetch_related_objects(links, Prefetch("items", queryset=items, to_attr="visible_items"))
    certainties = {value: str(label) for value, label in Certainty.choices}
    prefix = list_url("link")
    return [
        LinkRow(
            view,
            refs.shown(view.other_kind, view.other_id),
            authors.get(view.link.created_by_id, ""),
            view.link.visible_items,
            certainties.get(view.link.certainty, view.link.certainty),
            f"{prefix}{view.link.pk}/",
        )
        for view in views
    ]


def link_table(rows: list[LinkRow]) -> SafeString:
    """The table rows of a record's links, built here and not in the template: a thousand
    rows cost about a quarter of a second through the template engine and a few
    milliseconds here. Every text goes through html.escape (quotes too)."""
    hidden = escape(_("a record you may not see"))
    items_prefix = escape(reverse("evidence:items"))
    out = []
    for row in rows:
        other = row.other
        if other.hidden:
            end = f'<span class="muted">{hidden}</span>'
        else:
            end = (
                f'<span class="ref">{escape(other.ref)}</span> '
                f'<span lang="">{escape(other.text)}</span>'
            )
            if other.url:
                end = f'<a href="{escape(other.url)}">{end}</a>'
            if other.other:
                end += f' <span class="other">{escape(other.other)}</span>'
        items = " ".join(f'<a href="{items_prefix}{i.pk}/">X-{i.pk}</a>' for i in row.items)
        link = row.view.link
        out.append(
            f"<tr><td>{escape(row.view.label)}</td><td>{end}</td>"
            f'<td>{escape(row.certainty)}</td><td lang="">{escape(link.comment)}</td>'
            f"<td>{escape(row.author)}</td><td>{items}</td>"
            f'<td><a href="{escape(row.url)}">L-{link.pk}</a></td></tr>'
        )
    return mark_safe("".join(out))  # noqa: S308 - every value above is escaped


def link_graph(kind: RecordKind, record: Model, title: str, rows: list[LinkRow]) -> str:
    nodes = [
        GraphNode(
            key=(row.view.other_kind, row.view.other_id),
            kind=row.view.other_kind,
            ref=row.other.ref or reference_of(row.view.other_kind, row.view.other_id),
            label=row.other.text,
            url=row.other.url,
            relations=[row.view.label],
            outgoing=row.view.outgoing,
            incoming=not row.view.outgoing,
        )
        for row in rows
    ]
    return link_graph_svg(kind.name, reference_of(kind.name, record.pk), title, nodes)


def _allows(term: Any, kind: str, side: int) -> bool:
    """Whether `term` may have a record of `kind` at its from (0) or to (1) end."""
    data = term.data or {}
    pairs = [tuple(p) for p in data.get("kinds") or []]
    if data.get("chain") and not pairs:
        pairs = [("event", "event")]
    return not pairs or any(pair[side] == kind for pair in pairs)


def relation_options(kind: str, selected: str = "") -> list[Option]:
    """Each relation type as read from this record: "superior of" (this record is the `from`
    end) and, where the type has a reverse label, "subordinate of" (the `to` end)."""
    options = [Option("", "—")]
    for term in terms_of("relation_types"):
        indent = INDENT * term.depth
        if _allows(term, kind, 0):
            options.append(Option(term.code, f"{indent}{term.label}", term.code == selected))
        reverse = (term.data or {}).get("reverse") or {}
        label = (reverse.get("ko") if prefers_korean() else None) or reverse.get("en")
        # A symmetric relation (spouse of) reads the same both ways: offer it once.
        if label and label != term.label and _allows(term, kind, 1):
            value = f"{REVERSED}{term.code}"
            options.append(Option(value, f"{indent}{label}", value == selected))
    return options


def link_form(
    kind: RecordKind, raw: dict[str, str] | None = None, errors: dict | None = None
) -> dict:
    # Every key present: a missing "items" would read as dict.items in the template.
    raw = {name: "" for name in LINK_FORM_FIELDS} | (raw or {})
    errors = errors or {}
    return {
        "raw": raw,
        "errors": errors,
        # Named apart: in a template, errors.items would be the error of the "items" field.
        "item_error": errors.get("items", ""),
        "other_errors": [
            (name, message)
            for name, message in errors.items()
            if name not in {"relation", "other", "items"}
        ],
        "relations": relation_options(kind.name, raw.get("relation", "")),
        "certainties": [
            Option(value, str(label), value == (raw.get("certainty") or Certainty.POSSIBLE))
            for value, label in Certainty.choices
        ],
    }


def _link_values(kind: RecordKind, record: Model, post: Any) -> dict[str, str]:
    relation = post.get("relation", "").strip()
    this, other = reference_of(kind.name, record.pk), post.get("other", "").strip()
    reverse = relation.startswith(REVERSED)
    return {
        "from": other if reverse else this,
        "to": this if reverse else other,
        "relation": relation.removeprefix(REVERSED),
        "certainty": post.get("certainty", ""),
        "comment": post.get("comment", ""),
        "items": post.get("items", ""),
        "sensitivity": record.sensitivity,
    }


@login_required
@require_POST
def link_add(request: HttpRequest, kind: RecordKind, record_id: int) -> HttpResponse:
    """Link this record with another; the relation is read from this record's side."""
    from sillok.records.views import render_record

    record = record_or_404(request, kind, record_id)
    try:
        check_can_change(request.user)
    except RecordActionRefused as exc:
        return refused(request, str(exc))
    if kind.name == "link":
        return refused(
            request, _("A link joins two records; it cannot itself be linked."), status=400
        )
    raw = {key: request.POST.get(key, "") for key in LINK_FORM_FIELDS}
    values = _link_values(kind, record, request.POST)
    try:
        cleaned = clean_values("link", values, Resolver(request.user))
        do_create_record(request.user, "link", cleaned)
    except RecordValuesError as exc:
        # The form names the other end "other" whichever way the relation reads.
        errors = {("other" if k in {"from", "to"} else k): v for k, v in exc.errors.items()}
        return render_record(request, kind, record, link=link_form(kind, raw, errors), status=400)
    except RecordActionRefused as exc:
        errors = {"relation": str(exc)}
        return render_record(request, kind, record, link=link_form(kind, raw, errors), status=409)
    from django.contrib import messages

    messages.success(request, _("The link was added."))
    return redirect("records:record", kind.plural, record.pk)
