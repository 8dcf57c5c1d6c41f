"""Builds real HWP 5 files for tests, without Hangul and without an OLE writer library.

olefile only reads, and no maintained PyPI package writes compound files, so this writes
the container itself: a Compound File Binary (MS-CFB) version 3 file with 512-byte sectors,
a FAT, a mini stream with its mini FAT for streams under 4096 bytes, and a directory whose
siblings form a balanced tree in CFB name order. Inside it go the streams an HWP 5 file has
(FileHeader, DocInfo, BodyText/SectionN, plus a script and a preview stream that a text
extractor must ignore), with BodyText holding HWP records deflated without a zlib header.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass, field
from pathlib import Path

MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
SECTOR, MINI_SECTOR, MINI_CUTOFF = 512, 64, 4096
ENDOFCHAIN, FREESECT, FATSECT, NOSTREAM = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF

# HWP FileHeader property bits (HWP 5.0 format, "FileHeader" section).
COMPRESSED, PASSWORD, DISTRIBUTION, DRM = 1, 2, 4, 16

TAG_DOCUMENT_PROPERTIES = 16
TAG_PARA_HEADER, TAG_PARA_TEXT, TAG_PARA_CHAR_SHAPE, TAG_PARA_LINE_SEG = 66, 67, 68, 69
TAG_CTRL_HEADER, TAG_LIST_HEADER, TAG_TABLE = 71, 72, 77


@dataclass
class _Entry:
    name: str
    kind: int  # 1 storage, 2 stream, 5 root
    data: bytes = b""
    children: dict[str, _Entry] = field(default_factory=dict)
    start: int = ENDOFCHAIN
    left: int = NOSTREAM
    right: int = NOSTREAM
    child: int = NOSTREAM


def _cfb_key(name: str) -> tuple[int, str]:
    # MS-CFB 2.6.4: shorter names sort first, then by upper-cased name.
    return len(name), name.upper()


def build_cfb(streams: dict[str, bytes]) -> bytes:
    """A compound file holding `streams`, keyed by "Storage/Stream" paths."""
    root = _Entry("Root Entry", 5)
    for path, data in streams.items():
        *storages, leaf = path.split("/")
        node = root
        for name in storages:
            node = node.children.setdefault(name, _Entry(name, 1))
        node.children[leaf] = _Entry(leaf, 2, data)

    entries = [root]
    for entry in entries:  # breadth-first; appending while iterating is intended
        entries.extend(sorted(entry.children.values(), key=lambda e: _cfb_key(e.name)))
    ids = {id(entry): number for number, entry in enumerate(entries)}
    for entry in entries:
        ordered = sorted(entry.children.values(), key=lambda e: _cfb_key(e.name))
        entry.child = _balanced(ordered, ids)

    sectors: list[bytes] = []
    fat: list[int] = []

    def allocate(data: bytes) -> int:
        if not data:
            return ENDOFCHAIN
        first = len(sectors)
        chunks = [data[i : i + SECTOR].ljust(SECTOR, b"\0") for i in range(0, len(data), SECTOR)]
        for offset, chunk in enumerate(chunks):
            sectors.append(chunk)
            fat.append(first + offset + 1 if offset < len(chunks) - 1 else ENDOFCHAIN)
        return first

    mini_stream = bytearray()
    mini_fat: list[int] = []
    for entry in entries:
        if entry.kind != 2:
            entry.start = 0 if entry.kind == 1 else entry.start
            continue
        if len(entry.data) >= MINI_CUTOFF:
            entry.start = allocate(entry.data)
        elif entry.data:
            entry.start = len(mini_stream) // MINI_SECTOR
            count = -(-len(entry.data) // MINI_SECTOR)
            mini_stream += entry.data.ljust(count * MINI_SECTOR, b"\0")
            mini_fat += [entry.start + i + 1 for i in range(count - 1)] + [ENDOFCHAIN]
    root.start = allocate(bytes(mini_stream))
    root.data = bytes(mini_stream)  # only its length is recorded, as the root's size

    mini_fat_bytes = struct.pack(f"<{len(mini_fat)}I", *mini_fat)
    mini_fat_bytes += b"\xff" * (-len(mini_fat_bytes) % SECTOR)
    mini_fat_start = allocate(mini_fat_bytes) if mini_fat else ENDOFCHAIN
    mini_fat_count = len(mini_fat_bytes) // SECTOR if mini_fat else 0

    directory = b"".join(_dir_entry(entry) for entry in entries)
    while len(directory) % SECTOR:
        directory += _empty_dir_entry()
    dir_start = allocate(directory)

    fat_count = 1
    while fat_count * (SECTOR // 4) < len(sectors) + fat_count:
        fat_count += 1
    fat_sectors = list(range(len(sectors), len(sectors) + fat_count))
    fat += [FATSECT] * fat_count
    fat += [FREESECT] * (fat_count * (SECTOR // 4) - len(fat))
    fat_bytes = struct.pack(f"<{len(fat)}I", *fat)
    sectors += [fat_bytes[i : i + SECTOR] for i in range(0, len(fat_bytes), SECTOR)]

    difat = fat_sectors + [FREESECT] * (109 - len(fat_sectors))
    header = struct.pack(
        "<8s16sHHHHH6sIIIIIIIII",
        MAGIC,
        b"\0" * 16,
        0x003E,  # minor version
        3,  # major version: 512-byte sectors
        0xFFFE,  # little-endian
        9,  # sector shift: 2**9
        6,  # mini sector shift: 2**6
        b"\0" * 6,
        0,  # directory sector count: must be 0 in version 3
        fat_count,
        dir_start,
        0,  # transaction signature
        MINI_CUTOFF,
        mini_fat_start,
        mini_fat_count,
        ENDOFCHAIN,  # no DIFAT sectors: the 109 header slots are enough
        0,
    ) + struct.pack("<109I", *difat)
    return header + b"".join(sectors)


def _balanced(ordered: list[_Entry], ids: dict[int, int]) -> int:
    """Make `ordered` a balanced binary tree through left/right links; return its root id."""
    if not ordered:
        return NOSTREAM
    middle = len(ordered) // 2
    node = ordered[middle]
    node.left = _balanced(ordered[:middle], ids)
    node.right = _balanced(ordered[middle + 1 :], ids)
    return ids[id(node)]


def _dir_entry(entry: _Entry) -> bytes:
    name = entry.name.encode("utf-16-le") + b"\0\0"
    return struct.pack(
        "<64sHBBIII16sIQQIQ",
        name,
        len(name),
        entry.kind,
        1,  # black: a perfectly balanced tree of black nodes is a valid red-black tree
        entry.left,
        entry.right,
        entry.child,
        b"\0" * 16,
        0,
        0,
        0,
        entry.start if entry.kind != 1 else 0,
        len(entry.data),
    )


def _empty_dir_entry() -> bytes:
    return struct.pack(
        "<64sHBBIII16sIQQIQ", b"", 0, 0, 0, NOSTREAM, NOSTREAM, NOSTREAM, b"", 0, 0, 0, 0, 0
    )


# --- HWP records -------------------------------------------------------------------------


def record(tag: int, payload: bytes, level: int = 0) -> bytes:
    """One HWP record: header (tag 10 bits, level 10 bits, size 12 bits) and payload."""
    if len(payload) >= 0xFFF:
        return struct.pack("<II", tag | level << 10 | 0xFFF << 20, len(payload)) + payload
    return struct.pack("<I", tag | level << 10 | len(payload) << 20) + payload


def control(code: int, ctrl_id: str = "    ") -> bytes:
    """An 8-unit extended/inline control: code, a 4-char control id, 4 units of parameters,
    code again. The id bytes are arbitrary binary as far as the text is concerned."""
    chid = (ord(ctrl_id[0]) << 24) | (ord(ctrl_id[1]) << 16) | (ord(ctrl_id[2]) << 8)
    chid |= ord(ctrl_id[3])
    return struct.pack("<HI4HH", code, chid, 0, 0, 0, 0, code)


def paragraph(pieces: list[str | bytes], level: int = 0) -> bytes:
    """PARA_HEADER, PARA_TEXT, CHAR_SHAPE and LINE_SEG records for one paragraph; `pieces`
    mixes text with control() units, and the paragraph break (13) is appended."""
    text = b"".join(p.encode("utf-16-le") if isinstance(p, str) else p for p in pieces)
    text += struct.pack("<H", 13)
    header = struct.pack("<IIHBBHHHIH", len(text) // 2, 0, 0, 0, 0, 1, 0, 1, 0, 0)
    return (
        record(TAG_PARA_HEADER, header, level)
        + record(TAG_PARA_TEXT, text, level + 1)
        + record(TAG_PARA_CHAR_SHAPE, struct.pack("<II", 0, 0), level + 1)
        + record(TAG_PARA_LINE_SEG, bytes(36), level + 1)
    )


def table(cells: list[str], level: int = 1) -> bytes:
    """The records that follow a paragraph holding a table control: one row of cells."""
    out = record(TAG_CTRL_HEADER, b" lbt" + bytes(40), level)  # "tbl " as a little-endian id
    out += record(TAG_TABLE, struct.pack("<IHH", 0, 1, len(cells)) + bytes(18), level + 1)
    for cell in cells:
        out += record(TAG_LIST_HEADER, struct.pack("<HI", 1, 0) + bytes(40), level + 1)
        out += paragraph([cell], level + 1)
    return out


def file_header(flags: int, version: tuple[int, int, int, int] = (5, 1, 1, 0)) -> bytes:
    packed_version = (version[0] << 24) | (version[1] << 16) | (version[2] << 8) | version[3]
    head = b"HWP Document File".ljust(32, b"\0") + struct.pack("<II", packed_version, flags)
    return head.ljust(256, b"\0")


def build_hwp(sections: list[bytes], flags: int = COMPRESSED) -> bytes:
    """An HWP 5 document whose BodyText sections hold the given record bytes."""

    def pack(data: bytes) -> bytes:
        if not flags & COMPRESSED:
            return data
        deflater = zlib.compressobj(9, zlib.DEFLATED, -15)  # raw deflate, as Hangul writes
        return deflater.compress(data) + deflater.flush()

    streams = {
        "FileHeader": file_header(flags),
        "DocInfo": pack(
            record(TAG_DOCUMENT_PROPERTIES, struct.pack("<H7I", len(sections), 1, 1, 1, 1, 1, 1, 0))
        ),
        "\x05HwpSummaryInformation": bytes(64),
        "PrvText": "PREVIEW_STREAM_TEXT".encode("utf-16-le"),
        "Scripts/DefaultJScript": pack(b"SCRIPT_STREAM_TEXT; app.Run('calc.exe')"),
        "Scripts/JScriptVersion": pack(struct.pack("<II", 1, 0)),
    }
    for number, body in enumerate(sections):
        streams[f"BodyText/Section{number}"] = pack(body)
    return build_cfb(streams)


def write_hwp(path: Path, sections: list[bytes], flags: int = COMPRESSED) -> Path:
    path.write_bytes(build_hwp(sections, flags))
    return path
