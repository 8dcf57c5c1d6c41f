"""How item metadata and its versions are shown on the Edit and History pages: the form's
fields, and each change as labels (choices in the reader's language, compartments by code)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sillok.accounts.clearance import Clearance
from sillok.evidence.item_history import EDITABLE, Change, diff
from sillok.evidence.models import (
    ConsentForm,
    ConsentScope,
    DatePrecision,
    Item,
    ItemVersion,
    PlacePrecision,
    Sensitivity,
)

LABELS = {
    "title": gettext_lazy("Title"),
    "description": gettext_lazy("Description"),
    "source": gettext_lazy("Source"),
    "collector": gettext_lazy("Collector"),
    "collected_on": gettext_lazy("Collected on"),
    "collected_on_precision": gettext_lazy("Date precision"),
    "collected_place": gettext_lazy("Collected at"),
    "collected_place_precision": gettext_lazy("Place precision"),
    "languages": gettext_lazy("Languages"),
    "sensitivity": gettext_lazy("Sensitivity"),
    "compartment": gettext_lazy("Compartment"),
    "consent_scope": gettext_lazy("Consent scope"),
    "consent_date": gettext_lazy("Consent date"),
    "consent_form": gettext_lazy("Form of consent"),
    "consent_recipients": gettext_lazy("Prosecutors or jurisdictions consented to"),
    "tags": gettext_lazy("Tags"),
    "graphic": gettext_lazy("Graphic content"),
}
CHOICES = {
    "collected_on_precision": DatePrecision,
    "collected_place_precision": PlacePrecision,
    "sensitivity": Sensitivity,
    "consent_scope": ConsentScope,
    "consent_form": ConsentForm,
}
HINTS = {
    "languages": gettext_lazy("Language tags separated by commas, like ko, en."),
    "tags": gettext_lazy("Separated by commas."),
    "consent_recipients": gettext_lazy("One per line."),
}
WIDGETS = {
    "description": "textarea",
    "consent_recipients": "textarea",
    "collected_on": "date",
    "consent_date": "date",
    "consent_scope": "checkboxes",
    "graphic": "checkbox",
    "compartment": "select",
}


def _compartment_options(user: Any, item: Item) -> list[tuple[str, str]]:
    """No compartment, the user's own, and the item's current one."""
    options = [("", _("— none (everyone cleared for the sensitivity) —"))]
    compartments = list(user.compartments.order_by("code"))
    if item.compartment_id and item.compartment not in compartments:
        compartments.insert(0, item.compartment)
    options += [(c.code, f"{c.code} · {c.name}") for c in compartments]
    return options


def _current_value(item: Item, name: str) -> Any:
    if name == "compartment":
        return item.compartment.code if item.compartment_id else ""
    value = getattr(item, name)
    if name in {"collected_on", "consent_date"}:
        return value.isoformat() if value else ""
    if name == "consent_recipients":
        return "\n".join(value)
    if name in {"languages", "tags"}:
        return ", ".join(value)
    return value


def _posted_value(values: dict[str, Any], name: str) -> Any:
    value = values.get(name, "")
    if name == "consent_recipients" and isinstance(value, list):
        return "\n".join(value)
    return value


def form_fields(
    user: Any, item: Item, values: dict[str, Any] | None, errors: dict[str, str]
) -> list[dict[str, Any]]:
    """The Edit form's fields: the item's values, or the ones posted when the form comes back
    with errors; sensitivity offers only the levels the user is cleared for."""
    clearance = Clearance(user)
    fields = []
    for name in EDITABLE:
        value = _current_value(item, name) if values is None else _posted_value(values, name)
        field: dict[str, Any] = {
            "name": name,
            "label": LABELS[name],
            "widget": WIDGETS.get(name, "text"),
            "value": value,
            "error": errors.get(name, ""),
            "hint": HINTS.get(name, ""),
            "max_length": getattr(Item._meta.get_field(name), "max_length", None),
        }
        if name == "compartment":
            field["options"] = [
                {"value": code, "label": label, "selected": code == value}
                for code, label in _compartment_options(user, item)
            ]
        elif name in CHOICES:
            chosen = value if isinstance(value, list) else [value]
            field["widget"] = WIDGETS.get(name, "select")
            field["options"] = [
                {"value": code, "label": label, "selected": code in chosen}
                for code, label in CHOICES[name].choices
                if name != "sensitivity" or code in clearance or code == item.sensitivity
            ]
        fields.append(field)
    return fields


def _shown(name: str, value: Any, compartments: dict[int, str]) -> str:
    if value is None or value == "" or value == []:
        return ""
    if name == "compartment":
        return compartments.get(value, str(value))
    if name == "graphic":
        return _("yes") if value else _("no")
    if name in CHOICES:
        labels = dict(CHOICES[name].choices)
        values = value if isinstance(value, list) else [value]
        return ", ".join(str(labels.get(v, v)) for v in values)
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    return str(value)


def describe_changes(changes: list[Change]) -> list[dict[str, Any]]:
    """Each change with its field's label and its values as the reader reads them."""
    from sillok.accounts.models import Compartment

    ids = {c.before for c in changes if c.field == "compartment"} | {
        c.after for c in changes if c.field == "compartment"
    }
    compartments = dict(
        Compartment.objects.filter(pk__in=[i for i in ids if i]).values_list("pk", "code")
    )
    return [
        {
            "field": change.field,
            "label": LABELS.get(change.field, change.field),
            "before": _shown(change.field, change.before, compartments),
            "after": _shown(change.field, change.after, compartments),
        }
        for change in changes
    ]


def history_rows(
    user: Any,
    item: Item,
    versions: list[ItemVersion],
    describe: Callable[[list[Change]], list[dict[str, Any]]],
) -> list[dict[str, Any]]:
    """Newest first: each version the reader may see with what it changed from the one before
    (withheld versions are listed without content, and the one after them is compared with
    nothing)."""
    rows = []
    previous: ItemVersion | None = None
    for index, version in enumerate(versions):
        row: dict[str, Any] = {"version": version, "withheld": version.withheld}
        if not version.withheld:
            before_withheld = index > 0 and previous is None
            row["previous_withheld"] = before_withheld
            before = previous.snapshot if previous else None
            row["changes"] = describe(diff(before, version.snapshot))
            row["current"] = version.number == item.revision
        rows.append(row)
        previous = None if version.withheld else version
    return rows[::-1]
