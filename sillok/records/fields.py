"""The fields of each record kind as users give them (web forms, API, CLI, spreadsheets), and
the one place where raw values become model values (`clean_values`).

Raw values are text or simple JSON values. Choices are given by code, English or Korean label or
a common abbreviation (남/여, M/F: records/aliases.py), full-width forms and Korean dates (2015년
3월) read as their plain forms; vocabulary terms by code or by English or Korean label; places by
code, id or any name; other records by reference ("P-12"), by "kind:id" or by plain id; users by
user name; dates with their precision (records/dates.py). Every error names its field, and all
errors of a row are reported together.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from sillok.core.sensitivity import Sensitivity
from sillok.evidence.models import ConsentScope
from sillok.records import models as m
from sillok.records.aliases import (
    FALSE_WORDS,
    RANGE_SPLIT_RE,
    TRUE_WORDS,
    accepted_text,
    choice_value,
    korean_date,
    normalise,
)
from sillok.records.dates import DateError, parse_fuzzy_date
from sillok.records.kinds import KINDS_BY_NAME, LINKABLE_KINDS, get_kind

LANGUAGE_RE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
REFERENCE_RE = re.compile(r"^\s*(?:([A-Za-z])-(\d+)|([a-z]+)[:/](\d+)|(\d+))\s*$")
YEAR_SUFFIX_RE = re.compile(r"\s*년\s*(생|경)?$")
TRUE_KEYS = {normalise(word) for word in TRUE_WORDS}
FALSE_KEYS = {normalise(word) for word in FALSE_WORDS}
PREFIXES = {kind.prefix: kind.name for kind in KINDS_BY_NAME.values()} | {"X": "item"}


@dataclass(frozen=True)
class FieldSpec:
    name: str
    type: str  # text, longtext, choice, choices, date, fuzzy_date, year, year_range, bool,
    #            term, place, record, user, items, list, ref, language, compartment
    label: object
    required: bool = False
    choices: type | None = None  # a TextChoices for choice/choices
    vocabulary: str = ""  # for term
    kind: str = ""  # for record
    max_length: int = 0


def _f(name: str, type_: str, label: object, **options: Any) -> FieldSpec:
    return FieldSpec(name, type_, label, **options)


SENSITIVITY = _f("sensitivity", "choice", _("Sensitivity"), choices=Sensitivity)
# Given by code; only a compartment the user is a member of (accounts/compartments.py).
COMPARTMENT = _f("compartment", "compartment", _("Compartment"))
DATE = _f("date", "fuzzy_date", _("Date"))

FIELDS: dict[str, tuple[FieldSpec, ...]] = {
    "person": (
        _f("name", "text", _("Name or pseudonym"), required=True, max_length=300),
        _f("name_hangul", "text", _("Name in Hangul"), max_length=100),
        _f("name_latin", "text", _("Name in Latin letters"), max_length=200),
        _f("aliases", "list", _("Aliases")),
        _f("roles", "choices", _("Roles"), choices=m.PersonRole),
        _f("sex", "choice", _("Sex"), choices=m.Sex),
        _f("birth_year", "year_range", _("Year of birth")),
        _f("origin", "place", _("Place of origin")),
        _f("status", "choice", _("Status"), choices=m.PersonStatus),
        _f("songbun", "term", _("Songbun"), vocabulary="songbun"),
        _f("occupation", "text", _("Occupation"), max_length=200),
        _f("notes", "longtext", _("Notes")),
        SENSITIVITY,
        COMPARTMENT,
    ),
    "organization": (
        _f("name", "text", _("Name"), required=True, max_length=300),
        _f("name_ko", "text", _("Korean name"), max_length=300),
        _f("kind", "choice", _("Kind"), choices=m.OrganizationKind),
        _f("parent", "record", _("Part of"), kind="organization"),
        _f("institution", "term", _("Institution"), vocabulary="institutions"),
        _f("place", "place", _("Place")),
        _f("active_from", "year", _("Active from (year)")),
        _f("active_to", "year", _("Active until (year)")),
        _f("notes", "longtext", _("Notes")),
        SENSITIVITY,
        COMPARTMENT,
    ),
    "event": (
        _f("title", "text", _("Title"), required=True, max_length=500),
        _f("description", "longtext", _("Description")),
        DATE,
        _f("place", "place", _("Place")),
        _f("place_detail", "text", _("Place detail"), max_length=300),
        SENSITIVITY,
        COMPARTMENT,
    ),
    "act": (
        _f("event", "record", _("Event"), required=True, kind="event"),
        _f("victim", "record", _("Victim"), kind="person"),
        _f("violation_type", "term", _("Violation type"), required=True, vocabulary="violations"),
        DATE,
        _f("place", "place", _("Place")),
        _f("victim_status", "choice", _("Victim status at the end"), choices=m.PersonStatus),
        _f("description", "longtext", _("Description")),
        SENSITIVITY,
        COMPARTMENT,
    ),
    "involvement": (
        _f("act", "record", _("Act"), required=True, kind="act"),
        _f("perpetrator", "record", _("Perpetrator"), kind="person"),
        _f("organization", "record", _("Unit"), kind="organization"),
        _f("degree", "term", _("Degree of involvement"), vocabulary="involvement_degrees"),
        _f("description", "longtext", _("Description")),
        SENSITIVITY,
        COMPARTMENT,
    ),
    "testimony": (
        _f("title", "text", _("Title"), required=True, max_length=500),
        _f("witness", "record", _("Witness"), required=True, kind="person"),
        _f("interviewer", "user", _("Interviewer")),
        _f("interviewer_name", "text", _("Interviewer (if not a user)"), max_length=200),
        DATE,
        _f("place", "place", _("Place of interview")),
        _f("language", "language", _("Language")),
        _f("consent_given", "bool", _("Consent given")),
        _f("consent_scope", "choices", _("Consent scope"), choices=ConsentScope),
        _f("consent_date", "date", _("Consent date")),
        _f("consent_form", "choice", _("Form of consent"), choices=m.ConsentForm),
        _f("consent_recipients", "list", _("Prosecutors or jurisdictions consented to")),
        _f("summary", "longtext", _("Summary")),
        _f("notes", "longtext", _("Notes")),
        _f("items", "items", _("Items")),
        SENSITIVITY,
        COMPARTMENT,
    ),
    "source": (
        _f("name", "text", _("Name or pseudonym"), required=True, max_length=300),
        _f("source_type", "term", _("Source type"), vocabulary="source_types"),
        _f("person", "record", _("Person"), kind="person"),
        _f("organization", "record", _("Organization"), kind="organization"),
        _f("reliability", "choice", _("Reliability"), choices=m.Reliability),
        _f("description", "longtext", _("Description")),
        SENSITIVITY,
        COMPARTMENT,
    ),
    "information": (
        _f("source", "record", _("Source"), required=True, kind="source"),
        _f("event", "record", _("Event"), kind="event"),
        _f("act", "record", _("Act"), kind="act"),
        _f("testimony", "record", _("Testimony"), kind="testimony"),
        _f("connection", "choice", _("Connection to the facts"), choices=m.SourceConnection),
        _f("credibility", "choice", _("Credibility"), choices=m.Credibility),
        DATE,
        _f("description", "longtext", _("What was reported")),
        SENSITIVITY,
        COMPARTMENT,
    ),
    "link": (
        _f("from", "ref", _("From"), required=True),
        _f("to", "ref", _("To"), required=True),
        _f("relation", "term", _("Relation"), required=True, vocabulary="relation_types"),
        _f("certainty", "choice", _("Certainty"), choices=m.Certainty),
        _f("comment", "longtext", _("Comment")),
        _f("items", "items", _("Supporting items")),
        SENSITIVITY,
        COMPARTMENT,
    ),
}


class RecordValuesError(ValueError):
    """Bad values for a record; `errors` maps each bad field to what is wrong with it."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{field}: {message}" for field, message in errors.items()))
        self.errors = errors


