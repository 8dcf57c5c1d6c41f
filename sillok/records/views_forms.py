"""Record forms generated from `FIELDS[kind]`: what each field shows (a text input, a select
of a vocabulary's terms as an indented tree, an autocomplete for places and records), the raw
text values a record has (to fill the edit form), and the raw values a form posts (which go
through `clean_values` like every other entry point)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.http import QueryDict
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from sillok.records.dates import format_fuzzy_date
from sillok.records.fields import FieldError, FieldSpec, fields_of, parse_reference
from sillok.records.kinds import get_kind
from sillok.records.views_display import RecordRefs, reference_of
from sillok.vocab.models import Place
from sillok.vocab.queries import terms_of

HINTS = {
    "fuzzy_date": _("A day (2015-03-14), a month (2015-03), a year (2015), ~2015, or 2015..2017"),
    "year_range": _("A year (1975) or a range (1970..1975)"),
    "list": _("Separate with ;"),
    "items": _("Item numbers, separated with commas"),
    "ref": _("Type a name or a reference like P-12, E-3"),
    "place": _("Type a place name in Hangul or Latin letters"),
    "user": _("A user name"),
    "language": _("A language tag: ko, en"),
}
INDENT = "\u2003"  # an em space per level: <option> cannot be styled, its text can


@dataclass
class Option:
    value: str
    label: str
    selected: bool = False


@dataclass
class FormField:
    spec: FieldSpec
    value: Any = ""
    error: str = ""
    options: list[Option] = field(default_factory=list)
    lookup: str = ""  # the JSON view of an autocomplete
    picked: str = ""  # what the current value of an autocomplete names
    required: bool = False

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def widget(self) -> str:
        return {
            "longtext": "textarea",
            "choice": "select",
            "term": "select",
            "choices": "checkboxes",
            "bool": "checkbox",
            "date": "date",
            "compartment": "select",
            "place": "autocomplete",
            "record": "autocomplete",
            "ref": "autocomplete",
        }.get(self.spec.type, "text")

    @property
    def hint(self) -> str:
        if self.spec.type == "record":
            example = f"{get_kind(self.spec.kind).prefix}-12"
            return _("Type a name or title, or a reference like %(ref)s") % {"ref": example}
        return str(HINTS.get(self.spec.type, ""))


def term_options(slug: str, selected: str = "", *, blank: bool = True) -> list[Option]:
    """The active terms of a vocabulary as an indented tree, English and Korean labels."""
    options = [Option("", "—")] if blank else []
    for term in terms_of(slug):
        label = f"{INDENT * term.depth}{term.label}"
        if term.other_label:
            label += f" · {term.other_label}"
        options.append(Option(term.code, label, term.code == selected))
    if selected and not any(o.selected for o in options):
        options.append(Option(selected, f"{selected} ({_('retired')})", True))
    return options


def _choice_options(spec: FieldSpec, selected: Any) -> list[Option]:
    chosen = {str(v) for v in selected} if isinstance(selected, list) else {str(selected)}
    return [Option(str(v), str(label), str(v) in chosen) for v, label in spec.choices.choices]


def compartment_options(user: Any, selected: str = "") -> list[Option]:
    """The "none" option and the compartments `user` is a member of (the only ones they may
    choose)."""
    from sillok.accounts.models import Compartment

    options = [Option("", _("— none (everyone cleared for the sensitivity) —"), not selected)]
    for compartment in Compartment.objects.filter(members=user).order_by("code"):
        label = f"{compartment.code} · {compartment.name}"
        options.append(Option(compartment.code, label, compartment.code == selected))
    if selected and not any(o.selected for o in options):
        options.append(Option(selected, selected, True))
    return options


def lookup_url(spec: FieldSpec) -> str:
    if spec.type == "place":
        return reverse("records:lookup_places")
    if spec.type == "record":
        return reverse("records:lookup", args=[get_kind(spec.kind).plural])
    return reverse("records:lookup", args=["any"])


def initial_values(kind: str, given: QueryDict | None = None) -> dict[str, Any]:
    """What a new record's form starts with: the model defaults, and any field named in the
    query string (a link "add an act to this event" passes ?event=E-3)."""
    model = get_kind(kind).model
    raw: dict[str, Any] = {}
    for spec in fields_of(kind):
        if spec.type in {"choice", "bool"}:
            default = model._meta.get_field(spec.name).get_default()
            raw[spec.name] = default if spec.type == "bool" else str(default or "")
        if given is not None and spec.name in given:
            raw[spec.name] = (
                given.getlist(spec.name) if spec.type == "choices" else given.get(spec.name)
            )
    return raw


def _reference(kind: str, pk: Any) -> str:
    return "" if pk is None else reference_of(kind, pk)


def raw_values(kind: str, record: models.Model) -> dict[str, Any]:
    """The record's values as the text a user would type (what the edit form shows)."""
    raw: dict[str, Any] = {}
    for spec in fields_of(kind):
        t, name = spec.type, spec.name
        if t == "fuzzy_date":
            value = format_fuzzy_date(record.date_start, record.date_end, record.date_precision)
        elif t == "year_range":
            first, last = record.birth_year_from, record.birth_year_to
            value = "" if first is None else str(first) if first == last else f"{first}..{last}"
        elif t == "record":
            value = _reference(spec.kind, getattr(record, f"{name}_id"))
        elif t == "ref":
            value = _reference(getattr(record, f"{name}_kind"), getattr(record, f"{name}_id"))
        elif t == "items":
            value = ", ".join(str(i.pk) for i in record.items.all())
        else:
            value = getattr(record, name)
            if t in {"term", "place"}:
                value = value.code if value is not None else ""
            elif t == "user":
                value = value.get_username() if value is not None else ""
            elif t == "compartment":
                value = value.code if value is not None else ""
            elif t == "list":
                value = "; ".join(value or [])
            elif t == "date":
                value = value.isoformat() if value else ""
            elif t == "choices":
                value = list(value or [])
            elif t != "bool":
                value = "" if value is None else str(value)
        raw[name] = value
    return raw


