"""What every deriver is: a pure function from one stored file to new files, with provenance.

A deriver never touches the database or the blob store. The evidence services give it a
read-only local copy of the source file and an empty working folder; it writes its outputs
into that folder and returns them described. The services then store each output as a
derivative blob, recording `tool`, `tool_version` and `params` as its provenance, so the same
deriver run twice on the same input gives the same record (jobs are idempotent by
(source sha256, deriver name, params)).

Derivers must treat their input as hostile: HWP/DOC files are a known malware vector. Parse,
never execute; bound memory and time; run external tools with fixed argument lists (no shell)
and a timeout.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

# Kinds of derivative output. "text" (extracted text layer), "ocr", "transcript" are the
# text kinds that `sillok item text` prints and search indexes.
TEXT_KINDS = ("text", "ocr", "transcript")
# "redacted": a copy with personal data removed, made on request by sillok/redaction (not by
# a deriver) and usable outside Sillok only once a reviewer approves it.
OUTPUT_KINDS = (*TEXT_KINDS, "preview", "metadata", "redacted")


class DerivationError(Exception):
    """The input cannot be derived from (corrupt, truncated, encrypted, unsupported variant).

    The message is shown to users as is: say specifically what is wrong with the file,
    e.g. "the PDF is truncated: no cross-reference table or %%EOF marker".
    A job that raises this is not retried: the same input fails the same way.
    """


class DeriverUnavailable(Exception):
    """A tool or model this deriver needs is not installed (e.g. the optional transcription
    extra). The job is recorded as skipped with this message, not as failed."""


@dataclass(frozen=True)
class DerivedFile:
    """One output file written into the working folder."""

    path: Path
    kind: str  # one of OUTPUT_KINDS
    media_type: str  # e.g. "text/plain; charset=utf-8", "image/webp", "application/json"
    language: str = ""  # BCP 47 where known ("ko", "en"), for text kinds
    # Anything worth keeping about this output (pages, OCR confidence, duration, segments…)
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Derivation:
    """What one run of a deriver produced. Either or both of files and phash may be empty."""

    files: list[DerivedFile] = field(default_factory=list)
    # Perceptual hash(es) as hex strings: one for an image, one per keyframe for a video.
    phashes: list[str] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)


class Deriver(Protocol):
    name: str  # stable id, e.g. "text", "ocr", "transcript", "preview", "metadata", "phash"
    tool: str  # what did the work, e.g. "pypdf", "tesseract", "faster-whisper"

    def applies_to(self, media_type: str) -> bool:
        """True when this deriver has something to do for a file of this media type
        (the bare type, e.g. "application/pdf", detected from content)."""
        ...

    def tool_version(self) -> str:
        """The version of the tool (and model) that would run now; raise DeriverUnavailable
        when it is missing."""
        ...

    def params(self) -> dict[str, Any]:
        """Parameters that change the output (languages, model, sizes); JSON-serialisable."""
        ...

    def run(self, source: Path, media_type: str, workdir: Path) -> Derivation:
        """Derive from `source` (a file of `media_type`) into `workdir`. Raise
        DerivationError for bad input, DeriverUnavailable for a missing tool."""
        ...
