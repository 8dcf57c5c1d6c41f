"""Real input files made on the spot: images with rendered text, DOCX, HWPX, video."""

from __future__ import annotations

import subprocess
import zipfile
from functools import cache
from pathlib import Path

import docx
from PIL import Image, ImageDraw, ImageFont


@cache
def korean_font_path() -> str:
    """A system font with Hangul (fonts-noto-cjk), found the way fontconfig sees it."""
    listing = subprocess.run(
        ["fc-list", ":lang=ko:style=Regular", "file"], capture_output=True, text=True, check=True
    ).stdout
    paths = sorted(line.split(":")[0].strip() for line in listing.splitlines() if line.strip())
    sans = [p for p in paths if "Sans" in p]
    assert paths, "no Korean font installed (fonts-noto-cjk)"
    return (sans or paths)[0]


def korean_font(size: int) -> ImageFont.FreeTypeFont:
    path = korean_font_path()
    for index in range(8 if path.endswith(".ttc") else 1):
        font = ImageFont.truetype(path, size, index=index)
        if "KR" in " ".join(font.getname()):
            return font
    return ImageFont.truetype(path, size)


def text_image(lines: list[str], size: int = 72, width: int = 1400) -> Image.Image:
    """Black text on white, large enough for OCR to read it reliably."""
    font = korean_font(size)
    image = Image.new("RGB", (width, 120 + len(lines) * int(size * 1.8)), "white")
    draw = ImageDraw.Draw(image)
    for number, line in enumerate(lines):
        draw.text((60, 60 + number * int(size * 1.8)), line, font=font, fill="black")
    return image


def pattern_image(seed: int, size: tuple[int, int] = (640, 480)) -> Image.Image:
    """A picture with structure (shapes on a gradient), distinct for each seed."""
    width, height = size
    gradient = Image.linear_gradient("L").resize(size).rotate(seed * 67 % 360)
    image = Image.merge("RGB", (gradient, gradient.transpose(Image.Transpose.FLIP_LEFT_RIGHT),
                                gradient.transpose(Image.Transpose.FLIP_TOP_BOTTOM)))  # fmt: skip
    draw = ImageDraw.Draw(image)
    for i in range(6):
        x = (seed * 97 + i * 131) % (width - 120)
        y = (seed * 53 + i * 89) % (height - 120)
        shade = (seed * 40 + i * 70) % 256
        if (seed + i) % 2:
            draw.ellipse((x, y, x + 110, y + 110), fill=(shade, 255 - shade, 90))
        else:
            draw.rectangle((x, y, x + 115, y + 80), fill=(40, shade, 255 - shade))
    return image


def write_docx(path: Path) -> Path:
    document = docx.Document()
    document.add_heading("인권 침해 보고서", level=1)
    document.add_paragraph("This report documents human rights violations.")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "이름"
    table.cell(0, 1).text = "Witness A"
    merged = table.cell(1, 0).merge(table.cell(1, 1))
    merged.text = "병합된 셀 merged cell"
    document.add_paragraph("마지막 문단 after the table.")
    document.save(path)
    return path


HP = "http://www.hancom.co.kr/hwpml/2011/paragraph"
HS = "http://www.hancom.co.kr/hwpml/2011/section"


def hwpx_section(paragraphs_xml: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<hs:sec xmlns:hs="{HS}" xmlns:hp="{HP}">{paragraphs_xml}</hs:sec>'
    )


def write_hwpx(path: Path, sections: list[str], mimetype: str = "application/hwp+zip") -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        # As in the format: "mimetype" first and stored, so sniffers can read it at offset 38.
        zf.writestr("mimetype", mimetype, compress_type=zipfile.ZIP_STORED)
        zf.writestr("version.xml", '<?xml version="1.0"?><hv:HCFVersion xmlns:hv="x"/>')
        zf.writestr("META-INF/container.xml", "<container/>")
        zf.writestr("Contents/content.hpf", "<opf:package xmlns:opf='x'/>")
        zf.writestr("Contents/header.xml", "<hh:head xmlns:hh='x'/>")
        zf.writestr("Preview/PrvText.txt", "PREVIEW_TEXT")
        for number, xml in enumerate(sections):
            zf.writestr(f"Contents/section{number}.xml", xml, zipfile.ZIP_DEFLATED)
    return path


def write_video(path: Path, seconds: int = 3) -> Path:
    """A small H.264 test-pattern video with a keyframe every second."""
    subprocess.run(
        ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi",
         "-i", f"testsrc=duration={seconds}:size=320x240:rate=10", "-c:v", "libx264",
         "-g", "10", "-pix_fmt", "yuv420p", str(path)],
        check=True, timeout=60,
    )  # fmt: skip
    return path