def posted_values(kind: str, post: QueryDict) -> dict[str, Any]:
    """The raw values a record form posted, for `clean_values` (every field, so that a field
    emptied in the form is emptied in the record)."""
    raw: dict[str, Any] = {}
    for spec in fields_of(kind):
        if spec.type == "choices":
            raw[spec.name] = post.getlist(spec.name)
        elif spec.type == "bool":
            raw[spec.name] = spec.name in post
        else:
            raw[spec.name] = post.get(spec.name, "")
    return raw


def _picked_labels(fields: list[FormField], user: Any) -> None:
    """What the current values of the autocomplete fields name, fetched in bulk (records
    only if the user may see them)."""
    refs = RecordRefs(user)
    places: dict[str, FormField] = {}
    wanted: list[tuple[FormField, tuple[str, int]]] = []
    for form_field in fields:
        text = str(form_field.value or "").strip()
        if not text or form_field.widget != "autocomplete":
            continue
        if form_field.spec.type == "place":
            places[text] = form_field
            continue
        try:
            ref = parse_reference(text, form_field.spec.kind)
        except FieldError:
            continue
        refs.want(*ref)
        wanted.append((form_field, ref))
    refs.load()
    for form_field, ref in wanted:
        shown = refs.shown(*ref)
        form_field.picked = "" if shown.hidden else shown.text
    if places:
        found = Place.objects.filter(code__in=list(places)).only("code", "label_en", "label_ko")
        for place in found:
            other = f" · {place.other_label}" if place.other_label else ""
            places[place.code].picked = f"{place.label}{other}"


def build_form(
    kind: str, raw: dict[str, Any], errors: dict[str, str] | None, user: Any
) -> list[FormField]:
    """The fields of a record form with their values, options and errors."""
    errors = errors or {}
    fields = []
    for spec in fields_of(kind):
        value = raw.get(spec.name, [] if spec.type == "choices" else "")
        form_field = FormField(
            spec, value=value, error=errors.get(spec.name, ""), required=spec.required
        )
        if spec.type == "term":
            form_field.options = term_options(spec.vocabulary, str(value or ""))
        elif spec.type in {"choice", "choices"}:
            form_field.options = _choice_options(spec, value)
        elif spec.type == "compartment":
            form_field.options = compartment_options(user, str(value or ""))
        elif form_field.widget == "autocomplete":
            form_field.lookup = lookup_url(spec)
        fields.append(form_field)
    _picked_labels(fields, user)
    return fields


def form_level_errors(kind: str, errors: dict[str, str]) -> dict[str, str]:
    """Errors that name no field of the form (they are shown above it)."""
    names = {spec.name for spec in fields_of(kind)}
    return {k: v for k, v in errors.items() if k not in names}
