"""What a file really is (from its bytes) and whether it may come in as it is.

Detection uses libmagic on the first megabyte only, so a 40 GB video costs one small read.
libmagic is vague about containers, so we look inside them where that is cheap and bounded:

* OLE compound files: HWP 5 is an OLE file whose ``FileHeader`` stream starts with
  "HWP Document File"; older libmagic builds call it ``application/x-ole-storage``.
* Zip files: the central directory (at the end of the file; ``zipfile`` seeks to it) says
  whether this is a plain archive or a document that happens to be a zip (OOXML, HWPX,
  OpenDocument, EPUB, JAR). The walker expands only plain archives, so this matters.
* ISO media (MP4/M4A/MOV): the ``ftyp`` brand, then the track handlers in the first and last
  megabyte (the ``moov`` box is at one end or the other), tell audio from video. Android
  voice recorders write ``.m4a`` files that libmagic calls ``video/mp4``.
* Ogg: the codec of the first logical stream (Vorbis/Opus/FLAC/Speex audio, Theora video).

``check_content`` is the gate before a file is stored: size, honesty of the extension
(see ``extensions``) and, for the main formats, a structural check (see ``integrity``).
Types are bare (``text/plain``, no charset): charset is a property the text derivers find.
"""

from __future__ import annotations

import os
import re
import stat
import threading
import zipfile
from pathlib import Path

import magic
import olefile

from . import integrity
from .errors import RejectedInput
from .extensions import EXECUTABLE_TYPES, OCTET_STREAM, ZIP_TYPES, family_for
from .integrity import OLE_MAGIC
from .names import shown

HEAD_BYTES = 1024 * 1024
# What libmagic is shown. Its text heuristics scan the whole buffer (about 2 ms for a MiB of
# text, the bulk of a small file's intake), and every binary signature it knows sits in the
# first few KiB; the refinements below still read the full head where they need it.
MAGIC_BYTES = 64 * 1024
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")

# libmagic spellings we replace with the registered type, so callers compare one string.
ALIASES = {
    "audio/x-m4a": "audio/mp4",
    "image/x-ms-bmp": "image/bmp",
    "application/x-zip-compressed": "application/zip",
}

OOXML_MAIN_PARTS = {
    "word/document.xml": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xl/workbook.xml": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ppt/presentation.xml": (
        "application/vnd.openxmlformats-officedocument.presentationml.presentation"
    ),
}
# The "mimetype" member of ODF, EPUB and HWPX packages; only these values are believed.
PACKAGE_MIMETYPE = re.compile(
    r"application/(hwp\+zip|epub\+zip|vnd\.oasis\.opendocument\.[a-z.-]+)"
)
AUDIO_BRANDS = {b"M4A ", b"M4B ", b"M4P ", b"F4A ", b"F4B "}


_local = threading.local()


def _detector() -> magic.Magic:
    # One libmagic handle per thread: python-magic's shared handle takes a lock per call, and
    # intake checks files on several threads at once.
    if not hasattr(_local, "magic"):
        _local.magic = magic.Magic(mime=True)
    return _local.magic


def read_head(path: Path, size: int = HEAD_BYTES) -> bytes:
    """The first ``size`` bytes, or RejectedInput("unreadable")."""
    try:
        with open(path, "rb") as f:
            return f.read(size)
    except OSError as exc:
        raise unreadable(path.name, exc) from None


def unreadable(name: str, exc: OSError) -> RejectedInput:
    return RejectedInput("unreadable", f"{shown(name)} cannot be read: {exc.strerror or exc}")


def detect_media_type(path: Path) -> str:
    """The bare media type of the file at ``path``, judged from its content."""
    head = read_head(path)
    detected = _detector().from_buffer(head[:MAGIC_BYTES])
    detected = ALIASES.get(detected, detected)
    if head.startswith(OLE_MAGIC):
        return _refine_ole(path, detected)
    if head.startswith(ZIP_MAGICS):
        return _refine_zip(path, detected)
    if head[4:8] == b"ftyp":
        return _refine_iso_media(path, head, detected)
    if head.startswith(b"OggS"):
        return _refine_ogg(head, detected)
    return detected


def _refine_ole(path: Path, detected: str) -> str:
    try:
        with olefile.OleFileIO(str(path)) as ole:
            if not ole.exists("FileHeader"):
                return detected
            with ole.openstream("FileHeader") as stream:
                signature = stream.read(17)
    except Exception:  # a broken OLE file keeps libmagic's answer; check_content judges it
        return detected
    return "application/x-hwp" if signature == b"HWP Document File" else detected


