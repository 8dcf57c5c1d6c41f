from __future__ import annotations

import struct
import zlib

import pytest

from sillok.evidence.derive import DerivationError
from sillok.evidence.derive import hwp as hwp_module
from sillok.evidence.derive.hwp import hwp5_text, is_hwp5, is_hwpx, para_text
from sillok.evidence.derive.text import TextDeriver

from .builders import hwpx_section, write_hwpx
from .hwp_builder import (
    COMPRESSED,
    DISTRIBUTION,
    DRM,
    PASSWORD,
    TAG_PARA_TEXT,
    build_cfb,
    control,
    file_header,
    paragraph,
    record,
    table,
    write_hwp,
)


def report_sections() -> list[bytes]:
    """What Hangul writes for a short report: section/column controls in the first
    paragraph, an inline tab, a table whose cells are nested paragraphs, a second section."""
    first = (
        paragraph([control(2, "secd"), control(2, "cold"), "인권 침해 보고서"])
        + paragraph(["증인:", control(9), "Witness A"])
        + paragraph(["아래 표 참조 ", control(11, "tbl ")])
        + table(["구금 장소", "Seoul"])
        + paragraph(["각주가 있는 문장", control(17, "fn  "), "."])
    )
    second = paragraph(["둘째 구역 second section"])
    return [first, second]


def derive_hwp(path, workdir, media_type="application/x-hwp"):
    return TextDeriver().run(path, media_type, workdir)


def test_hwp5_text_comes_from_every_section_in_order(tmp_path, workdir):
    source = write_hwp(tmp_path / "report.hwp", report_sections())
    result = derive_hwp(source, workdir)
    (output,) = result.files
    assert output.path.read_text("utf-8").splitlines() == [
        "인권 침해 보고서",
        "증인:\tWitness A",
        "아래 표 참조",
        "구금 장소",
        "Seoul",
        "각주가 있는 문장.",
        "둘째 구역 second section",
    ]
    assert output.language == "ko"
    assert result.details == {
        "format": "hwp5",
        "hwp_version": "5.1.1.0",
        "sections": 2,
        "compressed": True,
    }


def test_hwp_scripts_and_preview_streams_are_never_read(tmp_path, workdir):
    source = write_hwp(tmp_path / "report.hwp", report_sections())
    text = derive_hwp(source, workdir).files[0].path.read_text("utf-8")
    assert "SCRIPT_STREAM_TEXT" not in text and "calc.exe" not in text
    assert "PREVIEW_STREAM_TEXT" not in text


def test_uncompressed_hwp_with_long_records_is_read(tmp_path, workdir):
    long_paragraph = "긴 문단의 내용입니다. " * 400  # over 4095 bytes: the extended size field
    assert len(long_paragraph.encode("utf-16-le")) > 0xFFF
    source = write_hwp(tmp_path / "long.hwp", [paragraph([long_paragraph])], flags=0)
    result = derive_hwp(source, workdir, media_type="application/x-ole-storage")
    assert result.files[0].path.read_text("utf-8") == long_paragraph.strip() + "\n"
    assert result.details["compressed"] is False


@pytest.mark.parametrize(
    ("flag", "reason"),
    [
        (PASSWORD, "protected with a password"),
        (DISTRIBUTION, "distribution-only"),
        (DRM, "DRM-protected"),
    ],
)
def test_protected_hwp_is_refused_clearly(tmp_path, workdir, flag, reason):
    source = write_hwp(tmp_path / "locked.hwp", report_sections(), flags=COMPRESSED | flag)
    with pytest.raises(DerivationError, match=reason):
        derive_hwp(source, workdir)


def test_ole_file_that_is_not_hwp_is_skipped_when_only_sniffed_as_ole(tmp_path, workdir):
    source = tmp_path / "legacy.doc"
    source.write_bytes(build_cfb({"WordDocument": b"\xec\xa5" + bytes(600)}))
    assert not is_hwp5(source)
    result = derive_hwp(source, workdir, media_type="application/CDFV2")
    assert result.files == [] and "not HWP" in result.details["skipped"]
    with pytest.raises(DerivationError, match="no readable FileHeader"):
        derive_hwp(source, workdir, media_type="application/x-hwp")


def test_damaged_ole_container_is_refused(tmp_path, workdir):
    whole = write_hwp(tmp_path / "report.hwp", report_sections()).read_bytes()
    damaged = tmp_path / "damaged.hwp"
    damaged.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(DerivationError, match="OLE compound file is damaged"):
        derive_hwp(damaged, workdir)
    damaged.write_bytes(whole[:512] + b"\xff" * (len(whole) - 512))  # directory wiped
    with pytest.raises(DerivationError, match="no readable FileHeader"):
        derive_hwp(damaged, workdir)


def test_file_claimed_as_hwp_that_is_not_ole_is_refused(tmp_path, workdir):
    source = tmp_path / "fake.hwp"
    source.write_bytes(b"PK\x03\x04" + bytes(100))
    with pytest.raises(DerivationError, match="not an OLE compound file"):
        derive_hwp(source, workdir)


def test_hwp3_file_is_refused_by_name(tmp_path, workdir):
    source = tmp_path / "old.hwp"
    source.write_bytes(b"HWP Document File V3.00 \x1a\x01\x02\x03\x04\x05" + bytes(200))
    with pytest.raises(DerivationError, match="HWP 3.x"):
        derive_hwp(source, workdir)


