from __future__ import annotations

import struct
import zlib

import pytest
from PIL import Image

from sillok.evidence.derive import DerivationError
from sillok.evidence.derive.preview import PreviewDeriver

from .builders import pattern_image, write_video
from .pdf_builder import write_pdf


def only_preview(result) -> Image.Image:
    (output,) = result.files
    assert output.kind == "preview" and output.media_type == "image/webp"
    picture = Image.open(output.path)
    picture.load()
    assert picture.format == "WEBP"
    assert picture.size == (output.details["width"], output.details["height"])
    return picture


def test_large_photo_is_shrunk_to_1024_and_turned_upright(tmp_path, workdir):
    photo = pattern_image(1, size=(3000, 2000))
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: the camera was held upright, rotate 90° to display
    exif[0x8825] = {2: (37.0, 33.0, 0.0)}  # a GPS position that must not reach the preview
    source = tmp_path / "photo.jpg"
    photo.save(source, quality=90, exif=exif)
    picture = only_preview(PreviewDeriver().run(source, "image/jpeg", workdir))
    assert picture.height == 1024 and picture.width in (682, 683)
    assert not picture.getexif()


def test_small_image_is_not_enlarged_and_keeps_transparency(tmp_path, workdir):
    source = tmp_path / "icon.png"
    Image.new("RGBA", (200, 100), (255, 0, 0, 128)).save(source)
    picture = only_preview(PreviewDeriver().run(source, "image/png", workdir))
    assert picture.size == (200, 100) and picture.mode == "RGBA"


def test_palette_gif_first_frame_is_previewed(tmp_path, workdir):
    source = tmp_path / "anim.gif"
    frames = [pattern_image(i, size=(300, 200)).convert("P") for i in range(3)]
    frames[0].save(source, save_all=True, append_images=frames[1:])
    assert only_preview(PreviewDeriver().run(source, "image/gif", workdir)).size == (300, 200)


def test_pdf_preview_is_its_first_page(tmp_path, workdir):
    pdf = write_pdf(tmp_path / "doc.pdf", [["인권 침해 기록"], ["second page"]])
    result = PreviewDeriver().run(pdf, "application/pdf", workdir)
    picture = only_preview(result)
    assert max(picture.size) == 1024 and picture.height > picture.width  # A4 portrait
    assert result.files[0].details["from"] == "pdf page 1"


def test_truncated_pdf_gets_no_preview(tmp_path, workdir):
    whole = write_pdf(tmp_path / "doc.pdf", [["text"]]).read_bytes()
    cut = tmp_path / "cut.pdf"
    cut.write_bytes(whole[:200])
    with pytest.raises(DerivationError, match="truncated"):
        PreviewDeriver().run(cut, "application/pdf", workdir)


def test_video_preview_is_a_frame(video_file, workdir):
    result = PreviewDeriver().run(video_file, "video/mp4", workdir)
    assert only_preview(result).size == (320, 240)
    assert result.files[0].details["from"] == "video frame"


def test_video_shorter_than_the_seek_falls_back_to_its_first_frame(tmp_path, workdir):
    short = write_video(tmp_path / "short.mp4", seconds=1)
    result = PreviewDeriver(video_seek_s=5).run(short, "video/mp4", workdir)
    assert only_preview(result).size == (320, 240)


def test_playlist_posing_as_video_is_refused(tmp_path, workdir):
    playlist = tmp_path / "clip.mp4"
    playlist.write_text("#EXTM3U\n#EXTINF:1,\nfile:///etc/passwd\n")
    with pytest.raises(DerivationError, match="playlist"):
        PreviewDeriver().run(playlist, "video/mp4", workdir)


def test_audio_only_file_posing_as_video_has_no_frame(tmp_path, workdir):
    source = tmp_path / "sound.mp4"
    source.write_bytes(b"\0\0\0\x18ftypmp42" + bytes(64))
    with pytest.raises(DerivationError):
        PreviewDeriver().run(source, "video/mp4", workdir)


def _png_header_only(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    idat = zlib.compress(b"\0" * 64)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def test_decompression_bomb_is_refused_before_decoding(tmp_path, workdir):
    source = tmp_path / "bomb.png"
    source.write_bytes(_png_header_only(60_000, 60_000))  # 3.6 gigapixels, 100 bytes
    with pytest.raises(DerivationError, match="too large"):
        PreviewDeriver().run(source, "image/png", workdir)


def test_image_just_over_the_pixel_bound_is_refused(tmp_path, workdir):
    source = tmp_path / "big.png"
    source.write_bytes(_png_header_only(13_000, 12_000))  # 156 MP: under Pillow's 2x error
    with pytest.raises(DerivationError, match="too large to decode"):
        PreviewDeriver().run(source, "image/png", workdir)


def test_truncated_image_is_refused(tmp_path, workdir):
    source = tmp_path / "cut.jpg"
    pattern_image(2).save(source, quality=90)
    source.write_bytes(source.read_bytes()[:2000])
    with pytest.raises(DerivationError, match="damaged"):
        PreviewDeriver().run(source, "image/jpeg", workdir)


@pytest.mark.parametrize(
    ("media_type", "applies"),
    [("image/webp", True), ("application/pdf", True), ("video/quicktime", True),
     ("image/svg+xml", False), ("text/plain", False)],
)  # fmt: skip
def test_preview_applies_to_pictures_pdfs_and_videos(media_type, applies):
    assert PreviewDeriver().applies_to(media_type) is applies
