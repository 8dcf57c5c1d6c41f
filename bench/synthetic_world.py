"""The synthetic world: how many records of each kind to make (Plan), and the persons,
organizations, events, acts and involvements themselves (World), drawn on the repository's
vocabularies and gazetteer (synthetic_places.Catalogue).

Every record is a pure function of (seed, kind, index): the generator can make the 900,000th
act without holding the others, and the same seed gives the same dataset. References between
records are Ref(kind, index), turned into database ids or "P-12" references when written.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from functools import lru_cache
from random import Random
from typing import Any

from bench import synthetic_people as people
from bench.synthetic_places import (
    BORDER_COUNTIES,
    CHINA_INLAND,
    CHINA_NEAR,
    Catalogue,
    agency_phrase,
    organizations,
)
from bench.synthetic_text import (
    CHARGES,
    CLOSINGS_EN,
    CLOSINGS_KO,
    SCENARIOS,
    SITES,
    Moment,
    Scenario,
    fill,
    josa,
    later,
    random_moment,
)

KIND_ORDER = (
    "organization",
    "person",
    "event",
    "act",
    "involvement",
    "testimony",
    "source",
    "information",
    "link",
)
SCENARIO_YEARS = {
    "foreign_media": (2005, 2023),
    "border_shooting": (2006, 2022),
    "kwanliso": (1990, 2016),
    "market": (2005, 2021),
    "trafficking": (1998, 2020),
}
NUMBER_WORDS = "zero one two three four five six seven eight nine ten eleven twelve".split()  # noqa: SIM905
PLAN_FIELDS = {
    "organization": "organizations",
    "person": "persons",
    "event": "events",
    "act": "acts",
    "involvement": "involvements",
    "testimony": "testimonies",
    "source": "sources",
    "information": "information",
    "link": "links",
}


@dataclass(frozen=True)
class Ref:
    """A reference to the `index`-th generated record of `kind`."""

    kind: str
    index: int


@dataclass(frozen=True)
class ItemRef:
    """An evidence item already in the repository (demo documents)."""

    pk: int


# ------------------------------------------------------------------------------------ plan


@dataclass
class Plan:
    """How many records of each kind to generate."""

    persons: int = 60
    organizations: int = 10
    events: int = 20
    acts: int = 80
    involvements: int = 40
    testimonies: int = 15
    sources: int = 20
    information: int = 30
    links: int = 60

    @classmethod
    def for_persons(cls, persons: int, **overrides: int | None) -> Plan:
        """The demo's proportions for `persons` persons; organizations grow slowly (a state
        has only so many offices)."""
        events = max(1, persons // 3)
        testimonies = max(1, persons // 4)
        plan = cls(
            persons=persons,
            organizations=min(max(5, persons // 6), 430 + persons // 200),
            events=events,
            acts=4 * events,
            involvements=2 * events,
            testimonies=testimonies,
            sources=testimonies + max(1, persons // 12),
            information=testimonies * 2,
            links=persons,
        )
        for name, value in overrides.items():
            if value is not None:
                setattr(plan, name, value)
        return plan

    @classmethod
    def for_records(cls, total: int) -> Plan:
        """About `total` records in all, in the demo's proportions."""
        per_person = sum(getattr(cls.for_persons(60_000), f.name) for f in fields(cls)) / 60_000
        return cls.for_persons(max(4, round(total / per_person)))

    def count(self, kind: str) -> int:
        return getattr(self, PLAN_FIELDS[kind])

    def total(self) -> int:
        return sum(self.count(kind) for kind in KIND_ORDER)


# ----------------------------------------------------------------------------------- world


@dataclass
class EventInfo:
    index: int
    scenario: Scenario
    lang: str
    moment: Moment
    county: Any
    place: Any
    facility: Any
    city_cn: Any
    victims: list[int]
    values: dict[str, dict[str, Any]]  # template values per language
    first_act: int
    acts: int