class FieldError(ValueError):
    pass


def fields_of(kind: str) -> tuple[FieldSpec, ...]:
    return FIELDS[get_kind(kind).name]


def references_of(
    kind: str, record: Any, *, names: Collection[str] | None = None, items: bool = True
) -> list[tuple[str, int]]:
    """(kind, id) of every record, place or item the fields of `record` point at (only the
    fields `names`, if given; items left out with items=False, which saves their query).
    Pages, the API and exports check these against the reader's clearance before showing
    a title or a reference."""
    refs: list[tuple[str, int]] = []
    for spec in fields_of(kind):
        if names is not None and spec.name not in names:
            continue
        if spec.type == "record":
            pk = getattr(record, f"{spec.name}_id")
            if pk is not None:
                refs.append((spec.kind, pk))
        elif spec.type == "ref":
            refs.append((getattr(record, f"{spec.name}_kind"), getattr(record, f"{spec.name}_id")))
        elif spec.type == "items" and items:
            refs += [("item", item.pk) for item in getattr(record, spec.name).all()]
    return refs


def parse_reference(text: Any, expected_kind: str = "") -> tuple[str, int]:
    """("person", 12) from "P-12", "person:12", or "12" when the kind is known."""
    match = REFERENCE_RE.match(str(text))
    if not match:
        raise FieldError(f"{text!r} is not a record reference (like P-12 or person:12)")
    prefix, prefix_id, name, name_id, bare = match.groups()
    if prefix:
        kind = PREFIXES.get(prefix.upper())
        if kind is None:
            raise FieldError(f"{text!r}: unknown reference prefix {prefix!r}")
        pk = int(prefix_id)
    elif name:
        kind = name
        if kind not in LINKABLE_KINDS:
            raise FieldError(f"{text!r}: unknown record kind {name!r}")
        pk = int(name_id)
    else:
        if not expected_kind:
            raise FieldError(f"{text!r}: say which kind of record (like P-12 or person:12)")
        kind, pk = expected_kind, int(bare)
    if expected_kind and kind != expected_kind:
        raise FieldError(f"{text!r} is a {kind}, not a {expected_kind}")
    return kind, pk


