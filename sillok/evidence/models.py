"""Evidence: items, their files (one original, any number of derivatives), custody events,
derivation jobs and perceptual hashes.

Originals are immutable: an ItemFile points at a content-addressed custody Blob, and nothing
in the application updates or deletes a file row or its blob. Custody events live here rather
than in `custody` because each one belongs to an item, and `custody` depends on no other app;
every custody event is also an audit entry (`audit_seq`), so the hash chain covers it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# Re-exported: items were the first users of sensitivity levels.
from sillok.core.sensitivity import SENSITIVITY_ORDER, Sensitivity  # noqa: F401


class ItemKind(models.TextChoices):
    DOCUMENT = "document", _("Document")
    PHOTO = "photo", _("Photo")
    AUDIO = "audio", _("Audio")
    VIDEO = "video", _("Video")
    TESTIMONY = "testimony_recording", _("Testimony recording")
    WEB_CAPTURE = "web_capture", _("Web capture")
    UN_DOCUMENT = "un_document", _("UN document")
    OTHER = "other", _("Other")


class DatePrecision(models.TextChoices):
    DAY = "day", _("Day")
    MONTH = "month", _("Month")
    YEAR = "year", _("Year")
    APPROXIMATE = "approximate", _("Approximate")
    UNKNOWN = "unknown", _("Unknown")


class PlacePrecision(models.TextChoices):
    EXACT = "exact", _("Exact")
    TOWN = "town", _("Town or village")
    COUNTY = "county", _("City or county")
    PROVINCE = "province", _("Province")
    COUNTRY = "country", _("Country")
    UNKNOWN = "unknown", _("Unknown")


class ConsentScope(models.TextChoices):
    INTERNAL = "internal_analysis", _("Internal analysis")
    UN_REPORTING = "un_reporting", _("UN reporting")
    PROSECUTION = "prosecution", _("Sharing with prosecutors")
    PUBLICATION = "publication", _("Publication")


class ConsentForm(models.TextChoices):
    WRITTEN = "written", _("Written")
    ORAL_RECORDED = "oral_recorded", _("Oral, recorded")
    ORAL_NOTED = "oral_noted", _("Oral, noted by the interviewer")
    NONE = "none", _("Not given")


class Item(models.Model):
    """One piece of evidence. Its metadata may be corrected; its original file never."""

    title = models.CharField(_("title"), max_length=500)
    description = models.TextField(_("description"), blank=True)
    kind = models.CharField(_("kind"), max_length=32, choices=ItemKind.choices)
    languages = models.JSONField(_("languages"), default=list, blank=True)
    source = models.CharField(_("source"), max_length=300, blank=True)
    collector = models.CharField(_("collector"), max_length=200, blank=True)
    collected_on = models.DateField(_("collection date"), null=True, blank=True)
    collected_on_precision = models.CharField(
        max_length=16, choices=DatePrecision.choices, default=DatePrecision.UNKNOWN
    )
    collected_place = models.CharField(_("collection place"), max_length=300, blank=True)
    collected_place_precision = models.CharField(
        max_length=16, choices=PlacePrecision.choices, default=PlacePrecision.UNKNOWN
    )
    sensitivity = models.CharField(
        _("sensitivity"),
        max_length=32,
        choices=Sensitivity.choices,
        default=Sensitivity.RESTRICTED,
        db_index=True,
    )
    consent_scope = models.JSONField(_("consent scope"), default=list, blank=True)
    consent_date = models.DateField(_("consent date"), null=True, blank=True)
    consent_form = models.CharField(
        _("form of consent"), max_length=16, choices=ConsentForm.choices, default=ConsentForm.NONE
    )
    # Prosecutors or jurisdictions named in a consent to sharing with prosecutors.
    consent_recipients = models.JSONField(_("consent recipients"), default=list, blank=True)
    # A case or project only its members may see (accounts/clearance.py); none: no narrowing.
    compartment = models.ForeignKey(
        "accounts.Compartment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("compartment"),
    )
    tags = models.JSONField(_("tags"), default=list, blank=True)
    # Graphic content (violence, injuries, bodies): reviewers see its photos and video blurred
    # until they choose to reveal them (their choice: accounts User.graphic_media).
    graphic = models.BooleanField(_("graphic content"), default=False)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # Bumped on every metadata change: an edit made against an older revision is refused.
    revision = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-created_at", "-pk"]
        permissions = [
            ("view_original", "Can open and download original files"),
            ("view_restricted", "Can see items marked restricted"),
            ("view_strictly_confidential", "Can see items marked strictly confidential"),
        ]

    def __str__(self) -> str:
        return f"item {self.pk}: {self.title}"


class FileRole(models.TextChoices):
    ORIGINAL = "original", _("Original")
    DERIVATIVE = "derivative", _("Derivative")


# What derivative kinds and derivers are called in the UI.
DERIVATIVE_LABELS = {
    "original": _("Original"),
    "text": _("Extracted text"),
    "ocr": _("OCR text"),
    "transcript": _("Transcript"),
    "preview": _("Preview"),
    "metadata": _("Metadata"),
    "phash": _("Perceptual hash"),
    "redacted": _("Redacted copy"),
}


class ItemFile(models.Model):
    """A file of an item: the original (exactly one) or a derivative with its provenance."""

    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="files")
    role = models.CharField(max_length=16, choices=FileRole.choices)
    blob = models.ForeignKey("custody.Blob", on_delete=models.PROTECT, related_name="+")
    sha256 = models.CharField(max_length=64, db_index=True)
    size = models.BigIntegerField()
    media_type = models.CharField(max_length=200)
    original_filename = models.TextField(blank=True)
    # Derivatives: what they came from and what made them (kind: text, ocr, transcript,
    # preview, metadata). Originals leave these empty.
    derived_from = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="derivatives"
    )
    derivation = models.ForeignKey(
        "DerivationJob", on_delete=models.PROTECT, null=True, blank=True, related_name="outputs"
    )
    # A copy: the original of an item made for a submitter who may not see the item that
    # already holds this content (intake.py). It shares that original's blob and points at it
    # (always at the first original of the content, never at another copy).
    copy_of = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="copies"
    )
    kind = models.CharField(max_length=16, default="original")
    language = models.CharField(max_length=16, blank=True)
    tool = models.CharField(max_length=100, blank=True)
    tool_version = models.CharField(max_length=200, blank=True)
    params = models.JSONField(default=dict, blank=True)
    details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["pk"]
        constraints = [
            # An item has exactly one original; the same content is one item, never two,
            # except for copies made for submitters who may not see that item (intake.py).
            models.UniqueConstraint(
                fields=["item"], condition=Q(role="original"), name="evidence_one_original"
            ),
            models.UniqueConstraint(
                fields=["sha256"],
                condition=Q(role="original", copy_of__isnull=True),
                name="evidence_unique_original",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.role} {self.sha256[:12]}… of item {self.item_id}"

    @property
    def kind_label(self) -> str:
        return str(DERIVATIVE_LABELS.get(self.kind, self.kind))


class CustodyAction(models.TextChoices):
    INTAKE = "intake", _("Intake")
    DUPLICATE_INTAKE = "duplicate_intake", _("Duplicate submitted")
    VIEW_ORIGINAL = "view_original", _("Original viewed")
    DOWNLOAD = "download", _("Original downloaded")
    DERIVATION = "derivation", _("Derivative made")
    METADATA_CHANGED = "metadata_changed", _("Description changed")
    FIXITY_CHECKED = "fixity_checked", _("Fixity checked")
    FIXITY_FAILED = "fixity_failed", _("Fixity check failed")
    EXPORT = "export", _("Exported")
    TRANSFER = "transfer", _("Transferred")
    DISPOSITION = "disposition", _("Disposition")


class CustodyEvent(models.Model):
    """One handling of an item: who, when, what, from where, why. Append-only; each one is
    also the audit entry `audit_seq`, which carries the same facts in the hash chain."""

    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="custody_events")
    file = models.ForeignKey(
        ItemFile, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    action = models.CharField(max_length=32, choices=CustodyAction.choices)
    occurred_at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    actor_name = models.CharField(max_length=150, blank=True)
    # How it happened: web, api, cli, bag, job; and from where: a client address, a host.
    channel = models.CharField(max_length=16, blank=True)
    place = models.CharField(max_length=200, blank=True)
    reason = models.TextField(blank=True)
    details = models.JSONField(default=dict, blank=True)
    audit_seq = models.BigIntegerField(unique=True)

    class Meta:
        ordering = ["occurred_at", "pk"]
        indexes = [models.Index(fields=["item", "occurred_at"])]

    def __str__(self) -> str:
        return f"{self.action} of item {self.item_id} at {self.occurred_at:%Y-%m-%d %H:%M}"


class ItemVersionAction(models.TextChoices):
    BASELINE = "baseline", _("State before the first edit")
    EDITED = "edited", _("Edited")
    RESTORED = "restored", _("Restored an earlier version")


class ItemVersion(models.Model):
    """One state of an item's metadata after one change: who, when, why, and every editable
    field as it then was (`snapshot`), so that versions can be compared and restored
    (editing.py). Append-only (database triggers). The first edit of an item also records the
    state it had before (`baseline`), under the same audit entry; that entry is the
    "metadata changed" custody event's, whose details state the versions' digest."""

    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    action = models.CharField(max_length=16, choices=ItemVersionAction.choices)
    snapshot = models.JSONField()
    reason = models.TextField(blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    audit_seq = models.BigIntegerField()

    class Meta:
        ordering = ["item", "number"]
        constraints = [
            models.UniqueConstraint(fields=["item", "number"], name="evidence_version_number")
        ]
        # `sillok verify` walks versions in seq order.
        indexes = [models.Index(fields=["audit_seq"], name="evidence_version_audit_seq")]

    def __str__(self) -> str:
        return f"item {self.item_id} v{self.number}"


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")
    SKIPPED = "skipped", _("Skipped")


class DerivationJob(models.Model):
    """One deriver applied to one file: its state for the UI and `sillok jobs`, and the key
    that makes the work idempotent (the same deriver with the same parameters on the same
    content is done once, however often it is queued)."""

    source = models.ForeignKey(ItemFile, on_delete=models.PROTECT, related_name="jobs")
    deriver = models.CharField(max_length=32)
    params_key = models.CharField(max_length=64)
    status = models.CharField(
        max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED, db_index=True
    )
    attempts = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    tool_version = models.CharField(max_length=200, blank=True)
    task_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "deriver", "params_key"], name="evidence_job_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.deriver} of file {self.source_id}: {self.status}"

    @property
    def deriver_label(self) -> str:
        return str(DERIVATIVE_LABELS.get(self.deriver, self.deriver))


class PerceptualHash(models.Model):
    """A perceptual hash of an image (frame 0) or of one video keyframe, for "possible
    duplicate" suggestions between items."""

    file = models.ForeignKey(ItemFile, on_delete=models.PROTECT, related_name="phashes")
    frame = models.PositiveIntegerField(default=0)
    value = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["file", "frame"], name="evidence_phash_once")
        ]

    def __str__(self) -> str:
        return f"phash {self.value} of file {self.file_id} frame {self.frame}"


class UploadStatus(models.TextChoices):
    OPEN = "open", _("Receiving")
    COMPLETED = "completed", _("Completed")
    ABORTED = "aborted", _("Aborted")


class UploadSession(models.Model):
    """A resumable upload: the client sends chunks at the offset the server has, and may
    resume after a broken connection by asking for that offset. The bytes wait in a private
    temporary file (SILLOK_HOME/uploads) until the upload completes and goes through intake."""

    key = models.CharField(max_length=43, unique=True)  # random, URL-safe; the session's name
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    filename = models.TextField()
    size = models.BigIntegerField()
    received = models.BigIntegerField(default=0)
    status = models.CharField(
        max_length=16, choices=UploadStatus.choices, default=UploadStatus.OPEN
    )
    metadata = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    result = models.JSONField(default=dict, blank=True)

    def __str__(self) -> str:
        return f"upload {self.key[:8]}… {self.received}/{self.size}"
