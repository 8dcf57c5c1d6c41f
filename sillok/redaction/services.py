"""Making redacted copies of an item's files and deciding on them.

`do_request_redaction` runs the redactors that apply to an item — text redaction on its text
derivatives (extracted, OCR, transcript), faces and metadata on a picture original, metadata
on a PDF original — and stores each result as a derivative file of kind "redacted", with its
provenance and a custody event, and a pending RedactionReview. Originals are only read.

`do_review_redaction` approves or rejects one copy; the requester may not decide on their
own request. Only approved copies may leave Sillok: exports and packages take them from
`approved_redacted_files(item)`.

Identity terms (witnesses' real names) come from the vault, decrypted in memory for the text
redactor and dropped afterwards: they are never written into a file row, a review, an audit
entry or a log. Provenance holds counts and categories only.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from sillok.core.tempfiles import temp_dir
from sillok.custody.audit import lock_head, record_audit
from sillok.custody.services import open_blob, put_blob, record_blob
from sillok.evidence.access import access_item, visible_items
from sillok.evidence.custody_log import HandlingContext, record_custody_event
from sillok.evidence.derive.base import TEXT_KINDS, DerivationError
from sillok.evidence.models import CustodyAction, FileRole, Item, ItemFile
from sillok.redaction import images, pdfs
from sillok.redaction.errors import RedactionError, RedactionRefused
from sillok.redaction.models import RedactionMethod, RedactionReview, ReviewStatus
from sillok.redaction.text import PLACEHOLDERS, RULES_VERSION, redact_text

logger = logging.getLogger(__name__)

REDACTED_KIND = "redacted"
TOOL = "sillok-redaction"
# Pictures Pillow reads and OpenCV can work on; others are left out with a reason.
IMAGE_TYPES = {"image/jpeg", "image/png", "image/webp", "image/gif", "image/tiff", "image/bmp"}
MAX_TEXT_BYTES = 20 * 1024 * 1024  # a longer text is left out, never cut short
DECISIONS = {"approve": ReviewStatus.APPROVED, "reject": ReviewStatus.REJECTED}


class ReviewNotFound(LookupError):
    """No such redaction review, or one of an item this user may not see."""


@dataclass
class _Output:
    source: ItemFile
    method: str
    path: Path
    media_type: str
    tool: str
    tool_version: str
    params: dict[str, Any]
    details: dict[str, Any]
    summary: dict[str, Any]
    language: str = ""


@dataclass
class RedactionOutcome:
    reviews: list[RedactionReview] = field(default_factory=list)  # new or identical earlier
    left_out: list[dict[str, str]] = field(default_factory=list)  # {"file", "kind", "reason"}


# --- Permissions ----------------------------------------------------------------------------


def can_request(user: Any) -> bool:
    return bool(user and user.is_active and user.has_perm("evidence.change_item"))


def can_review(user: Any) -> bool:
    return bool(
        user
        and user.is_active
        and (user.has_perm("records.review_record") or user.has_perm("evidence.change_item"))
    )


def check_can_request(user: Any) -> None:
    if not can_request(user):
        raise RedactionRefused("making redacted copies needs the permission evidence.change_item")


def check_can_review(user: Any) -> None:
    if not can_review(user):
        raise RedactionRefused(
            "reviewing redactions needs the permission records.review_record or "
            "evidence.change_item"
        )


def visible_reviews(user: Any) -> QuerySet[RedactionReview]:
    """Reviews of the items `user` may see (the same predicate as the items themselves)."""
    return RedactionReview.objects.filter(item__in=visible_items(user).values("pk"))


def access_review(user: Any, review_id: Any) -> RedactionReview:
    try:
        pk = int(review_id)
    except (TypeError, ValueError):
        raise ReviewNotFound(review_id) from None
    review = (
        visible_reviews(user)
        .select_related("item", "source", "redacted", "requested_by", "reviewed_by")
        .filter(pk=pk)
        .first()
    )
    if review is None:
        raise ReviewNotFound(review_id)
    return review


# --- Use in exports -------------------------------------------------------------------------


def approved_redacted_files(item: Item) -> list[ItemFile]:
    """The redacted copies of `item` approved for use outside Sillok: for each source file
    the most recently approved one. Pending and rejected copies are never returned."""
    reviews = (
        RedactionReview.objects.filter(item=item, status=ReviewStatus.APPROVED)
        .select_related("redacted")
        .order_by("source_id", "-reviewed_at", "-pk")
    )
    chosen: dict[int, ItemFile] = {}
    for review in reviews:
        chosen.setdefault(review.source_id, review.redacted)
    return sorted(chosen.values(), key=lambda f: f.pk)


# --- Requesting -----------------------------------------------------------------------------


def _sources(item: Item) -> list[tuple[ItemFile, str]]:
    files = list(
        item.files.filter(
            Q(role=FileRole.ORIGINAL) | Q(role=FileRole.DERIVATIVE, kind__in=TEXT_KINDS)
        ).order_by("pk")
    )
    sources = []
    for file in files:
        bare = file.media_type.split(";", 1)[0].strip().lower()
        if file.role == FileRole.DERIVATIVE:
            sources.append((file, RedactionMethod.TEXT))
        elif bare in IMAGE_TYPES:
            sources.append((file, RedactionMethod.IMAGE))
        elif bare == "application/pdf":
            sources.append((file, RedactionMethod.PDF_METADATA))
    return sources


def _identity_terms(actor: Any) -> list[str]:
    """The vault's names for redaction (audited there). The vault is part of Sillok: were it
    missing, texts would go out with every name in them, so an ImportError is not caught."""
    from sillok.vault.services import identity_terms_for_redaction

    return identity_terms_for_redaction(actor)


def _run_parser(target: str, args: dict[str, Any]) -> dict[str, Any]:
    """A redactor that parses an uploaded file (a picture, a PDF) runs in the hostile-file
    sandbox where it is configured; otherwise in this process."""
    try:
        from sillok.evidence import sandbox
    except ImportError:
        sandbox = None
    if sandbox is None or not hasattr(settings, "SILLOK_PARSE_IN_SUBPROCESS"):
        from importlib import import_module

        module, _, name = target.partition(":")
        return getattr(import_module(module), name)(args)
    try:
        return sandbox.run_sandboxed(target, args, sandbox.limits_for("redaction"))
    except sandbox.ParseLimitExceeded as exc:
        raise DerivationError(str(exc)) from None


def _copy_of(source: ItemFile, workdir: Path) -> Path:
    # Our own name, never the user's: no path trick in a filename reaches a parser.
    target = workdir / f"source-{source.pk}"
    with open_blob(source.sha256) as stream, target.open("wb") as out:
        while chunk := stream.read(1024 * 1024):
            out.write(chunk)
    target.chmod(0o400)
    return target


@sensitive_variables("terms", "text")
def _redact_text_file(source: ItemFile, terms: list[str] | None, workdir: Path) -> _Output:
    if source.size > MAX_TEXT_BYTES:
        raise RedactionError(
            f"the text is longer than {MAX_TEXT_BYTES // (1024 * 1024)} MB: too long to redact"
        )
    with open_blob(source.sha256) as stream:
        text = stream.read().decode("utf-8", errors="replace")
    if not text.strip():
        raise RedactionError(f"the {source.kind_label.lower()} is empty: nothing to redact")
    result = redact_text(text, terms or [])
    path = workdir / f"redacted-{source.pk}.txt"
    path.write_text(result.text, encoding="utf-8")
    counts = result.counts()
    params = {
        "method": RedactionMethod.TEXT.value,
        "rules": RULES_VERSION,
        "categories": sorted(PLACEHOLDERS),
        "identity_terms": result.terms_used,
        "names_from_vault": terms is not None,
    }
    summary = {
        "counts": counts,
        "spans": [span.as_dict() for span in result.spans],
        "identity_terms": result.terms_used,
        "identity_terms_too_short": result.terms_skipped,
        "names_from_vault": terms is not None,
    }
    return _Output(
        source=source,
        method=RedactionMethod.TEXT,
        path=path,
        media_type="text/plain; charset=utf-8",
        tool=TOOL,
        tool_version=f"rules {RULES_VERSION}",
        params=params,
        details={"counts": counts, "source_kind": source.kind},
        summary=summary,
        language=source.language,
    )


def _redact_image_file(source: ItemFile, workdir: Path) -> _Output:
    copy = _copy_of(source, workdir)
    outdir = workdir / f"out-{source.pk}"
    outdir.mkdir()
    made = _run_parser(
        "sillok.redaction.images:sandbox_redact_image",
        {"source": str(copy), "outdir": str(outdir), "faces": True},
    )
    path = Path(made["path"])
    if path.parent != outdir:  # the child names the file; it must be where we asked
        raise RedactionError("the picture redactor wrote outside its folder")
    described = {
        "faces": made["faces"],
        "boxes": made["boxes"],
        "removed_metadata": made["removed_metadata"],
    }
    return _Output(
        source=source,
        method=RedactionMethod.IMAGE,
        path=path,
        media_type=made["media_type"],
        tool="opencv",
        tool_version=images.tool_versions(),
        params={"method": RedactionMethod.IMAGE.value, **images.face_provenance()},
        details=described,
        summary=described,
    )


def _scrub_pdf_file(source: ItemFile, workdir: Path) -> _Output:
    copy = _copy_of(source, workdir)
    outdir = workdir / f"out-{source.pk}"
    outdir.mkdir()
    made = _run_parser(
        "sillok.redaction.pdfs:sandbox_scrub_pdf", {"source": str(copy), "outdir": str(outdir)}
    )
    path = Path(made["path"])
    if path.parent != outdir:
        raise RedactionError("the PDF redactor wrote outside its folder")
    described = {"removed_metadata": made["removed_metadata"], "pages": made["pages"]}
    return _Output(
        source=source,
        method=RedactionMethod.PDF_METADATA,
        path=path,
        media_type="application/pdf",
        tool="pypdf",
        tool_version=pdfs.tool_versions(),
        params={"method": RedactionMethod.PDF_METADATA.value},
        details=described,
        summary=described,
    )


@sensitive_variables("terms")
def _make_outputs(
    user: Any, sources: list[tuple[ItemFile, str]], workdir: Path, outcome: RedactionOutcome
) -> list[_Output]:
    terms = _identity_terms(user) if any(m == "text" for _, m in sources) else None
    outputs = []
    for source, method in sources:
        try:
            if method == RedactionMethod.TEXT:
                outputs.append(_redact_text_file(source, terms, workdir))
            elif method == RedactionMethod.IMAGE:
                outputs.append(_redact_image_file(source, workdir))
            else:
                outputs.append(_scrub_pdf_file(source, workdir))
        except (RedactionError, DerivationError) as exc:
            outcome.left_out.append(
                {"file": source.sha256, "kind": source.kind, "reason": str(exc)}
            )
    del terms
    return outputs


def do_request_redaction(
    user: Any, item: Item, context: HandlingContext | None = None
) -> RedactionOutcome:
    """Make redacted copies of what `item` has to redact, each waiting for review.

    A copy identical to one already waiting or approved for the same source is not stored
    twice: that earlier review is returned instead. Raises RedactionRefused without the
    permission, ItemNotFound for an item the user may not see, RedactionError when nothing
    could be redacted (the reasons per file in the message).
    """
    check_can_request(user)
    item = access_item(user, item.pk)
    context = context or HandlingContext(channel="web")
    sources = _sources(item)
    if not sources:
        raise RedactionError(
            "this item has nothing to redact yet: no extracted text, transcript, picture or PDF"
        )
    outcome = RedactionOutcome()
    with temp_dir("redact-") as tmp:
        outputs = _make_outputs(user, sources, tmp, outcome)
        puts = []
        for output in outputs:
            with output.path.open("rb") as stream:
                puts.append((output, put_blob(stream)))
    if not puts:
        reasons = "; ".join(part["reason"] for part in outcome.left_out)
        raise RedactionError(f"nothing could be redacted: {reasons}")
    with transaction.atomic():
        # The head lock serialises writers: of two requests racing for the same item, the
        # second finds the first one's identical copies in `_record` and reuses them.
        lock_head()
        for output, put in puts:
            outcome.reviews.append(_record(user, item, output, put, context))
        record_audit(
            user,
            "redaction.requested",
            object_type="item",
            object_id=item.pk,
            details={
                "reviews": [review.pk for review in outcome.reviews],
                "left_out": len(outcome.left_out),
                "methods": sorted({str(output.method) for output, _ in puts}),
            },
        )
    return outcome


def _record(
    user: Any, item: Item, output: _Output, put: Any, context: HandlingContext
) -> RedactionReview:
    earlier = (
        RedactionReview.objects.filter(
            source=output.source,
            redacted__sha256=put.sha256,
            status__in=[ReviewStatus.PENDING, ReviewStatus.APPROVED],
        )
        .order_by("-pk")
        .first()
    )
    if earlier is not None:
        return earlier
    stored = record_blob(user, put, reason=f"redacted copy of {output.source.sha256}")
    redacted = ItemFile.objects.create(
        item=item,
        role=FileRole.DERIVATIVE,
        blob=stored.blob,
        sha256=put.sha256,
        size=put.size,
        media_type=output.media_type,
        original_filename=output.path.name,
        derived_from=output.source,
        kind=REDACTED_KIND,
        language=output.language,
        tool=output.tool,
        tool_version=output.tool_version[:200],
        params=output.params,
        details=output.details,
    )
    record_custody_event(
        user,
        item,
        CustodyAction.DERIVATION,
        context,
        file=redacted,
        details={
            "deriver": "redaction",
            "kind": REDACTED_KIND,
            "method": str(output.method),
            "from": output.source.sha256,
            "sha256": put.sha256,
            "tool": output.tool,
            "tool_version": output.tool_version,
        },
    )
    return RedactionReview.objects.create(
        item=item,
        source=output.source,
        redacted=redacted,
        method=output.method,
        summary=output.summary,
        requested_by=user,
    )


# --- Reviewing ------------------------------------------------------------------------------


def do_review_redaction(
    user: Any, review: RedactionReview, decision: str, note: str = ""
) -> RedactionReview:
    """Approve or reject a pending redacted copy. The requester cannot decide on their own
    request; a rejection says why (`note`). The note is kept with the review, never in the
    audit log (it may quote what was missed)."""
    check_can_review(user)
    if decision not in DECISIONS:
        raise RedactionRefused("the decision must be approve or reject")
    note = note.strip()
    if decision == "reject" and not note:
        raise RedactionRefused("say why the redacted copy is rejected (what it misses)")
    with transaction.atomic():
        # Two reviewers deciding at once: the second waits here and then finds it decided.
        current = RedactionReview.objects.select_for_update().filter(pk=review.pk).first()
        if current is None:
            raise ReviewNotFound(review.pk)
        access_item(user, current.item_id)  # ItemNotFound for an item no longer visible
        if current.requested_by_id == user.pk:
            raise RedactionRefused("the person who asked for a redaction cannot review it")
        if current.status != ReviewStatus.PENDING:
            raise RedactionRefused(
                f"this redacted copy was {current.get_status_display().lower()} already"
            )
        current.status = DECISIONS[decision]
        current.reviewed_by = user
        current.reviewed_at = timezone.now()
        current.note = note
        current.save(update_fields=["status", "reviewed_by", "reviewed_at", "note"])
        record_audit(
            user,
            f"redaction.{current.status}",
            object_type="redaction_review",
            object_id=current.pk,
            details={
                "item": current.item_id,
                "file": ItemFile.objects.values_list("sha256", flat=True).get(
                    pk=current.redacted_id
                ),
                "method": current.method,
                "with_note": bool(note),
            },
        )
    return current


def text_segments(text: str, spans: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The redacted text cut into plain pieces and placeholders, for highlighting: each
    {"text", "category"} with category "" for plain text. Spans that do not point at a
    placeholder (a text changed since) are ignored rather than trusted."""
    segments, cursor = [], 0
    for span in sorted(spans, key=lambda s: s["start"]):
        start, end, category = span["start"], span["end"], span["category"]
        if start < cursor or text[start:end] != PLACEHOLDERS.get(category):
            continue
        if start > cursor:
            segments.append({"text": text[cursor:start], "category": ""})
        segments.append({"text": text[start:end], "category": category})
        cursor = end
    if cursor < len(text):
        segments.append({"text": text[cursor:], "category": ""})
    return segments
