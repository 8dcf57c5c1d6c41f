"""Text helpers shared by the text-producing derivers: decoding, cleaning, language, output."""

from __future__ import annotations

import codecs
import re
import unicodedata
from pathlib import Path
from typing import Any

import charset_normalizer

from .base import DerivationError, DerivedFile

TEXT_MEDIA_TYPE = "text/plain; charset=utf-8"

_BOMS = (
    # UTF-32 first: its little-endian BOM begins with the UTF-16 one.
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# C0/C1 controls other than tab, newline and form feed (the page separator) are noise from
# extractors and would break terminals that print the text.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0d-\x1f\x7f-\x9f]")
_BLANK_RUN = re.compile(r"\n{3,}")


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode bytes of unknown encoding; return (text, encoding name).

    Order matters: a BOM is authoritative; strict UTF-8 almost never matches other
    encodings by accident; then CP949 (a superset of EUC-KR) when it yields Korean, because
    statistical detectors misread short Korean snippets (e.g. as UTF-16); then
    charset-normalizer for everything else.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom) :].decode(encoding), encoding
            except UnicodeDecodeError as exc:
                raise DerivationError(
                    f"the text starts with a {encoding} byte-order mark but is not valid "
                    f"{encoding} (at byte {exc.start + len(bom)})"
                ) from exc
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    if b"\x00" not in data:
        try:
            text = data.decode("cp949")
        except UnicodeDecodeError:
            text = ""
        if text and _looks_korean(text):
            return text, "cp949"
    best = charset_normalizer.from_bytes(data).best()
    if best is None:
        raise DerivationError("the text encoding could not be determined (binary content?)")
    return str(best), best.encoding


def _looks_korean(text: str) -> bool:
    non_ascii = [c for c in text if ord(c) > 0x7F]
    hangul = sum(1 for c in non_ascii if _is_hangul(c))
    return bool(non_ascii) and hangul / len(non_ascii) >= 0.9


def _is_hangul(c: str) -> bool:
    o = ord(c)
    return 0xAC00 <= o <= 0xD7A3 or 0x1100 <= o <= 0x11FF or 0x3130 <= o <= 0x318F


def clean_text(text: str) -> str:
    """NFC, Unix newlines, no stray controls, no trailing blanks; "" when nothing is left.

    NFC because Korean arrives both as precomposed syllables and as conjoining jamo (macOS
    file names, some PDFs); search must see one form.
    """
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = _CONTROL.sub("", text)
    lines = [line.rstrip() for line in text.split("\n")]
    text = _BLANK_RUN.sub("\n\n", "\n".join(lines)).strip("\n")
    return text + "\n" if text.strip() else ""


def detect_language(text: str) -> str:
    """ "ko" when Hangul dominates the letters, "en" when Latin does, "" otherwise.

    A Hangul syllable block carries roughly what two or three Latin letters do, so Hangul is
    counted double; otherwise Korean prose with English terms would read as English.
    """
    hangul = latin = other = 0
    for c in text:
        if not c.isalpha():
            continue
        if _is_hangul(c):
            hangul += 1
        elif c.isascii() or unicodedata.name(c, "").startswith("LATIN"):
            latin += 1
        else:
            other += 1
    total = 2 * hangul + latin + other
    if not total:
        return ""
    if 2 * hangul / total >= 0.6:
        return "ko"
    if latin / total >= 0.6:
        return "en"
    return ""


def write_text_output(
    workdir: Path, name: str, kind: str, text: str, details: dict[str, Any]
) -> DerivedFile:
    """Write already-cleaned text as UTF-8 and describe it."""
    path = workdir / name
    path.write_text(text, encoding="utf-8", newline="\n")
    return DerivedFile(
        path=path,
        kind=kind,
        media_type=TEXT_MEDIA_TYPE,
        language=detect_language(text),
        details={**details, "characters": len(text)},
    )
