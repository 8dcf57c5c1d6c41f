"""Legal assessment: frameworks as data, case files and the proof matrix.

Framework ─< Element: one tree per framework (the Rome Statute, a national code). An element
is a crime (art. 7(1)(f) torture), one of a crime's elements, a contextual element (the
chapeau of art. 7, shared by its crimes through `Element.context`), a mode of liability
(art. 25(3)(a), art. 28) or one of its elements, or a standard of proof. Elements name the
violation terms that can prove them.

CaseFile (its own compartment) ─< Suspect (a person or a unit), Charge (crime × suspect ×
mode of liability), CaseTask (investigative work serving elements), EvidenceLink (a means of
proof for one element of one charge: an item down to a passage, or a record, assessed as
supporting, contradicting or context with a weight), ElementAssessment (the status of one
element of one charge against the case's standard of proof, computed from a readable rule,
overridable with a reason, final only after a second legal expert confirms it) and
PatternQuery (counts of acts from the records, attached to a contextual element with the
query that made them). Every change writes an AssessmentVersion and an audit entry in the
same transaction (assessment/history.py); nothing is deleted: rows are withdrawn.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sillok.core.sensitivity import Sensitivity
from sillok.vocab.models import BilingualLabel, Origin


class Framework(BilingualLabel, models.Model):
    """A body of law whose elements evidence is assessed against."""

    code = models.SlugField(_("code"), unique=True, max_length=64)
    label_en = models.CharField(_("English name"), max_length=300)
    label_ko = models.CharField(_("Korean name"), max_length=300, blank=True)
    description_en = models.TextField(blank=True)
    description_ko = models.TextField(blank=True)
    # Where the text comes from and under which terms (shipped data records its source).
    source = models.TextField(_("source"), blank=True)
    licence = models.TextField(_("licence"), blank=True)
    origin = models.CharField(max_length=16, choices=Origin.choices, default=Origin.SHIPPED)
    sort_order = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["sort_order", "code"]
        permissions = [("manage_frameworks", "Can add and change legal frameworks")]

    def __str__(self) -> str:
        return self.code


class ElementKind(models.TextChoices):
    GROUP = "group", _("Group")  # a heading: "Crimes against humanity", "Modes of liability"
    CRIME = "crime", _("Crime")
    CONTEXTUAL = "contextual", _("Contextual element")
    ELEMENT = "element", _("Element")  # of a crime or of a mode of liability
    MODE = "mode", _("Mode of liability")
    STANDARD = "standard", _("Standard of proof")


class Element(BilingualLabel, models.Model):
    framework = models.ForeignKey(Framework, on_delete=models.PROTECT, related_name="elements")
    # Unique within its framework, stable across reloads: "art7-1-f", "art7-1-f.1", "art25-3-a".
    code = models.CharField(_("code"), max_length=120)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=ElementKind.choices)
    label_en = models.CharField(_("English label"), max_length=500)
    label_ko = models.CharField(_("Korean label"), max_length=500, blank=True)
    description_en = models.TextField(blank=True)  # the element's full wording
    description_ko = models.TextField(blank=True)
    # True where the Korean wording is our own translation, not an official text.
    korean_ours = models.BooleanField(default=False)
    reference = models.CharField(_("reference"), max_length=300, blank=True)  # "EoC art. 7(1)(f) 1"
    # A crime's contextual elements: the group that holds them (the chapeau of art. 7).
    context = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The violation terms whose acts can prove this element.
    terms = models.ManyToManyField("vocab.Term", blank=True, related_name="legal_elements")
    # Kind-specific data: for a standard of proof its rank and the rule that meets it.
    data = models.JSONField(default=dict, blank=True)
    sort_order = models.PositiveIntegerField(default=0)
    active = models.BooleanField(default=True)
    origin = models.CharField(max_length=16, choices=Origin.choices, default=Origin.SHIPPED)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["framework", "sort_order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["framework", "code"], name="assessment_element_code_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.framework.code}:{self.code}"


class CaseStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class CaseFile(models.Model):
    """A legal case file. Its compartment is created with it: only members see the case,
    its matrix and its tasks (accounts/clearance.py)."""

    title = models.CharField(_("title"), max_length=500)
    compartment = models.OneToOneField(
        "accounts.Compartment",
        on_delete=models.PROTECT,
        related_name="case_file",
        verbose_name=_("compartment"),
    )
    sensitivity = models.CharField(
        _("sensitivity"),
        max_length=32,
        choices=Sensitivity.choices,
        default=Sensitivity.RESTRICTED,
    )
    framework = models.ForeignKey(
        Framework, on_delete=models.PROTECT, related_name="cases", verbose_name=_("framework")
    )
    standard = models.ForeignKey(
        Element,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("standard of proof"),
        limit_choices_to={"kind": ElementKind.STANDARD},
    )
    strategy = models.TextField(_("strategy notes"), blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=CaseStatus.choices, default=CaseStatus.OPEN
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    revision = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-pk"]
        permissions = [
            ("view_cases", "Can see case files in compartments they belong to"),
            ("change_cases", "Can open case files and assess evidence in them"),
            ("review_assessment", "Can confirm another legal expert's element assessment"),
        ]

    def __str__(self) -> str:
        return self.title


class CaseRow(models.Model):
    """What every row of a case has: its case, author, time, revision and withdrawal."""

    case = models.ForeignKey(CaseFile, on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    revision = models.PositiveIntegerField(default=1)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_reason = models.TextField(blank=True)

    class Meta:
        abstract = True


class Suspect(CaseRow):
    case = models.ForeignKey(CaseFile, on_delete=models.PROTECT, related_name="suspects")
    person = models.ForeignKey(
        "records.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    organization = models.ForeignKey(
        "records.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(person__isnull=False) & Q(organization__isnull=True))
                | (Q(person__isnull=True) & Q(organization__isnull=False)),
                name="assessment_suspect_is_person_or_unit",
            )
        ]

    def __str__(self) -> str:
        return f"suspect {self.pk} of case {self.case_id}"


class Charge(CaseRow):
    case = models.ForeignKey(CaseFile, on_delete=models.PROTECT, related_name="charges")
    crime = models.ForeignKey(
        Element, on_delete=models.PROTECT, related_name="+", verbose_name=_("crime")
    )
    suspect = models.ForeignKey(
        Suspect, on_delete=models.PROTECT, related_name="charges", verbose_name=_("suspect")
    )
    mode = models.ForeignKey(
        Element, on_delete=models.PROTECT, related_name="+", verbose_name=_("mode of liability")
    )
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"charge {self.pk} of case {self.case_id}"


class TaskStatus(models.TextChoices):
    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class CaseTask(CaseRow):
    case = models.ForeignKey(CaseFile, on_delete=models.PROTECT, related_name="tasks")
    title = models.CharField(_("title"), max_length=500)
    description = models.TextField(_("description"), blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assignee"),
    )
    due_date = models.DateField(_("due date"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=TaskStatus.choices, default=TaskStatus.OPEN
    )
    charge = models.ForeignKey(
        Charge, on_delete=models.PROTECT, null=True, blank=True, related_name="tasks"
    )
    elements = models.ManyToManyField(Element, blank=True, related_name="+")
    # The gap it was made from ("no_evidence", "single_source", "hearsay_only",
    # "contradicted_only"), empty for a task written by hand.
    gap = models.CharField(max_length=32, blank=True)

    class Meta:
        ordering = ["due_date", "pk"]

    def __str__(self) -> str:
        return self.title


class Assessment(models.TextChoices):
    SUPPORTS = "supports", _("Supports")
    CONTRADICTS = "contradicts", _("Contradicts")
    CONTEXT = "context", _("Context")


class Weight(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


class EvidenceLink(CaseRow):
    """A means of proof: one piece of evidence for one element of one charge.

    `evidence_kind` is "item" or a record kind ("testimony", "information", "act", "event",
    "involvement", "link", ...); `passage` narrows an item to a part of it:
    {"pages": [3, 4]}, {"derivative": 17, "start": 120, "end": 480} (characters of a text
    derivative) or {"seconds": [12.5, 40.0]} (audio or video); {} for the whole."""

    case = models.ForeignKey(CaseFile, on_delete=models.PROTECT, related_name="evidence_links")
    charge = models.ForeignKey(Charge, on_delete=models.PROTECT, related_name="evidence_links")
    element = models.ForeignKey(Element, on_delete=models.PROTECT, related_name="+")
    evidence_kind = models.CharField(max_length=16)
    evidence_id = models.BigIntegerField()
    passage = models.JSONField(default=dict, blank=True)
    assessment = models.CharField(
        _("assessment"), max_length=16, choices=Assessment.choices, default=Assessment.SUPPORTS
    )
    weight = models.CharField(
        _("probative weight"), max_length=8, choices=Weight.choices, default=Weight.MEDIUM
    )
    comment = models.TextField(_("comment"), blank=True)
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    assessed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["pk"]
        indexes = [
            models.Index(fields=["evidence_kind", "evidence_id"], name="assessment_link_evidence"),
            models.Index(fields=["charge", "element"], name="assessment_link_element"),
        ]

    def __str__(self) -> str:
        return f"{self.evidence_kind}:{self.evidence_id} for element {self.element_id}"


class ElementStatus(models.TextChoices):
    NO_EVIDENCE = "no_evidence", _("No evidence")
    INSUFFICIENT = "insufficient", _("Not yet met")
    CONTRADICTED = "contradicted", _("Contradicted")
    MET = "met", _("Met")


class ReviewState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_REVIEW = "in_review", _("In review")
    CONFIRMED = "confirmed", _("Confirmed")


class ElementAssessment(CaseRow):
    """A legal expert's assessment of one element of one charge. `computed_status` is what
    the rule of the case's standard of proof says from the evidence links when it was
    assessed; `override_status` (with its reason) is the expert's own call where it differs.
    Final only when a second legal expert, not the assessor, confirmed it."""

    case = models.ForeignKey(CaseFile, on_delete=models.PROTECT, related_name="assessments")
    charge = models.ForeignKey(Charge, on_delete=models.PROTECT, related_name="assessments")
    element = models.ForeignKey(Element, on_delete=models.PROTECT, related_name="+")
    computed_status = models.CharField(max_length=16, choices=ElementStatus.choices)
    override_status = models.CharField(max_length=16, choices=ElementStatus.choices, blank=True)
    override_reason = models.TextField(blank=True)
    comment = models.TextField(blank=True)
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    review_state = models.CharField(
        max_length=16, choices=ReviewState.choices, default=ReviewState.DRAFT
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_comment = models.TextField(blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["charge", "element"], name="assessment_one_assessment_per_element"
            )
        ]

    def __str__(self) -> str:
        return f"assessment of element {self.element_id} in charge {self.charge_id}"

    @property
    def status(self) -> str:
        return self.override_status or self.computed_status


class PatternQuery(CaseRow):
    """Counts of acts from the records (violation × period × province × institution), kept
    with the filters that produced them so they can be run again."""

    case = models.ForeignKey(CaseFile, on_delete=models.PROTECT, related_name="patterns")
    element = models.ForeignKey(Element, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("title"), max_length=500)
    query = models.JSONField(default=dict)  # the filters and the dimensions
    result = models.JSONField(default=dict)  # the counts as last run
    run_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    run_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.title


class AssessmentVersion(models.Model):
    """Every state of every case row, who made it, when and why (append-only)."""

    kind = models.CharField(max_length=24)  # case, suspect, charge, task, link, assessment, pattern
    object_id = models.BigIntegerField()
    case = models.ForeignKey(CaseFile, on_delete=models.PROTECT, related_name="+")
    number = models.PositiveIntegerField()
    action = models.CharField(max_length=24)  # created, edited, withdrawn, submitted, confirmed…
    snapshot = models.JSONField()
    reason = models.TextField(blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    audit_seq = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["kind", "object_id", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "object_id", "number"], name="assessment_version_unique"
            )
        ]
        # `sillok verify` walks the versions in audit order.
        indexes = [models.Index(fields=["audit_seq"], name="assessment_version_audit_seq")]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_id} version {self.number}"
