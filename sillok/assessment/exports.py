"""Exporting a case's proof matrix as JSON, XLSX or PDF, through the consent rules.

Who may export: whoever may see the case (assessment.view_cases, membership of its
compartment, clearance for its sensitivity: `access_case`, so a case they may not see is
"not found") and holds `records.export_records`, the permission every other export of
evidence needs (legal experts and managers have both). Seeing a matrix is not sharing it.

What goes out: the matrix as `build_matrix(user, case)` makes it for the exporting user (what
they may not see is already absent), narrowed by the consent rule of records/consent.py for
the share's purpose and, for prosecution, its recipient. Evidence whose testimony, item,
witness or source consent does not cover the share is left out of its element and listed as
withheld, by reference, kind and reason code, inside the file (a "withheld" list, sheet or
section) and in `MatrixExport.withheld` (with the titles and messages, for the exporting user
only). A suspect who is a witness without consent is named by reference only. Internal
origin keys (ids of persons and organizations behind the sources) never leave. The element
statuses stay as assessed: they are the case team's findings, and the withheld counts per
element say how much of their ground is not in the file.

No item content leaves (no file, no quoted text): evidence is named by reference, title and
passage, so no custody event is written; for items the file says whether an approved redacted
copy exists (redaction/services.py, approved_redacted_files), the only form in which their
content may later be sent.

What a crash leaves: the file is written under a temporary name beside `out`, flushed to disk,
and renamed to `out` inside the transaction of its audit entry (`assessment.matrix.exported`,
with the file's SHA-256). A failure before the commit removes the temporary and the renamed
file alike, and rolls the audit entry back: there is never a half file, a file without an
audit entry, or an entry without its file.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.db import transaction
from django.db.models import Model
from django.utils import timezone, translation

from sillok.assessment.access import CaseActionRefused, access_case
from sillok.assessment.evidence_refs import EvidenceRefError, parse_evidence_ref
from sillok.assessment.export_labels import REASON_LABELS
from sillok.assessment.matrix import build_matrix
from sillok.assessment.models import CaseFile, Suspect
from sillok.custody.audit import record_audit
from sillok.evidence.models import Item
from sillok.records.consent import (
    NOT_FOUND,
    LeftOut,
    Share,
    check_share,
    consent_check,
)
from sillok.records.kinds import KINDS_BY_NAME, reference_of
from sillok.redaction.models import RedactionReview, ReviewStatus

FORMATS = {
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}
LANGUAGES = ("en", "ko")
# Evidence fields that stay inside Sillok: origin keys name persons and organizations by id.
INTERNAL_FIELDS = ("origin_keys",)


class MatrixExportError(ValueError):
    """An export that cannot be made as asked (format, language); the message says why."""


@dataclass
class MatrixExport:
    """What `write_matrix` wrote: the file, its format, what consent withheld (for the
    exporting user: with titles and messages) and the digest its audit entry states."""

    path: Path
    format: str
    withheld: list[dict[str, Any]] = field(default_factory=list)
    sha256: str = ""
    evidence: int = 0


def check_can_export_matrix(user: Any) -> None:
    """The export permission; the caller fetched the case through access_case already."""
    if not user.has_perm("records.export_records"):
        raise CaseActionRefused(
            "exporting a proof matrix needs the export_records permission (legal experts, managers)"
        )


def export_language(user: Any, language: str | None) -> str:
    chosen = language or getattr(user, "preferred_language", "") or "en"
    chosen = chosen.split("-")[0].lower()
    if chosen not in LANGUAGES:
        raise MatrixExportError(f"unknown export language {language!r}; choose en or ko")
    return chosen


def write_matrix(
    user: Any,
    case: CaseFile | int,
    fmt: str,
    out: Path | str,
    *,
    purpose: str = "prosecution",
    recipient: str = "",
    language: str | None = None,
) -> MatrixExport:
    """Write the proof matrix of `case` for the share (`purpose`, and for prosecution the
    `recipient`) to `out` as `fmt` ("json", "xlsx" or "pdf"). Raises CaseNotFound for a case
    `user` may not see, CaseActionRefused without the export permission, ConsentError for a
    share that cannot be checked and MatrixExportError for a bad format or language; none of
    them writes anything."""
    case = access_case(user, case.pk if isinstance(case, CaseFile) else case)
    check_can_export_matrix(user)
    share = check_share(purpose, recipient)
    if fmt not in FORMATS:
        raise MatrixExportError(f"unknown matrix format {fmt!r}; choose json, xlsx or pdf")
    lang = export_language(user, language)
    matrix = build_matrix(user, case)
    shared, withheld = apply_consent(user, case, share, matrix)
    shared["export"] = export_head(user, share, fmt, lang)
    writer = _writer(fmt)
    out = Path(out)
    with translation.override(lang):
        written = _write_atomically(out, lambda stream: writer(stream, shared, lang))
        # The rename happens inside the audit's transaction (see the module docstring).
        try:
            with transaction.atomic():
                record_audit(
                    user,
                    "assessment.matrix.exported",
                    object_type="assessment.case",
                    object_id=case.pk,
                    details=audit_details(shared, share, fmt, written.hexdigest()),
                )
                os.replace(written.temp_path, out)
                written.renamed = True
        except BaseException:
            written.discard(out)
            raise
    evidence = sum(len(e["evidence"]) for c in shared["charges"] for e in c["elements"])
    return MatrixExport(out, fmt, withheld, written.hexdigest(), evidence)


def preview_matrix_export(
    user: Any, case: CaseFile | int, *, purpose: str, recipient: str = ""
) -> list[dict[str, Any]]:
    """What an export for this share would withhold (for the export page, before the
    download), checked exactly as `write_matrix` checks it; writes nothing."""
    case = access_case(user, case.pk if isinstance(case, CaseFile) else case)
    check_can_export_matrix(user)
    share = check_share(purpose, recipient)
    _shared, withheld = apply_consent(user, case, share, build_matrix(user, case))
    return withheld


def export_head(user: Any, share: Share, fmt: str, language: str) -> dict[str, Any]:
    return {
        "format": fmt,
        "language": language,
        "purpose": share.purpose,
        "recipient": share.recipient,
        "exported_by": user.get_username(),
        "exported_at": timezone.now().isoformat(),
    }


def audit_details(shared: dict, share: Share, fmt: str, sha256: str) -> dict[str, Any]:
    """Purpose, recipient, counts and the file's digest: never what was withheld by name."""
    reasons = Counter(entry["reason"] for entry in shared["withheld"])
    elements = [e for c in shared["charges"] for e in c["elements"]]
    return {
        "format": fmt,
        "purpose": share.purpose,
        "recipient": share.recipient,
        "charges": len(shared["charges"]),
        "elements": len(elements),
        "evidence": sum(len(e["evidence"]) for e in elements),
        "withheld": len(shared["withheld"]),
        "withheld_reasons": dict(sorted(reasons.items())),
        "sha256": sha256,
    }


