import os
import shutil
import struct
from pathlib import Path

import pytest
from pypdf import PdfWriter

from sillok.evidence.inputs import RejectedInput, check_content, detect_media_type
from sillok.evidence.inputs.extensions import EXECUTABLE_TYPES

from .builders import (
    hwp_bytes,
    image_bytes,
    iso_media,
    ogg_page,
    ooxml_bytes,
    package_bytes,
    pdf_bytes,
    zip_bytes,
)

MB = 1024 * 1024
PE_HEADER = (
    b"MZ"
    + b"\x90\x00" * 29
    + struct.pack("<I", 64)
    + b"PE\x00\x00"
    + struct.pack("<HHIIIHH", 0x14C, 1, 0, 0, 0, 0xE0, 0x102)
    + b"\x0b\x01"
    + b"\x00" * 300
)
MACHO_HEADER = b"\xcf\xfa\xed\xfe" + struct.pack("<6I", 0x01000007, 3, 2, 0, 0, 0) + b"\0" * 100
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"


def put(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def accepted(path: Path, max_bytes: int = 100 * MB) -> str:
    media_type = detect_media_type(path)
    check_content(path, path.name, media_type, max_bytes=max_bytes)
    return media_type


def refused(path: Path, name: str | None = None, max_bytes: int = 100 * MB) -> RejectedInput:
    media_type = detect_media_type(path)
    with pytest.raises(RejectedInput) as caught:
        check_content(path, name or path.name, media_type, max_bytes=max_bytes)
    return caught.value


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("a.pdf", pdf_bytes(), "application/pdf"),
        ("a.png", image_bytes("PNG"), "image/png"),
        ("a.jpg", image_bytes("JPEG"), "image/jpeg"),
        ("a.gif", image_bytes("GIF"), "image/gif"),
        ("a.webp", image_bytes("WEBP"), "image/webp"),
        ("a.tif", image_bytes("TIFF"), "image/tiff"),
        ("a.docx", ooxml_bytes("word/document.xml"), DOCX),
        ("a.xlsx", ooxml_bytes("xl/workbook.xml"), XLSX),
        ("a.pptx", ooxml_bytes("ppt/presentation.xml"), PPTX),
        ("a.hwp", hwp_bytes(), "application/x-hwp"),
        (
            "a.hwpx",
            package_bytes("application/hwp+zip", {"Contents/section0.xml": b"<x/>"}),
            "application/hwp+zip",
        ),
        (
            "a.odt",
            package_bytes("application/vnd.oasis.opendocument.text", {"content.xml": b""}),
            "application/vnd.oasis.opendocument.text",
        ),
        (
            "a.jar",
            zip_bytes({"META-INF/MANIFEST.MF": b"Manifest-Version: 1.0\n"}),
            "application/java-archive",
        ),
        ("a.zip", zip_bytes({"a.txt": b"hello", "b/c.txt": b"world"}), "application/zip"),
        ("a.txt", "증언 내용입니다. 2019년.\n".encode("cp949"), "text/plain"),
        ("a.csv", b"a,b,c\n1,2,3\n4,5,6\n", "text/csv"),
        ("a.m4a", iso_media(b"M4A ", [b"soun"]), "audio/mp4"),
        ("voice.m4a", iso_media(b"mp42", [b"soun"]), "audio/mp4"),
        ("clip.mp4", iso_media(b"mp42", [b"soun", b"vide"]), "video/mp4"),
        ("a.opus", ogg_page(b"OpusHead\x01\x01\x38\x01\x80\xbb\0\0\0\0\0"), "audio/ogg"),
        ("a.ogv", ogg_page(b"\x80theora\x03\x02\x01" + b"\0" * 30), "video/ogg"),
    ],
)
def test_media_type_comes_from_content(tmp_path, name, data, expected):
    # Stored without an extension: the name must play no part in detection.
    path = put(tmp_path, "upload", data)
    assert detect_media_type(path) == expected
    assert accepted(put(tmp_path, name, data)) == expected


def test_executables_are_detected_as_such(tmp_path):
    path = tmp_path / "tool"
    shutil.copyfile("/bin/true", path)
    assert detect_media_type(path) in EXECUTABLE_TYPES


@pytest.mark.parametrize(("kind", "data"), [("PE", PE_HEADER), ("Mach-O", MACHO_HEADER)])
def test_windows_and_mac_executables_named_as_documents_are_refused(tmp_path, kind, data):
    path = put(tmp_path, "보고서.docx", data)
    assert detect_media_type(path) in EXECUTABLE_TYPES, kind
    error = refused(path)
    assert error.code == "type_mismatch"
    assert "'보고서.docx' is named like an office document" in error.message


def test_empty_file_is_refused(tmp_path):
    error = refused(put(tmp_path, "notes.txt", b""))
    assert error.code == "empty"
    assert "'notes.txt' is empty" in error.message


def test_file_over_the_size_limit_is_refused(tmp_path):
    error = refused(put(tmp_path, "video.mp4", b"\0" * 2048), max_bytes=1024)
    assert error.code == "too_large"
    assert "'video.mp4'" in error.message and "2.0 KiB" in error.message


def test_executable_named_as_a_pdf_is_refused(tmp_path):
    path = tmp_path / "report.pdf"
    shutil.copyfile("/bin/true", path)
    error = refused(path)
    assert error.code == "type_mismatch"
    assert "'report.pdf' is named like a PDF document" in error.message
    assert "executable program" in error.message


