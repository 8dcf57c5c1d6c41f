"""What the review page shows of a redacted copy: its text cut into plain pieces, placeholders
and places the redactor was unsure of, and the list of those doubts with a little of the
redacted text around each. Reads the stored summary only; the summary holds offsets, never
the strings that were replaced, so nothing shown here comes from outside the redacted copy.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from sillok.redaction.doubts import (
    NAME_PARTIAL,
    NAME_ROMANIZED,
    NAME_SIMILAR,
    NUMBER,
    OCR_LOW_CONFIDENCE,
    PDF_TEXT,
)
from sillok.redaction.text import PLACEHOLDERS

DOUBT_LABELS = {
    NAME_ROMANIZED: _(
        "Redacted as a name because it matches a romanization of a vault name: is it the "
        "person, or an ordinary word or someone else?"
    ),
    NAME_PARTIAL: _(
        "Redacted because it matches the given name of a vault name alone: is it the person?"
    ),
    NAME_SIMILAR: _(
        "Not redacted: one syllable away from a vault name. A misspelling or misreading of "
        "the name, or someone else?"
    ),
    NUMBER: _(
        "Not redacted: looks like a phone or ID number but matches no known pattern. Check it."
    ),
    OCR_LOW_CONFIDENCE: _(
        "The text was recognised (OCR) with low confidence: misread names and numbers are "
        "not found. Compare with the original."
    ),
    PDF_TEXT: _(
        "Text on this page could not be read (a scan, a picture, or a font without a "
        "character map): nothing in it was redacted. Check the page by eye."
    ),
}
CONTEXT = 40  # characters of redacted text shown either side of a doubt


def _valid(doubt: Any, length: int) -> bool:
    start, end = doubt.get("start"), doubt.get("end")
    return isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= length


def doubt_list(text: str, summary: dict[str, Any]) -> list[dict[str, Any]]:
    """The doubts of a copy for the page: {"number", "reason", "label", "page", "confidence",
    "before", "marked", "after", "anchor"} with the text parts only for doubts in `text`."""
    doubts = []
    for number, doubt in enumerate(summary.get("uncertain") or [], start=1):
        if not isinstance(doubt, dict):
            continue
        entry = {
            "number": number,
            "reason": doubt.get("reason", ""),
            "label": DOUBT_LABELS.get(doubt.get("reason", ""), doubt.get("reason", "")),
            "page": doubt.get("page"),
            "confidence": doubt.get("confidence"),
            "anchor": "",
        }
        if text and _valid(doubt, len(text)):
            start, end = doubt["start"], doubt["end"]
            entry.update(
                before=text[max(0, start - CONTEXT) : start],
                marked=text[start:end],
                after=text[end : end + CONTEXT],
                anchor=f"doubt-{number}",
            )
        doubts.append(entry)
    return doubts


def text_segments(
    text: str, spans: list[dict[str, Any]], doubts: list[dict[str, Any]] | None = None
) -> list[dict[str, Any]]:
    """The redacted text cut into pieces for highlighting: each {"text", "category", "doubt",
    "anchor"} with category "" for plain text and doubt "" where the redactor was sure. Spans
    that do not point at a placeholder (a text changed since) are ignored, not trusted."""
    marks: list[tuple[int, int, str]] = []
    cursor = 0
    for span in sorted(spans, key=lambda s: s["start"]):
        start, end, category = span["start"], span["end"], span["category"]
        if start < cursor or text[start:end] != PLACEHOLDERS.get(category):
            continue
        marks.append((start, end, category))
        cursor = end
    doubted = [
        (d["start"], d["end"], d.get("reason", ""), n)
        for n, d in enumerate(doubts or [], start=1)
        if isinstance(d, dict) and _valid(d, len(text))
    ]
    cuts = sorted(
        {0, len(text), *(p for m in marks for p in m[:2]), *(p for d in doubted for p in d[:2])}
    )
    segments: list[dict[str, Any]] = []
    anchored: set[int] = set()
    for start, end in zip(cuts, cuts[1:], strict=False):
        category = next((c for s, e, c in marks if s <= start and end <= e), "")
        doubt = next(((r, n) for s, e, r, n in doubted if s <= start and end <= e), ("", 0))
        anchor = ""
        if doubt[1] and doubt[1] not in anchored:
            anchored.add(doubt[1])
            anchor = f"doubt-{doubt[1]}"
        last = segments[-1] if segments else None
        if (
            last
            and not anchor
            and (last["category"], last["doubt"]) == (category, doubt[0])
            and (not category)
        ):
            last["text"] += text[start:end]
            continue
        segments.append(
            {"text": text[start:end], "category": category, "doubt": doubt[0], "anchor": anchor}
        )
    return segments
