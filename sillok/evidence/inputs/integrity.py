"""Is this file intact? Structural checks for the formats evidence mostly arrives in.

A truncated upload (a PDF cut off by a dropped connection, a photo copied off a failing
card) must be caught at intake, while the person who has the original is still at hand; a
month later, when someone needs it in a report, it is too late. Each check opens the
structure the way a viewer would and stops there:

* PDF: the ``%%EOF`` marker within the last 1024 bytes (what Acrobat requires), then pypdf
  parses the cross-reference table, trailer and page tree. pypdf runs with ``strict=False``
  because ``strict=True`` refuses many real scanner PDFs over harmless defects (wrong
  ``startxref`` offsets); the explicit marker check is what catches a file cut in half. The
  file is handed to pypdf as an open file, never as a path, because for a path pypdf reads
  the whole file into memory. Encrypted PDFs are evidence too: we try the empty password and
  otherwise stop after the trailer.
* JPEG/PNG/GIF/WebP/TIFF/BMP: Pillow ``verify()`` (chunk CRCs) and then a full ``load()``
  (truncated scan data), the latter only below ``MAX_DECODE_PIXELS`` so memory stays
  bounded (64 Mpx is about 250 MB of RGBA; an A4 page at 600 dpi is 35 Mpx). Larger images
  and Pillow's own decompression-bomb refusals are accepted on their parsed header: they
  are rare, and a huge scan is still evidence.
* Zip-based documents and archives: the central directory must parse and the small package
  manifest (``[Content_Types].xml``, ``mimetype``, ``META-INF/container.xml``) must
  decompress with a correct CRC. Members are not all decompressed: a PowerPoint with
  embedded video can be gigabytes.
* OLE files (HWP 5, legacy Word/Excel/PowerPoint): olefile parses the FAT and directory, and
  every stream up to ``MAX_OLE_STREAM`` is read back to its declared length; olefile returns
  short data for a truncated file rather than raising, so we compare lengths.

Audio and video are not checked beyond detection: a header check is all that is cheap, and
libmagic has already recognised the header.

These checks parse hostile input, so intake runs them in a sandboxed child process with
memory and time limits (``sillok.evidence.sandbox``). A ``MemoryError`` is therefore never
taken for damage: it goes up to the sandbox, which refuses the file as ``parse_limits``.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import olefile
from PIL import Image
from pypdf import PdfReader

from .errors import RejectedInput
from .extensions import OLE_GENERIC, is_zip_container
from .names import shown

MAX_DECODE_PIXELS = 64_000_000
MAX_OLE_STREAM = 64 * 1024 * 1024
PDF_EOF_WINDOW = 1024

PILLOW_FORMATS = {
    "image/jpeg": "JPEG",
    "image/png": "PNG",
    "image/apng": "PNG",
    "image/gif": "GIF",
    "image/webp": "WEBP",
    "image/tiff": "TIFF",
    "image/bmp": "BMP",
    "image/x-ms-bmp": "BMP",
}
OLE_TYPES = OLE_GENERIC | {
    "application/x-hwp",
    "application/msword",
    "application/vnd.ms-excel",
    "application/vnd.ms-powerpoint",
    "application/encrypted",
}
PACKAGE_MANIFESTS = ("[Content_Types].xml", "mimetype", "META-INF/container.xml")
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def check(path: Path, filename: str, media_type: str, size: int) -> None:
    """Raise RejectedInput("corrupt") if the file of ``media_type`` is structurally broken."""
    if media_type == "application/pdf":
        _check_pdf(path, filename, size)
    elif media_type in PILLOW_FORMATS:
        _check_image(path, filename, PILLOW_FORMATS[media_type])
    elif is_zip_container(media_type):
        _check_zip(path, filename)
    elif media_type in OLE_TYPES and _starts_with(path, OLE_MAGIC):
        _check_ole(path, filename, media_type)


def corrupt(filename: str, problem: str) -> RejectedInput:
    return RejectedInput("corrupt", f"{shown(filename)} {problem}")


def _starts_with(path: Path, magic: bytes) -> bool:
    with open(path, "rb") as f:
        return f.read(len(magic)) == magic


def _check_pdf(path: Path, filename: str, size: int) -> None:
    with open(path, "rb") as f:
        f.seek(max(0, size - PDF_EOF_WINDOW))
        if b"%%EOF" not in f.read():
            raise corrupt(filename, "is a truncated PDF: there is no %%EOF marker at its end")
        f.seek(0)
        try:
            reader = PdfReader(f, strict=False)
            encrypted = reader.is_encrypted
        except Exception as exc:  # pypdf raises many types on malformed input
            _memory_is_not_damage(exc)
            raise corrupt(filename, f"is not a readable PDF: {_reason(exc)}") from None
        if encrypted and not _opens_without_password(reader):
            return  # xref and trailer parsed; the page tree needs the owner's password
        try:
            len(reader.pages)
        except Exception as exc:
            _memory_is_not_damage(exc)
            raise corrupt(filename, f"is not a readable PDF: {_reason(exc)}") from None


def _opens_without_password(reader: PdfReader) -> bool:
    try:
        return bool(reader.decrypt(""))
    except Exception as exc:  # an algorithm pypdf cannot do is not damage
        _memory_is_not_damage(exc)
        return False


def _check_image(path: Path, filename: str, pillow_format: str) -> None:
    try:
        with Image.open(path, formats=[pillow_format]) as image:
            image.verify()
        with Image.open(path, formats=[pillow_format]) as image:
            if image.width * image.height <= MAX_DECODE_PIXELS:
                image.load()
    except Image.DecompressionBombError:
        return  # too many pixels to decode here; the header parsed, which is what we can afford
    except Exception as exc:  # Pillow raises OSError, SyntaxError, ValueError, EOFError…
        _memory_is_not_damage(exc)
        raise corrupt(filename, f"is a damaged {pillow_format} image: {_reason(exc)}") from None


def _check_zip(path: Path, filename: str) -> None:
    try:
        with zipfile.ZipFile(path) as zf:
            for info in zf.infolist():
                if info.filename in PACKAGE_MANIFESTS and info.file_size <= 16 * 1024 * 1024:
                    zf.read(info)  # decompresses and checks the CRC
    except RuntimeError:
        return  # an encrypted member: intact as far as we can tell without the password
    except Exception as exc:  # BadZipFile, EOFError, zlib.error, NotImplementedError…
        _memory_is_not_damage(exc)
        raise corrupt(filename, f"is a damaged zip container: {_reason(exc)}") from None


def _check_ole(path: Path, filename: str, media_type: str) -> None:
    try:
        with olefile.OleFileIO(str(path)) as ole:
            for entry in ole.listdir(streams=True, storages=False):
                expected = ole.get_size(entry)
                if expected > MAX_OLE_STREAM:
                    continue
                with ole.openstream(entry) as stream:
                    actual = len(stream.read())
                if actual != expected:
                    stream_name = "/".join(entry)
                    raise corrupt(
                        filename,
                        f"is truncated: its stream '{stream_name}' has {actual} of "
                        f"{expected} bytes",
                    )
            if media_type == "application/x-hwp" and not ole.exists("FileHeader"):
                raise corrupt(filename, "is an HWP document without its FileHeader stream")
    except RejectedInput:
        raise
    except Exception as exc:  # olefile raises OSError, struct.error, IndexError…
        _memory_is_not_damage(exc)
        raise corrupt(filename, f"is a damaged OLE document: {_reason(exc)}") from None


def _memory_is_not_damage(exc: BaseException) -> None:
    """Re-raise a MemoryError (also one a parser wrapped, as pypdf does in PdfReadError): it
    is the sandbox's memory limit speaking, which refuses the file as ``parse_limits``."""
    seen: BaseException | None = exc
    for _ in range(20):
        if seen is None:
            return
        if isinstance(seen, MemoryError):
            raise MemoryError from exc
        seen = seen.__cause__ or seen.__context__


def _reason(exc: BaseException) -> str:
    text = str(exc).strip()
    return text or type(exc).__name__
