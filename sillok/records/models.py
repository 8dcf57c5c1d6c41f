"""The documentation model: who did what to whom (HURIDOCS Events Standard Formats).

Event ─< Act (one violation suffered by one victim) ─< Involvement (a perpetrator person or
unit, with a degree of involvement); Testimony (an interview of a witness, with its items);
Person; Organization (units in a hierarchy); Source ─< Information (who reported what about
which event or act); Link (typed, two-directional, between any two records; chain of events
is a Link between events). Places are gazetteer entries (vocab.Place).

Every record carries a sensitivity, a review status and a revision; its full history is in
RecordVersion. Nothing is hard-deleted: a record is withdrawn, with a reason.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sillok.core.sensitivity import Sensitivity
from sillok.evidence.models import ConsentForm  # noqa: F401  (re-exported: records use it)


class ReviewStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_REVIEW = "in_review", _("In review")
    REVIEWED = "reviewed", _("Reviewed")


class DatePrecision(models.TextChoices):
    DAY = "day", _("Day")
    MONTH = "month", _("Month")
    YEAR = "year", _("Year")
    APPROXIMATE = "approximate", _("Approximate")
    RANGE = "range", _("Range")
    UNKNOWN = "unknown", _("Unknown")


class PersonStatus(models.TextChoices):
    UNKNOWN = "unknown", _("Unknown")
    MISSING = "missing", _("Missing")
    DETAINED = "detained", _("Detained")
    DECEASED = "deceased", _("Deceased")
    RELEASED = "released", _("Released")


class Sex(models.TextChoices):
    UNKNOWN = "unknown", _("Unknown")
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    OTHER = "other", _("Other")


class PersonRole(models.TextChoices):
    VICTIM = "victim", _("Victim")
    WITNESS = "witness", _("Witness")
    PERPETRATOR = "perpetrator", _("Perpetrator")
    RELATIVE = "relative", _("Relative")
    SOURCE = "source", _("Source")


class Certainty(models.TextChoices):
    POSSIBLE = "possible", _("Possible")
    LIKELY = "likely", _("Likely")
    CERTAIN = "certain", _("Certain")


class Record(models.Model):
    """What every record kind has: sensitivity, review, revision, authorship, withdrawal."""

    sensitivity = models.CharField(
        _("sensitivity"),
        max_length=32,
        choices=Sensitivity.choices,
        default=Sensitivity.RESTRICTED,
        db_index=True,
    )
    review_status = models.CharField(
        _("review status"),
        max_length=16,
        choices=ReviewStatus.choices,
        default=ReviewStatus.DRAFT,
        db_index=True,
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reviewer"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    # Bumped on every change: an edit made against an older revision is refused.
    revision = models.PositiveIntegerField(_("revision"), default=1)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawn_reason = models.TextField(_("reason for withdrawal"), blank=True)
    # A case or project only its members may see (accounts/clearance.py); none: no narrowing.
    compartment = models.ForeignKey(
        "accounts.Compartment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("compartment"),
    )

    class Meta:
        abstract = True


class DatedRecord(Record):
    """A record with a date that carries its precision: `date_start` is the first day it may
    have been, `date_end` the last (equal for a known day; the month's or year's bounds for a
    month or year; the bounds given for a range or an approximate date)."""

    date_start = models.DateField(_("from"), null=True, blank=True, db_index=True)
    date_end = models.DateField(_("until"), null=True, blank=True)
    date_precision = models.CharField(
        _("date precision"),
        max_length=16,
        choices=DatePrecision.choices,
        default=DatePrecision.UNKNOWN,
    )

    class Meta:
        abstract = True


class Person(Record):
    """A victim, witness, perpetrator or relative, known by a name or pseudonym. Identifying
    details (real names of witnesses, contacts, addresses) do not belong here: they go in the
    identity vault."""

    name = models.CharField(_("name or pseudonym"), max_length=300)
    name_hangul = models.CharField(_("name in Hangul"), max_length=100, blank=True)
    name_latin = models.CharField(_("name in Latin letters"), max_length=200, blank=True)
    aliases = models.JSONField(_("aliases"), default=list, blank=True)
    # Generated from name_hangul (vocab.romanize): {"rr": [...], "mr": [...], "simple": [...]}
    romanizations = models.JSONField(_("romanizations"), default=dict, blank=True)
    roles = models.JSONField(_("roles"), default=list, blank=True)
    sex = models.CharField(_("sex"), max_length=16, choices=Sex.choices, default=Sex.UNKNOWN)
    birth_year_from = models.PositiveSmallIntegerField(_("born from"), null=True, blank=True)
    birth_year_to = models.PositiveSmallIntegerField(_("born until"), null=True, blank=True)
    origin = models.ForeignKey(
        "vocab.Place",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("place of origin"),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=PersonStatus.choices, default=PersonStatus.UNKNOWN
    )
    songbun = models.ForeignKey(
        "vocab.Term",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("songbun"),
    )
    occupation = models.CharField(_("occupation"), max_length=200, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        ordering = ["-pk"]

    def __str__(self) -> str:
        return self.name


class PersonName(models.Model):
    """One way a person may be found by name: the Hangul, each romanization, each alias,
    reduced to its matching key (vocab.romanize.name_key). Rebuilt whenever the names change."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="names")
    key = models.CharField(max_length=300, db_index=True)
    name = models.CharField(max_length=300)
    kind = models.CharField(max_length=16)  # name, hangul, latin, rr, mr, simple, alias

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.name} ({self.kind})"


