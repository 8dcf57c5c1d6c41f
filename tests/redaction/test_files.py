"""Pictures (faces, metadata) and PDFs (metadata): the pure redactors, on real files."""

from __future__ import annotations

import io
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image, PngImagePlugin
from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, TextStringObject

from sillok.redaction.errors import RedactionError
from sillok.redaction.images import blur_boxes, detect_faces, merge_boxes, redact_image
from sillok.redaction.pdfs import scrub_pdf
from tests.redaction.conftest import face_photo


def _gray(image: Image.Image) -> np.ndarray:
    return np.asarray(image.convert("L"))


def test_the_bundled_cascades_find_the_face_in_a_real_photograph():
    boxes = detect_faces(_gray(face_photo()))
    assert len(boxes) == 1
    x, y, w, h = boxes[0]
    # The cameraman's head is in the upper middle-left of the 512 × 512 picture.
    assert 120 < x + w / 2 < 300 and 60 < y + h / 2 < 220 and 60 < w < 200


def test_no_face_is_found_in_a_blank_or_flat_picture():
    assert detect_faces(np.full((400, 600), 200, np.uint8)) == []
    assert detect_faces(np.tile((np.arange(600) % 256).astype(np.uint8), (400, 1))) == []


def test_blurring_changes_each_box_and_its_margin_and_nothing_else():
    rng = np.random.default_rng(7)
    pixels = rng.integers(0, 256, (200, 300, 3), dtype=np.uint8)
    out = blur_boxes(pixels, [(100, 50, 40, 40)], margin=0.25)
    inside = (slice(40, 100), slice(90, 150))  # the box grown by 10 px on each side
    assert np.abs(out[inside].astype(int) - pixels[inside].astype(int)).mean() > 40
    # Pixelated and smoothed: neighbouring pixels are alike, unlike the noise they replace.
    assert np.abs(np.diff(out[inside].astype(int), axis=1)).mean() < 10
    mask = np.ones(pixels.shape[:2], bool)
    mask[inside] = False
    assert (out[mask] == pixels[mask]).all()
    assert (pixels == blur_boxes(pixels, [])).all()


def test_overlapping_boxes_merge_into_one():
    assert merge_boxes([(0, 0, 10, 10), (5, 5, 10, 10), (40, 40, 5, 5)]) == [
        (0, 0, 15, 15),
        (40, 40, 5, 5),
    ]


def test_a_redacted_photo_has_its_face_blurred_and_no_metadata(face_jpeg: Path, tmp_path: Path):
    original = face_jpeg.read_bytes()
    out = tmp_path / "out"
    out.mkdir()
    made = redact_image(face_jpeg, out)
    assert made["faces"] == 1 and made["media_type"] == "image/jpeg"
    assert {"GPS:GPSLatitude", "GPS:GPSLongitude", "EXIF:Make", "EXIF:Model"} <= set(
        made["removed_metadata"]
    )
    assert "EXIF:BodySerialNumber" in made["removed_metadata"]
    redacted = Image.open(made["path"])
    assert len(redacted.getexif()) == 0
    assert not {"exif", "icc_profile", "xmp"} & set(redacted.info)
    data = Path(made["path"]).read_bytes()
    for secret in (b"Samsung", b"SM-G991N", b"R3CR40ABCDE", b"Exif"):
        assert secret not in data
    # The blurred face is no longer found; the original file is untouched.
    assert detect_faces(_gray(redacted)) == []
    assert face_jpeg.read_bytes() == original


def test_the_exif_orientation_is_applied_before_it_is_dropped(tmp_path: Path):
    image = Image.new("RGB", (60, 30), "white")
    image.paste((0, 0, 0), (0, 0, 10, 30))  # a black band on the left
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to display
    source = tmp_path / "turned.jpg"
    image.save(source, "JPEG", exif=exif)
    made = redact_image(source, tmp_path, faces=False)
    redacted = Image.open(made["path"])
    assert redacted.size == (30, 60)  # as shown, not as stored
    assert np.asarray(redacted.convert("L"))[:5, :].mean() < 60  # the band is now on top
    assert "EXIF:Orientation" in made["removed_metadata"]


def test_png_text_chunks_and_icc_profiles_are_dropped(tmp_path: Path):
    from PIL import ImageCms

    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "Kim Young-hee")
    info.add_text("Software", "Galaxy camera")
    source = tmp_path / "scan.png"
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    Image.new("RGB", (40, 40), (200, 10, 10)).save(source, pnginfo=info, icc_profile=profile)
    made = redact_image(source, tmp_path / ".", faces=False)
    assert {"Author", "Software", "ICC profile"} <= set(made["removed_metadata"])
    data = Path(made["path"]).read_bytes()
    assert b"Kim Young-hee" not in data and b"iCCP" not in data and b"tEXt" not in data
    assert made["media_type"] == "image/png"


def test_pictures_with_several_frames_and_broken_files_are_refused(tmp_path: Path):
    frames = [Image.new("RGB", (20, 20), c) for c in ("red", "blue")]
    gif = tmp_path / "two.gif"
    frames[0].save(gif, save_all=True, append_images=frames[1:])
    with pytest.raises(RedactionError, match="several frames"):
        redact_image(gif, tmp_path)
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    with pytest.raises(RedactionError, match="cannot be read"):
        redact_image(broken, tmp_path)


def _pdf_with_metadata(path: Path) -> None:
    writer = PdfWriter()
    page = writer.add_blank_page(200, 200)
    annotation = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/Text"),
            NameObject("/Rect"): ArrayObject([]),
            NameObject("/T"): TextStringObject("Kim Young-hee"),
            NameObject("/Contents"): TextStringObject("a note"),
        }
    )
    page[NameObject("/Annots")] = ArrayObject([writer._add_object(annotation)])
    writer.add_metadata({"/Author": "Kim Young-hee", "/Creator": "Hancom Office 2020"})
    buffer = io.BytesIO()
    writer.write(buffer)
    path.write_bytes(buffer.getvalue())


def test_pdf_metadata_and_annotation_authors_are_removed(tmp_path: Path):
    source = tmp_path / "doc.pdf"
    _pdf_with_metadata(source)
    original = source.read_bytes()
    made = scrub_pdf(source, tmp_path)
    assert {"Info:Author", "Info:Creator", "annotation T"} <= set(made["removed_metadata"])
    data = Path(made["path"]).read_bytes()
    assert b"Kim Young-hee" not in data and b"Hancom" not in data
    reader = PdfReader(made["path"])
    assert reader.metadata is None and len(reader.pages) == 1
    assert source.read_bytes() == original


def test_encrypted_pdfs_are_refused(tmp_path: Path):
    writer = PdfWriter()
    writer.add_blank_page(100, 100)
    writer.encrypt("secret")
    source = tmp_path / "locked.pdf"
    with source.open("wb") as stream:
        writer.write(stream)
    with pytest.raises(RedactionError, match="encrypted"):
        scrub_pdf(source, tmp_path)


def test_opencv_ships_the_cascades_used():
    from sillok.redaction.images import CASCADES

    for name in CASCADES:
        assert not cv2.CascadeClassifier(str(Path(cv2.data.haarcascades) / name)).empty()
