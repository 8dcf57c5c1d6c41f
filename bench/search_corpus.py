"""Synthetic search passages for the search benchmark (bench/search.py): a million passages
of 150-400 characters, Korean mostly, some English, with the document columns and facet rows
the search index holds (sillok/search/models.py).

Passages are drawn from "stories": the events of the synthetic world (bench/synthetic_world.py,
real gazetteer places, scenario templates of synthetic_stories.yaml, generated names), each
with its sentences (title, openings, details, the acts its victims suffer, closings, witness
intros and outros, and a few extra sentences below). A passage is 2 to 6 sentences of one
story; stories are picked with Zipf-like weights, so a few cases fill many passages and most
fill a few, as in real files. The analyzer runs once per distinct sentence (`SentencePool`),
and a passage's terms are the concatenation of its sentences' terms: the index holds the same
terms as if each passage had been analyzed whole, at a fraction of the cost.

Everything here is fictional.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from random import Random
from typing import Any

from bench.synthetic_text import (
    CLOSINGS_EN,
    CLOSINGS_KO,
    INTROS_EN,
    INTROS_KO,
    OUTROS_EN,
    OUTROS_KO,
    fill,
)
from bench.synthetic_world import Plan

# More sentences of the kind found in testimonies and reports, so that common words of the
# field (수용소, 구타, 고문, prison camp) appear with realistic frequencies.
EXTRA_KO = (
    "{victim:은} {facility}에서 수용소 생활을 하는 동안 여러 차례 구타를 당했다고 말했다.",
    "{date} {place}에서 주민들이 지켜보는 가운데 공개재판이 열렸다.",
    "수용소 안에서는 배고픔 때문에 쥐나 풀을 먹는 사람이 많았다고 한다.",
    "증언자는 {agency}에서 조사받을 때 고문을 당했다고 진술했다.",
    "{victim}의 가족은 {place}에서 다른 지역으로 추방되었다.",
    "당시 {province} 일대에서는 단속이 자주 있었고, 장마당 장사꾼들이 주로 잡혀갔다.",
    "정치범수용소에 끌려간 사람들의 소식은 그 뒤로 전혀 들을 수 없었다.",
    "감방에는 스무 명이 넘는 사람이 있었고 누울 자리도 없었다.",
    "계호원들은 작업 목표를 채우지 못하면 구타와 폭언을 일삼았다.",
    "{date}경 {victim:은} 식량을 구하러 {city_cn}에 갔다가 돌아왔다.",
)
EXTRA_EN = (
    "{victim} said the guards at {facility} beat detainees who failed to meet work quotas.",
    "Residents of {place} were made to attend a public trial {on_date}.",
    "Several former detainees describe hunger, forced labour and beatings in the prison camp.",
    "The witness states that officers of the {agency} tortured detainees during questioning.",
    "The family of {victim} was later banished from {place} to a remote village.",
)
KINDS = (("item", 40), ("testimony", 20), ("act", 18), ("event", 10), ("person", 6), ("source", 6))
SENSITIVITIES = (("restricted", 60), ("internal", 25), ("public", 12), ("strictly_confidential", 3))
REVIEW = (("reviewed", 55), ("draft", 30), ("in_review", 15))
ITEM_PARTS = 4  # consecutive item passages are the parts of one item
COMPARTMENT_SHARE = 0.03  # passages in a compartment the benchmark user is not a member of


@dataclass
class Story:
    """One event of the synthetic world: its sentences (indices into the pool) and the
    document columns and facet values its passages get."""

    title: int
    sentences: list[int]
    language: str
    date: dt.date
    place_id: int
    place_path: list[int]
    violations: list[str]
    institution: str
    victim_sex: str
    names: list[str]


@dataclass
class SentencePool:
    """Distinct sentences (index = id); `terms[i]` is filled by the caller's analyzer."""

    texts: list[str] = field(default_factory=list)
    index: dict[str, int] = field(default_factory=dict)
    terms: list[list[str]] = field(default_factory=list)

    def add(self, text: str) -> int:
        text = " ".join(text.split())
        found = self.index.get(text)
        if found is None:
            found = self.index[text] = len(self.texts)
            self.texts.append(text)
        return found


@dataclass
class Passage:
    """One search_document row, its terms per FTS column and its facet rows."""

    id: int
    kind: str
    object_id: int
    part: int
    title: str
    text: str
    language: str
    sensitivity: str
    compartment_id: int | None
    review_status: str
    date_start: dt.date
    place_id: int
    title_terms: list[str]
    name_terms: list[str]
    body_terms: list[str]
    names: list[str]
    facets: list[tuple[str, str, str]]  # (facet, value, sensitivity)


