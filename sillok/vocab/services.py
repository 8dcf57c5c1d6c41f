"""Changes to vocabularies and the gazetteer: loading the shipped data (at `sillok init`) and
administrators' additions and corrections in the UI. Every change is audited in its
transaction; nothing is deleted (records point at terms and places), only retired."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from sillok.custody.audit import record_audit
from sillok.vocab.gazetteer import PlaceSpec, load_places, load_shipped_gazetteer
from sillok.vocab.loading import CODE_RE, load_shipped_vocabularies, rebuild_term_paths
from sillok.vocab.models import Origin, Place, PlaceKind, Term, Vocabulary


class VocabularyChangeRefused(ValueError):
    """A change to a vocabulary or place that cannot be made; the message says why."""

    def __init__(self, message: str, *, field: str = "") -> None:
        super().__init__(message)
        self.field = field


def do_load_shipped_data(*, audit: bool = True) -> dict[str, Any]:
    """Load (or update) the shipped vocabularies and gazetteer; idempotent. `audit=False`
    when the caller records the load in its own audit entry (`sillok init`)."""
    with transaction.atomic():
        vocabularies = load_shipped_vocabularies()
        places = load_shipped_gazetteer()
        summary = {
            "vocabularies": {
                slug: counts for slug, counts in vocabularies.items() if any(counts.values())
            },
            "places": places,
        }
        if audit and (summary["vocabularies"] or places["created"] or places["updated"]):
            record_audit(None, "vocab.loaded", details=summary)
    return {"vocabularies": vocabularies, "places": places, "changed": summary}


def _check_labels(label_en: str, label_ko: str) -> tuple[str, str]:
    label_en, label_ko = (label_en or "").strip(), (label_ko or "").strip()
    if not label_en:
        raise VocabularyChangeRefused("an English label is required", field="label_en")
    if len(label_en) > 300 or len(label_ko) > 300:
        raise VocabularyChangeRefused("labels are at most 300 characters", field="label_en")
    return label_en, label_ko


def _check_permission(user: Any, permission: str) -> None:
    if not user.has_perm(permission):
        raise PermissionError(f"changing vocabularies needs the {permission} permission")


def do_add_term(
    user: Any,
    vocabulary: Vocabulary,
    *,
    code: str,
    label_en: str,
    label_ko: str = "",
    parent: Term | None = None,
    data: dict | None = None,
) -> Term:
    """Add a local term (at any depth) to a vocabulary."""
    _check_permission(user, "vocab.add_term")
    label_en, label_ko = _check_labels(label_en, label_ko)
    code = (code or "").strip().lower()
    if not CODE_RE.match(code):
        raise VocabularyChangeRefused("the code may hold only a-z, 0-9, '_' and '.'", field="code")
    if parent is not None and parent.vocabulary_id != vocabulary.pk:
        raise VocabularyChangeRefused("the parent is in another vocabulary", field="parent")
    with transaction.atomic():
        if Term.objects.filter(vocabulary=vocabulary, code=code).exists():
            raise VocabularyChangeRefused(f"the code {code!r} is already used", field="code")
        term = Term.objects.create(
            vocabulary=vocabulary,
            code=code,
            parent=parent,
            label_en=label_en,
            label_ko=label_ko,
            data=data or {},
            origin=Origin.LOCAL,
            sort_order=Term.objects.filter(vocabulary=vocabulary).count(),
        )
        rebuild_term_paths(vocabulary)
        record_audit(
            user,
            "vocab.term_added",
            object_type="vocab.term",
            object_id=term.pk,
            details={"vocabulary": vocabulary.slug, "code": code},
        )
    term.refresh_from_db()
    return term


def do_change_term(user: Any, term: Term, *, label_en: str, label_ko: str, active: bool) -> Term:
    """Correct a term's labels or retire it (shipped terms too: a later `sillok init` keeps
    local corrections only for local terms, so shipped corrections belong in the data files)."""
    _check_permission(user, "vocab.change_term")
    label_en, label_ko = _check_labels(label_en, label_ko)
    with transaction.atomic():
        locked = Term.objects.select_for_update().get(pk=term.pk)
        before = {"label_en": locked.label_en, "label_ko": locked.label_ko, "active": locked.active}
        locked.label_en, locked.label_ko, locked.active = label_en, label_ko, active
        locked.updated_at = timezone.now()
        locked.save(update_fields=["label_en", "label_ko", "active", "updated_at"])
        record_audit(
            user,
            "vocab.term_changed",
            object_type="vocab.term",
            object_id=term.pk,
            details={
                "before": before,
                "after": {"label_en": label_en, "label_ko": label_ko, "active": active},
            },
        )
    return locked


def do_add_place(
    user: Any,
    *,
    label_en: str,
    label_ko: str = "",
    kind: str,
    parent: Place | None = None,
    aliases: list[str] | None = None,
    latitude: float | None = None,
    longitude: float | None = None,
) -> Place:
    """Add a local gazetteer entry (a village, a detention site not yet in the data)."""
    _check_permission(user, "vocab.add_place")
    label_en, label_ko = _check_labels(label_en, label_ko)
    if kind not in PlaceKind.values:
        raise VocabularyChangeRefused(
            f"kind must be one of {', '.join(PlaceKind.values)}", field="kind"
        )
    if (latitude is None) != (longitude is None):
        raise VocabularyChangeRefused(
            "give both latitude and longitude, or neither", field="latitude"
        )
    if latitude is not None and not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise VocabularyChangeRefused("coordinates out of range", field="latitude")
    cleaned_aliases = [a.strip() for a in aliases or [] if a and a.strip()]
    with transaction.atomic():
        number = Place.objects.filter(origin=Origin.LOCAL).count() + 1
        while Place.objects.filter(code=f"local:{number}").exists():
            number += 1
        spec = PlaceSpec(
            code=f"local:{number}",
            kind=kind,
            label_en=label_en,
            label_ko=label_ko,
            parent_code=parent.code if parent else None,
            aliases=cleaned_aliases,
            country=parent.country if parent else "",
            latitude=latitude,
            longitude=longitude,
        )
        load_places([spec], origin=Origin.LOCAL)
        place = Place.objects.get(code=spec.code)
        record_audit(
            user,
            "vocab.place_added",
            object_type="vocab.place",
            object_id=place.pk,
            details={"code": place.code, "kind": kind},
        )
    return place
