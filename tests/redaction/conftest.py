"""Fixtures of the redaction tests: items with an original and text derivatives made straight
in the database (the redaction services only read them), a witness whose names are in the
real identity vault, and a real face photograph.

No face photograph ships with OpenCV; PyWavelets (a dependency of imagehash) ships the
"cameraman" test picture, a real photograph of a man in profile, which the bundled profile
cascade finds.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from django.db import transaction
from PIL import Image

from sillok.custody.audit import lock_head
from sillok.custody.services import put_blob, record_blob
from sillok.evidence.models import FileRole, Item, ItemFile

TESTIMONY = (
    "증인 김영희는 1985년 3월 5일생으로, 함경북도 회령시 역전동 5인민반에 살았다.\n"
    "김영희가 말하기를, 2015년 요덕 수용소에서 공개처형이 있었다.\n"
    "연락처 010-1234-5678, 주민등록번호 850305-2345678.\n"
    "The witness Kim Young-hee (DOB 05/03/1985) now lives at 12 Teheran-ro, Gangnam-gu.\n"
)


def face_photo() -> Image.Image:
    import pywt.data

    return Image.fromarray(pywt.data.camera().astype(np.uint8)).convert("RGB")


def _file(item: Item, user, data: bytes, media_type: str, **fields) -> ItemFile:
    put = put_blob(io.BytesIO(data))
    with transaction.atomic():
        lock_head()
        stored = record_blob(user, put, reason="test")
        return ItemFile.objects.create(
            item=item,
            blob=stored.blob,
            sha256=put.sha256,
            size=put.size,
            media_type=media_type,
            **fields,
        )


WITNESS_NAMES = {"real_name": "김영희", "other_name": "Kim Young-hee"}


@pytest.fixture
def vault_witness(vault_keeper):
    """Witness W-1 in the vault, stored by a vault keeper through the vault's own service as in
    real life: the names the redaction of TESTIMONY must find (no stand-in for the vault)."""
    from sillok.vault.services import do_add_field

    for field, value in WITNESS_NAMES.items():
        entry, _ = do_add_field(vault_keeper, "W-1", field, value, kind="witness")
    return entry


@pytest.fixture
def make_item(repo_home: Path):
    """make_item(user, *, original=(bytes, media type), texts={kind: str}, **item fields)"""

    def make(user, *, original=None, texts=None, **fields) -> Item:
        fields.setdefault("title", "Testimony")
        fields.setdefault("kind", "document")
        fields.setdefault("sensitivity", "restricted")
        item = Item.objects.create(created_by=user, **fields)
        data, media_type = original or (TESTIMONY.encode(), "text/plain; charset=utf-8")
        source = _file(item, user, data, media_type, role=FileRole.ORIGINAL, original_filename="f")
        for kind, text in (texts or {}).items():
            _file(
                item,
                user,
                text.encode(),
                "text/plain; charset=utf-8",
                role=FileRole.DERIVATIVE,
                kind=kind,
                derived_from=source,
                language="ko",
                tool="test",
            )
        return item

    return make


@pytest.fixture
def face_jpeg(tmp_path: Path) -> Path:
    """The face photograph as a JPEG with EXIF: camera make and model, a body serial number,
    GPS coordinates, and orientation 1."""
    image = face_photo()
    exif = Image.Exif()
    exif[0x010F] = "Samsung"  # Make
    exif[0x0110] = "SM-G991N"  # Model
    exif[0x0112] = 1  # Orientation
    exif.get_ifd(0x8769)[0xA431] = "R3CR40ABCDE"  # BodySerialNumber
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (42.0, 26.0, 30.0)  # GPSLatitudeRef, GPSLatitude (Hoeryong)
    gps[3], gps[4] = "E", (129.0, 45.0, 0.0)
    path = tmp_path / "photo.jpg"
    image.save(path, "JPEG", quality=95, exif=exif)
    return path
