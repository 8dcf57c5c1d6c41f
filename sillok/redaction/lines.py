"""Text as one line for matching: line breaks joined the way a reader joins them, with a map
back to the source. Pure functions.

Extracted PDF text, OCR and transcripts break lines wherever the page or the speaker did, so
a phone number or a name is often cut in two ("010-⏎1234-5678", "Kim Young-⏎hee", "김영⏎희"):
patterns that look at one line miss both halves. The joined view removes each line break
(\\n, \\r\\n, \\r, and the spaces and tabs around it):

- after a hyphen (a number or word hyphenated at the line end), and between two Hangul
  syllables (Korean names and words carry no hyphen when they wrap), the break is removed;
- a soft hyphen at the line end goes with the break;
- anywhere else the break becomes one space.

Matches in the joined view are mapped back to the source, so a redaction covers both pieces
and what lies between them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.views.decorators.debug import sensitive_variables

_BREAK = re.compile(r"[ \t\u00a0]*\u00ad?(?:\r\n|\r|\n)[ \t\u00a0\r\n]*")
_HYPHENS = "-\u2010\u2011\u2012\u2013"
LINE_BREAK = re.compile(r"\r\n|\r|\n")


def _hangul(ch: str) -> bool:
    return "\uac00" <= ch <= "\ud7a3"


@dataclass(frozen=True)
class Joined:
    text: str
    # origin[i]: where the i-th character of `text` comes from in the source; one more entry
    # at the end maps the end of the text.
    origin: list[int]

    def source_span(self, start: int, end: int) -> tuple[int, int]:
        """The source range that the joined range [start, end) was made from."""
        if end <= start:
            return self.origin[start], self.origin[start]
        return self.origin[start], self.origin[end - 1] + 1


@sensitive_variables()
def joined(text: str) -> Joined:
    """The joined view of `text` (see the module docstring)."""
    pieces: list[str] = []
    origin: list[int] = []
    cursor = 0
    for match in _BREAK.finditer(text):
        start, end = match.span()
        pieces.append(text[cursor:start])
        origin.extend(range(cursor, start))
        before = text[start - 1] if start else ""
        after = text[end] if end < len(text) else ""
        soft = "\u00ad" in match.group()
        if not (before in _HYPHENS or soft or (_hangul(before) and _hangul(after))):
            pieces.append(" ")
            origin.append(start)
        cursor = end
    pieces.append(text[cursor:])
    origin.extend(range(cursor, len(text)))
    origin.append(len(text))
    return Joined("".join(pieces), origin)


def line_breaks(text: str) -> str:
    """The line breaks in `text`, kept after a placeholder so that the lines stay lines."""
    return "".join(LINE_BREAK.findall(text))
