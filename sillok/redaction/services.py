"""Making redacted copies of an item's files and deciding on them.

`do_request_redaction` runs the redactors that apply to an item (redactors.py) — text
redaction on its text derivatives (extracted, OCR, transcript), faces and metadata on a
picture original, the pages' text and metadata on a PDF original — and stores each result
through the evidence derivatives service (one way for every derivative: blob, file row of
kind "redacted" with its provenance, custody event) with a pending RedactionReview whose
summary holds what the redactor was unsure of. Originals are only read.

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

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from sillok.core.tempfiles import temp_dir
from sillok.custody.audit import lock_head, record_audit
from sillok.evidence.access import access_item, visible_items
from sillok.evidence.custody_log import HandlingContext
from sillok.evidence.derivatives import put_derivative, record_derivative
from sillok.evidence.derive.base import TEXT_KINDS, DerivationError
from sillok.evidence.models import FileRole, Item, ItemFile
from sillok.redaction.errors import RedactionError, RedactionRefused
from sillok.redaction.models import RedactionMethod, RedactionReview, ReviewStatus
from sillok.redaction.redactors import (
    Output,
    identity_terms,
    redact_image_file,
    redact_pdf_file,
    redact_text_file,
)

logger = logging.getLogger(__name__)

# Pictures Pillow reads and OpenCV can work on; others are left out with a reason.
IMAGE_TYPES = {"image/jpeg", "image/png", "image/webp", "image/gif", "image/tiff", "image/bmp"}
DECISIONS = {"approve": ReviewStatus.APPROVED, "reject": ReviewStatus.REJECTED}


class ReviewNotFound(LookupError):
    """No such redaction review, or one of an item this user may not see."""


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
            sources.append((file, RedactionMethod.PDF))
    return sources


@sensitive_variables("terms")
def _make_outputs(
    user: Any, sources: list[tuple[ItemFile, str]], workdir: Path, outcome: RedactionOutcome
) -> list[Output]:
    wants_names = any(m in (RedactionMethod.TEXT, RedactionMethod.PDF) for _, m in sources)
    terms = identity_terms(user) if wants_names else None
    outputs = []
    for source, method in sources:
        try:
            if method == RedactionMethod.TEXT:
                outputs.append(redact_text_file(source, terms, workdir))
            elif method == RedactionMethod.IMAGE:
                outputs.append(redact_image_file(source, workdir))
            else:
                outputs.append(redact_pdf_file(source, terms, workdir))
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
        puts = [(output, put_derivative(output.path)) for output in outputs]
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
    user: Any, item: Item, output: Output, put: Any, context: HandlingContext
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
    redacted = record_derivative(user, output.source, put, output.spec, context)
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