def test_executable_named_as_an_image_is_refused(tmp_path):
    path = tmp_path / "photo.jpg"
    shutil.copyfile("/bin/true", path)
    assert refused(path).code == "type_mismatch"


def test_pdf_named_as_a_photo_is_refused(tmp_path):
    error = refused(put(tmp_path, "photo.jpg", pdf_bytes()))
    assert error.code == "type_mismatch"
    assert "'photo.jpg' is named like an image but its content is of type application/pdf" in (
        error.message
    )


def test_executable_without_a_known_extension_is_not_a_mismatch(tmp_path):
    for name in ("tool", "tool.bin"):
        path = tmp_path / name
        shutil.copyfile("/bin/true", path)
        accepted(path)


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("screenshot.jpg", image_bytes("PNG")),  # a PNG saved as .jpg is sloppiness
        ("table.xls", b"<html><body><table><tr><td>1</td></tr></table></body></html>\n"),
        ("notes.md", b"# Title\n\nSome text.\n"),
        ("data.json", b'{"a": [1, 2, 3]}\n'),
        ("page.txt", b"<!DOCTYPE html><html><body>hi</body></html>\n"),
        ("recording.mp4", iso_media(b"M4A ", [b"soun"])),
        ("report.hwp", hwp_bytes()),
        ("report.docx", ooxml_bytes("word/document.xml")),
    ],
)
def test_compatible_content_under_a_different_extension_is_accepted(tmp_path, name, data):
    accepted(put(tmp_path, name, data))


def test_pdf_cut_in_half_is_corrupt(tmp_path):
    data = pdf_bytes()
    error = refused(put(tmp_path, "scan.pdf", data[: len(data) // 2]))
    assert error.code == "corrupt"
    assert "'scan.pdf' is a truncated PDF" in error.message


def test_pdf_cut_in_half_with_an_eof_marker_glued_on_is_still_corrupt(tmp_path):
    data = pdf_bytes()
    error = refused(put(tmp_path, "scan.pdf", data[: len(data) // 2] + b"\n%%EOF\n"))
    assert error.code == "corrupt"
    assert "'scan.pdf' is not a readable PDF" in error.message


def test_password_protected_pdf_is_accepted(tmp_path):
    writer = PdfWriter()
    writer.add_blank_page(100, 100)
    writer.encrypt(user_password="secret", algorithm="AES-128")
    path = tmp_path / "protected.pdf"
    with open(path, "wb") as f:
        writer.write(f)
    assert accepted(path) == "application/pdf"


@pytest.mark.parametrize(
    ("fmt", "name"),
    [("PNG", "a.png"), ("JPEG", "a.jpg"), ("GIF", "a.gif"), ("TIFF", "a.tif"), ("WEBP", "a.webp")],
)
def test_truncated_images_are_corrupt(tmp_path, fmt, name):
    data = image_bytes(fmt)
    error = refused(put(tmp_path, name, data[: len(data) * 2 // 3]))
    assert error.code == "corrupt"
    assert f"'{name}'" in error.message


def test_png_with_a_damaged_chunk_is_corrupt(tmp_path):
    data = bytearray(image_bytes("PNG"))
    data[60] ^= 0xFF  # inside the IDAT data: the chunk CRC no longer matches
    error = refused(put(tmp_path, "a.png", bytes(data)))
    assert error.code == "corrupt"


def test_truncated_hwp_is_corrupt(tmp_path):
    data = hwp_bytes()
    error = refused(put(tmp_path, "증언_2019년.hwp", data[:3000]))
    assert error.code == "corrupt"
    assert "'증언_2019년.hwp' is truncated" in error.message


def test_truncated_docx_is_corrupt(tmp_path):
    data = ooxml_bytes("word/document.xml")
    error = refused(put(tmp_path, "report.docx", data[: len(data) - 30]))
    assert error.code == "corrupt"
    assert "'report.docx' is a damaged zip container" in error.message


def test_docx_with_a_damaged_manifest_is_corrupt(tmp_path):
    data = bytearray(ooxml_bytes("word/document.xml"))
    data[data.index(b"[Content_Types].xml") + 25] ^= 0xFF  # first byte of its deflate data
    error = refused(put(tmp_path, "report.docx", bytes(data)))
    assert error.code == "corrupt"


def test_named_pipe_is_unreadable(tmp_path):
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    with pytest.raises(RejectedInput) as caught:
        check_content(fifo, "pipe.txt", "text/plain", max_bytes=MB)
    assert caught.value.code == "unreadable"
    assert "not a regular file" in caught.value.message


def test_file_without_read_permission_is_unreadable(tmp_path, monkeypatch):
    path = put(tmp_path, "secret.txt", b"hello")

    def denied(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    # Tests run as root, for whom chmod 000 changes nothing; deny the open itself instead.
    monkeypatch.setattr("builtins.open", denied)
    with pytest.raises(RejectedInput) as caught:
        detect_media_type(path)
    assert caught.value.code == "unreadable"
    assert "'secret.txt' cannot be read: Permission denied" in caught.value.message


def test_audio_only_mp4_is_recognised_from_a_moov_box_at_the_end(tmp_path):
    # Android recorders write the media data first and the track list last.
    head = iso_media(b"mp42", [])
    moov_last = iso_media(b"mp42", [b"soun"])[24:]  # the moov box alone
    padding = struct.pack(">I", 8 + 3 * MB) + b"mdat" + b"\x01" * (3 * MB)
    path = put(tmp_path, "voice.m4a", head[:24] + padding + moov_last)
    assert detect_media_type(path) == "audio/mp4"