class World:
    def __init__(self, catalogue: Catalogue, plan: Plan, seed: int) -> None:
        self.cat, self.plan, self.seed = catalogue, plan, seed
        self.victims = people.count_with(people.VICTIM_SLOTS, plan.persons)
        self.witnesses = people.count_with(people.WITNESS_SLOTS, plan.persons)
        self.perpetrators = people.count_with(people.PERPETRATOR_SLOTS, plan.persons)
        self.relatives = people.count_with(people.RELATIVE_SLOTS, plan.persons)
        self.orgs, self.org_index = organizations(catalogue, plan.organizations)
        self.person = lru_cache(maxsize=8192)(self._person)
        self.event = lru_cache(maxsize=4096)(self._event)
        self.extra: dict[tuple[str, int], dict[str, Any]] = {}  # values the demo adds
        self.interviewer: str | None = None  # user name of the interviewer of some testimonies
        self.varied = False  # the first events take each scenario in turn
        self.memo: dict[str, dict] = {}  # caches of the other synthetic_* modules

    def rng(self, kind: str, index: int, salt: int = 0) -> Random:
        """The random source of one record (`salt` 0 to 3: a second or third stream)."""
        return Random((self.seed << 44) ^ (KIND_ORDER.index(kind) << 38) ^ (salt << 36) ^ index)

    # ---------------------------------------------------------------- persons

    def _person(self, i: int) -> dict[str, Any]:
        rng = self.rng("person", i)
        roles = people.role_of(i)
        female = rng.random() < people.FEMALE_SHARE[roles[0]]
        surname, given = people.korean_name(rng, female)
        origin = self.cat.county(rng) if rng.random() < 0.92 else None
        return {
            "roles": roles,
            "female": female,
            "hangul": surname + given,
            "aliases": people.aliases_for(rng, surname, given, female, roles),
            "birth": people.birth_years(rng, roles),
            "origin": origin,
            "status": people.status_for(rng, roles),
            "rng": rng.random(),
        }

    def person_name(self, i: int, lang: str) -> str:
        hangul = self.person(i)["hangul"]
        return hangul if lang == "ko" else (people.latin_name(hangul) or hangul)

    def person_row(self, i: int) -> dict[str, Any]:
        return people.person_row(self, i)

    def victim(self, n: int) -> int:
        return people.nth_with(people.VICTIM_SLOTS, n % max(1, self.victims))

    def witness(self, n: int) -> int | None:
        if not self.witnesses:
            return self.victim(n) if self.victims else None
        return people.nth_with(people.WITNESS_SLOTS, n % self.witnesses)

    def perpetrator(self, n: int) -> int | None:
        if not self.perpetrators:
            return None
        return people.nth_with(people.PERPETRATOR_SLOTS, n % self.perpetrators)

    def relative(self, n: int) -> int | None:
        if not self.relatives:
            return None
        return people.nth_with(people.RELATIVE_SLOTS, n % self.relatives)

    def _primary_event(self, i: int) -> int | None:
        """The event in which victim `i` first appears, if any."""
        if "victim" not in people.role_of(i) or not self.plan.events or not self.plan.acts:
            return None
        n = people.count_with(people.VICTIM_SLOTS, i)
        return n % self.plan.events if n < self.plan.events * 3 else None

    # ---------------------------------------------------------------- organizations

    def organization_row(self, o: int) -> dict[str, Any]:
        org = self.orgs[o]
        return {
            "name": org.name,
            "name_ko": org.name_ko,
            "kind": org.kind,
            "parent": Ref("organization", org.parent) if org.parent is not None else None,
            "institution": self.cat.term("institutions", org.institution),
            "place": org.place,
            "active_from": "",
            "active_to": "",
            "notes": org.notes,
            "sensitivity": "internal",
        }

    def org_for(self, institution: str, county: Any) -> int | None:
        """The most local unit of `institution` that this dataset has for `county`."""
        province = self.cat.province_of.get(county.pk) if county is not None else None
        for key in (
            (institution, "county", getattr(county, "pk", None)),
            (institution, "province", province),
            (institution, "ministry", None),
        ):
            if key in self.org_index:
                return self.org_index[key]
        return None

    # ---------------------------------------------------------------- events

    def acts_of(self, e: int) -> tuple[int, int]:
        """(first act index, number of acts) of event `e`: acts are spread evenly."""
        total, events = self.plan.acts, self.plan.events
        first = (e * total + events - 1) // events
        return first, (((e + 1) * total + events - 1) // events) - first

    def _event(self, e: int) -> EventInfo:
        rng = self.rng("event", e)
        first_act, acts = self.acts_of(e)
        victims = (
            [
                self.victim(n)
                for n in range(e, min(self.victims, 3 * self.plan.events), self.plan.events)
            ][:3]
            if self.victims
            else []
        )
        if self.victims and not victims:
            victims = [self.victim(e)]
        options = [
            s
            for s in SCENARIOS
            if not (s.female_victims and victims and not self.person(victims[0])["female"])
        ]
        scenario = rng.choices(options, weights=[s.weight for s in options])[0]
        if self.varied and e < len(SCENARIOS) and SCENARIOS[e] in options:
            scenario = SCENARIOS[e]  # a small dataset (the demo) shows every kind of story
        needed = math.ceil(acts / len(scenario.stages)) if acts else 0
        n = e * 7 + 1
        while self.victims and len(victims) < min(needed, self.victims):
            candidate = self.victim(n)
            n += 13
            if candidate not in victims:
                victims.append(candidate)
        origin = self.person(victims[0])["origin"] if victims else None
        border = scenario.setting == "border"
        if (
            origin is not None
            and (not border or origin.label_ko in BORDER_COUNTIES)
            and rng.random() < 0.7
        ):
            county = origin
        else:
            county = self.cat.county(rng, border=border)
        facility = None
        if scenario.setting not in {"border", "county"}:
            facility = self.cat.facility(rng, scenario.setting, county)
        province = self.cat.province_of.get(county.pk, "")
        city_cn = self.cat.place(rng.choice(CHINA_NEAR.get(province) or CHINA_INLAND))
        first_year, last_year = SCENARIO_YEARS.get(scenario.code, (1995, 2023))
        moment = random_moment(rng, first_year, last_year)
        lang = "ko" if rng.random() < 0.6 else "en"
        info = EventInfo(
            e,
            scenario,
            lang,
            moment,
            county,
            facility or county,
            facility,
            city_cn,
            victims,
            {},
            first_act,
            acts,
        )
        info.values = {lang: _template_values(self, info, lang) for lang in ("ko", "en")}
        return info

    def event_row(self, e: int) -> dict[str, Any]:
        info = self.event(e)
        rng = self.rng("event", e, 1)
        s, lang = info.scenario, info.lang
        values = info.values[lang]
        title = fill(rng.choice(s.titles_ko if lang == "ko" else s.titles_en), lang, values)
        openings, details, closings = (
            (s.openings_ko, s.details_ko, CLOSINGS_KO)
            if lang == "ko"
            else (s.openings_en, s.details_en, CLOSINGS_EN)
        )
        sentences = [
            rng.choice(openings),
            *rng.sample(details, k=min(len(details), rng.randint(1, 2))),
            rng.choice(closings),
        ]
        return {
            "title": title[:500],
            "description": " ".join(fill(t, lang, values) for t in sentences if t),
            "date": info.moment.raw,
            "place": info.place,
            "place_detail": values.get("detail", ""),
            "sensitivity": people.pick(rng, people.SENSITIVITIES),
        }

    # ---------------------------------------------------------------- acts

    def act_event(self, a: int) -> int:
        return a * self.plan.events // self.plan.acts

    def act_row(self, a: int) -> dict[str, Any]:
        e = self.act_event(a)
        info = self.event(e)
        rng = self.rng("act", a)
        k = a - info.first_act
        victims = info.victims or [None]
        victim = victims[k % len(victims)]
        stages = info.scenario.stages
        stage = stages[(k // len(victims)) % len(stages)]
        place = info.place
        if stage.facility == info.scenario.setting and info.facility is not None:
            place = info.facility
        elif stage.facility:
            # The same holding centre for every victim of the event.
            chooser = self.rng("event", e, 3)
            place = self.cat.facility(chooser, stage.facility, info.county) or info.place
        lang = info.lang
        values = dict(info.values[lang])
        if victim is not None:
            values["victim"] = self.person_name(victim, lang)
        text = fill(stage.ko if lang == "ko" else stage.en, lang, values)
        return {
            "event": Ref("event", e),
            "victim": Ref("person", victim) if victim is not None else None,
            "violation_type": self.cat.term("violations", *stage.violations),
            "date": (later(rng, info.moment, stage.months) if stage.months else info.moment).raw,
            "place": place,
            "victim_status": stage.status,
            "description": text,
            "sensitivity": "restricted",
        }

    # ---------------------------------------------------------------- involvements

    def involvement_row(self, k: int) -> dict[str, Any]:
        a = k * self.plan.acts // max(1, self.plan.involvements)
        first = (a * self.plan.involvements + self.plan.acts - 1) // self.plan.acts
        e = self.act_event(a)
        info = self.event(e)
        rng = self.rng("involvement", k)
        unit = self.org_for(info.scenario.institution, info.county)
        perpetrator = self.perpetrator(e * 3 + (k - first))
        mode = rng.random()
        if unit is not None and perpetrator is not None:
            if mode < 0.35:
                perpetrator = None
            elif mode < 0.6:
                unit = None
        if unit is None and perpetrator is None:
            unit = 0 if self.orgs else None
        lang = info.lang
        if unit is not None:
            org = self.orgs[unit]
            agency = org.name_ko if lang == "ko" else f"the {org.name}"
        else:
            agency = info.values[lang]["agency"]
            agency = agency if lang == "ko" else f"the {agency}"
        if perpetrator is not None:
            name = self.person_name(perpetrator, lang)
            degree = rng.choice(("direct.individual", "direct.joint", "ordering"))
            text = (
                f"{agency} 소속 {name}. 증언자들은 이 사람이 조사를 직접 담당했다고 진술함."
                if lang == "ko"
                else f"{name}, of {agency}; witnesses say this officer ran the interrogation."
            )
        else:
            degree = rng.choice(("superior.civilian", "ordering", "acquiescence", "unknown"))
            text = (
                f"{josa(agency, '이')} 당시 피해자의 구금과 조사를 맡았음."
                if lang == "ko"
                else f"{agency[0].upper()}{agency[1:]} held and questioned the victim at the time."
            )
        return {
            "act": Ref("act", a),
            "perpetrator": Ref("person", perpetrator) if perpetrator is not None else None,
            "organization": Ref("organization", unit) if unit is not None else None,
            "degree": self.cat.term("involvement_degrees", degree),
            "description": text,
            "sensitivity": "restricted",
        }


def _template_values(world: World, info: EventInfo, lang: str) -> dict[str, Any]:
    ko = lang == "ko"
    county, province_code = info.county, world.cat.province_of.get(info.county.pk, "")
    province = world.cat.provinces.get(province_code)

    def label(place: Any) -> str:
        return (place.label_ko or place.label_en) if ko else place.label_en

    charge = CHARGES[info.index % len(CHARGES)]
    site = SITES[info.index % len(SITES)]
    river = ("두만강", "Tumen River") if province_code == "KP-09" else ("압록강", "Yalu River")
    numbers = world.rng("event", info.index, 2)  # the same in both languages
    values = {
        "victim": world.person_name(info.victims[0], lang)
        if info.victims
        else ("신원 미상의 주민" if ko else "an unidentified resident"),
        "place": label(county),
        "province": label(province) if province is not None else "",
        "agency": agency_phrase(info.scenario.institution, county, info.moment.start.year, ko),
        "city_cn": label(info.city_cn) if info.city_cn is not None else ("중국" if ko else "China"),
        "facility": label(info.facility)
        if info.facility is not None
        else ("교화소" if ko else "a prison camp"),
        "date": info.moment.phrase(lang),
        "on_date": info.moment.phrase(lang, adverbial=True),
        "weeks": numbers.randint(2, 8),
        "years": numbers.randint(1, 9),
        "months": numbers.randint(2, 10),
        "count": numbers.randint(3, 12) if ko else NUMBER_WORDS[numbers.randint(3, 12)],
        "charge_ko": charge[0],
        "charge_en": charge[1],
        "site_ko": site[0],
        "site_en": site[1],
        "river_ko": river[0],
        "river_en": river[1],
        "detail": (site[0] if ko else site[1]) if info.scenario.code == "execution" else "",
    }
    on_date = values["on_date"]
    values["on_date_cap"] = on_date[:1].upper() + on_date[1:]
    return values
