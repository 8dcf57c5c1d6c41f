"""What the synthetic world is drawn on: the vocabulary terms and gazetteer places of the
repository (Catalogue, read from the database: the generator uses the gazetteer `sillok
init` loaded, DPRK counties weighted toward the northern border provinces where most
escapees come from), and the state security and social security hierarchies of ministries,
provincial bureaus and county departments (organizations()).
"""

from __future__ import annotations

from dataclasses import dataclass
from random import Random
from typing import Any

# Most escapees come from the provinces on the Chinese border.
PROVINCE_WEIGHTS = {"KP-09": 38.0, "KP-10": 24.0}
OTHER_PROVINCES_WEIGHT = 38.0
BORDER_COUNTIES = [
    "온성군",
    "회령시",
    "무산군",
    "경원군",
    "경흥군",
    "연사군",
    "혜산시",
    "삼지연시",
    "보천군",
    "대홍단군",
    "김형직군",
    "김정숙군",
    "운흥군",
    "신의주시",
    "만포시",
    "자성군",
    "중강군",
    "의주군",
    "삭주군",
]
KEY_COUNTIES = ("온성군", "혜산시", "회령시", "무산군")  # their departments come first
CHINA_NEAR = {
    "KP-09": ("cn_tumen", "cn_yanji", "cn_hunchun", "cn_longjing", "cn_helong"),
    "KP-10": ("cn_changbai", "cn_linjiang", "cn_helong"),
    "KP-03": ("cn_dandong",),
    "KP-04": ("cn_jian", "cn_linjiang"),
}
CHINA_INLAND = ("cn_shenyang", "cn_yanji", "cn_beijing", "cn_kunming", "cn_dandong")
INTERVIEW_PLACES = (
    ("kr_seoul", 70),
    ("kr_anseong", 8),
    ("kr_hanawon", 8),
    ("th_bangkok", 5),
    ("cn_yanji", 4),
    ("th_chiang_rai", 3),
)

# ------------------------------------------------------------------------------ catalogue


class Catalogue:
    """The vocabulary terms and gazetteer places the generator draws from (the database's)."""

    def __init__(self) -> None:
        from sillok.vocab.models import Place, Term

        self.terms: dict[str, dict[str, Any]] = {}
        for term in Term.objects.filter(active=True).select_related("vocabulary"):
            self.terms.setdefault(term.vocabulary.slug, {})[term.code] = term
        places = list(Place.objects.filter(active=True).select_related("facility_type"))
        by_pk = {p.pk: p for p in places}
        self.by_code = {p.code: p for p in places}
        self.provinces = {p.code: p for p in places if p.kind == "province" and p.country == "KP"}
        self.counties: dict[str, list] = {}
        for p in sorted(places, key=lambda p: p.code):
            parent = by_pk.get(p.parent_id)
            in_province = parent is not None and parent.code in self.provinces
            # Only places with a Korean name: the Korean text names them.
            if p.kind in {"county", "city", "district"} and p.label_ko and in_province:
                self.counties.setdefault(parent.code, []).append(p)
        self.province_of = {c.pk: code for code, cs in self.counties.items() for c in cs}
        self.border = {
            code: [c for c in cs if c.label_ko in BORDER_COUNTIES]
            for code, cs in self.counties.items()
        }
        self.facilities: dict[str, list] = {}
        for p in places:
            if p.kind == "facility" and p.country == "KP" and p.facility_type is not None:
                top = p.facility_type.code.split(".")[0]
                self.facilities.setdefault(top, []).append(p)
        for group in self.facilities.values():
            group.sort(key=lambda p: p.code)
        if not self.counties or "violations" not in self.terms:
            raise RuntimeError(
                "the vocabularies and gazetteer are not loaded: run `sillok init` first"
            )
        codes = sorted(self.counties)
        self.province_codes = codes
        self.province_weights = [
            PROVINCE_WEIGHTS.get(c, OTHER_PROVINCES_WEIGHT / max(1, len(codes) - 2)) for c in codes
        ]

    def term(self, vocabulary: str, *codes: str) -> Any:
        """The first of `codes` the vocabulary has, else the nearest broader term of the first."""
        terms = self.terms.get(vocabulary, {})
        for code in codes:
            if code in terms:
                return terms[code]
        parts = codes[0].split(".")
        while parts:
            if ".".join(parts) in terms:
                return terms[".".join(parts)]
            parts.pop()
        raise LookupError(f"the {vocabulary} vocabulary has none of {codes}")

    def place(self, code: str) -> Any:
        return self.by_code.get(code)

    def county(self, rng: Random, *, border: bool = False) -> Any:
        """A county or city, weighted toward the northern border provinces; `border`: one on
        the Chinese border."""
        codes, weights = self.province_codes, self.province_weights
        if border and any(self.border.values()):
            pairs = [(c, w) for c, w in zip(codes, weights, strict=True) if self.border.get(c)]
            codes, weights = [c for c, _ in pairs], [w for _, w in pairs]
        province = rng.choices(codes, weights=weights)[0]
        return rng.choice(
            (self.border.get(province) if border else None) or self.counties[province]
        )

    def facility(self, rng: Random, type_code: str, county: Any) -> Any:
        """A facility of this type, in the same county or province where there is one."""
        group = self.facilities.get(type_code) or []
        stem = county.label_ko.rstrip("군시구역") if county is not None else ""
        if type_code in {"guryujang", "jipkyulso"}:
            local = [f for f in group if stem and stem in f.label_ko]
            return rng.choice(local) if local else None
        return rng.choice(group) if group else None


