"""Images: faces found and blurred, and the picture re-encoded from its pixels alone (no EXIF,
GPS, XMP, ICC profile or maker notes; the EXIF orientation is applied first, so the copy
looks the way the original is shown). Pure functions over files: no database, so they can run
in the hostile-file sandbox.

Face detection uses the Haar cascades that ship inside opencv-python-headless (frontal and
profile, the profile one also on the mirrored picture, since it only knows one side). They
miss faces (small, turned, in shadow) and find some that are not: a person reviews every
redacted copy before it is used, and the copy records how many faces were blurred where.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import cv2
import numpy as np
import PIL
from PIL import ExifTags, Image, ImageOps

from sillok.redaction.errors import RedactionError

FRONTAL_CASCADES = ("haarcascade_frontalface_default.xml", "haarcascade_frontalface_alt2.xml")
PROFILE_CASCADE = "haarcascade_profileface.xml"
CASCADES = (*FRONTAL_CASCADES, PROFILE_CASCADE)
SCALE_FACTOR = 1.1
MIN_NEIGHBOURS = 3
# Detection runs on a copy at most this many pixels on its long side (speed); boxes are
# scaled back to the full picture.
DETECT_MAX_SIDE = 1600
MARGIN = 0.25  # each box grows by this share of its size on every side: hair, ears, chin
PIXEL_BLOCKS = 8  # a blurred face is at most this many blocks across before smoothing
JPEG_QUALITY = 90
MAX_PIXELS = 80_000_000  # larger pictures are refused rather than decoded (memory)

Box = tuple[int, int, int, int]  # x, y, width, height
# Pillow's notes on how a file is encoded, not metadata about its subject or device.
STRUCTURAL_INFO = {
    "jfif",
    "jfif_version",
    "jfif_unit",
    "jfif_density",
    "dpi",
    "progressive",
    "progression",
    "adobe",
    "adobe_transform",
    "interlace",
    "gamma",
    "transparency",
    "duration",
    "loop",
    "background",
    "compression",
    "aspect",
}


def face_provenance() -> dict[str, Any]:
    """Parameters that change the output: recorded with each redacted picture."""
    return {
        "cascades": list(CASCADES),
        "scale_factor": SCALE_FACTOR,
        "min_neighbours": MIN_NEIGHBOURS,
        "detect_max_side": DETECT_MAX_SIDE,
        "margin": MARGIN,
        "blur": f"pixelate {PIXEL_BLOCKS} blocks + gaussian",
    }


def tool_versions() -> str:
    return f"opencv {cv2.__version__}; pillow {PIL.__version__}"


def _classifier(name: str) -> cv2.CascadeClassifier:
    classifier = cv2.CascadeClassifier(str(Path(cv2.data.haarcascades) / name))
    if classifier.empty():
        raise RedactionError(f"the OpenCV cascade {name} is missing from this installation")
    return classifier


def detect_faces(gray: np.ndarray) -> list[Box]:
    """Boxes around the faces in a greyscale picture (uint8, height × width), merged where
    several cascades found the same face."""
    height, width = gray.shape[:2]
    scale = min(1.0, DETECT_MAX_SIDE / max(height, width))
    small = gray if scale == 1.0 else cv2.resize(gray, None, fx=scale, fy=scale)
    small = cv2.equalizeHist(small)
    min_side = max(20, min(small.shape[:2]) // 50)
    found: list[Box] = []

    def run(name: str, picture: np.ndarray, mirrored: bool) -> None:
        boxes = _classifier(name).detectMultiScale(
            picture, SCALE_FACTOR, MIN_NEIGHBOURS, minSize=(min_side, min_side)
        )
        for x, y, w, h in boxes:
            if mirrored:
                x = picture.shape[1] - x - w
            found.append((int(x), int(y), int(w), int(h)))

    for name in FRONTAL_CASCADES:
        run(name, small, mirrored=False)
    run(PROFILE_CASCADE, small, mirrored=False)
    run(PROFILE_CASCADE, cv2.flip(small, 1), mirrored=True)
    boxes = [
        (round(x / scale), round(y / scale), round(w / scale), round(h / scale))
        for x, y, w, h in found
    ]
    return merge_boxes(boxes)


def merge_boxes(boxes: list[Box]) -> list[Box]:
    """Overlapping boxes become one box covering them all."""
    merged: list[list[int]] = []
    for x, y, w, h in sorted(boxes):
        x2, y2 = x + w, y + h
        for box in merged:
            if x < box[2] and box[0] < x2 and y < box[3] and box[1] < y2:
                box[0], box[1] = min(box[0], x), min(box[1], y)
                box[2], box[3] = max(box[2], x2), max(box[3], y2)
                break
        else:
            merged.append([x, y, x2, y2])
    if len(merged) < len(boxes) and len(merged) > 1:
        return merge_boxes([(a, b, c - a, d - b) for a, b, c, d in merged])
    return [(a, b, c - a, d - b) for a, b, c, d in merged]


def blur_boxes(pixels: np.ndarray, boxes: list[Box], margin: float = MARGIN) -> np.ndarray:
    """A copy of `pixels` (height × width [× channels]) with each box, grown by `margin`,
    pixelated and smoothed so that no feature of the face can be made out."""
    out = pixels.copy()
    height, width = out.shape[:2]
    for x, y, w, h in boxes:
        dx, dy = int(w * margin), int(h * margin)
        left, top = max(0, x - dx), max(0, y - dy)
        right, bottom = min(width, x + w + dx), min(height, y + h + dy)
        if right <= left or bottom <= top:
            continue
        region = out[top:bottom, left:right]
        rw, rh = right - left, bottom - top
        blocks_x = max(1, min(PIXEL_BLOCKS, rw // 4))
        blocks_y = max(1, min(PIXEL_BLOCKS, rh // 4))
        tiny = cv2.resize(region, (blocks_x, blocks_y), interpolation=cv2.INTER_AREA)
        blocky = cv2.resize(tiny, (rw, rh), interpolation=cv2.INTER_NEAREST)
        kernel = max(3, (min(rw, rh) // blocks_x) | 1)
        out[top:bottom, left:right] = cv2.GaussianBlur(blocky, (kernel, kernel), 0)
    return out


def metadata_names(image: Image.Image) -> list[str]:
    """The names (never the values) of the metadata fields a picture carries."""
    names: set[str] = set()
    exif = image.getexif()
    for tag in exif:
        names.add(f"EXIF:{ExifTags.TAGS.get(tag, tag)}")
    for ifd, prefix, table in (
        (ExifTags.IFD.Exif, "EXIF", ExifTags.TAGS),
        (ExifTags.IFD.GPSInfo, "GPS", ExifTags.GPSTAGS),
        (ExifTags.IFD.Interop, "EXIF", ExifTags.TAGS),
    ):
        try:
            sub = exif.get_ifd(ifd)
        except (KeyError, ValueError, TypeError):
            continue
        for tag in sub:
            names.add(f"{prefix}:{table.get(tag, tag)}")
    for key in image.info:
        if key == "exif" or key in STRUCTURAL_INFO:
            continue
        label = {"icc_profile": "ICC profile", "xmp": "XMP", "XML:com.adobe.xmp": "XMP"}.get(
            key, key
        )
        names.add(str(label))
    return sorted(names)


def _open(source: Path) -> Image.Image:
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        image = Image.open(source)
        image.load()
    except Image.DecompressionBombError:
        raise RedactionError("the picture is too large to redact safely") from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise RedactionError(f"the picture cannot be read: {exc}") from None
    if getattr(image, "n_frames", 1) > 1:
        # A copy of the first frame would silently drop the others: refuse instead.
        raise RedactionError("pictures with several frames or pages cannot be redacted yet")
    return image


def _to_srgb(image: Image.Image) -> Image.Image:
    """Pixels in sRGB, so that dropping the ICC profile (which can name the device) does
    not change how the picture looks."""
    profile = image.info.get("icc_profile")
    if not profile or image.mode not in ("RGB", "RGBA"):
        return image
    try:
        import io

        from PIL import ImageCms

        source = ImageCms.ImageCmsProfile(io.BytesIO(profile))
        return ImageCms.profileToProfile(
            image, source, ImageCms.createProfile("sRGB"), outputMode=image.mode
        )
    except Exception:  # noqa: BLE001 - a broken profile: keep the pixels as they are
        return image


def redact_image(source: str | Path, outdir: str | Path, *, faces: bool = True) -> dict[str, Any]:
    """Write a redacted copy of the picture `source` into `outdir`; describe it.

    Returns {"path", "media_type", "faces", "boxes", "removed_metadata", "width", "height"}:
    plain JSON, so the call can cross a process boundary.
    """
    image = _open(Path(source))
    removed = metadata_names(image)
    was_jpeg = image.format == "JPEG"
    image = _to_srgb(ImageOps.exif_transpose(image))
    if image.mode not in ("RGB", "RGBA", "L"):
        has_alpha = image.mode in ("LA", "PA") or "transparency" in image.info
        image = image.convert("RGBA" if has_alpha else "RGB")
    if was_jpeg and image.mode == "RGBA":
        image = image.convert("RGB")
    pixels = np.asarray(image)
    boxes: list[Box] = []
    if faces:
        gray = pixels if pixels.ndim == 2 else cv2.cvtColor(pixels[..., :3], cv2.COLOR_RGB2GRAY)
        boxes = detect_faces(gray)
        pixels = blur_boxes(pixels, boxes)
    # A new picture made from the pixel array alone: nothing of the original's info travels.
    clean = Image.fromarray(np.ascontiguousarray(pixels), mode=image.mode)
    out = Path(outdir) / ("redacted.jpg" if was_jpeg else "redacted.png")
    if was_jpeg:
        clean.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    else:
        clean.save(out, "PNG", optimize=True)
    return {
        "path": str(out),
        "media_type": "image/jpeg" if was_jpeg else "image/png",
        "faces": len(boxes),
        "boxes": [list(box) for box in boxes],
        "removed_metadata": removed,
        "width": clean.width,
        "height": clean.height,
    }


def sandbox_redact_image(args: dict[str, Any]) -> dict[str, Any]:
    """Entry point for `run_sandboxed("sillok.redaction.images:sandbox_redact_image", ...)`:
    {"source", "outdir", "faces"} in; `redact_image`'s description out. A file that cannot
    be redacted comes back as DerivationError with the reason."""
    from sillok.evidence.derive.base import DerivationError

    try:
        return redact_image(args["source"], args["outdir"], faces=bool(args.get("faces", True)))
    except RedactionError as exc:
        raise DerivationError(str(exc)) from None