def _text(spec: FieldSpec, value: Any) -> str:
    if not isinstance(value, str):
        value = "" if value is None else str(value)
    value = value.strip()
    if "\x00" in value:
        raise FieldError("must not contain NUL characters")
    if spec.max_length and len(value) > spec.max_length:
        raise FieldError(f"is longer than {spec.max_length} characters")
    return value


def _split_list(value: Any) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        value = re.split(r"[;|\n]", value) if re.search(r"[;|\n]", value) else value.split(",")
    if not isinstance(value, list | tuple):
        raise FieldError("must be a list")
    return list(dict.fromkeys(str(v).strip() for v in value if str(v).strip()))


def _choice(spec: FieldSpec, value: str) -> str:
    cleaned = choice_value(spec.choices, value)
    if cleaned is None:
        # Listed in the user's language, so that the accepted words can be copied.
        message = gettext("must be one of: %(accepted)s; got %(value)s")
        raise FieldError(message % {"accepted": accepted_text(spec.choices), "value": repr(value)})
    return cleaned


def _year(value: str) -> int:
    value = YEAR_SUFFIX_RE.sub("", value)  # 1968년, 1968년생
    if not re.match(r"^\d{4}$", value):
        raise FieldError(f"must be a year like 1975; got {value!r}")
    year = int(value)
    if not 1850 <= year <= 2100:
        raise FieldError(f"{year} is not a plausible year")
    return year


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if value is None:
        return False
    text = normalise(value)
    if text in TRUE_KEYS:
        return True
    if text in FALSE_KEYS:
        return False
    raise FieldError(f"must be yes or no; got {value!r}")