# --- consent ---------------------------------------------------------------------------------


def apply_consent(
    user: Any, case: CaseFile, share: Share, matrix: dict
) -> tuple[dict, list[dict[str, Any]]]:
    """(the matrix as it may leave for `share`, what was withheld for the exporting user).
    The matrix is copied, never changed in place."""
    shared = json.loads(json.dumps(matrix, default=str))
    elements = [(charge, element) for charge in shared["charges"] for element in charge["elements"]]
    targets = {
        id(entry): evidence_target(entry)
        for _charge, element in elements
        for entry in element["evidence"]
    }
    suspects = _suspect_targets(case, shared["charges"])
    objects = _load_objects([t for t in [*targets.values(), *suspects.values()] if t])
    decision = consent_check(user, share, objects.values())
    left_out = {(entry.kind, entry.id): entry for entry in decision.left_out}
    redacted = items_with_approved_copies([pk for kind, pk in objects if kind == "item"])
    withheld: list[dict[str, Any]] = []
    for charge in shared["charges"]:
        _withhold_suspect(charge, suspects, left_out, withheld)
        charge["withheld"] = 0
    for charge, element in elements:
        kept = []
        for entry in element["evidence"]:
            target = targets[id(entry)]
            if target is None or target not in objects:
                problem: LeftOut | None = _not_found(entry)
            else:
                problem = left_out.get(target)
            if problem is not None:
                withheld.append(_withheld(problem, charge, element))
                continue
            for name in INTERNAL_FIELDS:
                entry.pop(name, None)
            if target[0] == "item":
                entry["redacted_copy"] = target[1] in redacted
            kept.append(entry)
        element["withheld"] = len(element["evidence"]) - len(kept)
        element["evidence"] = kept
        charge["withheld"] += element["withheld"]
    shared["withheld"] = [_note(entry) for entry in withheld] + list(matrix.get("withheld", []))
    return shared, withheld


def items_with_approved_copies(item_ids: list[int]) -> set[int]:
    """The items among `item_ids` that have an approved redacted copy: those for which
    redaction.services.approved_redacted_files is not empty, read in one query."""
    approved = RedactionReview.objects.filter(
        item_id__in=item_ids, status=ReviewStatus.APPROVED
    ).values_list("item_id", flat=True)
    return set(approved)


