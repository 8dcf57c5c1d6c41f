"""Item metadata as users give it (web form, API, CLI flags, bag-info), checked in one place."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from sillok.evidence.models import (
    ConsentForm,
    ConsentScope,
    DatePrecision,
    Item,
    ItemKind,
    PlacePrecision,
    Sensitivity,
)

# BCP 47 primary tag with optional script/region: "ko", "en", "ko-KP", "zh-Hans".
LANGUAGE_RE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
COMPARTMENT_CODE_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
MAX_TAGS = 50
MAX_TAG_LENGTH = 100


class MetadataError(ValueError):
    """Bad metadata; `field` names the field, the message says what is wrong."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(f"{field_name}: {message}")
        self.field = field_name
        self.message = message


@dataclass(frozen=True)
class ItemMetadata:
    title: str = ""
    description: str = ""
    kind: str = ""  # empty: inferred from the media type
    languages: list[str] = field(default_factory=list)
    source: str = ""
    collector: str = ""
    collected_on: dt.date | None = None
    collected_on_precision: str = DatePrecision.UNKNOWN
    collected_place: str = ""
    collected_place_precision: str = PlacePrecision.UNKNOWN
    sensitivity: str = Sensitivity.RESTRICTED
    consent_scope: list[str] = field(default_factory=list)
    consent_date: dt.date | None = None
    consent_form: str = ConsentForm.NONE
    # Prosecutors or jurisdictions named in a consent to prosecution (records/consent.py).
    consent_recipients: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    # A compartment code; only one the user is a member of (access.check_can_use_compartment).
    compartment: str = ""

    def item_fields(self, *, filename: str, media_type: str) -> dict[str, Any]:
        """Model fields for a new Item, with the title and kind filled in where left empty."""
        values = asdict(self)
        values["title"] = self.title or filename
        values["kind"] = self.kind or kind_for_media_type(media_type)
        # The code becomes `compartment_id` in intake, looked up once per batch.
        values.pop("compartment")
        return values

    def with_defaults(self, **defaults: Any) -> ItemMetadata:
        """A copy where every field still empty takes the given default (e.g. a bag's
        Source-Organization as `source`)."""
        values = asdict(self)
        for name, value in defaults.items():
            if not values.get(name):
                values[name] = value
        return ItemMetadata(**values)


def kind_for_media_type(media_type: str) -> str:
    major = media_type.split("/", 1)[0]
    return {"image": ItemKind.PHOTO, "audio": ItemKind.AUDIO, "video": ItemKind.VIDEO}.get(
        major, ItemKind.DOCUMENT
    )


def _text(raw: Mapping[str, Any], name: str, limit: int | None) -> str:
    value = raw.get(name) or ""
    if not isinstance(value, str):
        raise MetadataError(name, "must be text")
    value = value.strip()
    if "\x00" in value:
        raise MetadataError(name, "must not contain NUL characters")
    if limit is not None and len(value) > limit:
        raise MetadataError(name, f"is longer than {limit} characters")
    return value


def _choice(raw: Mapping[str, Any], name: str, choices: Any, default: str) -> str:
    value = raw.get(name) or default
    allowed = [str(c) for c in choices.values]
    if value not in allowed:
        raise MetadataError(name, f"must be one of {', '.join(allowed)}; got {value!r}")
    return str(value)


def _list(raw: Mapping[str, Any], name: str) -> list[str]:
    value = raw.get(name) or []
    if isinstance(value, str):
        value = [part for part in re.split(r"[,\s]+", value) if part]
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise MetadataError(name, "must be a list of text values")
    cleaned = list(dict.fromkeys(v.strip() for v in value if v.strip()))
    return cleaned


def _recipients(raw: Mapping[str, Any]) -> list[str]:
    """Named prosecutors or jurisdictions: a list, or text separated by ";" or new lines
    (names hold spaces and commas, so neither separates them)."""
    value = raw.get("consent_recipients") or []
    if isinstance(value, str):
        value = re.split(r"[;\n]", value)
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise MetadataError("consent_recipients", "must be a list of names")
    names = list(dict.fromkeys(" ".join(v.split()) for v in value if v.strip()))
    if len(names) > MAX_TAGS or any(len(name) > 300 for name in names):
        raise MetadataError("consent_recipients", f"at most {MAX_TAGS} names of 300 characters")
    return names


def _date(raw: Mapping[str, Any], name: str) -> dt.date | None:
    value = raw.get(name)
    if value in (None, ""):
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise MetadataError(name, f"must be a date as YYYY-MM-DD; got {value!r}") from None


def _max_length(name: str) -> int | None:
    return Item._meta.get_field(name).max_length


def _compartment_code(raw: Mapping[str, Any]) -> str:
    code = _text(raw, "compartment", 64).lower()
    if code and not COMPARTMENT_CODE_RE.match(code):
        raise MetadataError("compartment", f"{code!r} is not a compartment code")
    return code


def check_metadata(raw: Mapping[str, Any]) -> ItemMetadata:
    """Validate user-given metadata; raise MetadataError naming the first bad field."""
    known = set(ItemMetadata.__dataclass_fields__)
    unknown = sorted(set(raw) - known)
    if unknown:
        raise MetadataError(unknown[0], f"is not an item field (known: {', '.join(sorted(known))})")
    languages = _list(raw, "languages")
    for language in languages:
        if not LANGUAGE_RE.match(language):
            raise MetadataError("languages", f"{language!r} is not a language tag like ko or en")
    tags = _list(raw, "tags")
    if len(tags) > MAX_TAGS or any(len(tag) > MAX_TAG_LENGTH for tag in tags):
        raise MetadataError("tags", f"at most {MAX_TAGS} tags of {MAX_TAG_LENGTH} characters")
    consent = _list(raw, "consent_scope")
    allowed_consent = [str(c) for c in ConsentScope.values]
    for scope in consent:
        if scope not in allowed_consent:
            raise MetadataError(
                "consent_scope", f"{scope!r} is not one of {', '.join(allowed_consent)}"
            )
    recipients = _recipients(raw)
    if ConsentScope.PROSECUTION in consent and not recipients:
        raise MetadataError(
            "consent_recipients", "name the prosecutors or jurisdictions the witness consented to"
        )
    kind = raw.get("kind") or ""
    if kind:
        kind = _choice(raw, "kind", ItemKind, "")
    return ItemMetadata(
        title=_text(raw, "title", _max_length("title")),
        description=_text(raw, "description", 100_000),
        kind=kind,
        languages=languages,
        source=_text(raw, "source", _max_length("source")),
        collector=_text(raw, "collector", _max_length("collector")),
        collected_on=_date(raw, "collected_on"),
        collected_on_precision=_choice(
            raw, "collected_on_precision", DatePrecision, DatePrecision.UNKNOWN
        ),
        collected_place=_text(raw, "collected_place", _max_length("collected_place")),
        collected_place_precision=_choice(
            raw, "collected_place_precision", PlacePrecision, PlacePrecision.UNKNOWN
        ),
        sensitivity=_choice(raw, "sensitivity", Sensitivity, Sensitivity.RESTRICTED),
        consent_scope=consent,
        consent_date=_date(raw, "consent_date"),
        consent_form=_choice(raw, "consent_form", ConsentForm, ConsentForm.NONE),
        consent_recipients=recipients,
        tags=tags,
        compartment=_compartment_code(raw),
    )
