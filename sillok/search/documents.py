"""What the search index holds for each object: its documents (passages) and facet values.

One object (a record or an evidence item) becomes one or more documents. Part 0 carries the
title, the names and the first passage of the object's own free text; long texts continue in
parts 1..n (about `PASSAGE_CHARS` characters each, cut at paragraph or sentence ends). An
item's text derivatives (OCR, transcript, extracted text; the newest of each kind) follow
its description as further parts, each naming the file it came from.

Only what belongs to the object itself is indexed, never a related record's names or text
(an act's victim may be hidden from someone who may see the act): a document's text is
covered by the document's own sensitivity and compartment. Facet values read from another
record (an act's victim sex, its perpetrator's institution) carry that record's clearance;
a value read through two records (involvement → organization) carries the stricter of the
two, and is left out when they sit in two different compartments (nobody could be shown it
with a single compartment check). Withdrawn records are not indexed; nor are links (their
comments speak of two records at once) or anything in the identity vault.

Corroboration (facet `corroboration`, acts and events): none, single_source or corroborated,
counted from all the active information about the record (records/corroboration.py), with
the stricter clearance of every information, link and source it was read from: a viewer not
cleared for all of it gets no value for that record rather than one computed from what they
may not see.

Victim age group (facet `victim_age`): the victim's age in the year the act began
(`date_start`), from `birth_year_from`/`birth_year_to` (one bound alone counts for both):
"child" under 18, "adult" 18–59, "older" 60 and over; "unknown" without a date or a birth
year, or when the birth range straddles two groups.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.conf import settings
from django.db.models import Model
from django.utils import translation

from sillok.core.sensitivity import SENSITIVITY_ORDER
from sillok.records import models as records
from sillok.records.corroboration_store import facet_values as corroboration_values
from sillok.records.kinds import KINDS_BY_NAME, title_of

PASSAGE_CHARS = 1200
# Record kinds that are indexed: every kind but links.
RECORD_KINDS = tuple(name for name in KINDS_BY_NAME if name != "link")
INDEXED_KINDS = (*RECORD_KINDS, "item")
# Largest text read from one derivative: passages beyond it would make a single item
# dominate the index; the item page offers the whole file.
MAX_ITEM_TEXT_BYTES = 2 * 1024 * 1024

_HANGUL = re.compile(r"[\uac00-\ud7a3]")
_LATIN = re.compile(r"[A-Za-z]")
_SENTENCE_END = re.compile(r"(?<=[.!?。？！])\s+")


@dataclass(frozen=True)
class FacetEntry:
    facet: str
    value: str
    sensitivity: str
    compartment_id: int | None


@dataclass
class Passage:
    """One document: `title` and `names` are indexed in part 0 only; `body` is the passage."""

    part: int
    body: str
    title: str = ""
    names: list[str] = field(default_factory=list)
    file_id: int | None = None
    language: str = ""

    @property
    def text(self) -> str:
        """What is stored for snippets and embeddings: the passage, or the names when the
        object has no text of its own (a person known only by name)."""
        if self.body:
            return self.body
        return " · ".join(dict.fromkeys(self.names))


@dataclass
class ObjectDocuments:
    kind: str
    object_id: int
    title: str
    sensitivity: str
    compartment_id: int | None
    created_by_id: int | None
    review_status: str = ""
    date_start: date | None = None
    date_end: date | None = None
    place_id: int | None = None
    passages: list[Passage] = field(default_factory=list)
    facets: list[FacetEntry] = field(default_factory=list)


# -- passages ------------------------------------------------------------------------------


def split_passages(text: str, size: int = PASSAGE_CHARS) -> list[str]:
    """`text` cut into passages of about `size` characters, at paragraph ends where possible,
    else at sentence ends, else at a space."""
    text = (text or "").strip()
    if not text:
        return []
    if len(text) <= size:
        return [text]
    pieces: list[str] = []
    for paragraph in re.split(r"\n\s*\n|\r\n\s*\r\n", text):
        paragraph = paragraph.strip()
        if not paragraph:
            continue
        if len(paragraph) <= size:
            pieces.append(paragraph)
            continue
        for sentence in _SENTENCE_END.split(paragraph):
            pieces.extend(_hard_split(sentence.strip(), size))
    passages: list[str] = []
    current = ""
    for piece in pieces:
        if current and len(current) + 1 + len(piece) > size:
            passages.append(current)
            current = piece
        else:
            current = f"{current}\n{piece}" if current else piece
    if current:
        passages.append(current)
    return passages


def _hard_split(text: str, size: int) -> list[str]:
    out = []
    while len(text) > size:
        cut = text.rfind(" ", size // 2, size)
        cut = cut if cut > 0 else size
        out.append(text[:cut].strip())
        text = text[cut:].strip()
    if text:
        out.append(text)
    return out


def guess_language(text: str) -> str:
    """ "ko" when the text has Hangul, "en" when it has Latin letters, else ""."""
    if _HANGUL.search(text):
        return "ko"
    if _LATIN.search(text):
        return "en"
    return ""


def _passages(title: str, names: Sequence[str], body: str, language: str = "") -> list[Passage]:
    chunks = split_passages(body) or [""]
    names = [n.strip() for n in names if n and n.strip()]
    out = []
    for part, chunk in enumerate(chunks):
        lang = language or guess_language(chunk or title)
        if part == 0:
            out.append(Passage(0, chunk, title=title, names=list(names), language=lang))
        else:
            out.append(Passage(part, chunk, language=lang))
    return out


def _join(*texts: str) -> str:
    return "\n\n".join(t.strip() for t in texts if t and t.strip())


# -- clearance of facet values -------------------------------------------------------------


def stricter(*sources: tuple[str, int | None]) -> tuple[str, int | None] | None:
    """The clearance a value read from all of `sources` ((sensitivity, compartment)) needs:
    the highest sensitivity and the one compartment; None when two compartments differ."""
    level = max((s for s, _c in sources), key=SENSITIVITY_ORDER.index)
    compartments = {c for _s, c in sources if c is not None}
    if len(compartments) > 1:
        return None
    return level, (compartments.pop() if compartments else None)


def _clearance(record: Any) -> tuple[str, int | None]:
    return record.sensitivity, record.compartment_id


def _entries(facet: str, values: Iterable[str], *sources: Any) -> list[FacetEntry]:
    needed = stricter(*(_clearance(s) for s in sources))
    if needed is None:
        return []
    return [FacetEntry(facet, v, needed[0], needed[1]) for v in values]


class Lookups:
    """Term codes with their ancestors, and places with theirs, loaded once per batch."""

    def __init__(self) -> None:
        self._terms: dict[int, tuple[str, str]] = {}  # id -> (code, path)
        self._places: dict[int, Any] = {}

    def load_terms(self, ids: Iterable[int | None]) -> None:
        from sillok.vocab.models import Term

        wanted = {i for i in ids if i and i not in self._terms}
        if not wanted:
            return
        rows = Term.objects.filter(pk__in=wanted).values_list("pk", "code", "path")
        paths = {}
        for pk, code, path in rows:
            self._terms[pk] = (code, path)
            paths[pk] = path
        ancestors = {int(p) for path in paths.values() for p in path.strip("/").split("/") if p}
        ancestors -= set(self._terms)
        if ancestors:
            for pk, code, path in Term.objects.filter(pk__in=ancestors).values_list(
                "pk", "code", "path"
            ):
                self._terms[pk] = (code, path)

    def term_codes(self, term_id: int | None) -> list[str]:
        """The code of the term and of each of its ancestors (a facet on a parent counts its
        children's documents)."""
        if not term_id or term_id not in self._terms:
            return []
        code, path = self._terms[term_id]
        ids = [int(p) for p in path.strip("/").split("/") if p] or [term_id]
        codes = [self._terms[i][0] for i in ids if i in self._terms]
        return codes if code in codes else [*codes, code]

    def load_places(self, ids: Iterable[int | None]) -> None:
        from sillok.vocab.models import Place

        wanted = {i for i in ids if i and i not in self._places}
        if wanted:
            for place in Place.objects.filter(pk__in=wanted).only(
                "pk", "path", "label_en", "label_ko", "romanization_rr", "romanization_mr"
            ):
                self._places[place.pk] = place

    def place_names(self, place_id: int | None) -> list[str]:
        place = self._places.get(place_id) if place_id else None
        if place is None:
            return []
        labels = (place.label_ko, place.label_en, place.romanization_rr, place.romanization_mr)
        return [label for label in labels if label]


# -- records -------------------------------------------------------------------------------

# What each kind's queryset reads along with the record (titles and facets).
SELECT_RELATED: dict[str, tuple[str, ...]] = {
    "act": ("violation_type", "victim"),
    "involvement": ("degree", "organization"),
    "information": ("source",),
}


def record_queryset(kind: str) -> Any:
    model = KINDS_BY_NAME[kind].model
    query = model.objects.filter(withdrawn_at__isnull=True)
    related = SELECT_RELATED.get(kind)
    return query.select_related(*related) if related else query


def build_records(kind: str, record_list: Sequence[Model]) -> list[ObjectDocuments]:
    """The documents of each record in `record_list` (all of `kind`, none withdrawn, loaded
    from `record_queryset`), with a handful of queries for the whole batch."""
    # Titles read vocabulary labels: the same language whoever triggers the indexing.
    with translation.override(settings.LANGUAGE_CODE):
        return _build_records(kind, record_list)


def _build_records(kind: str, record_list: Sequence[Model]) -> list[ObjectDocuments]:
    lookups = Lookups()
    lookups.load_places(
        getattr(r, "place_id", None) or getattr(r, "origin_id", None) for r in record_list
    )
    extra = _batch_facets(kind, record_list, lookups)
    built = []
    for record in record_list:
        docs = _record_documents(kind, record, lookups)
        docs.facets.extend(extra.get(record.pk, ()))
        # No facet rows for the place: place filters and counts read the document's own
        # `place` column and the gazetteer tree (search/facets.py), which is exact and cheap.
        built.append(docs)
    return built


def _record_documents(kind: str, record: Any, lookups: Lookups) -> ObjectDocuments:
    place_id = getattr(record, "place_id", None)
    if kind == "person":
        place_id = record.origin_id
    names: list[str] = []
    language = ""
    if kind == "person":
        names = [record.name, record.name_hangul, record.name_latin, *(record.aliases or [])]
        for variants in (record.romanizations or {}).values():
            names.extend(variants)
        body = _join(record.occupation, record.notes)
    elif kind == "organization":
        names = [record.name, record.name_ko]
        body = record.notes
    elif kind == "source":
        names = [record.name]
        body = record.description
    elif kind == "event":
        body = _join(record.description, record.place_detail)
    elif kind == "act":
        term = record.violation_type
        body = _join(term.label_ko, term.label_en, record.description)
    elif kind == "testimony":
        body = _join(record.summary, record.notes)
        language = record.language or ""
    else:  # involvement, information
        body = record.description
    names.extend(lookups.place_names(place_id))
    title = title_of(record)[:500]
    return ObjectDocuments(
        kind=kind,
        object_id=record.pk,
        title=title,
        sensitivity=record.sensitivity,
        compartment_id=record.compartment_id,
        created_by_id=record.created_by_id,
        review_status=record.review_status,
        date_start=getattr(record, "date_start", None),
        date_end=getattr(record, "date_end", None),
        place_id=place_id,
        passages=_passages(title, names, body, language),
    )


def _batch_facets(kind: str, batch: Sequence[Any], lookups: Lookups) -> dict[int, list]:
    """Facet values of each record of `batch` other than its place."""
    out: dict[int, list[FacetEntry]] = defaultdict(list)
    if kind == "act":
        lookups.load_terms(a.violation_type_id for a in batch)
        institutions = _act_institutions([a.pk for a in batch], lookups)
        for act in batch:
            out[act.pk] += _entries("violation", lookups.term_codes(act.violation_type_id), act)
            out[act.pk] += institutions.get(act.pk, [])
            if act.victim_id:
                victim = act.victim
                out[act.pk] += _entries("victim_sex", [victim.sex or "unknown"], victim)
                out[act.pk] += _entries("victim_age", [age_group(victim, act.date_start)], victim)
    elif kind == "event":
        acts = list(
            records.Act.objects.filter(
                event_id__in=[e.pk for e in batch], withdrawn_at__isnull=True
            ).only("pk", "event_id", "violation_type_id", "sensitivity", "compartment_id")
        )
        lookups.load_terms(a.violation_type_id for a in acts)
        institutions = _act_institutions([a.pk for a in acts], lookups)
        for act in acts:
            out[act.event_id] += _entries(
                "violation", lookups.term_codes(act.violation_type_id), act
            )
            for entry in institutions.get(act.pk, []):
                needed = stricter((entry.sensitivity, entry.compartment_id), _clearance(act))
                if needed:
                    out[act.event_id].append(FacetEntry(entry.facet, entry.value, *needed))
    elif kind == "involvement":
        lookups.load_terms(i.organization.institution_id for i in batch if i.organization_id)
        for involvement in batch:
            org = involvement.organization
            if org is not None and org.withdrawn_at is None:
                codes = lookups.term_codes(org.institution_id)
                out[involvement.pk] += _entries("institution", codes, involvement, org)
    elif kind == "organization":
        lookups.load_terms(o.institution_id for o in batch)
        for org in batch:
            out[org.pk] += _entries("institution", lookups.term_codes(org.institution_id), org)
    elif kind == "source":
        lookups.load_terms(s.source_type_id for s in batch)
        for source in batch:
            out[source.pk] += _entries(
                "source_type", lookups.term_codes(source.source_type_id), source
            )
    elif kind == "information":
        lookups.load_terms(i.source.source_type_id for i in batch)
        for info in batch:
            source = info.source
            if source.withdrawn_at is None:
                codes = lookups.term_codes(source.source_type_id)
                out[info.pk] += _entries("source_type", codes, source)
    if kind in ("act", "event"):
        for pk, (bucket, sensitivity, compartment) in corroboration_values(
            kind, [r.pk for r in batch]
        ).items():
            out[pk].append(FacetEntry("corroboration", bucket, sensitivity, compartment))
    return _dedupe(out)


def _act_institutions(act_ids: list[int], lookups: Lookups) -> dict[int, list[FacetEntry]]:
    """{act id: institution facet entries} from the act's involvements' units, each with the
    stricter clearance of the involvement and the unit."""
    out: dict[int, list[FacetEntry]] = defaultdict(list)
    if not act_ids:
        return out
    involvements = list(
        records.Involvement.objects.filter(
            act_id__in=act_ids,
            withdrawn_at__isnull=True,
            organization__isnull=False,
            organization__withdrawn_at__isnull=True,
            organization__institution__isnull=False,
        ).select_related("organization")
    )
    lookups.load_terms(i.organization.institution_id for i in involvements)
    for involvement in involvements:
        org = involvement.organization
        out[involvement.act_id] += _entries(
            "institution", lookups.term_codes(org.institution_id), involvement, org
        )
    return out


def _dedupe(facets: dict[int, list[FacetEntry]]) -> dict[int, list[FacetEntry]]:
    """One entry per (facet, value): the least restrictive of the ways it was read (a value
    seen through a public and a restricted involvement is as visible as the public one)."""

    def rank(entry: FacetEntry) -> tuple[int, bool]:
        return SENSITIVITY_ORDER.index(entry.sensitivity), entry.compartment_id is not None

    out = {}
    for pk, entries in facets.items():
        best: dict[tuple[str, str], FacetEntry] = {}
        for entry in entries:
            key = (entry.facet, entry.value)
            if key not in best or rank(entry) < rank(best[key]):
                best[key] = entry
        out[pk] = list(best.values())
    return out


def age_group(person: Any, when: date | None) -> str:
    """The victim's age group in the year of `when` (see the module docstring)."""
    low, high = person.birth_year_from, person.birth_year_to
    low, high = low or high, high or low
    if when is None or low is None:
        return "unknown"
    groups = {_group(when.year - high), _group(when.year - low)}
    return groups.pop() if len(groups) == 1 else "unknown"


def _group(age: int) -> str:
    if age < 0:
        return "unknown"
    if age < 18:
        return "child"
    if age < 60:
        return "adult"
    return "older"


# -- items ---------------------------------------------------------------------------------


def item_queryset() -> Any:
    from sillok.evidence.models import Item

    return Item.objects.all()


def build_items(items: Sequence[Any]) -> list[ObjectDocuments]:
    """The documents of evidence items: title, description, tags, source and place of
    collection in part 0, then the passages of the newest derivative of each text kind."""
    from sillok.evidence.derive.base import TEXT_KINDS
    from sillok.evidence.models import FileRole, ItemFile

    newest: dict[int, dict[str, Any]] = defaultdict(dict)
    files = ItemFile.objects.filter(
        item_id__in=[i.pk for i in items], role=FileRole.DERIVATIVE, kind__in=TEXT_KINDS
    ).order_by("pk")
    for file in files.only("pk", "item_id", "kind", "sha256", "language"):
        newest[file.item_id][file.kind] = file  # later files replace earlier ones
    built = []
    for item in items:
        title = (item.title or "")[:500]
        names = [*(str(t) for t in item.tags or []), item.source, item.collected_place]
        passages = _passages(title, names, item.description, "")
        for kind in TEXT_KINDS:
            file = newest[item.pk].get(kind)
            if file is None:
                continue
            text = _read_derivative(file)
            for chunk in split_passages(text):
                passages.append(
                    Passage(
                        len(passages),
                        chunk,
                        file_id=file.pk,
                        language=file.language or guess_language(chunk),
                    )
                )
        built.append(
            ObjectDocuments(
                kind="item",
                object_id=item.pk,
                title=title,
                sensitivity=item.sensitivity,
                compartment_id=item.compartment_id,
                created_by_id=item.created_by_id,
                date_start=item.collected_on,
                date_end=item.collected_on,
                passages=passages,
            )
        )
    return built


def _read_derivative(file: Any) -> str:
    from sillok.custody.blobstore import BlobNotFound
    from sillok.custody.services import open_blob

    try:
        with open_blob(file.sha256) as stream:
            data = stream.read(MAX_ITEM_TEXT_BYTES)
    except BlobNotFound:  # a missing blob is `sillok verify`'s to report, not search's
        return ""
    return data.decode("utf-8", errors="replace")


# -- one object, any kind ------------------------------------------------------------------


def build(kind: str, ids: Sequence[int]) -> dict[int, ObjectDocuments]:
    """{id: documents} for the objects of `kind` among `ids` that exist and are indexed
    (missing and withdrawn ones are left out: their documents are to be removed)."""
    if kind == "item":
        return {d.object_id: d for d in build_items(list(item_queryset().filter(pk__in=ids)))}
    if kind not in RECORD_KINDS:
        return {}
    batch = list(record_queryset(kind).filter(pk__in=ids))
    return {d.object_id: d for d in build_records(kind, batch)}