def evidence_target(entry: dict) -> tuple[str, int] | None:
    """(evidence kind, id) from a matrix entry's reference ("X-5", "T-3"); None when it names
    no evidence (the entry is then withheld as not found)."""
    try:
        return parse_evidence_ref(entry.get("ref", ""))
    except EvidenceRefError:
        return None


def _not_found(entry: dict) -> LeftOut:
    reference = str(entry.get("ref", ""))
    kind = str(entry.get("kind", ""))
    return LeftOut(kind, 0, reference, "", NOT_FOUND, str(REASON_LABELS[NOT_FOUND]))


def _suspect_targets(case: CaseFile, charges: list[dict]) -> dict[int, tuple[str, int]]:
    ids = {int(charge["suspect"]["id"]) for charge in charges if charge.get("suspect")}
    rows = Suspect.objects.filter(case=case, pk__in=ids).values_list(
        "pk", "person_id", "organization_id"
    )
    return {
        pk: ("person", person) if person else ("organization", organization)
        for pk, person, organization in rows
    }


def _load_objects(targets: Iterable[tuple[str, int]]) -> dict[tuple[str, int], Model]:
    """The items and records named, one query per kind."""
    by_kind: dict[str, set[int]] = {}
    for kind, pk in targets:
        by_kind.setdefault(kind, set()).add(int(pk))
    found: dict[tuple[str, int], Model] = {}
    for kind, ids in by_kind.items():
        if kind == "item":
            model: type[Model] = Item
        elif kind in KINDS_BY_NAME:
            model = KINDS_BY_NAME[kind].model
        else:
            continue  # not evidence any consent rule knows: withheld as not found
        for obj in model.objects.filter(pk__in=ids):
            found[(kind, obj.pk)] = obj
    return found


def _withhold_suspect(
    charge: dict, suspects: dict, left_out: dict, withheld: list[dict[str, Any]]
) -> None:
    suspect = charge.get("suspect") or {}
    target = suspects.get(int(suspect.get("id") or 0))
    problem = left_out.get(target) if target else None
    if problem is None:
        return
    # The charge stays (it is the case's); the name of a witness without consent does not.
    suspect["label"] = reference_of(*target)
    withheld.append(_withheld(problem, charge, None))


def _withheld(problem: LeftOut, charge: dict, element: dict | None) -> dict[str, Any]:
    return {
        "reference": problem.reference,
        "kind": problem.kind,
        "title": problem.title,
        "reason": problem.reason,
        "message": problem.message,
        "charge": charge["id"],
        "element": element["code"] if element else "",
    }


def _note(entry: dict[str, Any]) -> dict[str, Any]:
    """What the file says of a withheld entry: no title, no message (a message may name the
    recipients a witness consented to)."""
    return {
        "reference": entry["reference"],
        "kind": entry["kind"],
        "reason": entry["reason"],
        "charge": entry["charge"],
        "element": entry["element"],
    }


# --- writing ---------------------------------------------------------------------------------


class _TempFile:
    """A temporary file beside the target (the same file system, so the rename is atomic)."""

    def __init__(self, out: Path) -> None:
        fd, name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".part", dir=out.parent)
        os.close(fd)
        self.temp_path = Path(name)
        self.hash = hashlib.sha256()
        self.renamed = False

    def hexdigest(self) -> str:
        return self.hash.hexdigest()

    def discard(self, out: Path) -> None:
        self.temp_path.unlink(missing_ok=True)
        if self.renamed:
            out.unlink(missing_ok=True)


def _write_atomically(out: Path, write: Any) -> _TempFile:
    if not out.parent.is_dir():
        raise MatrixExportError(f"no such folder: {out.parent}")
    temp = _TempFile(out)
    try:
        with open(temp.temp_path, "wb") as stream:
            write(stream)
            stream.flush()
            os.fsync(stream.fileno())
        with open(temp.temp_path, "rb") as written:
            for chunk in iter(lambda: written.read(1 << 20), b""):
                temp.hash.update(chunk)
    except BaseException:
        temp.discard(out)
        raise
    return temp


def _writer(fmt: str) -> Any:
    if fmt == "xlsx":
        from sillok.assessment.export_xlsx import write_xlsx

        return write_xlsx
    if fmt == "pdf":
        from sillok.assessment.export_pdf import write_pdf

        return write_pdf
    return write_json


def write_json(stream: IO[bytes], shared: dict, language: str) -> None:
    stream.write(json.dumps(shared, ensure_ascii=False, indent=1).encode("utf-8"))
    stream.write(b"\n")