def _pick(rng: Random, weighted: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([v for v, _ in weighted], weights=[w for _, w in weighted])[0]


def _stories_for(docs: int) -> int:
    # About 200 passages per story at a million: a name or a rare place is a rare term.
    return max(50, min(5_000, docs // 200))


def make_stories(docs: int, seed: int = 61) -> tuple[list[Story], SentencePool]:
    """Stories and their distinct sentences for `docs` passages (needs the gazetteer)."""
    from bench.synthetic import make_world
    from sillok.vocab.models import Place

    parents = dict(Place.objects.values_list("pk", "parent_id"))

    count = _stories_for(docs)
    world = make_world(Plan.for_persons(count * 3), seed=seed)
    events = min(count, world.plan.events)
    pool = SentencePool()
    stories = []
    for e in range(events):
        info = world.event(e)
        rng = world.rng("event", e, 1)
        # Korean mostly: three stories in four are told in Korean.
        lang = "ko" if rng.random() < 0.75 else "en"
        values = dict(info.values[lang])
        values.setdefault("fled", info.moment.start.year + rng.randint(0, 6))
        values.setdefault("arrived", values["fled"] + rng.randint(1, 4))
        values.setdefault("hours", rng.randint(2, 6))
        s = info.scenario
        ko = lang == "ko"
        title = pool.add(fill(rng.choice(s.titles_ko if ko else s.titles_en), lang, values))
        templates = [
            *(s.openings_ko if ko else s.openings_en),
            *(s.details_ko if ko else s.details_en),
            *(CLOSINGS_KO if ko else CLOSINGS_EN),
            *(INTROS_KO if ko else INTROS_EN),
            *(OUTROS_KO if ko else OUTROS_EN),
            *rng.sample(EXTRA_KO if ko else EXTRA_EN, k=3),
            s.recap_ko if ko else s.recap_en,
        ]
        sentences = [pool.add(fill(t, lang, values)) for t in templates if t]
        violations = []
        names = []
        for n, victim in enumerate(info.victims[:3] or [None]):
            stage = s.stages[n % len(s.stages)]
            act_values = dict(values)
            if victim is not None:
                act_values["victim"] = world.person_name(victim, lang)
                names.append(world.person(victim)["hangul"])
            sentences.append(pool.add(fill(stage.ko if ko else stage.en, lang, act_values)))
            violations.append(world.cat.term("violations", *stage.violations).code)
        female = bool(info.victims) and world.person(info.victims[0])["female"]
        path = [info.place.pk]
        while parents.get(path[-1]) is not None:
            path.append(parents[path[-1]])
        stories.append(
            Story(
                title=title,
                sentences=sentences,
                language=lang,
                date=info.moment.start,
                place_id=info.place.pk,
                place_path=path,
                violations=sorted(set(violations)),
                institution=s.institution,
                victim_sex="female" if female else "male",
                names=names,
            )
        )
    return stories, pool


def passages(
    stories: list[Story],
    pool: SentencePool,
    names: dict[str, list[str]],
    docs: int,
    *,
    compartment_id: int | None,
    start: int = 0,
    seed: int = 62,
) -> Iterator[Passage]:
    """Passages `start`..`docs-1` (ids from 1): the same passages whatever `start` is."""
    weights = [1 / (rank + 1) ** 0.8 for rank in range(len(stories))]  # Zipf-like
    cumulative = list(itertools.accumulate(weights))
    for i in range(start, docs):
        yield _passage(i, stories, pool, names, cumulative, compartment_id, seed)


def _passage(
    i: int,
    stories: list[Story],
    pool: SentencePool,
    names: dict[str, list[str]],
    cumulative: list[float],
    compartment_id: int | None,
    seed: int,
) -> Passage:
    block = i // ITEM_PARTS
    block_rng = Random(seed * 1_000_003 + block)
    item_block = block_rng.random() < 0.4
    rng = Random(seed * 7_000_003 + i)
    # The parts of one item are passages of one story; other passages each pick theirs.
    story = stories[
        _bisect(cumulative, (block_rng if item_block else rng).random() * cumulative[-1])
    ]
    if item_block:
        kind, object_id, part = "item", block + 1, i % ITEM_PARTS
    else:
        kind = _pick(rng, KINDS[1:])
        object_id, part = i + 1, 0
    chosen: list[int] = []
    length = 0
    order = story.sentences[:]
    rng.shuffle(order)
    for sentence in order:
        chosen.append(sentence)
        length += len(pool.texts[sentence]) + 1
        if length >= 150 and (length >= 400 - 80 or rng.random() < 0.35):
            break
    text = " ".join(pool.texts[s] for s in chosen)[:400]
    body = list(itertools.chain.from_iterable(pool.terms[s] for s in chosen))
    title = pool.texts[story.title]
    sensitivity = _pick(rng, SENSITIVITIES)
    compartment = compartment_id if rng.random() < COMPARTMENT_SHARE else None
    first = part == 0
    facets = [("violation", code, sensitivity) for code in story.violations]
    # Places are a document column (search/documents.py writes no place facet rows).
    facets.append(("institution", story.institution, sensitivity))
    # Read from the victim: the victim's clearance (persons are restricted).
    facets.append(("victim_sex", story.victim_sex, "restricted"))
    if kind == "item":
        facets.append(
            ("source_type", rng.choice(("interview", "report", "ngo_report")), sensitivity)
        )
    return Passage(
        id=i + 1,
        kind=kind,
        object_id=object_id,
        part=part,
        title=title[:500],
        text=text,
        language=story.language,
        sensitivity=sensitivity,
        compartment_id=compartment,
        review_status="" if kind == "item" else _pick(rng, REVIEW),
        date_start=story.date,
        place_id=story.place_id,
        title_terms=pool.terms[story.title] if first else [],
        name_terms=[t for n in story.names for t in names.get(n, [])] if first else [],
        body_terms=body,
        names=story.names if first else [],
        facets=facets,
    )


def _bisect(cumulative: list[float], x: float) -> int:
    from bisect import bisect_left

    return min(bisect_left(cumulative, x), len(cumulative) - 1)


def story_names(stories: list[Story]) -> list[str]:
    return sorted({n for s in stories for n in s.names})


def describe(stories: list[Story], pool: SentencePool) -> dict[str, Any]:
    return {
        "stories": len(stories),
        "distinct_sentences": len(pool.texts),
        "distinct_sentence_chars": sum(len(t) for t in pool.texts),
    }