class OrganizationKind(models.TextChoices):
    MINISTRY = "ministry", _("Ministry or central body")
    BUREAU = "bureau", _("Bureau or department")
    PROVINCIAL = "provincial_office", _("Provincial office")
    COUNTY = "county_office", _("City or county office")
    LOCAL = "local_office", _("Local office or substation")
    FACILITY = "facility_administration", _("Facility administration")
    MILITARY_UNIT = "military_unit", _("Military unit")
    PARTY = "party_body", _("Party body")
    OTHER = "other", _("Other")


class Organization(Record):
    """A state body or unit (ministry → bureau → provincial → county office), or any other
    organisation; `institution` ties it to the institutions vocabulary (renames over time)."""

    name = models.CharField(_("name"), max_length=300)
    name_ko = models.CharField(_("Korean name"), max_length=300, blank=True)
    kind = models.CharField(
        _("kind"), max_length=32, choices=OrganizationKind.choices, default=OrganizationKind.OTHER
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="units",
        verbose_name=_("part of"),
    )
    institution = models.ForeignKey(
        "vocab.Term",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("institution"),
    )
    place = models.ForeignKey(
        "vocab.Place",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("place"),
    )
    active_from = models.PositiveSmallIntegerField(_("active from (year)"), null=True, blank=True)
    active_to = models.PositiveSmallIntegerField(_("active until (year)"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        ordering = ["-pk"]

    def __str__(self) -> str:
        return self.name


class Event(DatedRecord):
    title = models.CharField(_("title"), max_length=500)
    description = models.TextField(_("description"), blank=True)
    place = models.ForeignKey(
        "vocab.Place",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("place"),
    )
    place_detail = models.CharField(_("place detail"), max_length=300, blank=True)

    class Meta:
        ordering = ["-pk"]

    def __str__(self) -> str:
        return self.title


class Act(DatedRecord):
    """One violation suffered by one victim in an event."""

    event = models.ForeignKey(
        Event, on_delete=models.PROTECT, related_name="acts", verbose_name=_("event")
    )
    victim = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="acts_suffered",
        verbose_name=_("victim"),
    )
    violation_type = models.ForeignKey(
        "vocab.Term",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("violation type"),
    )
    place = models.ForeignKey(
        "vocab.Place",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("place"),
    )
    victim_status = models.CharField(
        _("victim status at the end"),
        max_length=16,
        choices=PersonStatus.choices,
        default=PersonStatus.UNKNOWN,
    )
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["-pk"]

    def __str__(self) -> str:
        return f"act {self.pk}"


class Involvement(Record):
    """A perpetrator (a person, a unit, or a person acting in a unit) in an act."""

    act = models.ForeignKey(
        Act, on_delete=models.PROTECT, related_name="involvements", verbose_name=_("act")
    )
    perpetrator = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="involvements",
        verbose_name=_("perpetrator"),
    )
    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="involvements",
        verbose_name=_("unit"),
    )
    degree = models.ForeignKey(
        "vocab.Term",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("degree of involvement"),
    )
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(perpetrator__isnull=False) | Q(organization__isnull=False),
                name="records_involvement_has_perpetrator",
            )
        ]

    def __str__(self) -> str:
        return f"involvement {self.pk}"


