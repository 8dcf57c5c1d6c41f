"""Derivers: pure functions from one stored file to derived files (see base.py).

`all_derivers()` is the registry the evidence services schedule from; `derivers_for()` picks
the ones that have something to do for a media type.
"""

from __future__ import annotations

from .base import (
    OUTPUT_KINDS,
    TEXT_KINDS,
    Derivation,
    DerivationError,
    DerivedFile,
    Deriver,
    DeriverUnavailable,
)
from .metadata import MetadataDeriver
from .ocr import OcrDeriver
from .phash import POSSIBLE_DUPLICATE_DISTANCE, PerceptualHashDeriver, phash_distance
from .preview import PreviewDeriver
from .text import TextDeriver
from .tools import bare_type

try:
    # Written separately and optional at import time: transcription pulls in a speech model.
    from .transcript import TranscriptDeriver
except ImportError:
    TranscriptDeriver = None  # type: ignore[assignment,misc]

__all__ = [
    "OUTPUT_KINDS",
    "POSSIBLE_DUPLICATE_DISTANCE",
    "TEXT_KINDS",
    "Derivation",
    "DerivationError",
    "DerivedFile",
    "Deriver",
    "DeriverUnavailable",
    "all_derivers",
    "derivers_for",
    "phash_distance",
]


def all_derivers() -> list[Deriver]:
    """Every deriver, cheapest and most generally useful first: metadata for any file, then
    the text kinds (search needs them), then pictures."""
    derivers: list[Deriver] = [MetadataDeriver(), TextDeriver(), OcrDeriver()]
    if TranscriptDeriver is not None:
        derivers.append(TranscriptDeriver())
    derivers += [PreviewDeriver(), PerceptualHashDeriver()]
    return derivers


def derivers_for(media_type: str) -> list[Deriver]:
    """The derivers that apply to a file of `media_type` (parameters such as charset ignored)."""
    kind = bare_type(media_type)
    return [deriver for deriver in all_derivers() if deriver.applies_to(kind)]