def _refine_zip(path: Path, detected: str) -> str:
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
            package = _package_mimetype(zf)
    except Exception:  # truncated or hostile: keep libmagic's answer, check_content judges it
        return detected
    if package:
        return package
    if "[Content_Types].xml" in names:
        for part, media_type in OOXML_MAIN_PARTS.items():
            if part in names:
                return media_type
    if "META-INF/MANIFEST.MF" in names:
        return "application/java-archive"
    if detected in ZIP_TYPES or detected == OCTET_STREAM:
        return "application/zip"
    return detected


def _package_mimetype(zf: zipfile.ZipFile) -> str:
    try:
        info = zf.getinfo("mimetype")
    except KeyError:
        return ""
    if info.file_size > 100 or info.flag_bits & 0x1:
        return ""
    value = zf.read(info).decode("ascii", errors="replace").strip()
    return value if PACKAGE_MIMETYPE.fullmatch(value) else ""


def _refine_iso_media(path: Path, head: bytes, detected: str) -> str:
    if head[8:12] in AUDIO_BRANDS:
        return "audio/mp4"
    if head[8:12] == b"qt  " or not detected.startswith(("video/", "audio/")):
        return detected
    handlers = _track_handlers(head) | _track_handlers(_tail(path, len(head)))
    if b"soun" in handlers and b"vide" not in handlers:
        return "audio/mp4"
    return detected


def _tail(path: Path, after: int) -> bytes:
    """The last megabyte of the file, not overlapping the first ``after`` bytes."""
    try:
        with open(path, "rb") as f:
            size = f.seek(0, os.SEEK_END)
            if size <= after:
                return b""
            f.seek(max(after, size - HEAD_BYTES))
            return f.read(HEAD_BYTES)
    except OSError:
        return b""


def _track_handlers(data: bytes) -> set[bytes]:
    # hdlr box: type, 4 bytes version/flags, 4 bytes pre_defined, then the handler type.
    return {data[m.end() + 8 : m.end() + 12] for m in re.finditer(rb"hdlr", data)}


def _refine_ogg(head: bytes, detected: str) -> str:
    if len(head) < 28:
        return detected
    payload = head[27 + head[26] :]
    if payload.startswith((b"\x01vorbis", b"OpusHead", b"\x7fFLAC", b"Speex   ")):
        return "audio/ogg"
    if payload.startswith(b"\x80theora"):
        return "video/ogg"
    return detected


def check_content(path: Path, filename: str, media_type: str, *, max_bytes: int) -> None:
    """Refuse the file unless it is non-empty, within ``max_bytes``, honestly named and intact.

    ``filename`` is the checked name (its extension is what the user was promised);
    ``media_type`` is ``detect_media_type(path)``.
    """
    size = _regular_file_size(path, filename)
    if size == 0:
        raise RejectedInput("empty", f"{shown(filename)} is empty (0 bytes)")
    if size > max_bytes:
        raise RejectedInput(
            "too_large",
            f"{shown(filename)} is {_human(size)}, more than the limit of {_human(max_bytes)}",
        )
    family = family_for(filename)
    if family is not None and not family.accepts(media_type):
        what = (
            f"an executable program ({media_type})"
            if media_type in EXECUTABLE_TYPES
            else f"of type {media_type}"
        )
        raise RejectedInput(
            "type_mismatch",
            f"{shown(filename)} is named like {family.label} but its content is {what}",
        )
    integrity.check(path, filename, media_type, size)


def _regular_file_size(path: Path, filename: str) -> int:
    try:
        st = path.lstat()
        if stat.S_ISREG(st.st_mode):
            with open(path, "rb"):  # permission to read, not just to stat
                return st.st_size
    except OSError as exc:
        raise unreadable(filename, exc) from None
    if stat.S_ISLNK(st.st_mode):
        raise RejectedInput("symlink", f"{shown(filename)} is a symbolic link")
    raise RejectedInput("unreadable", f"{shown(filename)} is not a regular file")


def _human(size: int) -> str:
    if size < 1024:
        return f"{size} bytes"
    value = size / 1024
    for unit in ("KiB", "MiB", "GiB"):
        if value < 1024:
            return f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} TiB"