class Testimony(DatedRecord):
    """An interview: a witness (a pseudonymous Person), who interviewed them, when, where, in
    which language, the consent given and its scope, and the items (audio, transcript, notes)."""

    title = models.CharField(_("title"), max_length=500)
    witness = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="testimonies", verbose_name=_("witness")
    )
    interviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("interviewer"),
    )
    interviewer_name = models.CharField(
        _("interviewer (if not a user)"), max_length=200, blank=True
    )
    place = models.ForeignKey(
        "vocab.Place",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("place of interview"),
    )
    language = models.CharField(_("language"), max_length=16, blank=True)
    consent_given = models.BooleanField(_("consent given"), default=False)
    consent_scope = models.JSONField(_("consent scope"), default=list, blank=True)
    consent_date = models.DateField(_("consent date"), null=True, blank=True)
    consent_form = models.CharField(
        _("form of consent"), max_length=16, choices=ConsentForm.choices, default=ConsentForm.NONE
    )
    # Prosecutors or jurisdictions named in a consent to sharing with prosecutors
    # (records/consent.py): sharing for prosecution goes only to those named here.
    consent_recipients = models.JSONField(_("consent recipients"), default=list, blank=True)
    summary = models.TextField(_("summary"), blank=True)
    notes = models.TextField(_("notes"), blank=True)
    items = models.ManyToManyField(
        "evidence.Item", blank=True, related_name="testimonies", verbose_name=_("items")
    )

    class Meta:
        ordering = ["-pk"]
        verbose_name_plural = "testimonies"

    def __str__(self) -> str:
        return self.title


class Reliability(models.TextChoices):
    """Source reliability (the A–F scale of intelligence and investigative practice)."""

    A = "A", _("A: completely reliable")
    B = "B", _("B: usually reliable")
    C = "C", _("C: fairly reliable")
    D = "D", _("D: not usually reliable")
    E = "E", _("E: unreliable")
    F = "F", _("F: reliability cannot be judged")


class Source(Record):
    name = models.CharField(_("name or pseudonym"), max_length=300)
    source_type = models.ForeignKey(
        "vocab.Term",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("source type"),
    )
    person = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sources",
        verbose_name=_("person"),
    )
    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sources",
        verbose_name=_("organization"),
    )
    reliability = models.CharField(
        _("reliability"), max_length=1, choices=Reliability.choices, default=Reliability.F
    )
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["-pk"]

    def __str__(self) -> str:
        return self.name


class SourceConnection(models.TextChoices):
    VICTIM = "victim", _("Victim")
    EYEWITNESS = "eyewitness", _("Eyewitness")
    HEARSAY = "hearsay", _("Heard from others")
    DOCUMENT = "document", _("Documentary")
    EXPERT = "expert", _("Expert or analyst")
    OTHER = "other", _("Other")


class Credibility(models.TextChoices):
    """Information credibility (the 1–6 scale paired with source reliability)."""

    C1 = "1", _("1: confirmed by other sources")
    C2 = "2", _("2: probably true")
    C3 = "3", _("3: possibly true")
    C4 = "4", _("4: doubtful")
    C5 = "5", _("5: improbable")
    C6 = "6", _("6: truth cannot be judged")


class Information(DatedRecord):
    """Who reported what about which event or act (the date is when it was reported)."""

    source = models.ForeignKey(
        Source, on_delete=models.PROTECT, related_name="information", verbose_name=_("source")
    )
    event = models.ForeignKey(
        Event,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="information",
        verbose_name=_("event"),
    )
    act = models.ForeignKey(
        Act,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="information",
        verbose_name=_("act"),
    )
    testimony = models.ForeignKey(
        Testimony,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="information",
        verbose_name=_("testimony"),
    )
    connection = models.CharField(
        _("connection to the facts"),
        max_length=16,
        choices=SourceConnection.choices,
        default=SourceConnection.OTHER,
    )
    credibility = models.CharField(
        _("credibility"), max_length=1, choices=Credibility.choices, default=Credibility.C6
    )
    description = models.TextField(_("what was reported"), blank=True)

    class Meta:
        ordering = ["-pk"]
        verbose_name_plural = "information"
        constraints = [
            models.CheckConstraint(
                condition=Q(event__isnull=False) | Q(act__isnull=False),
                name="records_information_is_about_something",
            )
        ]

    def __str__(self) -> str:
        return f"information {self.pk}"


