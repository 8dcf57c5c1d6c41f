"""The perceptual-hash deriver: a 64-bit pHash per image, and per keyframe of a video, for
finding the same picture again after resizing, recompression or a format change."""

from __future__ import annotations

import tempfile
from importlib.metadata import version as dist_version
from pathlib import Path
from typing import Any

import imagehash

from .base import Derivation, DerivationError
from .images import IMAGE_TYPES, is_video, load_image, video_keyframes
from .tools import bare_type, check_regular_file, probe_version

HASH_SIZE = 8  # 8x8 DCT coefficients: a 64-bit hash, 16 hex digits

# Hamming distance at or under which two 64-bit pHashes flag a possible duplicate. Resized
# or recompressed copies of a picture differ in a few bits (2 for a 1200 px PNG against a
# 500 px quality-40 JPEG of it, in the tests), unrelated pictures in about half of them (~32).
# 8 catches messenger-style re-encodes and light edits with few false matches; it only ever
# flags a pair for a person to confirm, never merges anything.
POSSIBLE_DUPLICATE_DISTANCE = 8


def phash_distance(a: str, b: str) -> int:
    """Hamming distance between two hex-encoded hashes of the same length."""
    if len(a) != len(b):
        raise ValueError(f"hashes of different lengths cannot be compared ({len(a)}, {len(b)})")
    return (int(a, 16) ^ int(b, 16)).bit_count()


def is_possible_duplicate(a: str, b: str) -> bool:
    return phash_distance(a, b) <= POSSIBLE_DUPLICATE_DISTANCE


def image_phash(picture: Any) -> str:
    return str(imagehash.phash(picture, hash_size=HASH_SIZE))


class PerceptualHashDeriver:
    name = "phash"
    tool = "imagehash"

    def __init__(self, max_keyframes: int = 100, frame_side: int = 256):
        self.max_keyframes = max_keyframes
        self.frame_side = frame_side

    def applies_to(self, media_type: str) -> bool:
        kind = bare_type(media_type)
        return kind in IMAGE_TYPES or is_video(kind)

    def tool_version(self) -> str:
        ffmpeg = probe_version(["ffmpeg", "-version"], r"ffmpeg version (\S+)")
        libraries = f"imagehash {dist_version('ImageHash')}; pillow {dist_version('pillow')}"
        return f"{libraries}; ffmpeg {ffmpeg}"

    def params(self) -> dict[str, Any]:
        return {
            "algorithm": "phash",
            "hash_size": HASH_SIZE,
            "video_frames": "keyframes",
            "max_keyframes": self.max_keyframes,
            "frame_side": self.frame_side,
        }

    def run(self, source: Path, media_type: str, workdir: Path) -> Derivation:
        check_regular_file(source)
        kind = bare_type(media_type)
        if kind in IMAGE_TYPES:
            # The first frame only: for GIF/WebP animations that is the poster frame.
            return Derivation(phashes=[image_phash(load_image(source))], details={"frames": 1})
        if not is_video(kind):
            raise DerivationError(f"no perceptual hash is made of {kind} files")
        with tempfile.TemporaryDirectory(dir=workdir, prefix="phash-") as scratch:
            # Keyframes, not fixed intervals: encoders place them at scene cuts, so a
            # re-encoded copy tends to have keyframes on the same pictures. Long videos are
            # covered only up to max_keyframes.
            frames = video_keyframes(source, Path(scratch), self.max_keyframes, self.frame_side)
            if not frames:
                raise DerivationError("no video frame could be decoded from the file")
            hashes = [image_phash(load_image(frame)) for frame in frames]
        details = {"frames": len(hashes), "limited": len(hashes) >= self.max_keyframes}
        return Derivation(phashes=hashes, details=details)
