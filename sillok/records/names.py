"""Finding persons by any form of their name: the Hangul, its Revised Romanization and
McCune–Reischauer forms (generated), the Latin spelling given, and aliases. Each form is
stored with its matching key (vocab.romanize.name_key) in PersonName."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet

from sillok.core.bulk import insert_rows
from sillok.records.models import Person, PersonName
from sillok.vocab.romanize import name_key, person_name_romanizations


def romanizations_for(hangul: str) -> dict[str, list[str]]:
    hangul = (hangul or "").strip()
    if not hangul:
        return {}
    return {k: v for k, v in person_name_romanizations(hangul).items() if v}


def name_forms(person: Person) -> list[tuple[str, str]]:
    """(kind, name) for every form under which `person` should be found."""
    forms = [("name", person.name), ("hangul", person.name_hangul), ("latin", person.name_latin)]
    forms += [("alias", alias) for alias in person.aliases or []]
    for kind, variants in (person.romanizations or {}).items():
        forms += [(kind, variant) for variant in variants]
    return [(kind, name) for kind, name in forms if name]


def _rows(person: Person) -> list[tuple[int, str, str, str]]:
    rows, seen = [], set()
    for kind, name in name_forms(person):
        key = name_key(name)[:300]
        if key and key not in seen:
            seen.add(key)
            rows.append((person.pk, key, name[:300], kind))
    return rows


def rebuild_person_names(persons: Iterable[Person], *, fresh: bool = False) -> None:
    """Replace the name rows of `persons` (`fresh`: they have none yet, skip the delete)."""
    persons = list(persons)
    if not fresh:
        PersonName.objects.filter(person__in=[p.pk for p in persons]).delete()
    insert_rows(
        PersonName,
        ("person", "key", "name", "kind"),
        (row for person in persons for row in _rows(person)),
    )


def persons_named(query: QuerySet[Person], text: str) -> QuerySet[Person]:
    """The persons of `query` with a name form beginning with `text` in any spelling."""
    key = name_key(text)
    if not key:
        return query.none()
    return query.filter(pk__in=PersonName.objects.filter(key__startswith=key).values("person_id"))
