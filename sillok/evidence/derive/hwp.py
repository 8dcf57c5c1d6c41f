"""Text from Hangul Word Processor files: HWP 5.x (OLE compound file) and HWPX (zip + XML).

HWP files are a common malware carrier (embedded scripts, OLE objects, exploit-laden
streams), so this module only reads: it opens the FileHeader and BodyText streams, inflates
them under a size budget, and decodes paragraph-text records. Scripts, BinData and every
other stream are never touched.

Format reference: Hancom, "HWP 5.0 File Format" (revision 1.3) and KS X 6101 (OWPML/HWPX).
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import ParseError

import defusedxml
import olefile
from defusedxml import ElementTree

from .base import DerivationError

HWP_TYPES = frozenset(
    {"application/x-hwp", "application/haansofthwp", "application/vnd.hancom.hwp"}
)
# What content sniffing calls an OLE compound file when it does not recognise HWP in it.
OLE_TYPES = frozenset({"application/x-ole-storage", "application/cdfv2", "application/x-cfb"})
HWPX_TYPES = frozenset(
    {
        "application/hwp+zip",
        "application/x-hwp+zip",
        "application/vnd.hancom.hwpx",
        "application/haansofthwpx",
    }
)

HWP_SIGNATURE = b"HWP Document File"
# Decompressed text of a real document is a few MB; anything past this is a bomb.
MAX_INFLATED_BYTES = 200 * 1024 * 1024
MAX_XML_MEMBER_BYTES = 64 * 1024 * 1024

_FLAG_COMPRESSED = 1 << 0
_REFUSED_FLAGS = {
    1 << 1: "it is protected with a password",
    1 << 2: "it is a distribution-only (배포용) document whose text is encrypted",
    1 << 4: "it is DRM-protected",
    1 << 8: "it is encrypted with a certificate",
    1 << 10: "it is DRM-protected with a certificate",
}

_TAG_PARA_TEXT = 16 + 51  # HWPTAG_BEGIN + 51
_SECTION = re.compile(r"section(\d+)", re.IGNORECASE)

# Control characters in PARA_TEXT. Extended and inline controls occupy 8 UTF-16 units (the
# code, 6 units of parameters, the code again); char controls occupy one. Tab (9) is an
# inline control but still means a tab in the text.
_EIGHT_UNIT_CONTROLS = frozenset({1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, *range(14, 24)})
_CONTROL_TEXT = {9: "\t", 10: "\n", 13: "\n", 24: "-", 30: " ", 31: " "}

_DAMAGE = (OSError, ValueError, IndexError, KeyError, struct.error, zlib.error, EOFError)


def is_hwp5(path: Path) -> bool:
    """An OLE compound file with an HWP FileHeader stream. A compound file too damaged to
    open is a DerivationError: whatever it was meant to be, nothing can be read from it."""
    if not olefile.isOleFile(str(path)):
        return False
    try:
        with olefile.OleFileIO(str(path)) as ole:
            if not ole.exists("FileHeader"):
                return False
            return ole.openstream("FileHeader").read(32).startswith(HWP_SIGNATURE)
    except _DAMAGE as exc:
        raise DerivationError(f"the OLE compound file is damaged ({exc})") from exc


def is_hwpx(path: Path) -> bool:
    """A zip whose "mimetype" part says HWPX. Content sniffing (libmagic) reports these as
    plain application/zip; intake can use this to name the type."""
    try:
        with zipfile.ZipFile(path) as zf:
            return zf.open("mimetype").read(64).strip() == b"application/hwp+zip"
    except (zipfile.BadZipFile, KeyError, OSError):
        return False


def refuse_hwp3(path: Path) -> None:
    """HWP 3.x (before 2002) is a different, non-OLE format that starts with the same words."""
    with path.open("rb") as fh:
        head = fh.read(32)
    if head.startswith(HWP_SIGNATURE):
        raise DerivationError(
            "this is an HWP 3.x document (before HWP 2002), which is not supported; "
            "convert it to HWP 5 or HWPX with Hangul"
        )


def hwp5_text(path: Path, max_bytes: int = MAX_INFLATED_BYTES) -> tuple[str, dict[str, Any]]:
    """Text of every BodyText section of an HWP 5.x file, and facts about the file."""
    try:
        with olefile.OleFileIO(str(path)) as ole:
            version, flags = _read_file_header(ole)
            sections = _section_streams(ole)
            budget = max_bytes
            parts = []
            for stream in sections:
                if ole.get_size(stream) > budget:
                    raise DerivationError(_bomb_message(max_bytes))
                data = ole.openstream(stream).read()
                if flags & _FLAG_COMPRESSED:
                    data = _inflate(data, budget, "/".join(stream), max_bytes)
                budget -= len(data)
                parts.append(_section_text(data, "/".join(stream)))
    except DerivationError:
        raise
    except _DAMAGE as exc:
        raise DerivationError(f"the HWP file is damaged and cannot be read ({exc})") from exc
    details = {
        "format": "hwp5",
        "hwp_version": version,
        "sections": len(sections),
        "compressed": bool(flags & _FLAG_COMPRESSED),
    }
    return "".join(parts), details


def _read_file_header(ole: olefile.OleFileIO) -> tuple[str, int]:
    if not ole.exists("FileHeader"):
        raise DerivationError("not an HWP document: the file has no FileHeader stream")
    header = ole.openstream("FileHeader").read(256)
    if not header.startswith(HWP_SIGNATURE) or len(header) < 40:
        raise DerivationError("not an HWP document: the FileHeader signature is missing")
    version_raw, flags = struct.unpack_from("<II", header, 32)
    version = ".".join(str(version_raw >> shift & 0xFF) for shift in (24, 16, 8, 0))
    if version_raw >> 24 != 5:
        raise DerivationError(f"HWP version {version} is not supported (only 5.x)")
    for flag, why in _REFUSED_FLAGS.items():
        if flags & flag:
            raise DerivationError(f"the HWP document cannot be read because {why}")
    return version, flags


def _section_streams(ole: olefile.OleFileIO) -> list[list[str]]:
    sections = []
    for entry in ole.listdir(streams=True, storages=False):
        if len(entry) == 2 and entry[0].lower() == "bodytext":
            match = _SECTION.fullmatch(entry[1])
            if match:
                sections.append((int(match.group(1)), entry))
    if not sections:
        raise DerivationError("the HWP document has no BodyText sections")
    return [entry for _, entry in sorted(sections)]


def _bomb_message(limit: int) -> str:
    return (
        f"the document expands to more than {limit // (1024 * 1024)} MB of content; "
        "refused as a likely decompression bomb"
    )


def _inflate(data: bytes, limit: int, where: str, max_bytes: int) -> bytes:
    """Raw deflate (no zlib header), stopping one byte past `limit`."""
    inflater = zlib.decompressobj(-15)
    try:
        out = inflater.decompress(data, limit + 1)
    except zlib.error as exc:
        raise DerivationError(f"{where} is not valid compressed data ({exc})") from exc
    if len(out) > limit:
        raise DerivationError(_bomb_message(max_bytes))
    return out


def _section_text(data: bytes, where: str) -> str:
    parts = []
    for tag, payload in _records(data, where):
        if tag == _TAG_PARA_TEXT:
            parts.append(para_text(payload))
    return "".join(parts)


def _records(data: bytes, where: str) -> Iterator[tuple[int, memoryview]]:
    """Walk record headers: tag id (10 bits), level (10 bits), size (12 bits; 0xFFF means
    the real size follows as a 32-bit integer)."""
    view = memoryview(data)
    pos, end = 0, len(data)
    while pos + 4 <= end:
        (header,) = struct.unpack_from("<I", data, pos)
        pos += 4
        tag, size = header & 0x3FF, header >> 20
        if size == 0xFFF:
            if pos + 4 > end:
                raise DerivationError(f"{where} is truncated inside a record header")
            (size,) = struct.unpack_from("<I", data, pos)
            pos += 4
        if pos + size > end:
            raise DerivationError(f"{where} is truncated: a record runs past its end")
        yield tag, view[pos : pos + size]
        pos += size


def para_text(payload: bytes | memoryview) -> str:
    """Decode one HWPTAG_PARA_TEXT payload (UTF-16LE with embedded control codes).

    Works on 16-bit units rather than decoded characters so that control parameters (binary,
    which can look like surrogates) are skipped by count and never merge with real text.
    """
    raw = bytes(payload)
    n = len(raw) // 2
    units = struct.unpack(f"<{n}H", raw[: 2 * n])
    out, start, i = [], 0, 0
    while i < n:
        code = units[i]
        if code >= 32:
            i += 1
            continue
        out.append(raw[2 * start : 2 * i].decode("utf-16-le", "replace"))
        out.append(_CONTROL_TEXT.get(code, ""))
        i += 8 if code in _EIGHT_UNIT_CONTROLS else 1
        start = i
    if start < n:
        out.append(raw[2 * start : 2 * n].decode("utf-16-le", "replace"))
    return "".join(out)


def hwpx_text(path: Path) -> tuple[str, dict[str, Any]]:
    """Text of every Contents/section*.xml in an HWPX container, a paragraph per line."""
    try:
        with zipfile.ZipFile(path) as zf:
            _check_hwpx_mimetype(zf)
            sections = sorted(
                (int(m.group(1)), name)
                for name in zf.namelist()
                if (m := re.fullmatch(r"Contents/section(\d+)\.xml", name, re.IGNORECASE))
            )
            if not sections:
                raise DerivationError("the HWPX file has no Contents/section*.xml parts")
            parts = [_xml_section_text(_read_member(zf, name)) for _, name in sections]
    except zipfile.BadZipFile as exc:
        raise DerivationError(f"the HWPX file is not a valid zip container ({exc})") from exc
    return "".join(parts), {"format": "hwpx", "sections": len(sections)}


def _check_hwpx_mimetype(zf: zipfile.ZipFile) -> None:
    try:
        mimetype = zf.open("mimetype").read(64).decode("ascii", "replace").strip()
    except KeyError:
        return  # optional in practice: some writers omit it
    if mimetype != "application/hwp+zip":
        raise DerivationError(f"not an HWPX document: its mimetype part says {mimetype!r}")


def _read_member(zf: zipfile.ZipFile, name: str) -> bytes:
    # file_size in the directory can lie; the bounded read is what actually protects us.
    with zf.open(name) as member:
        data = member.read(MAX_XML_MEMBER_BYTES + 1)
    if len(data) > MAX_XML_MEMBER_BYTES:
        raise DerivationError(
            f"{name} in the HWPX file is larger than {MAX_XML_MEMBER_BYTES // 2**20} MB; refused"
        )
    return data


def _xml_section_text(data: bytes) -> str:
    out: list[str] = []
    try:
        # iterparse, not a recursive walk: hostile nesting depth cannot exhaust the stack.
        for event, elem in ElementTree.iterparse(
            io.BytesIO(data), events=("start", "end"), forbid_dtd=True
        ):
            namespace, _, local = elem.tag.rpartition("}")
            if not namespace.startswith("{http://www.hancom.co.kr/hwpml/"):
                continue
            if event == "start":
                # A paragraph nested in a table cell starts on its own line.
                if local == "p" and out and not out[-1].endswith("\n"):
                    out.append("\n")
            elif local == "t":
                out.append(_t_text(elem))
                elem.clear()
            elif local == "p":
                out.append("\n")
                elem.clear()
    except (ParseError, defusedxml.DefusedXmlException) as exc:
        raise DerivationError(f"a section of the HWPX file is not valid XML ({exc})") from exc
    return "".join(out)


_INLINE_XML = {"tab": "\t", "lineBreak": "\n", "nbSpace": " ", "fwSpace": " ", "hyphen": "-"}


def _t_text(elem: Any) -> str:
    parts = [elem.text or ""]
    for child in elem:
        parts.append(_INLINE_XML.get(child.tag.rpartition("}")[2], ""))
        parts.append(child.tail or "")
    return "".join(parts)
