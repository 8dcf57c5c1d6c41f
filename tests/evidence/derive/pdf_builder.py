"""A minimal PDF writer for tests: real PDFs with a text layer, without a PDF library.

Text is set in a Type0 font whose CIDs are the Unicode code points (Identity-H) with a
ToUnicode CMap, which is what text extractors read; the font is not embedded, so viewers
substitute glyphs, but the text layer is exactly the given strings.
"""

from __future__ import annotations

from pathlib import Path


def _to_unicode_cmap(text: str) -> bytes:
    high_bytes = sorted({ord(c) >> 8 for c in text})
    ranges = "\n".join(f"<{h:02X}00> <{h:02X}FF> <{h:02X}00>" for h in high_bytes)
    return (
        "/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n"
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
        "/CMapName /Adobe-Identity-UCS def /CMapType 2 def\n"
        "1 begincodespacerange <0000> <FFFF> endcodespacerange\n"
        f"{len(high_bytes)} beginbfrange\n{ranges}\nendbfrange\n"
        "endcmap CMapName currentdict /CMap defineresource pop end end\n"
    ).encode("ascii")


def _stream(body: bytes, extra: str = "") -> bytes:
    return b"<< /Length %d %s>>\nstream\n" % (len(body), extra.encode()) + body + b"\nendstream"


def build_pdf(pages: list[list[str]]) -> bytes:
    """A PDF with one page per entry, each line of text set at 14 pt from the top."""
    all_text = "".join("".join(lines) for lines in pages) or " "
    objects: list[bytes] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"",  # pages tree, filled in below once page object numbers are known
        b"<< /Type /Font /Subtype /Type0 /BaseFont /NotoSansCJKkr-Regular /Encoding /Identity-H"
        b" /DescendantFonts [4 0 R] /ToUnicode 5 0 R >>",
        b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /NotoSansCJKkr-Regular"
        b" /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >>"
        b" /FontDescriptor 6 0 R /DW 1000 /CIDToGIDMap /Identity >>",
        _stream(_to_unicode_cmap(all_text)),
        b"<< /Type /FontDescriptor /FontName /NotoSansCJKkr-Regular /Flags 4"
        b" /FontBBox [0 -200 1000 900] /ItalicAngle 0 /Ascent 880 /Descent -120"
        b" /CapHeight 700 /StemV 80 >>",
    ]
    page_refs = []
    for lines in pages:
        ops = [b"BT /F1 14 Tf 16 TL 50 780 Td"]
        for line in lines:
            ops.append(b"<" + line.encode("utf-16-be").hex().upper().encode() + b"> Tj T*")
        ops.append(b"ET")
        objects.append(_stream(b"\n".join(ops)))
        content_ref = len(objects)
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842]"
            b" /Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>" % content_ref
        )
        page_refs.append(len(objects))
    kids = b" ".join(b"%d 0 R" % n for n in page_refs)
    objects[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, len(page_refs))

    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref_at = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref_at,
    )
    return bytes(out)


def write_pdf(path: Path, pages: list[list[str]]) -> Path:
    path.write_bytes(build_pdf(pages))
    return path
