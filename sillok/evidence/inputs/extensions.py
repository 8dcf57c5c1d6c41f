"""Which detected content types an extension may honestly carry.

The threat is disguise, not sloppiness. "report.pdf" that is really an ELF binary, or
"photo.jpg" that is really a PDF, is refused: the name lies about what a colleague will open.
But users rename things carelessly all day long, so extensions map to *families* of
compatible types rather than to one type:

* a PNG saved as ``.jpg``, a QuickTime movie as ``.mp4``, or an M4A as ``.mp4`` is the same
  kind of thing and every viewer copes; any raster image fits any image extension and any
  audio/video type fits any audio/video extension;
* web systems export HTML or CSV tables as ``.xls`` and Word saves RTF as ``.doc``; office
  extensions accept those, and password-protected OOXML files (an OLE container, libmagic
  says ``application/encrypted``);
* text formats (plain, CSV, Markdown, JSON, HTML, XML, source code) are all one family.

Formats whose magic number is weak (plain text in a legacy encoding, MP3 without an ID3
tag, raw AAC/AMR) may come back as ``application/octet-stream``; for those families an
unrecognised type is accepted. For strong-magic formats (PDF, images, office, HWP, zip)
``application/octet-stream`` means the content is not what the name says.

An extension that is not listed here, or no extension at all, is never a mismatch: we cannot
tell a lie from an unknown format. Executables are refused under every listed extension
because no family contains them.
"""

from __future__ import annotations

from dataclasses import dataclass

OCTET_STREAM = "application/octet-stream"

EXECUTABLE_TYPES = frozenset(
    {
        "application/x-executable",
        "application/x-pie-executable",
        "application/x-sharedlib",
        "application/x-object",
        "application/x-mach-binary",
        "application/x-dosexec",
        "application/x-msdownload",
        "application/vnd.microsoft.portable-executable",
    }
)

TEXT_LIKE_APPLICATION = frozenset(
    {"application/json", "application/xml", "application/x-ndjson", "application/csv"}
)
OLE_GENERIC = frozenset(
    {"application/x-ole-storage", "application/CDFV2", "application/vnd.ms-office"}
)
ZIP_TYPES = frozenset({"application/zip", "application/x-zip-compressed"})
ZIP_CONTAINERS = frozenset(
    {
        "application/java-archive",
        "application/epub+zip",
        "application/hwp+zip",
    }
)


def is_text_like(media_type: str) -> bool:
    return media_type.startswith("text/") or media_type in TEXT_LIKE_APPLICATION


def is_zip_container(media_type: str) -> bool:
    """Any zip-based format: plain zip, office, OpenDocument, HWPX, EPUB, JAR."""
    return (
        media_type in ZIP_TYPES
        or media_type in ZIP_CONTAINERS
        or media_type.startswith("application/vnd.openxmlformats-officedocument.")
        or media_type.startswith("application/vnd.oasis.opendocument.")
    )


@dataclass(frozen=True)
class Family:
    label: str  # for messages: "'a.pdf' is … not {label}"
    weak_magic: bool = False

    def accepts(self, media_type: str) -> bool:
        if media_type in EXECUTABLE_TYPES:
            return False
        if media_type == OCTET_STREAM:
            return self.weak_magic
        return _ACCEPTS[self.label](media_type)


def _office(t: str) -> bool:
    return (
        t.startswith(("application/vnd.ms-", "application/vnd.openxmlformats-officedocument."))
        or t in {"application/msword", "application/rtf", "application/encrypted"}
        or t in OLE_GENERIC
        or t in ZIP_TYPES
        or is_text_like(t)
    )


_ACCEPTS = {
    "a PDF document": lambda t: t == "application/pdf",
    "an image": lambda t: t.startswith("image/") and t != "image/svg+xml",
    "an SVG image": lambda t: t == "image/svg+xml" or is_text_like(t),
    "an office document": _office,
    "a Hangul (HWP) document": lambda t: (
        t in {"application/x-hwp", "application/hwp+zip"} or t in OLE_GENERIC
    ),
    "a Hangul (HWPX) document": lambda t: t == "application/hwp+zip" or t in ZIP_TYPES,
    "an OpenDocument file": lambda t: (
        t.startswith("application/vnd.oasis.opendocument.") or t in ZIP_TYPES
    ),
    "an EPUB book": lambda t: t == "application/epub+zip" or t in ZIP_TYPES,
    "a zip archive": is_zip_container,
    "a text file": is_text_like,
    "an audio or video recording": lambda t: (
        t.startswith(("audio/", "video/")) or t in {"application/ogg", "application/mp4"}
    ),
    "an e-mail message": lambda t: t == "message/rfc822" or is_text_like(t),
}

_FAMILY_EXTENSIONS = {
    Family("a PDF document"): "pdf",
    Family("an image"): "jpg jpeg jpe jfif png apng gif webp tif tiff bmp heic heif avif",
    Family("an SVG image"): "svg",
    Family("an office document"): (
        "doc docx docm dot dotx xls xlsx xlsm xlt xltx ppt pptx pptm pps ppsx rtf"
    ),
    Family("a Hangul (HWP) document"): "hwp",
    Family("a Hangul (HWPX) document"): "hwpx",
    Family("an OpenDocument file"): "odt ods odp odg",
    Family("an EPUB book"): "epub",
    Family("a zip archive"): "zip",
    Family("a text file", weak_magic=True): (
        "txt text csv tsv md markdown json jsonl ndjson html htm xml log srt vtt yaml yml"
    ),
    Family("an audio or video recording", weak_magic=True): (
        "mp3 m4a aac wav flac ogg oga opus amr 3gp 3g2 mp4 m4v mov avi mkv webm wmv wma ogv "
        "mpg mpeg mts m2ts"
    ),
    Family("an e-mail message", weak_magic=True): "eml",
}

EXTENSION_FAMILIES: dict[str, Family] = {
    ext: family for family, exts in _FAMILY_EXTENSIONS.items() for ext in exts.split()
}


def family_for(filename: str) -> Family | None:
    """The family the extension of ``filename`` promises, or None when it promises nothing."""
    stem, dot, ext = filename.rpartition(".")
    if not dot or not stem:  # "README", ".bashrc"
        return None
    return EXTENSION_FAMILIES.get(ext.lower())
