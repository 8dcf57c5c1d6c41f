"""What every API operation shares about its input: integer parameters bounded to what the
databases hold, and text that every database can store.

Both are refused with 422 before a handler runs, in the shape django-ninja gives every
invalid input (`{"detail": [{"loc", "msg", "type"}]}`). Without them a request reaches the
database with a value it cannot take and the server answers 500: an offset past 2**63 - 1
(SQLite: OverflowError; PostgreSQL: "bigint out of range", which also aborts the
transaction), a lone UTF-16 surrogate such as JSON's "\\ud800" (no UTF-8 encoding exists),
or a NUL character (PostgreSQL stores none in text or jsonb).

The integer types state their bounds in the OpenAPI document; sillok/api.py applies the text
rule to every body, query string, form and path.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from ninja import P, PathEx, QueryEx
from ninja.errors import ValidationError

# The largest integer SQLite and a PostgreSQL bigint hold: larger ones cannot be compared,
# sliced or stored there.
MAX_INTEGER = 2**63 - 1
MAX_PAGE = 200

# An object's id in a path: ids start at 1.
Id = PathEx[int, P(ge=1, le=MAX_INTEGER)]
# A list's page: at most MAX_PAGE objects, from any offset a database can take.
Limit = QueryEx[int, P(ge=1, le=MAX_PAGE, description=f"at most {MAX_PAGE}")]
Offset = QueryEx[int, P(ge=0, le=MAX_INTEGER, description="how many to skip")]

# Lone surrogates (what JSON's "\udXXX" escapes decode to when unpaired) and NUL.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def _problem(text: str) -> str | None:
    found = _UNSTORABLE.search(text)
    if found is None:
        return None
    char, at = found.group(), found.start()
    if char == "\x00":
        return f"must not contain NUL characters (one at index {at})"
    return (
        f"must be valid Unicode text: a lone surrogate \\u{ord(char):04x} at index {at} "
        "(a UTF-16 surrogate must come in a pair)"
    )


def _problems(value: Any, loc: tuple[Any, ...], what: str = "") -> Iterator[dict[str, Any]]:
    if isinstance(value, str):
        message = _problem(value)
        if message:
            yield {"loc": list(loc), "msg": what + message, "type": "unstorable_text"}
    elif isinstance(value, Mapping):
        for key, inner in value.items():
            # A bad key is named by the object that holds it: echoing it back would put the
            # same unstorable text into the answer.
            yield from _problems(key, loc, "a key of this object ")
            if not _UNSTORABLE.search(str(key)):
                yield from _problems(inner, (*loc, key))
    elif isinstance(value, list | tuple):
        for index, inner in enumerate(value):
            yield from _problems(inner, (*loc, index))


class UnstorableText(ValidationError):
    """Text in the request that no database can store: a 422 naming each place."""


def check_storable_text(value: Any, loc: tuple[Any, ...]) -> None:
    """Raise UnstorableText naming every string in `value` (walked through dicts and lists)
    that holds a NUL or a lone surrogate; `loc` is where `value` sits in the request."""
    errors = list(_problems(value, loc))
    if errors:
        raise UnstorableText(errors)
