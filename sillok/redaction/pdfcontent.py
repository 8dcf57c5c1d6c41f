"""PDF pages: the text the redactor finds (names, phone and ID numbers, addresses, birth
dates) taken out of the page content and covered with black boxes.

In three steps, so that the vault's names never reach the process that parses the hostile
file, and the file is never parsed outside the sandbox:

1. `read_page` (in the sandbox) reads each page's content stream operation by operation;
   every piece of shown text (a Tj string, a TJ array element) becomes a run with its
   position, and the runs become the page's text, one line per text line;
2. `plan_page` (in the parent, with the names) puts that text through the text redactor
   (text.py), so a phone number wrapped from one line to the next ("010-⏎1234-5678") is found
   as one, and names the characters of each run to take out;
3. `apply_page` (in the sandbox again) reads the page the same way and changes every run
   that holds a planned character:

- a simple font (one byte per character): the redacted characters are cut out and replaced
  by a move of their width, so the rest of the line stays where it was;
- any other font (two-byte CID fonts, Korean): the whole run is replaced by such a move;

and a black box is drawn over where the redacted text was. The text is gone from the file,
not only painted over: `pdftotext` on the copy finds none of it.

What it cannot do, said to the reviewer as doubts: text drawn as pictures (scans, text in a
photograph) and fonts without a character map are not read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.views.decorators.debug import sensitive_variables
from pypdf.generic import (
    ArrayObject,
    ByteStringObject,
    ContentStream,
    DictionaryObject,
    FloatObject,
)
from pypdf.generic._font import Font

from sillok.redaction.doubts import PDF_TEXT
from sillok.redaction.errors import RedactionError
from sillok.redaction.text import PLACEHOLDERS, redact_text

Matrix = list[float]
IDENTITY: Matrix = [1.0, 0.0, 0.0, 1.0, 0.0, 0.0]


def _mult(a: Matrix, b: Matrix) -> Matrix:
    return [
        a[0] * b[0] + a[1] * b[2],
        a[0] * b[1] + a[1] * b[3],
        a[2] * b[0] + a[3] * b[2],
        a[2] * b[1] + a[3] * b[3],
        a[4] * b[0] + a[5] * b[2] + b[4],
        a[4] * b[1] + a[5] * b[3] + b[5],
    ]


@dataclass
class _Run:
    op: int  # index of the operation
    element: int | None  # index in a TJ array; None for Tj, ', "
    raw: bytes
    text: str
    font: Font
    size: float
    matrix: Matrix  # text space to user space at the run's start
    single_byte: bool
    line: int
    first: int = 0  # where the run's text starts in the page text


@dataclass
class PageRedaction:
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(PLACEHOLDERS, 0))
    doubts: list[str] = field(default_factory=list)  # reasons (doubts.REASONS)


class _Reader:
    """Walks a content stream keeping the text and graphics state that places text."""

    def __init__(self, page: Any, operations: list[Any]) -> None:
        self.operations = operations
        fonts = (page.get("/Resources") or DictionaryObject()).get("/Font") or DictionaryObject()
        self.fonts = fonts.get_object()
        self.page = page
        self.cache: dict[str, Font] = {}
        self.runs: list[_Run] = []
        self.pictures = 0
        self.unreadable = 0

    def _drawn(self, name: str) -> None:
        """A picture, or a form (a content stream of its own, whose text is not read here:
        counted as unreadable so the reviewer is told)."""
        try:
            resources = self.page.get("/Resources") or DictionaryObject()
            xobject = (resources.get("/XObject") or DictionaryObject()).get_object().get(name)
            subtype = xobject.get_object().get("/Subtype") if xobject is not None else None
        except (AttributeError, KeyError, TypeError):
            subtype = None
        if subtype == "/Image":
            self.pictures += 1
        else:
            self.unreadable += 1

    def _font(self, name: str) -> Font | None:
        if name not in self.cache:
            resource = self.fonts.get(name)
            if resource is None:
                return None
            self.cache[name] = Font.from_font_resource(resource.get_object())
        return self.cache[name]

    def read(self) -> list[_Run]:
        cm, stack = list(IDENTITY), []
        tm, tlm = list(IDENTITY), list(IDENTITY)
        font, size, leading, line, last_y = None, 0.0, 0.0, 0, None
        for index, (operands, operator) in enumerate(self.operations):
            op = operator.decode("latin-1") if isinstance(operator, bytes) else str(operator)
            if op == "q":
                stack.append(cm)
            elif op == "Q" and stack:
                cm = stack.pop()
            elif op == "cm" and len(operands) == 6:
                cm = _mult([float(x) for x in operands], cm)
            elif op == "BT":
                tm, tlm = list(IDENTITY), list(IDENTITY)
            elif op == "Tf" and len(operands) == 2:
                font, size = self._font(str(operands[0])), float(operands[1])
            elif op == "TL" and operands:
                leading = float(operands[0])
            elif op in ("Td", "TD") and len(operands) == 2:
                if op == "TD":
                    leading = -float(operands[1])
                tlm = _mult([1, 0, 0, 1, float(operands[0]), float(operands[1])], tlm)
                tm = list(tlm)
            elif op == "Tm" and len(operands) == 6:
                tlm = [float(x) for x in operands]
                tm = list(tlm)
            elif op in ("T*", "'", '"'):
                tlm = _mult([1, 0, 0, 1, 0, -leading], tlm)
                tm = list(tlm)
            elif op == "Do" and operands:
                self._drawn(str(operands[0]))
            if op in ("Tj", "'", '"', "TJ") and operands:
                y = _mult(tm, cm)[5]
                if last_y is not None and abs(y - last_y) > max(size, 1.0) * 0.5:
                    line += 1
                last_y = y
                tm = self._show(index, op, operands, font, size, tm, cm, line)
        return self.runs

    def _show(self, index, op, operands, font, size, tm, cm, line) -> Matrix:  # noqa: ANN001
        if font is None:
            self.unreadable += 1
            return tm
        elements = list(enumerate(operands[0])) if op == "TJ" else [(None, operands[-1])]
        for element, value in elements:
            if isinstance(value, int | float):  # a TJ adjustment, in thousandths of an em
                tm = _mult([1, 0, 0, 1, -float(value) / 1000 * size, 0], tm)
                continue
            raw = value.original_bytes if hasattr(value, "original_bytes") else bytes(value)
            text, single = _decode(font, raw)
            if not text.strip() and raw.strip():
                self.unreadable += 1
            self.runs.append(
                _Run(index, element, raw, text, font, size, _mult(tm, cm), single, line)
            )
            width = font.get_text_width(text) / 1000 * size
            tm = _mult([1, 0, 0, 1, width, 0], tm)
        return tm


def _decode(font: Font, raw: bytes) -> tuple[str, bool]:
    """The characters of `raw` in `font`, and whether each byte is one character."""
    if isinstance(font.encoding, str):
        chars = raw.decode(font.encoding, "replace")
        single = len(chars) == len(raw)
    else:
        chars = "".join(font.encoding.get(byte, chr(byte)) for byte in raw)
        single = True
    text = "".join(font.character_map.get(ch, ch) for ch in chars)
    return text, single and len(text) == len(raw)


def _page_text(runs: list[_Run]) -> str:
    parts: list[str] = []
    line = None
    length = 0
    for run in runs:
        if line is not None and run.line != line:
            parts.append("\n")
            length += 1
        line = run.line
        run.first = length
        parts.append(run.text)
        length += len(run.text)
    return "".join(parts)


def _read(page: Any) -> tuple[ContentStream | None, list[_Run], bool]:
    contents = page.get_contents()
    if contents is None:
        return None, [], False
    content = ContentStream(contents, page.pdf)
    reader = _Reader(page, content.operations)
    runs = reader.read()
    unreadable = bool(
        reader.unreadable or (reader.pictures and not "".join(r.text for r in runs).strip())
    )
    return content, runs, unreadable


def read_page(page: Any) -> dict[str, Any]:
    """In the sandbox: the page's text and its runs, for `plan_page` in the parent:
    {"text", "runs" ([first, length, single byte]), "unreadable"}."""
    _, runs, unreadable = _read(page)
    text = _page_text(runs)
    return {
        "text": text,
        "runs": [[run.first, len(run.text), run.single_byte] for run in runs],
        "unreadable": unreadable,
    }


@sensitive_variables("terms", "text")
def plan_page(page: dict[str, Any], terms: list[str], romanized: frozenset[str]) -> dict[str, Any]:
    """In the parent, with the vault's names: what to take out of one page read by
    `read_page`: {"removals" ({run: [[start, end]…]}), "counts", "doubts"}."""
    outcome = PageRedaction()
    text = page["text"]
    if page["unreadable"]:
        outcome.doubts.append(PDF_TEXT)
    removed: dict[int, set[int]] = {}  # run number: its characters to take out
    if text.strip():
        result = redact_text(text, terms, romanized=romanized)
        outcome.doubts += sorted({doubt.reason for doubt in result.uncertain})
        for span in result.spans:
            outcome.counts[span.category] += 1
            for number, (first, length, single) in enumerate(page["runs"]):
                start = max(span.source_start - first, 0)
                end = min(span.source_end - first, length)
                if start < end:
                    # A run in a multi-byte font cannot be cut: it goes whole.
                    removed.setdefault(number, set()).update(
                        range(start, end) if single else range(length)
                    )
    return {
        "removals": {str(n): [list(r) for r in _segments(c)] for n, c in removed.items()},
        "counts": outcome.counts,
        "doubts": outcome.doubts,
    }


def apply_page(page: Any, removals: dict[str, list[list[int]]], expected_runs: int) -> int:
    """In the sandbox: take the planned characters out of the page and cover where they were;
    the number of boxes drawn. The page is read again exactly as `read_page` read it."""
    if not removals:
        return 0
    content, runs, _ = _read(page)
    if content is None or len(runs) != expected_runs:
        raise RedactionError("the PDF read differently the second time: it was not redacted")
    removed = {
        int(n): {i for start, end in ranges for i in range(start, end)}
        for n, ranges in removals.items()
    }
    operations = _rebuild(content.operations, runs, removed)
    boxes = [
        _box(runs[number], a, b) for number, chars in removed.items() for a, b in _segments(chars)
    ]
    # The page's own drawing in q…Q, so the boxes are drawn in the page's user space.
    operations = [([], b"q"), *operations, ([], b"Q")]
    for x, y, w, h in boxes:
        operations += [([], b"q"), ([FloatObject(0)], b"g")]
        operations += [([FloatObject(v) for v in (x, y, w, h)], b"re"), ([], b"f"), ([], b"Q")]
    content.operations = operations
    page.replace_contents(content)
    return len(boxes)


def _segments(chars: set[int]) -> list[tuple[int, int]]:
    """Consecutive character indexes as [start, end) ranges."""
    ranges: list[list[int]] = []
    for index in sorted(chars):
        if ranges and ranges[-1][1] == index:
            ranges[-1][1] += 1
        else:
            ranges.append([index, index + 1])
    return [(a, b) for a, b in ranges]


def _cut(run: _Run, chars: set[int]) -> list[Any]:
    """The TJ elements that show `run` without `chars`: kept bytes as strings, each taken-out
    stretch as a move by its width, so the rest of the line stays where it was."""
    elements: list[Any] = []
    cursor = 0
    for start, end in _segments(chars):
        if start > cursor:
            elements.append(ByteStringObject(run.raw[cursor:start]))
        width = run.font.get_text_width(run.text[start:end])
        elements.append(FloatObject(-round(width, 3)))
        cursor = end
    if cursor < len(run.text) and run.single_byte:
        elements.append(ByteStringObject(run.raw[cursor:]))
    return elements


def _rebuild(operations: list[Any], runs: list[_Run], removed: dict[int, set[int]]) -> list[Any]:
    """The operations with the text-showing ones that lose characters rewritten as TJ."""
    touched: dict[int, dict[int | None, int]] = {}
    for number in removed:
        touched.setdefault(runs[number].op, {})[runs[number].element] = number
    rebuilt: list[Any] = []
    for index, (operands, operator) in enumerate(operations):
        if index not in touched:
            rebuilt.append((operands, operator))
            continue
        if operator == b"TJ":
            elements = list(enumerate(operands[0]))
        else:
            elements = [(None, operands[-1])]
            if operator == b"'":
                rebuilt.append(([], b"T*"))
            elif operator == b'"':  # word and character spacing, then the next line
                rebuilt += [([operands[0]], b"Tw"), ([operands[1]], b"Tc"), ([], b"T*")]
        array = ArrayObject()
        for element, value in elements:
            number = touched[index].get(element)
            if number is None:
                array.append(value)
            else:
                array.extend(_cut(runs[number], removed[number]))
        rebuilt.append(([array], b"TJ"))
    return rebuilt


def _box(run: _Run, start: int, end: int) -> list[float]:
    """x, y, width, height of a black box over characters [start, end) of `run`."""
    before = run.font.get_text_width(run.text[:start]) / 1000 * run.size
    width = run.font.get_text_width(run.text[start:end]) / 1000 * run.size
    m = run.matrix
    x, y = m[4] + before * m[0], m[5] + before * m[1]
    scale = (m[0] ** 2 + m[1] ** 2) ** 0.5 or 1.0
    height = run.size * ((m[2] ** 2 + m[3] ** 2) ** 0.5 or 1.0)
    return [x, y - 0.25 * height, max(width * scale, 1.0), height * 1.15]
