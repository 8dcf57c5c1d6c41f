from __future__ import annotations

import importlib.util
import json

import pytest

from sillok.evidence.derive import OUTPUT_KINDS, all_derivers, derivers_for

HAS_TRANSCRIPT = importlib.util.find_spec("sillok.evidence.derive.transcript") is not None


def test_registry_lists_every_deriver_in_order():
    names = [deriver.name for deriver in all_derivers()]
    expected = ["metadata", "text", "ocr", "preview", "phash"]
    if HAS_TRANSCRIPT:
        expected.insert(3, "transcript")
    assert names == expected


def test_every_deriver_describes_its_provenance():
    for deriver in all_derivers():
        assert deriver.tool
        json.dumps(deriver.params())  # stored as provenance: must be JSON
        if deriver.name != "transcript":  # its model is an optional extra
            assert deriver.tool_version()


@pytest.mark.parametrize(
    ("media_type", "names"),
    [
        ("application/pdf", {"metadata", "text", "ocr", "preview"}),
        ("image/jpeg", {"metadata", "ocr", "preview", "phash"}),
        ("video/mp4", {"metadata", "preview", "phash"}),
        ("text/plain; charset=EUC-KR", {"metadata", "text"}),
        ("application/x-hwp", {"metadata", "text"}),
        ("application/octet-stream", {"metadata"}),
    ],
)
def test_derivers_for_picks_by_media_type(media_type, names):
    found = {deriver.name for deriver in derivers_for(media_type)} - {"transcript"}
    assert found == names


def test_output_kinds_cover_what_derivers_write():
    assert {"text", "ocr", "preview", "metadata"} <= set(OUTPUT_KINDS)
