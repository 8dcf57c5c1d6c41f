"""Reading vocabularies and the gazetteer: term trees, lookups by code, place search."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from sillok.vocab.models import Place, Term, Vocabulary
from sillok.vocab.romanize import name_key, name_keys


class UnknownVocabulary(LookupError):
    def __init__(self, slug: str) -> None:
        known = ", ".join(Vocabulary.objects.values_list("slug", flat=True)) or "none loaded"
        super().__init__(f"no vocabulary {slug!r}; known: {known}")


# Short names people type for vocabularies (`sillok vocab list violations`).
VOCABULARY_ALIASES = {"violation_types": "violations", "relations": "relation_types"}


def get_vocabulary(slug: str) -> Vocabulary:
    slug = VOCABULARY_ALIASES.get(slug, slug)
    try:
        return Vocabulary.objects.get(slug=slug)
    except Vocabulary.DoesNotExist:
        raise UnknownVocabulary(slug) from None


def vocabularies_with_counts() -> QuerySet[Vocabulary]:
    """Every vocabulary, by slug, with `active_terms`: how many of its terms are in use."""
    return Vocabulary.objects.annotate(
        active_terms=Count("terms", filter=Q(terms__active=True))
    ).order_by("slug")


def terms_of(slug: str, *, include_retired: bool = False) -> QuerySet[Term]:
    """The terms of a vocabulary in tree order (parents before their children)."""
    query = Term.objects.filter(vocabulary=get_vocabulary(slug)).select_related("parent")
    if not include_retired:
        query = query.filter(active=True)
    return query.order_by("path")


def subtree(term: Term) -> QuerySet[Term]:
    """`term` and every term below it."""
    return Term.objects.filter(vocabulary_id=term.vocabulary_id, path__startswith=term.path)


def term_by_code(slug: str, code: str) -> Term | None:
    return Term.objects.filter(vocabulary__slug=slug, code=code).first()


def term_as_dict(term: Term) -> dict:
    return {
        "id": term.pk,
        "code": term.code,
        "label_en": term.label_en,
        "label_ko": term.label_ko,
        "parent": term.parent.code if term.parent_id else None,
        "depth": term.depth,
        "active": term.active,
        "origin": term.origin,
        "data": term.data,
        # What violation types map to in law; empty for other vocabularies.
        "legal": {
            "rights": term.data.get("rights", []),
            "rome_statute": term.data.get("rome_statute", []),
        },
    }


def search_terms(slug: str, text: str, *, limit: int = 20) -> list[Term]:
    """Active terms whose English or Korean label or code contains `text`."""
    text = text.strip()
    query = terms_of(slug)
    if text:
        query = query.filter(
            Q(label_en__icontains=text) | Q(label_ko__icontains=text) | Q(code__icontains=text)
        )
    return list(query[:limit])


def search_places(text: str, *, limit: int = 20, kinds: list[str] | None = None) -> list[Place]:
    """Places whose Hangul, English or romanized names (or aliases) begin with `text`; any
    romanization matches (Hoeryong, Hoeryŏng, 회령), names beginning with it first."""
    key = name_key(text)
    if not key:
        return []
    query = Place.objects.filter(active=True).select_related("parent")
    if kinds:
        query = query.filter(kind__in=kinds)
    starts = list(query.filter(search_keys__contains=f" {key}")[: limit * 4])
    if len(starts) < limit:
        seen = {p.pk for p in starts}
        starts += [
            p for p in query.filter(search_keys__contains=key)[: limit * 4] if p.pk not in seen
        ]

    def rank(place: Place) -> tuple:
        exact = f" {key} " in place.search_keys
        return (not exact, place.depth, place.label_en)

    return sorted(starts, key=rank)[:limit]


def place_as_dict(place: Place) -> dict:
    return {
        "id": place.pk,
        "code": place.code,
        "kind": place.kind,
        "name_en": place.label_en,
        "name_ko": place.label_ko,
        "romanization_rr": place.romanization_rr,
        "romanization_mr": place.romanization_mr,
        "aliases": place.aliases,
        "parent": place.parent.code if place.parent_id else None,
        "parent_name_en": place.parent.label_en if place.parent_id else None,
        "country": place.country,
        "latitude": place.latitude,
        "longitude": place.longitude,
        "facility_status": place.facility_status or None,
    }


# Korean writers leave off the administrative suffix: 평양 for 평양직할시, 회령 for 회령시.
KOREAN_SUFFIXES = ("특별시", "직할시", "광역시", "특별자치도", "구역", "시", "군", "구", "도")


def korean_short_name(label_ko: str) -> str:
    """The Hangul name without its administrative suffix, or "" when it has none or too
    little would be left (도 alone, or one syllable: 은, 온)."""
    for suffix in KOREAN_SUFFIXES:
        if label_ko.endswith(suffix) and len(label_ko) - len(suffix) >= 2:
            return label_ko[: -len(suffix)]
    return ""


class PlaceIndex:
    """Every active place by code, by id ("#12") and by the keys of its names, for looking
    up many names at once (an import): a place's own names (English, Korean, romanized)
    come first, then its Korean name without the suffix (평양 for 평양직할시), then
    aliases, so "Hoeryong" is the city and not the prison camp that has "Hoeryŏng" among
    its aliases; two places whose own names match are both candidates."""

    def __init__(self) -> None:
        self.by_code: dict[str, Place] = {}
        self.own: dict[str, list[Place]] = {}
        self.short: dict[str, list[Place]] = {}
        self.other: dict[str, list[Place]] = {}
        places = Place.objects.filter(active=True).select_related("parent")
        for place in places.order_by("depth", "pk"):
            self.by_code[place.code] = place
            self.by_code[f"#{place.pk}"] = place
            own: set[str] = set()
            for name in (
                place.label_en, place.label_ko, place.romanization_rr, place.romanization_mr
            ):  # fmt: skip
                if name:
                    own |= name_keys(name)
            for key in own:
                self.own.setdefault(key, []).append(place)
            short = korean_short_name(place.label_ko)
            if short:
                self.short.setdefault(name_key(short), []).append(place)
            for key in set(place.search_keys.split()) - own:
                self.other.setdefault(key, []).append(place)

    def candidates(self, text: str) -> list[Place]:
        """The places `text` may name: one for a code, an id or an unambiguous name; several
        when it is ambiguous; none when it names no place."""
        text = text.strip()
        exact = self.by_code.get(text) or self.by_code.get(f"#{text}")
        if exact is not None:
            return [exact]
        key = name_key(text)
        found = list(self.own.get(key) or self.short.get(key) or self.other.get(key) or [])
        # A name shared by a place and places inside it (Pyongyang the city and its
        # centre) names the larger: true of all of them, and never a wrong guess.
        broadest = min(found, key=lambda place: place.depth, default=None)
        if broadest is not None and all(p.path.startswith(broadest.path or "\0") for p in found):
            return [broadest]
        return found


def describe_place(place: Place) -> str:
    """One line that tells a place from its namesakes: kind, Korean and English name, the
    place it is in, code ("city 회령시 / Hoeryong, in 함경북도 / North Hamgyong: geonames:…")."""
    from sillok.vocab.models import PlaceKind

    names = " / ".join(n for n in (place.label_ko, place.label_en) if n)
    kind = str(PlaceKind(place.kind).label) if place.kind in PlaceKind.values else place.kind
    parent = place.parent
    where = ""
    if parent is not None:
        where = ", " + " / ".join(n for n in (parent.label_ko, parent.label_en) if n)
    return f"{kind.lower()} {names}{where}: {place.code}"
