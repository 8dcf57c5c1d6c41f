"""Pattern evidence for the contextual elements: counts of acts from the records by violation
type × period (year) × province × institution, kept with the query that produced them
(PatternQuery) and attached to a contextual element such as
`art7-context.widespread-systematic`.

The query (all keys optional; values typed as codes or as English or Korean labels):
    {"violations": ["torture", ...],       # violation types, each with its sub-types
     "date_from": "2010-01-01", "date_to": "2019-12-31",   # the act's first possible day
     "provinces": ["KP-09", "함경북도"],    # gazetteer provinces (and all places in them)
     "institutions": ["state_security"],   # institutions vocabulary, with sub-terms
     "dimensions": ["violation", "year", "province", "institution"]}

Permission: only the acts the runner may see count (records.access.visible_records), and
an act's institution comes only from involvements and units the runner may see. The stored
result keeps, per cell, the acts (and the involvements that gave the institution), so that
whoever opens the pattern later sees it recounted over what *they* may see (`pattern_result`):
a count never tells a viewer about acts hidden from them. Running again (`do_rerun_pattern`)
replaces the stored result, with a version, as the runner now sees the records.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from sillok.assessment.case_input import CaseInputError, clean_text
from sillok.assessment.history import write_version
from sillok.assessment.models import CaseFile, Element, ElementKind, PatternQuery
from sillok.assessment.review import lock_case
from sillok.records.access import visible_records
from sillok.records.fields import FieldError
from sillok.records.resolve import Resolver
from sillok.vocab.models import Place, PlaceKind, Term

DIMENSIONS = ("violation", "year", "province", "institution")
QUERY_KEYS = {"violations", "date_from", "date_to", "provinces", "institutions", "dimensions"}
MAX_VALUES = 200


def _terms(vocabulary: str, values: Any, field: str) -> list[Term]:
    """Terms typed as codes or English or Korean labels (as in record fields)."""
    if not isinstance(values, list) or len(values) > MAX_VALUES:
        raise CaseInputError(field, _("give a list of at most %(n)d values") % {"n": MAX_VALUES})
    resolver = Resolver(None)
    found = []
    for value in values:
        try:
            found.append(resolver.term(vocabulary, str(value).strip()))
        except FieldError:
            raise CaseInputError(
                field, _("%(value)r is not a known term") % {"value": str(value).strip()}
            ) from None
    return found


def _provinces(values: Any) -> list[Place]:
    if not isinstance(values, list) or len(values) > MAX_VALUES:
        raise CaseInputError(
            "provinces", _("give a list of at most %(n)d values") % {"n": MAX_VALUES}
        )
    found = []
    for value in values:
        text = str(value).strip()
        place = (
            Place.objects.filter(kind=PlaceKind.PROVINCE)
            .filter(Q(code=text) | Q(label_en__iexact=text) | Q(label_ko=text))
            .first()
        )
        if place is None:
            raise CaseInputError("provinces", _("%(value)r is not a province") % {"value": text})
        found.append(place)
    return found


def _date(field: str, value: Any) -> str:
    if value in (None, ""):
        return ""
    try:
        return dt.date.fromisoformat(str(value).strip()).isoformat()
    except ValueError:
        raise CaseInputError(field, _("write a date as 2015-03-31")) from None


def clean_query(query: Any) -> dict[str, Any]:
    """The query with codes for every value typed; CaseInputError names the bad key."""
    if not isinstance(query, dict):
        raise CaseInputError("query", _("the query is an object of filters and dimensions"))
    unknown = sorted(set(query) - QUERY_KEYS)
    if unknown:
        raise CaseInputError("query", _("unknown keys: %(keys)s") % {"keys": ", ".join(unknown)})
    dimensions = query.get("dimensions") or list(DIMENSIONS)
    if not isinstance(dimensions, list) or not set(dimensions) <= set(DIMENSIONS):
        raise CaseInputError(
            "dimensions", _("choose among: %(all)s") % {"all": ", ".join(DIMENSIONS)}
        )
    cleaned = {
        "violations": [
            t.code for t in _terms("violations", query.get("violations", []), "violations")
        ],
        "date_from": _date("date_from", query.get("date_from")),
        "date_to": _date("date_to", query.get("date_to")),
        "provinces": [p.code for p in _provinces(query.get("provinces", []))],
        "institutions": [
            t.code for t in _terms("institutions", query.get("institutions", []), "institutions")
        ],
        "dimensions": [d for d in DIMENSIONS if d in dimensions],
    }
    return cleaned


def _under(objects: list[Any]) -> Q:
    """Rows whose path lies under any of `objects` (themselves included)."""
    condition = Q(pk__in=[])
    for obj in objects:
        condition |= Q(path__startswith=obj.path)
    return condition


def _acts(user: Any, query: dict[str, Any]) -> Any:
    acts = visible_records(user, "act").filter(withdrawn_at__isnull=True)
    if query["violations"]:
        terms = list(
            Term.objects.filter(vocabulary__slug="violations", code__in=query["violations"])
        )
        acts = acts.filter(violation_type__in=Term.objects.filter(_under(terms)))
    if query["date_from"]:
        acts = acts.filter(date_start__gte=query["date_from"])
    if query["date_to"]:
        acts = acts.filter(date_start__lte=query["date_to"])
    if query["provinces"]:
        provinces = list(Place.objects.filter(code__in=query["provinces"]))
        acts = acts.filter(place__in=Place.objects.filter(_under(provinces)))
    return acts


def _institutions(user: Any, act_ids: set[int], query: dict) -> dict[int, dict[str, set[int]]]:
    """{act: {institution code: {involvement ids}}} over visible involvements and units."""
    involvements = visible_records(user, "involvement").filter(
        act_id__in=act_ids,
        withdrawn_at__isnull=True,
        organization__in=visible_records(user, "organization").filter(institution__isnull=False),
    )
    if query["institutions"]:
        wanted = list(
            Term.objects.filter(vocabulary__slug="institutions", code__in=query["institutions"])
        )
        involvements = involvements.filter(
            organization__institution__in=Term.objects.filter(_under(wanted))
        )
    found: dict[int, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
    for pk, act_id, code in involvements.values_list(
        "pk", "act_id", "organization__institution__code"
    ):
        found[act_id][code].add(pk)
    return found


def _province_codes(place_ids: set[int]) -> dict[int, str]:
    """{place id: code of the province it lies in} (two queries; a place's path lists the
    codes from the root, "/KP/KP-09/...")."""
    places = dict(Place.objects.filter(pk__in=place_ids).values_list("pk", "path"))
    provinces = set(Place.objects.filter(kind=PlaceKind.PROVINCE).values_list("code", flat=True))
    found = {}
    for pk, path in places.items():
        codes = [code for code in path.strip("/").split("/") if code in provinces]
        if codes:
            found[pk] = codes[0]
    return found


def count_acts(user: Any, query: dict[str, Any]) -> dict[str, Any]:
    """The counts for a cleaned query, as `user` may see the records."""
    rows = list(_acts(user, query).values("pk", "violation_type__code", "date_start", "place_id"))
    act_ids = {row["pk"] for row in rows}
    dims = query["dimensions"]
    institutions = (
        _institutions(user, act_ids, query)
        if "institution" in dims or query["institutions"]
        else {}
    )
    provinces = _province_codes({row["place_id"] for row in rows if row["place_id"]})
    cells: dict[tuple, dict[int, set[int]]] = defaultdict(dict)
    counted: set[int] = set()
    for row in rows:
        by_institution = institutions.get(row["pk"], {})
        if query["institutions"] and not by_institution:
            continue  # the filter asks for an institution this act has none of
        base = {
            "violation": row["violation_type__code"],
            "year": row["date_start"].year if row["date_start"] else None,
            "province": provinces.get(row["place_id"], ""),
        }
        if "institution" in dims:
            options = sorted(by_institution.items()) or [("", set())]
        else:
            # Counted because of a filtered institution: the involvements still vouch for it.
            options = [("", set().union(*by_institution.values()))]
        for institution, via in options:
            key = tuple((base | {"institution": institution})[d] for d in dims)
            cells[key][row["pk"]] = via
        counted.add(row["pk"])
    return {
        "dimensions": dims,
        "total": len(counted),
        "cells": [
            {
                **dict(zip(dims, key, strict=True)),
                "count": len(acts),
                "acts": [[act, sorted(via)] for act, via in sorted(acts.items())],
            }
            for key, acts in sorted(cells.items(), key=lambda kv: [str(v) for v in kv[0]])
        ],
    }


def _check_element(case: CaseFile, element: Element) -> Element:
    contextual = element.kind == ElementKind.CONTEXTUAL or (
        element.parent_id is not None and element.parent.kind == ElementKind.CONTEXTUAL
    )
    if element.framework_id != case.framework_id or not contextual:
        raise CaseInputError(
            "element",
            _("pattern evidence is attached to a contextual element of the case's framework"),
        )
    return element


def do_run_pattern(
    user: Any, case: CaseFile, element: Element, *, title: str, query: dict
) -> PatternQuery:
    """Count acts for `query` as `user` sees the records and keep the counts with the query,
    attached to a contextual `element` of `case`."""
    title = clean_text("title", title, max_length=500, required=True)
    cleaned = clean_query(query)
    with transaction.atomic():
        locked = lock_case(user, case, change=True)
        element = _check_element(locked, element)
        pattern = PatternQuery.objects.create(
            case=locked,
            element=element,
            title=title,
            query=cleaned,
            result=count_acts(user, cleaned),
            run_by=user,
            created_by=user,
        )
        write_version(user, pattern, "pattern", "created")
    return pattern


def do_rerun_pattern(user: Any, pattern: PatternQuery) -> PatternQuery:
    """Run a stored query again as `user` now sees the records; the result replaces the
    stored one (the earlier result stays in the pattern's versions)."""
    with transaction.atomic():
        lock_case(user, pattern.case, change=True)
        locked = PatternQuery.objects.select_for_update().get(pk=pattern.pk)
        if locked.withdrawn_at is not None:
            raise CaseInputError("pattern", _("this pattern query was withdrawn"))
        locked.result = count_acts(user, clean_query(locked.query))
        locked.run_by, locked.run_at = user, timezone.now()
        locked.revision += 1
        locked.updated_at = locked.run_at
        locked.save()
        write_version(user, locked, "pattern", "rerun")
    return locked


def pattern_result(user: Any, pattern: PatternQuery) -> dict[str, Any]:
    """The stored counts recounted over what `user` may see: an act hidden from them is not
    counted, nor is an institution known only from an involvement hidden from them (two
    queries). Acts are not listed by id; cells that fall to zero are left out."""
    result = pattern.result or {}
    cells = result.get("cells", [])
    acts = {act for cell in cells for act, _via in cell["acts"]}
    involvements = {inv for cell in cells for _act, via in cell["acts"] for inv in via}
    seen_acts = set(visible_records(user, "act").filter(pk__in=acts).values_list("pk", flat=True))
    seen_involvements = set(
        visible_records(user, "involvement")
        .filter(pk__in=involvements)
        .values_list("pk", flat=True)
    )
    shown, counted = [], set()
    for cell in cells:
        visible = [
            act
            for act, via in cell["acts"]
            if act in seen_acts and (not via or seen_involvements.intersection(via))
        ]
        if visible:
            shown.append({k: v for k, v in cell.items() if k != "acts"} | {"count": len(visible)})
            counted.update(visible)
    return {
        "dimensions": result.get("dimensions", []),
        "total": len(counted),
        "cells": shown,
    }
