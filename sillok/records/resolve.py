"""Turning what users type into the objects it names, with the user's permissions, cached
for the many rows of an import: vocabulary terms (code or label), places (code, id or any
name), records and items (only those the user may see), users (by user name)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.utils.translation import gettext, ngettext

from sillok.records.access import visible_ids, visible_records
from sillok.records.aliases import normalise
from sillok.records.fields import FieldError, parse_reference
from sillok.vocab.models import Place, Term
from sillok.vocab.queries import PlaceIndex, describe_place

MAX_CANDIDATES = 10  # of an ambiguous place name, listed in its error


class Resolver:
    def __init__(self, user: Any) -> None:
        self.user = user
        self._terms: dict[str, dict[str, Term]] = {}
        self._places: PlaceIndex | None = None
        self._records: dict[tuple[str, int], Any] = {}
        self._users: dict[str, Any] = {}

    def term(self, vocabulary: str, text: str) -> Term:
        table = self._terms.get(vocabulary)
        if table is None:
            table = {}
            for term in Term.objects.filter(vocabulary__slug=vocabulary, active=True):
                for key in (term.code, term.label_en.lower(), term.label_ko):
                    if key:
                        table.setdefault(key, term)
                for key in (term.code, term.label_en, term.label_ko):
                    # Spacing, case and full-width forms ignored (records/aliases.py).
                    table.setdefault(f"~{normalise(key)}", term)
            self._terms[vocabulary] = table
        term = table.get(text) or table.get(text.lower()) or table.get(f"~{normalise(text)}")
        if term is None:
            raise FieldError(
                f"{text!r} is not a term of the {vocabulary} vocabulary "
                "(give its code or its English or Korean label)"
            )
        return term

    def place(self, text: str) -> Place:
        if self._places is None:
            self._places = PlaceIndex()
        found = self._places.candidates(text)
        if len(found) == 1:
            return found[0]
        if not found:
            raise FieldError(gettext("%(text)s is not in the gazetteer") % {"text": repr(text)})
        # Ambiguous: the user picks one by its code, from these.
        listed = "; ".join(describe_place(place) for place in found[:MAX_CANDIDATES])
        message = ngettext(
            "%(text)s names %(count)d place; give its code: %(places)s",
            "%(text)s names %(count)d places; give the code of one: %(places)s",
            len(found),
        )
        raise FieldError(message % {"text": repr(text), "count": len(found), "places": listed})

    def prefetch(self, kind: str, ids: set[int]) -> None:
        """Load many records of one kind with one query (imports referring to records)."""
        wanted = {pk for pk in ids if (kind, pk) not in self._records}
        if wanted:
            for record in visible_records(self.user, kind).filter(pk__in=wanted):
                self._records[(kind, record.pk)] = record

    def record(self, kind: str, pk: int) -> Any:
        if (kind, pk) not in self._records:
            self.prefetch(kind, {pk})
        record = self._records.get((kind, pk))
        if record is None:
            raise FieldError(f"no {kind} {pk} (or not one you may see)")
        if record.withdrawn_at is not None:
            raise FieldError(f"{kind} {pk} is withdrawn")
        return record

    def linkable(self, kind: str, pk: int) -> None:
        if kind in {"place", "item"}:
            if (kind, pk) not in visible_ids(self.user, [(kind, pk)]):
                raise FieldError(f"no {kind} {pk} (or not one you may see)")
            return
        self.record(kind, pk)

    def items(self, values: list[str]) -> list[int]:
        refs = [parse_reference(v, "item") for v in values]
        ids = [pk for _, pk in refs]
        visible = {pk for _, pk in visible_ids(self.user, refs)}
        missing = [str(pk) for pk in ids if pk not in visible]
        if missing:
            raise FieldError(f"no item {', '.join(missing)} (or not one you may see)")
        return ids

    def compartment(self, code: str) -> Any:
        """The compartment `code` names, if the user is a member of it (the same error for
        one that does not exist)."""
        from sillok.accounts.compartments import CompartmentError, compartment_for

        try:
            return compartment_for(self.user, code)
        except CompartmentError as exc:
            raise FieldError(str(exc)) from None

    def user_named(self, username: str) -> Any:
        if username not in self._users:
            found = get_user_model().objects.filter(username=username, is_active=True).first()
            if found is None:
                raise FieldError(f"no active user {username!r}")
            self._users[username] = found
        return self._users[username]
