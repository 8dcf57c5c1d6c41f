"""Redaction reviews: one per redacted copy, pending until someone other than the requester
approves or rejects it. Only approved copies may leave Sillok (`approved_redacted_files`).

The redacted file itself is an evidence ItemFile (role derivative, kind "redacted"), as
immutable as every other file row; the review is the only thing that changes, once.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ReviewStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for review")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class RedactionMethod(models.TextChoices):
    TEXT = "text", _("Text: names, phone numbers, ID numbers, addresses, birth dates")
    IMAGE = "image", _("Picture: faces blurred, metadata removed")
    PDF = "pdf", _("PDF: names and numbers taken out of the pages, metadata removed")
    # Copies made before the pages' text was redacted (rules 1): metadata only.
    PDF_METADATA = "pdf_metadata", _("PDF: metadata removed (content unchanged)")


class RedactionReview(models.Model):
    item = models.ForeignKey(
        "evidence.Item", on_delete=models.PROTECT, related_name="redaction_reviews"
    )
    source = models.ForeignKey("evidence.ItemFile", on_delete=models.PROTECT, related_name="+")
    redacted = models.OneToOneField(
        "evidence.ItemFile", on_delete=models.PROTECT, related_name="redaction_review"
    )
    method = models.CharField(max_length=16, choices=RedactionMethod.choices)
    # Counts, categories, placeholder spans (offsets only), face boxes, names of the metadata
    # fields removed: never a redacted string.
    summary = models.JSONField(default=dict, blank=True)
    status = models.CharField(
        max_length=16, choices=ReviewStatus.choices, default=ReviewStatus.PENDING, db_index=True
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]

    def __str__(self) -> str:
        return f"redaction {self.pk} of item {self.item_id}: {self.status}"