class Link(Record):
    """A typed relation between any two records, read one way from `from` and the other way
    (the relation type's reverse label) from `to`. Chain of events: a link between two events
    whose relation type is marked `chain`. Supported by items."""

    from_kind = models.CharField(_("kind of the first record"), max_length=16)
    from_id = models.BigIntegerField(_("first record"))
    to_kind = models.CharField(_("kind of the second record"), max_length=16)
    to_id = models.BigIntegerField(_("second record"))
    relation = models.ForeignKey(
        "vocab.Term", on_delete=models.PROTECT, related_name="+", verbose_name=_("relation")
    )
    certainty = models.CharField(
        _("certainty"), max_length=16, choices=Certainty.choices, default=Certainty.POSSIBLE
    )
    comment = models.TextField(_("comment"), blank=True)
    items = models.ManyToManyField(
        "evidence.Item",
        blank=True,
        related_name="supported_links",
        verbose_name=_("supporting items"),
    )

    class Meta:
        ordering = ["pk"]
        indexes = [
            models.Index(fields=["from_kind", "from_id"], name="records_link_from"),
            models.Index(fields=["to_kind", "to_id"], name="records_link_to"),
        ]

    def __str__(self) -> str:
        return f"{self.from_kind}:{self.from_id} → {self.to_kind}:{self.to_id}"


class VersionAction(models.TextChoices):
    CREATED = "created", _("Created")
    EDITED = "edited", _("Edited")
    RESTORED = "restored", _("Restored an earlier version")
    IMPORTED = "imported", _("Imported")
    SUBMITTED = "submitted", _("Sent for review")
    REVIEWED = "reviewed", _("Reviewed")
    RETURNED = "returned", _("Returned for changes")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    REINSTATED = "reinstated", _("Reinstated")


class RecordVersion(models.Model):
    """One state of one record after one change: who, when, why, and the whole record as it
    then was (`snapshot`), so that any two versions can be compared and any one restored.
    Append-only (database triggers)."""

    kind = models.CharField(max_length=16)
    record_id = models.BigIntegerField()
    number = models.PositiveIntegerField()
    action = models.CharField(max_length=16, choices=VersionAction.choices)
    snapshot = models.JSONField()
    reason = models.TextField(blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)
    audit_seq = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["kind", "record_id", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "record_id", "number"], name="records_version_unique_number"
            )
        ]
        # `sillok verify` walks versions in seq order, and writers check the highest seq.
        indexes = [models.Index(fields=["audit_seq"], name="records_version_audit_seq")]
        permissions = [
            ("view_record", "Can see documentation records"),
            ("change_record", "Can create and edit documentation records"),
            ("review_record", "Can review documentation records"),
            ("import_records", "Can import records from spreadsheets"),
            ("export_records", "Can export records"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.record_id} v{self.number}"


class ImportMapping(models.Model):
    """A saved column mapping for spreadsheet imports: spreadsheet column -> record field."""

    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=16)
    columns = models.JSONField(default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "name"], name="records_mapping_unique_name")
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.name}"


class CorroborationSummary(models.Model):
    """How well one act or event is corroborated, as seen from one clearance tier
    (records/corroboration_store.py): kept current in the transaction of every change to the
    information, sources and links it rests on, so lists and search filter on it without
    reading the graph. A tier counts only uncompartmented material of its sensitivity levels;
    `live` says compartmented material is involved, and a viewer who is a member of some
    compartment then gets that record computed from what they may see. Tier "index" holds
    the value the search facet shows and the clearance it needs."""

    kind = models.CharField(max_length=16)  # "act" or "event"
    record_id = models.BigIntegerField()
    tier = models.CharField(max_length=24)
    bucket = models.CharField(max_length=16)  # none, single_source, corroborated
    information = models.PositiveIntegerField(default=0)
    independent_sources = models.PositiveIntegerField(default=0)
    first_hand = models.PositiveIntegerField(default=0)
    contradicted = models.BooleanField(default=False)
    live = models.BooleanField(default=False)
    # Tier "index" only: the value search indexes (from all active information) and the
    # clearance it needs; blank sensitivity: no value (two compartments are involved).
    sensitivity = models.CharField(max_length=32, blank=True)
    compartment_id = models.BigIntegerField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "record_id", "tier"], name="records_corroboration_unique"
            )
        ]
        indexes = [
            models.Index(
                fields=["kind", "tier", "bucket", "record_id"], name="records_corroboration_bucket"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.record_id} [{self.tier}] {self.bucket}"


class CorroborationInput(models.Model):
    """One record (information, source, testimony, act) that the corroboration of an act or
    event was computed from: a change to it recomputes that act or event."""

    kind = models.CharField(max_length=16)
    record_id = models.BigIntegerField()
    input_kind = models.CharField(max_length=16)
    input_id = models.BigIntegerField()

    class Meta:
        indexes = [
            models.Index(fields=["input_kind", "input_id"], name="records_corroboration_input"),
            models.Index(fields=["kind", "record_id"], name="records_corroboration_of"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.record_id} ← {self.input_kind}:{self.input_id}"