def _clean_one(spec: FieldSpec, value: Any, resolver: Any) -> dict[str, Any]:
    """The model values for one field (a fuzzy date gives three)."""
    t = spec.type
    if t in {"list", "choices", "items"}:
        values = _split_list(value)
        if t == "choices":
            return {spec.name: [_choice(spec, v) for v in values]}
        if t == "items":
            return {spec.name: resolver.items(values)}
        return {spec.name: values}
    if t == "bool":
        return {spec.name: _bool(value)}
    text = _text(spec, value)
    if t in {"text", "longtext"}:
        return {spec.name: text}
    # Codes, dates, years and names of terms and places: full-width letters and digits (as
    # Korean input methods type them) read as their ordinary forms.
    text = unicodedata.normalize("NFKC", text).strip()
    if t == "fuzzy_date":
        try:
            date = parse_fuzzy_date(korean_date(text))
        except DateError as exc:
            raise FieldError(str(exc)) from None
        return {"date_start": date.start, "date_end": date.end, "date_precision": date.precision}
    if t == "choice":
        return {spec.name: _choice(spec, text) if text else None}
    if not text:
        if t == "language":
            return {spec.name: ""}
        if t == "year_range":
            return {"birth_year_from": None, "birth_year_to": None}
        return {spec.name: None}
    if t == "language":
        if not LANGUAGE_RE.match(text):
            raise FieldError(f"must be a language tag like ko or en; got {text!r}")
        return {spec.name: text}
    if t == "year":
        return {spec.name: _year(text)}
    if t == "year_range":
        text = RANGE_SPLIT_RE.sub("..", text.replace("–", "..").replace("/", ".."))
        first, _, last = text.partition("..")
        start, end = _year(first.strip()), _year((last or first).strip())
        if end < start:
            raise FieldError("the range ends before it begins")
        return {"birth_year_from": start, "birth_year_to": end}
    if t == "date":
        text = korean_date(text)
        date = parse_fuzzy_date(text) if re.match(r"^\d{4}-\d\d-\d\d$", text) else None
        if date is None:
            raise FieldError(f"must be a date as YYYY-MM-DD; got {text!r}")
        return {spec.name: date.start}
    if t == "term":
        return {spec.name: resolver.term(spec.vocabulary, text)}
    if t == "place":
        return {spec.name: resolver.place(text)}
    if t == "record":
        kind, pk = parse_reference(text, spec.kind)
        return {spec.name: resolver.record(kind, pk)}
    if t == "ref":
        kind, pk = parse_reference(text)
        if kind not in LINKABLE_KINDS:
            raise FieldError(f"{text!r}: a link joins records, places or items, not a {kind}")
        resolver.linkable(kind, pk)
        return {f"{spec.name}_kind": kind, f"{spec.name}_id": pk}
    if t == "user":
        return {spec.name: resolver.user_named(text)}
    if t == "compartment":
        return {spec.name: resolver.compartment(text)}
    raise AssertionError(f"unknown field type {t}")


def clean_values(
    kind: str, raw: Mapping[str, Any], resolver: Any, *, partial: bool = False
) -> dict[str, Any]:
    """Model values for a record of `kind` from raw values; RecordValuesError lists every bad
    field. `partial`: only the fields present in `raw` (an edit of some fields)."""
    errors: dict[str, str] = {}
    cleaned: dict[str, Any] = {}
    unknown = set(raw) - {spec.name for spec in fields_of(kind)}
    for name in sorted(unknown):
        errors[name] = "is not a field of this record kind"
    for spec in fields_of(kind):
        if partial and spec.name not in raw:
            continue
        value = raw.get(spec.name)
        empty = value is None or (isinstance(value, str | list | tuple) and not value)
        if spec.required and empty:
            errors[spec.name] = "is required"
            continue
        try:
            values = _clean_one(spec, value, resolver)
        except FieldError as exc:
            errors[spec.name] = str(exc)
            continue
        for name, cleaned_value in values.items():
            if cleaned_value is None and spec.type == "choice":
                continue  # left to the model default
            cleaned[name] = cleaned_value
    if not partial:
        errors |= _cross_field_errors(kind, cleaned)
    elif {"consent_scope", "consent_recipients"} <= set(cleaned):
        errors |= _consent_errors(cleaned)  # an edit of only one of them is not checked
    if errors:
        raise RecordValuesError(errors)
    return cleaned


def _consent_errors(values: dict[str, Any]) -> dict[str, str]:
    # Consent to prosecution names who may receive it (records/consent.py shares nothing
    # with an unnamed prosecutor): refused rather than read as "any prosecutor".
    if ConsentScope.PROSECUTION in (values.get("consent_scope") or []) and not values.get(
        "consent_recipients"
    ):
        return {
            "consent_recipients": "name the prosecutors or jurisdictions the witness consented to"
        }
    return {}


def _cross_field_errors(kind: str, values: dict[str, Any]) -> dict[str, str]:
    if kind == "testimony":
        return _consent_errors(values)
    if kind == "involvement" and not (values.get("perpetrator") or values.get("organization")):
        return {"perpetrator": "give a perpetrator, a unit, or both"}
    if kind == "information" and not (values.get("event") or values.get("act")):
        return {"event": "information is about an event or an act: give one"}
    if (
        kind == "organization"
        and values.get("active_from")
        and values.get("active_to")
        and values["active_to"] < values["active_from"]
    ):
        return {"active_to": "ends before it begins"}
    return {}
