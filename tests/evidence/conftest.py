"""Fixtures of the evidence tests: a private repository home and small real files."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from sillok.evidence.custody_log import HandlingContext
from sillok.evidence.intake import IntakeResult, do_ingest_paths
from sillok.evidence.metadata import ItemMetadata

KOREAN_TEXT = "요덕 정치범수용소에서 2015년에 공개처형이 있었다.\nPublic execution at Yodok camp.\n"


@pytest.fixture
def files(tmp_path: Path) -> Path:
    """A folder of small real files: Korean text, a PNG, an HTML page."""
    folder = tmp_path / "증언 자료"
    folder.mkdir()
    (folder / "증언_2019년.txt").write_text(KOREAN_TEXT, encoding="utf-8")
    (folder / "report.html").write_text(
        "<html><body><h1>Report</h1><p>Detention in Chongori.</p></body></html>", encoding="utf-8"
    )
    image = Image.new("RGB", (64, 48), "white")
    ImageDraw.Draw(image).rectangle([8, 8, 40, 30], fill="black")
    image.save(folder / "photo.png")
    return folder


@pytest.fixture
def ingest(repo_home: Path, tmp_path: Path):
    """ingest(actor, *paths, **metadata) -> list[IntakeResult], through the real service."""

    def run(actor, *paths: Path, channel: str = "cli", **metadata) -> list[IntakeResult]:
        work = tmp_path / f"work-{len(list(tmp_path.glob('work-*')))}"
        work.mkdir()
        return do_ingest_paths(
            actor,
            list(paths),
            metadata=ItemMetadata(**metadata),
            context=HandlingContext(channel=channel, place="test", reason="test intake"),
            workdir=work,
        )

    return run
