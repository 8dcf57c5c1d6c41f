"""The preview deriver: one WebP thumbnail for images, PDFs (first page) and videos (a frame).

Every path ends in Pillow re-encoding the picture, so a preview never carries the source's
metadata (EXIF GPS position, camera serial) into places where previews are shown.
"""

from __future__ import annotations

import tempfile
from importlib.metadata import version as dist_version
from pathlib import Path
from typing import Any

from PIL import Image

from .base import Derivation, DerivationError, DerivedFile
from .images import IMAGE_TYPES, is_video, load_image, video_frame
from .pdf import PDF_TYPES, inspect_pdf
from .tools import bare_type, check_regular_file, file_arg, probe_version, run_tool

PDFTOPPM_TIMEOUT_S = 120


class PreviewDeriver:
    name = "preview"
    tool = "pillow"  # with pdftoppm for PDF pages and ffmpeg for video frames

    def __init__(self, max_side: int = 1024, quality: int = 80, video_seek_s: float = 1.0):
        self.max_side = max_side
        self.quality = quality
        self.video_seek_s = video_seek_s

    def applies_to(self, media_type: str) -> bool:
        kind = bare_type(media_type)
        return kind in IMAGE_TYPES or kind in PDF_TYPES or is_video(kind)

    def tool_version(self) -> str:
        parts = [f"pillow {dist_version('pillow')}"]
        for args, pattern in (
            (["pdftoppm", "-v"], r"version ([\d.]+)"),
            (["ffmpeg", "-version"], r"ffmpeg version (\S+)"),
        ):
            parts.append(f"{args[0]} {probe_version(args, pattern)}")
        return "; ".join(parts)

    def params(self) -> dict[str, Any]:
        return {
            "max_side": self.max_side,
            "format": "webp",
            "quality": self.quality,
            "video_seek_s": self.video_seek_s,
        }

    def run(self, source: Path, media_type: str, workdir: Path) -> Derivation:
        check_regular_file(source)
        kind = bare_type(media_type)
        with tempfile.TemporaryDirectory(dir=workdir, prefix="preview-") as scratch:
            if kind in PDF_TYPES:
                picture, origin = self._pdf_page(source, Path(scratch)), "pdf page 1"
            elif is_video(kind):
                frame = video_frame(source, Path(scratch) / "frame.png", self.video_seek_s)
                picture, origin = load_image(frame), "video frame"
            elif kind in IMAGE_TYPES:
                picture, origin = load_image(source), "image"
            else:
                raise DerivationError(f"no preview can be made of {kind} files")
        return Derivation(files=[self._save(picture, origin, workdir)])

    def _pdf_page(self, source: Path, scratch: Path) -> Image.Image:
        inspect_pdf(source)  # a clear message for truncated or encrypted files
        base = scratch / "page"
        # -scale-to bounds the longest side, so a hostile page size cannot blow up memory.
        run_tool(
            ["pdftoppm", "-f", "1", "-l", "1", "-png", "-singlefile"]
            + ["-scale-to", str(self.max_side), file_arg(source), file_arg(base)],
            PDFTOPPM_TIMEOUT_S,
        )
        return load_image(base.with_suffix(".png"))

    def _save(self, picture: Image.Image, origin: str, workdir: Path) -> DerivedFile:
        source_size = picture.size
        picture.thumbnail((self.max_side, self.max_side), Image.Resampling.LANCZOS)
        path = workdir / "preview.webp"
        picture.save(path, format="WEBP", quality=self.quality, method=4)
        details = {
            "width": picture.width,
            "height": picture.height,
            "source_width": source_size[0],
            "source_height": source_size[1],
            "from": origin,
        }
        return DerivedFile(path=path, kind="preview", media_type="image/webp", details=details)
