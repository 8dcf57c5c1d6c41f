"""Who told what: testimonies, sources and their information, and the links between records
of the synthetic world (bench/synthetic_world.py).

Testimonies and information are pure functions of their index like the rest of the world;
links are made in order (LinkMaker) because two links may not join the same records with
the same relation, and only a record of those already made can say so.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from random import Random
from typing import Any

from bench import synthetic_people as people
from bench.synthetic_places import INTERVIEW_PLACES
from bench.synthetic_text import INTROS_EN, INTROS_KO, OUTROS_EN, OUTROS_KO, fill
from bench.synthetic_world import ItemRef, Ref, World

PROSECUTORS = ("ICC Office of the Prosecutor", "Seoul Central District Prosecutors' Office")
CONSENT_SCOPES = (
    (["internal_analysis"], 25),
    (["internal_analysis", "un_reporting"], 40),
    (["internal_analysis", "un_reporting", "prosecution"], 25),
    (["internal_analysis", "un_reporting", "prosecution", "publication"], 10),
)
NOTES = (
    "녹음 파일과 녹취록은 별도 항목으로 보관.",
    "증언자의 요청으로 녹음하지 않고 면담 메모만 작성함.",
    "면담 도중 휴식을 두 차례 가짐. 증언자는 심리 상담 안내를 받음.",
    "Interpreted from Korean; the interpreter's notes are kept with the recording.",
    "Follow-up interview planned to confirm the dates.",
    "",
)
# Fictional documentation groups that publish reports (documentary sources).
GROUPS = (
    ("새벽별 기록연구소", "Daybreak Star Documentation Institute"),
    ("두만강 증언 아카이브", "Tumen River Testimony Archive"),
    ("북녘 인권 기록 네트워크", "Northern Rights Documentation Network"),
    ("압록 모니터링 그룹", "Amnok Monitoring Group"),
)
FAMILY_RELATIONS = ("parent_of", "spouse_of", "sibling_of", "relative_of")
CHAIN_RELATIONS = ("precedes", "causes", "part_of", "parallel_to")


@dataclass(frozen=True)
class TestimonyFacts:
    index: int
    event: int
    witness: int | None
    lang: str
    date: dt.date
    place: Any


def testimony_facts(world: World, t: int) -> TestimonyFacts:
    cache = world.memo.setdefault("testimonies", {})
    if t not in cache:
        if len(cache) > 4096:
            cache.clear()
        rng = world.rng("testimony", t, 2)
        e = t * world.plan.events // max(1, world.plan.testimonies)
        year = world.event(e).moment.start.year
        interview_year = min(max(year + rng.randint(1, 9), 2004), 2025)
        date = dt.date(interview_year, rng.randint(1, 12), rng.randint(1, 28))
        place = world.cat.place(people.pick(rng, INTERVIEW_PLACES))
        lang = "ko" if rng.random() < 0.75 else "en"
        cache[t] = TestimonyFacts(t, e, world.witness(t), lang, date, place)
    return cache[t]


def testimony_row(world: World, t: int) -> dict[str, Any]:
    facts = testimony_facts(world, t)
    info = world.event(facts.event)
    rng = world.rng("testimony", t)
    lang, s = facts.lang, info.scenario
    values = dict(info.values[lang])
    fled = min(max(info.moment.start.year + rng.randint(0, 3), 1997), facts.date.year - 1)
    values.update(
        fled=fled, arrived=min(fled + rng.randint(0, 2), facts.date.year), hours=rng.randint(2, 6)
    )
    witness = world.person_name(facts.witness, lang) if facts.witness is not None else ""
    event_title = fill(rng.choice(s.titles_ko if lang == "ko" else s.titles_en), lang, values)
    if lang == "ko":
        title = f"{witness} 면담: {event_title}"
        parts = [
            rng.choice(INTROS_KO),
            "증언자는 " + s.recap_ko,
            rng.choice(s.details_ko),
            rng.choice(OUTROS_KO),
        ]
    else:
        title = f"Interview with {witness}: {event_title}"
        parts = [
            rng.choice(INTROS_EN),
            "The witness " + s.recap_en,
            rng.choice(s.details_en),
            rng.choice(OUTROS_EN),
        ]
    consent = rng.random() < 0.92
    scope = _pick_list(rng, CONSENT_SCOPES) if consent else []
    # Consent to prosecution always names who may receive it (records/consent.py).
    recipients = [PROSECUTORS[t % len(PROSECUTORS)]] if "prosecution" in scope else []
    interviewer = world.interviewer if rng.random() < 0.5 else None
    row = {
        "title": title[:500],
        "witness": Ref("person", facts.witness) if facts.witness is not None else None,
        "interviewer": interviewer or "",
        "interviewer_name": "" if interviewer else people.interviewer_name(rng),
        "date": facts.date.isoformat(),
        "place": facts.place,
        "language": lang if lang == "ko" or rng.random() < 0.7 else "ko",
        "consent_given": consent,
        "consent_scope": scope,
        "consent_date": facts.date if consent else None,
        "consent_form": rng.choice(("written", "written", "oral_recorded", "oral_noted"))
        if consent
        else "none",
        "consent_recipients": recipients,
        "summary": " ".join(fill(p, lang, values) for p in parts),
        "notes": rng.choice(NOTES),
        "items": [],
        "sensitivity": people.pick(
            rng, (("restricted", 85), ("strictly_confidential", 8), ("internal", 7))
        ),
    }
    row.update(world.extra.get(("testimony", t), {}))
    return row


def _pick_list(rng: Random, weighted: tuple) -> list[str]:
    return list(rng.choices([v for v, _ in weighted], weights=[w for _, w in weighted])[0])


# --------------------------------------------------------------------------------- sources


def source_row(world: World, s: int) -> dict[str, Any]:
    rng = world.rng("source", s)
    if s < world.plan.testimonies and world.plan.persons:
        facts = testimony_facts(world, s)
        roles = people.role_of(facts.witness) if facts.witness is not None else ()
        kind = (
            "testimonial.victim"
            if "victim" in roles
            else rng.choice(
                (
                    "testimonial.eyewitness",
                    "testimonial.eyewitness",
                    "testimonial.hearsay",
                    "testimonial.family",
                )
            )
        )
        name = world.person_name(facts.witness, facts.lang) if facts.witness is not None else "?"
        place = facts.place.label_ko if facts.lang == "ko" else facts.place.label_en
        return {
            "name": (
                f"{name} 면담 ({facts.date.year})"
                if facts.lang == "ko"
                else f"Interview with {name} ({facts.date.year})"
            ),
            "source_type": world.cat.term("source_types", kind),
            "person": Ref("person", facts.witness) if facts.witness is not None else None,
            "organization": None,
            "reliability": rng.choice("BBCCF"),
            "description": (
                f"{facts.date.year}년 {place}에서 진행한 면담."
                if facts.lang == "ko"
                else f"Interview conducted in {place} in {facts.date.year}."
            ),
            "sensitivity": "restricted",
        }
    group_ko, group_en = GROUPS[s % len(GROUPS)]
    year = 2008 + (s * 7) % 17
    ko = rng.random() < 0.5
    return {
        "name": f"{group_ko} {year}년 보고서" if ko else f"{group_en}, annual report {year}",
        "source_type": world.cat.term("source_types", "documentary.ngo"),
        "person": None,
        "organization": None,
        "reliability": rng.choice("BC"),
        "description": (
            f"탈북민 면담을 바탕으로 한 연례 보고서 (가상의 단체, 합성 자료). {year}년 발간."
            if ko
            else f"Annual report based on interviews with escapees (fictional group, "
            f"synthetic data), published {year}."
        ),
        "sensitivity": "internal",
    }


def information_row(world: World, n: int) -> dict[str, Any]:
    rng = world.rng("information", n)
    sources = max(1, world.plan.sources)
    s = n % sources
    testimonial = s < world.plan.testimonies and world.plan.persons
    if testimonial:
        facts = testimony_facts(world, s)
        e, lang, date = facts.event, facts.lang, facts.date.isoformat()
    else:
        e = (n * 7) % world.plan.events
        lang, date = ("ko" if rng.random() < 0.5 else "en"), str(2008 + (s * 7) % 17)
    info = world.event(e)
    first_act, acts = info.first_act, info.acts
    act = Ref("act", first_act + rng.randrange(acts)) if acts and rng.random() < 0.5 else None
    values = info.values[lang]
    if testimonial:
        connection = rng.choice(("victim", "eyewitness", "eyewitness", "hearsay"))
        text = (
            (
                "증언자는 {victim:이} {agency}에 끌려가는 것을 직접 보았다고 진술함."
                if connection == "eyewitness"
                else "증언자는 {date} {place}에서 있었던 일을 자신이 겪은 대로 진술함."
                if connection == "victim"
                else "증언자는 {victim}의 가족에게서 이 사건을 전해 들었다고 진술함."
            )
            if lang == "ko"
            else (
                "The witness says they saw {victim} being taken to the {agency}."
                if connection == "eyewitness"
                else "The witness describes what they went through in {place} {on_date}."
                if connection == "victim"
                else "The witness heard of these events from the family of {victim}."
            )
        )
    else:
        connection = "document"
        text = (
            "보고서는 {date} {place}에서 있었던 이 사건을 다른 증언 {count}건과 함께 기록함."
            if lang == "ko"
            else "The report records these events in {place} ({date}) together with {count} "
            "other testimonies."
        )
    return {
        "source": Ref("source", s),
        "event": Ref("event", e),
        "act": act,
        "testimony": Ref("testimony", s) if testimonial else None,
        "connection": connection,
        "credibility": rng.choice("2233" if testimonial else "2334"),
        "date": date,
        "description": fill(text, lang, values),
        "sensitivity": "restricted",
    }


# ----------------------------------------------------------------------------------- links


class LinkMaker:
    """Links in order, never two with the same ends and relation."""

    CYCLE = (
        "family",
        "detained",
        "witnessed",
        "chain",
        "family",
        "detained",
        "superior",
        "resided",
        "testimony",
        "detained",
    )

    def __init__(self, world: World) -> None:
        self.world = world
        self.made: set[int] = set()

    def row(self, index: int) -> dict[str, Any] | None:
        rng = self.world.rng("link", index)
        start = index % len(self.CYCLE)
        for step in range(len(self.CYCLE)):
            category = self.CYCLE[(start + step) % len(self.CYCLE)]
            for _ in range(8):
                row = getattr(self, "_" + category)(rng)
                if row is None:
                    break
                key = hash((_end(row["from"]), _end(row["to"]), row["relation"].pk))
                if key not in self.made:
                    self.made.add(key)
                    row["sensitivity"] = "restricted"
                    return row
        return None  # a world too small for more distinct links

    def _link(self, a: Any, b: Any, relation: str, certainty: str, comment: str) -> dict:
        return {
            "from": a,
            "to": b,
            "relation": self.world.cat.term("relation_types", relation),
            "certainty": certainty,
            "comment": comment,
            "items": [],
        }

    def _family(self, rng: Random) -> dict | None:
        w = self.world
        if not (w.relatives and w.victims):
            return None
        relation = rng.choice(FAMILY_RELATIONS)
        comment = rng.choice(
            (
                "가족 관계는 면담에서 확인됨.",
                "Relationship stated by the witness.",
                "친척의 진술에 따름.",
                "",
            )
        )
        return self._link(
            Ref("person", w.relative(rng.randrange(w.relatives))),
            Ref("person", w.victim(rng.randrange(w.victims))),
            relation,
            rng.choice(("certain", "likely")),
            comment,
        )

    def _detained(self, rng: Random) -> dict | None:
        w = self.world
        facilities = [
            f
            for t in ("kwanliso", "kyohwaso", "jipkyulso", "guryujang")
            for f in w.cat.facilities.get(t, [])
        ]
        if not (w.victims and facilities):
            return None
        year = rng.randint(1995, 2022)
        comment = rng.choice(
            (f"{year}년경부터 수감된 것으로 알려짐.", f"Reported held there from about {year}.", "")
        )
        return self._link(
            Ref("person", w.victim(rng.randrange(w.victims))),
            rng.choice(facilities),
            "detained_at",
            rng.choice(("possible", "likely", "likely", "certain")),
            comment,
        )

    def _witnessed(self, rng: Random) -> dict | None:
        w = self.world
        if not (w.witnesses and w.plan.events):
            return None
        return self._link(
            Ref("person", w.witness(rng.randrange(w.witnesses))),
            Ref("event", rng.randrange(w.plan.events)),
            "witnessed",
            rng.choice(("likely", "certain")),
            "",
        )

    def _chain(self, rng: Random) -> dict | None:
        events = self.world.plan.events
        if events < 2:
            return None
        a = rng.randrange(events - 1)
        b = min(events - 1, a + 1 + rng.randrange(3))
        comment = rng.choice(
            (
                "같은 단속 작전의 일부로 보임.",
                "Same crackdown, same officers.",
                "피해자 가족의 진술로 연결됨.",
                "",
            )
        )
        return self._link(
            Ref("event", a),
            Ref("event", b),
            rng.choice(CHAIN_RELATIONS),
            rng.choice(("possible", "likely")),
            comment,
        )

    def _superior(self, rng: Random) -> dict | None:
        w = self.world
        if w.perpetrators >= 2 and rng.random() < 0.5:
            a = rng.randrange(w.perpetrators)
            b = (a + 1 + rng.randrange(w.perpetrators - 1)) % w.perpetrators
            return self._link(
                Ref("person", w.perpetrator(a)),
                Ref("person", w.perpetrator(b)),
                "superior_of",
                "likely",
                "같은 부서 근무 (증언)",
            )
        if w.perpetrators and w.orgs:
            return self._link(
                Ref("person", w.perpetrator(rng.randrange(w.perpetrators))),
                Ref("organization", rng.randrange(len(w.orgs))),
                "member_of",
                rng.choice(("likely", "certain")),
                "",
            )
        return None

    def _resided(self, rng: Random) -> dict | None:
        w = self.world
        if not w.plan.persons:
            return None
        i = rng.randrange(w.plan.persons)
        origin = w.person(i)["origin"]
        if origin is None:
            return None
        return self._link(Ref("person", i), origin, "resided_at", "certain", "")

    def _testimony(self, rng: Random) -> dict | None:
        w = self.world
        if not w.plan.testimonies:
            return None
        t = rng.randrange(w.plan.testimonies)
        facts = testimony_facts(w, t)
        if facts.witness is not None and rng.random() < 0.5:
            return self._link(
                Ref("person", facts.witness), Ref("testimony", t), "gave_testimony", "certain", ""
            )
        info = w.event(facts.event)
        return self._link(Ref("testimony", t), info.place, "mentions", "certain", "")


def _end(value: Any) -> tuple[str, int]:
    if isinstance(value, Ref):
        return value.kind, value.index
    if isinstance(value, ItemRef):
        return "item", value.pk
    return "place", value.pk
