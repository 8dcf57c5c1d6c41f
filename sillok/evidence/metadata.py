"""Item metadata as users give it (web form, API, CLI flags, bag-info), checked in one place."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from typing import Any

from django.utils import translation

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
    # Graphic content: shown blurred or grey to reviewers until revealed (accounts/preferences).
    graphic: bool = False

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


# Short forms people type for a precision, besides its code and labels ("2019년 3월" is a
# month; the labels say "월까지 정확").
ALIASES: dict[type, dict[str, str]] = {
    DatePrecision: {
        "일": "day",
        "날짜": "day",
        "월": "month",
        "연도": "year",
        "년": "year",
        "대략": "approximate",
        "모름": "unknown",
    },
    PlacePrecision: {"군": "county", "시": "county", "리": "town", "읍": "town", "모름": "unknown"},
}


@lru_cache(maxsize=32)
def _choice_table(choices: Any) -> dict[str, str]:
    """Code, English label, Korean label and short forms (lower case) -> code, for one
    TextChoices: a Korean team types 제한 or 월 where an English one types restricted or
    month."""
    table = {str(value).lower(): str(value) for value in choices.values}
    for language in ("en", "ko"):
        with translation.override(language):
            table |= {str(label).lower(): str(value) for value, label in choices.choices}
    return table | ALIASES.get(choices, {})


def choice_value(name: str, value: Any, choices: Any) -> str:
    """The code of `value` given as a code, an English label or a Korean label."""
    text = " ".join(str(value).split()).lower() if isinstance(value, str) else None
    code = _choice_table(choices).get(text) if text is not None else None
    if code is None:
        allowed = ", ".join(str(c) for c in choices.values)
        raise MetadataError(name, f"must be one of {allowed}; got {value!r}")
    return code


def _choice(raw: Mapping[str, Any], name: str, choices: Any, default: str) -> str:
    return choice_value(name, raw.get(name) or default, choices)


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


_TRUE = {"1", "true", "yes", "on", "y", "예", "네"}
_FALSE = {"", "0", "false", "no", "off", "n", "아니요", "아니오"}


def _flag(raw: Mapping[str, Any], name: str) -> bool:
    """A yes/no field: a boolean, or the words forms, CLIs and bag-info files use for one."""
    value = raw.get(name)
    if value is None or isinstance(value, bool):
        return bool(value)
    text = str(value).strip().lower() if isinstance(value, str | int) else None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise MetadataError(name, f"must be true or false; got {value!r}")


def _collected_on_precision(raw: Mapping[str, Any], collected_on: dt.date | None) -> str:
    """The precision of the collection date. A full date with no precision given is a day:
    "unknown" was recorded beside dates people had typed out exactly."""
    default = DatePrecision.DAY if collected_on else DatePrecision.UNKNOWN
    return _choice(raw, "collected_on_precision", DatePrecision, default)


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
    consent = [
        choice_value("consent_scope", scope, ConsentScope) for scope in _list(raw, "consent_scope")
    ]
    consent = list(dict.fromkeys(consent))
    recipients = _recipients(raw)
    if ConsentScope.PROSECUTION in consent and not recipients:
        raise MetadataError(
            "consent_recipients", "name the prosecutors or jurisdictions the witness consented to"
        )
    kind = raw.get("kind") or ""
    if kind:
        kind = _choice(raw, "kind", ItemKind, "")
    collected_on = _date(raw, "collected_on")
    return ItemMetadata(
        title=_text(raw, "title", _max_length("title")),
        description=_text(raw, "description", 100_000),
        kind=kind,
        languages=languages,
        source=_text(raw, "source", _max_length("source")),
        collector=_text(raw, "collector", _max_length("collector")),
        collected_on=collected_on,
        collected_on_precision=_collected_on_precision(raw, collected_on),
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
        graphic=_flag(raw, "graphic"),
    )
