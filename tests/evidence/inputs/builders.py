"""Small real (and deliberately broken) input files, built in the test itself.

Hostile zips are written with ``zipfile`` and then patched byte by byte, because
``zipfile`` refuses (or silently repairs) what an attacker's tool writes: NUL bytes in
names, encrypted flags, sizes that lie, legacy-encoded names without the UTF-8 flag.
"""

from __future__ import annotations

import io
import struct
import zipfile
from pathlib import Path

from PIL import Image
from pypdf import PdfWriter

LOCAL_SIG, CENTRAL_SIG = b"PK\x03\x04", b"PK\x01\x02"


def write_zip(path: Path, members: dict[str, bytes], *, compression=zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", compression) as zf:
        for name, data in members.items():
            zf.writestr(zipfile.ZipInfo(name, (2020, 1, 1, 0, 0, 0)), data, compression)
    return path


def zip_bytes(members: dict[str, bytes], *, compression=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as zf:
        for name, data in members.items():
            zf.writestr(zipfile.ZipInfo(name, (2020, 1, 1, 0, 0, 0)), data, compression)
    return buffer.getvalue()


def rename_raw(data: bytes, placeholder: str, raw_name: bytes) -> bytes:
    """Swap an ASCII placeholder name for raw name bytes of the same length, in the local
    header and the central directory, leaving the UTF-8 flag as it was (off for ASCII)."""
    old = placeholder.encode("ascii")
    assert len(old) == len(raw_name), "placeholder and raw name must have the same length"
    assert data.count(old) == 2, "the placeholder must occur once per header"
    return data.replace(old, raw_name)


def patch_headers(data: bytes, index: int = 0, **fields: int) -> bytes:
    """Overwrite fields of member ``index`` in both its local and central headers.

    Fields: ``flag_bits``, ``crc``, ``compress_size``, ``file_size``.
    """
    local_offsets = {
        "flag_bits": (6, "<H"),
        "crc": (14, "<I"),
        "compress_size": (18, "<I"),
        "file_size": (22, "<I"),
    }
    central_offsets = {
        "flag_bits": (8, "<H"),
        "crc": (16, "<I"),
        "compress_size": (20, "<I"),
        "file_size": (24, "<I"),
    }
    buffer = bytearray(data)
    for signature, offsets in ((LOCAL_SIG, local_offsets), (CENTRAL_SIG, central_offsets)):
        start = _nth(buffer, signature, index)
        for name, value in fields.items():
            offset, fmt = offsets[name]
            struct.pack_into(fmt, buffer, start + offset, value)
    return bytes(buffer)


def _nth(buffer: bytearray, signature: bytes, index: int) -> int:
    position = -1
    for _ in range(index + 1):
        position = buffer.index(signature, position + 1)
    return position


def pdf_bytes(pages: int = 3) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(595, 842)
    writer.add_metadata({"/Title": "증언 기록"})
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def image_bytes(fmt: str, size: tuple[int, int] = (120, 80)) -> bytes:
    # Noise-like pixels so that compressed formats have real scan data to truncate.
    pixels = bytes((i * 7 + i // 13) % 256 for i in range(size[0] * size[1] * 3))
    image = Image.frombytes("RGB", size, pixels)
    buffer = io.BytesIO()
    image.save(buffer, fmt)
    return buffer.getvalue()


def ooxml_bytes(main_part: str) -> bytes:
    """A minimal OOXML package: content types, relationships and the main part."""
    return zip_bytes(
        {
            "[Content_Types].xml": b'<?xml version="1.0"?><Types/>',
            "_rels/.rels": b'<?xml version="1.0"?><Relationships/>',
            main_part: b'<?xml version="1.0"?><document/>',
        }
    )


def package_bytes(mimetype: str, members: dict[str, bytes]) -> bytes:
    """An ODF/EPUB/HWPX-style package: a stored ``mimetype`` member first."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(zipfile.ZipInfo("mimetype"), mimetype, zipfile.ZIP_STORED)
        for name, data in members.items():
            zf.writestr(name, data)
    return buffer.getvalue()


def hwp_bytes() -> bytes:
    """An HWP 5 document: an OLE compound file whose FileHeader names the format.

    Each stream is padded to 4096 bytes so that it lives in ordinary sectors and the file
    needs no mini stream. Layout: header, FAT sector, directory sector, stream sectors.
    """
    header = b"HWP Document File".ljust(32, b"\0") + struct.pack("<I", 0x05000300)
    streams = [("FileHeader", header), ("DocInfo", b"\x10\x00\x00\x00" * 8)]
    sector, end, free, fat_sect, nostream = 512, 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF
    fat = [fat_sect, end] + [free] * 126
    body, entries, next_sector = b"", [], 2
    for name, content in streams:
        content = content.ljust(4096, b"\0")
        count = len(content) // sector
        fat[next_sector : next_sector + count] = [*range(next_sector + 1, next_sector + count), end]
        entries.append((name, next_sector, len(content)))
        body += content
        next_sector += count

    def entry(name: str, kind: int, right: int, child: int, start: int, size: int) -> bytes:
        encoded = name.encode("utf-16-le") + b"\0\0"
        return (
            encoded.ljust(64, b"\0")
            + struct.pack("<HBBIII", len(encoded), kind, 1, nostream, right, child)
            + b"\0" * 36
            + struct.pack("<III", start, size, 0)
        )

    directory = entry("Root Entry", 5, nostream, 1, end, 0)
    for i, (name, start, size) in enumerate(entries):
        right = i + 2 if i + 1 < len(entries) else nostream
        directory += entry(name, 2, right, nostream, start, size)
    cfb_header = (
        bytes.fromhex("D0CF11E0A1B11AE1")
        + b"\0" * 16
        + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
        + b"\0" * 6
        + struct.pack("<9I", 0, 1, 1, 0, 4096, end, 0, end, 0)
        + struct.pack("<I", 0)
        + struct.pack("<I", free) * 108
    )
    return cfb_header + struct.pack("<128I", *fat) + directory.ljust(sector, b"\0") + body


def ogg_page(payload: bytes) -> bytes:
    """The first (beginning-of-stream) Ogg page carrying one codec header packet."""
    return b"OggS\x00\x02" + b"\0" * 20 + bytes([1, len(payload)]) + payload


def iso_media(brand: bytes, handlers: list[bytes]) -> bytes:
    """An ftyp box plus a moov box with one hdlr box per track handler type."""
    ftyp = struct.pack(">I", 24) + b"ftyp" + brand + b"\0\0\2\0" + brand + b"isom"
    hdlrs = b"".join(
        struct.pack(">I", 33) + b"hdlr" + b"\0" * 8 + kind + b"\0" * 12 + b"\0" for kind in handlers
    )
    moov = struct.pack(">I", 8 + len(hdlrs)) + b"moov" + hdlrs
    return ftyp + moov + struct.pack(">I", 16) + b"mdat" + b"\0" * 8
