from __future__ import annotations

import io
import subprocess

import pytest
from PIL import Image

from sillok.evidence.derive import DerivationError
from sillok.evidence.derive.phash import (
    POSSIBLE_DUPLICATE_DISTANCE,
    PerceptualHashDeriver,
    is_possible_duplicate,
    phash_distance,
)

from .builders import pattern_image


def image_hash(path, media_type, workdir) -> str:
    (value,) = PerceptualHashDeriver().run(path, media_type, workdir).phashes
    assert len(value) == 16 and int(value, 16) >= 0
    return value


def test_resized_recompressed_copy_is_a_possible_duplicate(tmp_path, workdir):
    original = tmp_path / "original.png"
    pattern_image(5, size=(1200, 900)).save(original)
    copy = tmp_path / "copy.jpg"
    buffer = io.BytesIO()
    pattern_image(5, size=(1200, 900)).resize((500, 375)).save(buffer, "JPEG", quality=40)
    Image.open(buffer).save(copy, "JPEG", quality=60)  # recompressed twice, as on messengers
    a, b = image_hash(original, "image/png", workdir), image_hash(copy, "image/jpeg", workdir)
    assert phash_distance(a, b) <= POSSIBLE_DUPLICATE_DISTANCE
    assert is_possible_duplicate(a, b)


def test_different_picture_is_not_a_duplicate(tmp_path, workdir):
    first, second = tmp_path / "one.png", tmp_path / "two.png"
    pattern_image(5).save(first)
    pattern_image(11).save(second)
    a, b = image_hash(first, "image/png", workdir), image_hash(second, "image/png", workdir)
    assert phash_distance(a, b) > POSSIBLE_DUPLICATE_DISTANCE


def test_video_gets_one_hash_per_keyframe(video_file, workdir):
    result = PerceptualHashDeriver().run(video_file, "video/mp4", workdir)
    assert len(result.phashes) == 3  # 3 s at a keyframe every second
    assert result.details == {"frames": 3, "limited": False}
    assert list(workdir.iterdir()) == []  # frames were scratch


def test_reencoded_video_matches_frame_by_frame(video_file, tmp_path, workdir):
    smaller = tmp_path / "smaller.webm"
    subprocess.run(
        ["ffmpeg", "-nostdin", "-loglevel", "error", "-i", str(video_file), "-vf", "scale=160:120",
         "-c:v", "libvpx-vp9", "-b:v", "100k", "-g", "10", "-deadline", "realtime", str(smaller)],
        check=True, timeout=60,
    )  # fmt: skip
    deriver = PerceptualHashDeriver()
    original = deriver.run(video_file, "video/mp4", workdir).phashes
    copy = deriver.run(smaller, "video/webm", workdir).phashes
    assert len(copy) == len(original)
    assert all(is_possible_duplicate(a, b) for a, b in zip(original, copy, strict=True))


def test_keyframes_are_capped(video_file, workdir):
    result = PerceptualHashDeriver(max_keyframes=2).run(video_file, "video/mp4", workdir)
    assert len(result.phashes) == 2 and result.details["limited"] is True


def test_distance_is_the_number_of_differing_bits():
    assert phash_distance("ffff0000ffff0000", "ffff0000ffff0000") == 0
    assert phash_distance("0000000000000000", "ffffffffffffffff") == 64
    assert phash_distance("8000000000000001", "0000000000000000") == 2


def test_hashes_of_different_sizes_cannot_be_compared():
    with pytest.raises(ValueError, match="different lengths"):
        phash_distance("ffff", "ffffffffffffffff")


def test_phash_refuses_documents(tmp_path, workdir):
    source = tmp_path / "a.pdf"
    source.write_bytes(b"%PDF-1.7")
    assert not PerceptualHashDeriver().applies_to("application/pdf")
    with pytest.raises(DerivationError):
        PerceptualHashDeriver().run(source, "application/pdf", workdir)
