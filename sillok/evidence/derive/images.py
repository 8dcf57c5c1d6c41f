"""Opening images and video frames safely, shared by the OCR, preview and phash derivers."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from .base import DerivationError
from .tools import file_arg, run_tool

# Pillow-readable raster types. SVG, HEIC and RAW are left out on purpose: Pillow cannot read
# them without plugins, and SVG rendering would mean running a browser-grade engine.
IMAGE_TYPES = frozenset(
    {
        "image/png",
        "image/jpeg",
        "image/pjpeg",
        "image/tiff",
        "image/webp",
        "image/gif",
        "image/bmp",
        "image/x-ms-bmp",
    }
)

# 150 megapixels: an A3 page scanned at 600 dpi is 70 MP; a decoded 150 MP RGB image already
# takes 450 MB. Pillow's own check only raises at twice its limit, so we also check at once.
MAX_PIXELS = 150_000_000
Image.MAX_IMAGE_PIXELS = MAX_PIXELS

FFMPEG_TIMEOUT_S = 300


def is_video(media_type: str) -> bool:
    return media_type.startswith("video/")


@contextmanager
def _decoding() -> Iterator[None]:
    """Turn Pillow's many ways of saying "bad input" into DerivationError. Wraps decoding
    only, so that an error in the caller's own code keeps its real type."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            yield
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise DerivationError(f"the image is too large to decode safely ({exc})") from exc
    except UnidentifiedImageError as exc:
        raise DerivationError("the image format is not recognised or the file is damaged") from exc
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        # Pillow reports truncated and corrupt data as OSError/SyntaxError/EOFError.
        raise DerivationError(f"the image is damaged and cannot be decoded ({exc})") from exc


def iter_frames(path: Path, max_frames: int = 1) -> Iterator[Image.Image]:
    """Decoded, upright frames (pages of a TIFF, frames of a GIF), at most `max_frames`."""
    with _decoding():
        image = Image.open(path)
    try:
        count = min(getattr(image, "n_frames", 1), max_frames)
        for index in range(count):
            with _decoding():
                image.seek(index)
                if image.width * image.height > MAX_PIXELS:
                    raise DerivationError(_too_large(image.width, image.height))
                frame = upright(image)
            yield frame
    finally:
        image.close()


def frame_count(path: Path) -> int:
    """How many frames (TIFF pages) the image has."""
    with _decoding(), Image.open(path) as image:
        return int(getattr(image, "n_frames", 1))


def load_image(path: Path) -> Image.Image:
    """The first frame, decoded and upright."""
    return next(iter_frames(path, 1))


def _too_large(width: int, height: int) -> str:
    return (
        f"the image is {width}x{height} pixels, more than the {MAX_PIXELS // 1_000_000} "
        "megapixels that are decoded safely"
    )


def upright(image: Image.Image) -> Image.Image:
    """Apply the EXIF orientation and load pixel data, in a mode every consumer accepts."""
    image.load()
    turned = ImageOps.exif_transpose(image)
    if turned.mode in ("RGB", "RGBA", "L"):
        return turned
    has_alpha = turned.mode in ("LA", "PA", "RGBa") or "transparency" in turned.info
    return turned.convert("RGBA" if has_alpha else "RGB")


def refuse_playlist(path: Path) -> None:
    """ffmpeg's HLS and concat demuxers open the files a playlist names; a playlist passed
    off as a video could make it read other local files. Real video never starts like this."""
    with path.open("rb") as fh:
        head = fh.read(64).lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith((b"#EXTM3U", b"ffconcat", b"#EXT-X-")):
        raise DerivationError("the file is a media playlist, not a video; playlists are refused")


def ffmpeg_input(
    path: Path, *, seek_s: float | None = None, keyframes_only: bool = False
) -> list[str]:
    """ffmpeg input arguments that only ever read `path` itself (file protocol only)."""
    args = ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y"]
    if keyframes_only:
        args += ["-skip_frame", "nokey"]  # decoder skips non-key frames: fast on long videos
    if seek_s is not None:
        args += ["-ss", f"{seek_s:g}"]
    return [*args, "-protocol_whitelist", "file", "-i", "file:" + file_arg(path)]


def video_frame(path: Path, out: Path, seek_s: float) -> Path:
    """One full-size frame at `seek_s` seconds, or the first frame of a shorter video."""
    refuse_playlist(path)
    for seek in (seek_s, None):
        args = [*ffmpeg_input(path, seek_s=seek), "-an", "-sn", "-dn", "-frames:v", "1"]
        run_tool([*args, file_arg(out)], FFMPEG_TIMEOUT_S)
        if out.exists() and out.stat().st_size:
            return out
    raise DerivationError("no video frame could be decoded from the file")


def video_keyframes(path: Path, outdir: Path, max_frames: int, max_side: int) -> list[Path]:
    """Up to `max_frames` keyframes, scaled down to `max_side`, in stream order."""
    refuse_playlist(path)
    # Some decoders (VP9) ignore -skip_frame; the select filter keeps only keyframes for them.
    keyframes = "select='eq(pict_type,I)'"
    scale = f"scale={max_side}:{max_side}:force_original_aspect_ratio=decrease"
    pattern = outdir / "frame-%05d.png"
    args = [*ffmpeg_input(path, keyframes_only=True), "-an", "-sn", "-dn"]
    args += ["-vf", f"{keyframes},{scale}"]
    run_tool(
        [*args, "-fps_mode", "vfr", "-frames:v", str(max_frames), file_arg(pattern)],
        FFMPEG_TIMEOUT_S,
    )
    return sorted(outdir.glob("frame-*.png"))
