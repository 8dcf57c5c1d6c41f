"""Opening an item's files: the permission check and, for originals, the custody event.

Every view or download of an original is a custody event (who, when, from where, why), in
the same transaction as the decision to serve it. Derivatives (text, previews) are working
copies: reading them is governed by the item's visibility but not recorded one by one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from sillok.evidence.access import ActionRefused, can_open_originals
from sillok.evidence.custody_log import HandlingContext, record_custody_event
from sillok.evidence.models import (
    CustodyAction,
    DerivationJob,
    FileRole,
    Item,
    ItemFile,
    JobStatus,
)


class FileNotFound(LookupError):
    pass


def do_open_file(
    user: Any, item: Item, file_id: Any, context: HandlingContext, *, download: bool
) -> ItemFile:
    """The file `file_id` of `item` (already access-checked) if `user` may open it."""
    try:
        pk = int(file_id)
    except (TypeError, ValueError):
        raise FileNotFound(file_id) from None
    file = ItemFile.objects.filter(item=item, pk=pk).first()
    if file is None:
        raise FileNotFound(file_id)
    if file.role != FileRole.ORIGINAL:
        return file
    if not can_open_originals(user, item):
        raise ActionRefused("opening originals needs the permission evidence.view_original")
    action = CustodyAction.DOWNLOAD if download else CustodyAction.VIEW_ORIGINAL
    with transaction.atomic():
        record_custody_event(user, item, action, context, file=file, details={
            "sha256": file.sha256, "size": file.size,
        })
    return file


# Browsers play these in <video>/<audio> (templatetags/evidence_media.py); other audio and
# video stays a download.
PLAYABLE_VIDEO = frozenset({"video/mp4", "video/webm", "video/ogg"})
PLAYABLE_AUDIO = frozenset(
    {"audio/mpeg", "audio/mp4", "audio/ogg", "audio/webm", "audio/wav", "audio/x-wav", "audio/flac"}
)


def bare_media_type(media_type: str) -> str:
    return media_type.split(";", 1)[0].strip().lower()


def media_element(media_type: str) -> str:
    """The element that shows a file of `media_type`: "video", "audio" or "img"."""
    bare = bare_media_type(media_type)
    if bare in PLAYABLE_VIDEO:
        return "video"
    if bare in PLAYABLE_AUDIO:
        return "audio"
    return "img"


# What a finished job that stored no file found, said per deriver: "Done" beside no file
# read as if a file had gone missing.
_NOTHING_FOUND = {
    "ocr": _("no text found"),
    "text": _("no text found"),
    "transcript": _("no speech found"),
    "preview": _("no preview could be made"),
    "metadata": _("no metadata found"),
}


@dataclass(frozen=True)
class JobLine:
    """One derivation job as the item page states it: its outputs, or why there are none."""

    job: DerivationJob
    outputs: list[ItemFile]
    note: str


def job_lines(jobs: list[DerivationJob], files: list[ItemFile]) -> list[JobLine]:
    """Each job of an item with the files it stored (from `files`, so no query per job)."""
    made: dict[int, list[ItemFile]] = {}
    for file in files:
        if file.derivation_id is not None:
            made.setdefault(file.derivation_id, []).append(file)
    has_text_layer = {f.derived_from_id for f in files if f.kind == "text"}
    lines = []
    for job in jobs:
        outputs = made.get(job.pk, [])
        note = ""
        if job.status == JobStatus.DONE and not outputs:
            if job.deriver == "ocr" and job.source_id in has_text_layer:
                note = str(_("not needed: the file has a text layer"))
            else:
                # Others (the perceptual hash) keep what they make in rows, not files.
                note = str(_NOTHING_FOUND.get(job.deriver, ""))
        lines.append(JobLine(job, outputs, note))
    return lines