def test_hwp_with_a_truncated_record_is_refused(tmp_path, workdir):
    body = paragraph(["인권"])[:-10]
    source = write_hwp(tmp_path / "cut.hwp", [body])
    with pytest.raises(DerivationError, match="truncated"):
        derive_hwp(source, workdir)


def test_hwp_with_garbage_instead_of_deflate_is_refused(tmp_path, workdir):
    streams = {"FileHeader": file_header(COMPRESSED), "BodyText/Section0": b"\xff" * 100}
    source = tmp_path / "garbage.hwp"
    source.write_bytes(build_cfb(streams))
    with pytest.raises(DerivationError, match="not valid compressed data"):
        derive_hwp(source, workdir)


def test_hwp_decompression_bomb_is_refused(tmp_path):
    # 2 MB of zeros deflates to about 2 KB; with a 1 MB budget that is a bomb.
    deflater = zlib.compressobj(9, zlib.DEFLATED, -15)
    bomb = deflater.compress(bytes(2 * 1024 * 1024)) + deflater.flush()
    source = tmp_path / "bomb.hwp"
    source.write_bytes(
        build_cfb({"FileHeader": file_header(COMPRESSED), "BodyText/Section0": bomb})
    )
    with pytest.raises(DerivationError, match="decompression bomb"):
        hwp5_text(source, max_bytes=1024 * 1024)


def test_para_text_skips_control_parameters_even_when_they_look_like_surrogates():
    # Parameters 0xD800 0xDC00 would decode as one astral character if read as text.
    fake = struct.pack("<8H", 11, 0xD800, 0xDC00, 0, 0, 0, 0, 11)
    payload = "앞".encode("utf-16-le") + fake + "뒤 😀".encode("utf-16-le") + b"\x0d\x00"
    assert para_text(payload) == "앞뒤 😀\n"


def test_record_header_with_extended_size_is_understood():
    payload = "가".encode("utf-16-le") * 3000
    (header,) = struct.unpack_from("<I", record(TAG_PARA_TEXT, payload))
    assert header >> 20 == 0xFFF
    assert hwp_module._section_text(record(TAG_PARA_TEXT, payload), "s") == "가" * 3000


P = '<hp:p id="{n}" paraPrIDRef="0" styleIDRef="0"><hp:run charPrIDRef="0">{body}</hp:run></hp:p>'


def hwpx_report() -> list[str]:
    cell = P.format(n=9, body="<hp:t>구금 장소</hp:t>")
    first = "".join(
        [
            P.format(n=0, body="<hp:secPr/><hp:t>인권 침해 보고서</hp:t>"),
            P.format(n=1, body="<hp:t>증인:<hp:tab/>Witness A<hp:lineBreak/>둘째 줄</hp:t>"),
            P.format(
                n=2,
                body=f"<hp:t>표 앞</hp:t><hp:tbl><hp:tr><hp:tc><hp:subList>{cell}"
                "</hp:subList></hp:tc></hp:tr></hp:tbl><hp:t> 표 뒤</hp:t>",
            ),
        ]
    )
    sections = [hwpx_section(first)]
    sections += [hwpx_section(P.format(n=0, body=f"<hp:t>구역 {i}</hp:t>")) for i in range(1, 11)]
    return sections


def test_hwpx_paragraphs_come_out_in_order(tmp_path, workdir):
    source = write_hwpx(tmp_path / "report.hwpx", hwpx_report())
    assert is_hwpx(source)
    result = TextDeriver().run(source, "application/hwp+zip", workdir)
    lines = result.files[0].path.read_text("utf-8").splitlines()
    assert lines[:7] == [
        "인권 침해 보고서",
        "증인:\tWitness A",
        "둘째 줄",
        "표 앞",
        "구금 장소",
        " 표 뒤",
        "구역 1",
    ]
    assert lines[-1] == "구역 10"  # section10 after section9: numeric, not string, order
    assert "PREVIEW_TEXT" not in lines
    assert result.details == {"format": "hwpx", "sections": 11}


def test_hwpx_with_entity_expansion_is_refused(tmp_path, workdir):
    laughs = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
        '<hs:sec xmlns:hs="x" xmlns:hp="y"><hp:p><hp:t>&lol2;</hp:t></hp:p></hs:sec>'
    )
    source = write_hwpx(tmp_path / "lol.hwpx", [laughs])
    with pytest.raises(DerivationError, match="not valid XML"):
        TextDeriver().run(source, "application/hwp+zip", workdir)


def test_zip_with_another_mimetype_is_not_read_as_hwpx(tmp_path, workdir):
    source = write_hwpx(tmp_path / "book.hwpx", hwpx_report(), mimetype="application/epub+zip")
    assert not is_hwpx(source)
    with pytest.raises(DerivationError, match="not an HWPX document"):
        TextDeriver().run(source, "application/hwp+zip", workdir)


def test_oversized_hwpx_part_is_refused(tmp_path, workdir, monkeypatch):
    monkeypatch.setattr(hwp_module, "MAX_XML_MEMBER_BYTES", 100)
    source = write_hwpx(tmp_path / "big.hwpx", hwpx_report())
    with pytest.raises(DerivationError, match="larger than"):
        TextDeriver().run(source, "application/hwp+zip", workdir)