# -------------------------------------------------------------------------- organizations


@dataclass(frozen=True)
class Org:
    name: str
    name_ko: str
    kind: str
    parent: int | None
    institution: str
    place: Any
    depth: int
    notes: str = ""


INSTITUTIONS = (
    # code, ministry (en, ko), provincial (en, ko), county (en, ko), substation (en, ko)
    (
        "state_security",
        ("Ministry of State Security", "국가보위성"),
        ("{p} Provincial State Security Bureau", "{p} 보위국"),
        ("{c} State Security Department", "{c} 보위부"),
        None,
    ),
    (
        "social_security",
        ("Ministry of Social Security", "사회안전성"),
        ("{p} Provincial Social Security Bureau", "{p} 안전국"),
        ("{c} Social Security Department", "{c} 안전부"),
        ("{c} Social Security Substation No. {n}", "{c} 안전부 제{n}분주소"),
    ),
)
FORMER_NAMES = {
    "state_security": "2016년까지 국가안전보위부. Formerly the State Security Department.",
    "social_security": "2020년까지 인민보안성. Formerly the Ministry of People's Security.",
}


def organizations(cat: Catalogue, count: int) -> tuple[list[Org], dict[tuple, int]]:
    """The state security and social security hierarchies, most relevant offices first
    (ministries, the border provinces, the key border counties, then everything else), so
    that any prefix of the list is a tree."""
    orgs: list[Org] = []
    index: dict[tuple, int] = {}

    def add(key: tuple, org: Org) -> None:
        if len(orgs) < count and key not in index:
            index[key] = len(orgs)
            orgs.append(org)

    for code, ministry, *_ in INSTITUTIONS:
        add(
            (code, "ministry", None),
            Org(
                ministry[0],
                ministry[1],
                "ministry",
                None,
                code,
                cat.place("KP"),
                0,
                FORMER_NAMES[code],
            ),
        )

    def province_units(province: str) -> None:
        place = cat.provinces[province]
        for code, _, unit, *_ in INSTITUTIONS:
            parent = index.get((code, "ministry", None))
            english = place.label_en.removesuffix(" Province")
            if english == place.label_en:  # a city under the centre: no "Provincial"
                unit = (unit[0].replace("Provincial ", ""), unit[1])
            add(
                (code, "province", province),
                Org(
                    unit[0].format(p=english),
                    unit[1].format(p=place.label_ko),
                    "provincial_office",
                    parent,
                    f"{code}.provincial",
                    place,
                    1,
                ),
            )

    def county_units(county: Any) -> None:
        province = cat.province_of[county.pk]
        province_units(province)
        for code, _, _, unit, _ in INSTITUTIONS:
            parent = index.get((code, "province", province))
            add(
                (code, "county", county.pk),
                Org(
                    unit[0].format(c=county.label_en),
                    unit[1].format(c=county.label_ko),
                    "county_office",
                    parent,
                    f"{code}.county",
                    county,
                    2,
                ),
            )

    ordered = [p for p in ("KP-09", "KP-10") if p in cat.counties] + [
        p for p in cat.province_codes if p not in {"KP-09", "KP-10"}
    ]
    for province in ordered[:2]:
        province_units(province)
    all_counties = [c for p in ordered for c in cat.counties[p]]
    for county in [c for name in KEY_COUNTIES for c in all_counties if c.label_ko == name]:
        county_units(county)
    for province in ordered:
        province_units(province)
    for county in all_counties:
        county_units(county)
    n = 1
    while len(orgs) < count and all_counties:
        for county in all_counties:
            code, _, _, _, unit = INSTITUTIONS[1]
            parent = index.get((code, "county", county.pk))
            add(
                (code, "substation", county.pk, n),
                Org(
                    unit[0].format(c=county.label_en, n=n),
                    unit[1].format(c=county.label_ko, n=n),
                    "local_office",
                    parent,
                    f"{code}.substation",
                    county,
                    3,
                ),
            )
        n += 1
    return orgs, index


def agency_phrase(institution: str, county: Any, year: int, ko: bool) -> str:
    name = county.label_ko if ko else county.label_en
    if institution == "state_security":
        return f"{name} 보위부" if ko else f"{name} state security department"
    if institution == "social_security":
        # The county police was the people's security station until the 2020 renaming.
        if year < 2020:
            return f"{name} 보안서" if ko else f"{name} people's security station"
        return f"{name} 안전부" if ko else f"{name} social security department"
    return "국경경비대" if ko else "border guards"
