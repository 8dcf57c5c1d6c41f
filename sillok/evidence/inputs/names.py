"""File names that are safe to store, show and hand back to a user's operating system.

A file name travels from the user's disk (or a zip header) into the database, into web pages,
into export folders on someone else's computer. Along the way it is dangerous if it contains:

* NUL and other C0/C1 control characters: they truncate names in C code, break terminals
  (``\\x1b[`` escape sequences) and CSV/log lines (newlines);
* bidirectional override characters (U+202A..U+202E, U+2066..U+2069): the classic
  "invoice_u202Efdp.exe" trick makes an executable look like ``invoice_exe.pdf``;
* path separators, ``.`` and ``..``: a "name" must never be a path;
* bytes that are not UTF-8: the name cannot be shown or stored as text, and Python hands it
  to us as a string with lone surrogates (``os.fsdecode``'s surrogateescape) that crash
  anything that encodes it later.

Everything else is a legitimate name, Korean and any other script included: we do not
transliterate, lower-case or "slugify" names, because the name is part of the evidence.
Names are normalised to NFC so that the same name typed on macOS (which stores NFD) and on
Windows compares equal; the 255-byte limit is the common file-system limit (ext4, APFS, NTFS
in UTF-16 is more generous), measured after normalisation.
"""

from __future__ import annotations

import unicodedata

from .errors import RejectedInput

MAX_NAME_BYTES = 255

# Explicit embeddings, overrides and isolates. LRM/RLM (U+200E/U+200F) are left alone: they
# are invisible marks that Hebrew and Arabic text legitimately contains and cannot reorder
# a run of characters on their own.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def shown(name: str) -> str:
    """``name`` quoted for a message, with anything invisible or unprintable escaped."""
    out = []
    for ch in name:
        code = ord(ch)
        if 0xDC80 <= code <= 0xDCFF:  # a raw byte smuggled in by surrogateescape
            out.append(f"\\x{code - 0xDC00:02x}")
        elif 0xD800 <= code <= 0xDFFF or ch in BIDI_CONTROLS:
            out.append(f"\\u{code:04x}")
        elif unicodedata.category(ch) == "Cc":
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
        else:
            out.append(ch)
    return "'" + "".join(out) + "'"


def check_filename(name: str | bytes) -> str:
    """Return ``name`` NFC-normalised, or raise ``RejectedInput("bad_filename")``.

    ``name`` is one path component. Bytes must be UTF-8; a string from ``os.fsdecode`` that
    carries undecodable bytes as lone surrogates is refused the same way.
    """
    if isinstance(name, bytes):
        try:
            name = name.decode("utf-8")
        except UnicodeDecodeError:
            raw = name.decode("utf-8", errors="surrogateescape")
            raise _bad(raw, "is not valid UTF-8") from None
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        raise _bad(name, "is not valid UTF-8 (it holds raw bytes of another encoding)") from None
    name = unicodedata.normalize("NFC", name)
    problem = _problem(name)
    if problem:
        raise _bad(name, problem)
    return name


def _problem(name: str) -> str:
    if not name:
        return "is empty"
    if name in (".", ".."):
        return "is not a file name"
    if not name.strip():
        return "consists only of spaces"
    if "/" in name or "\\" in name:
        return "contains a path separator ('/' or '\\')"
    for ch in name:
        if ch == "\x00":
            return "contains a NUL byte"
        if unicodedata.category(ch) == "Cc":
            return f"contains the control character {shown(ch)}"
        if ch in BIDI_CONTROLS:
            return (
                f"contains the bidirectional control character U+{ord(ch):04X}, "
                "which can disguise the real extension"
            )
    size = len(name.encode("utf-8"))
    if size > MAX_NAME_BYTES:
        return f"is {size} bytes long in UTF-8; the limit is {MAX_NAME_BYTES}"
    return ""


def _bad(name: str, problem: str) -> RejectedInput:
    return RejectedInput("bad_filename", f"file name {shown(name)} {problem}")
