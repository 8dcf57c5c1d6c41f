"""Vocabularies (thesauri) and the gazetteer.

Shipped vocabularies come from the YAML files in `data/` and are (re)loaded by `sillok init`;
administrators extend them in the UI without schema changes. Terms and places form trees of
any depth through `parent`; `path` (the ids from the root, "/3/17/42/") lets a query take a
whole subtree with one `startswith`.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class Origin(models.TextChoices):
    SHIPPED = "shipped", _("Shipped with Sillok")
    LOCAL = "local", _("Added locally")


def prefers_korean() -> bool:
    return (get_language() or "en").startswith("ko")


class BilingualLabel:
    """`label` and `description` in the language of the current request, falling back to the
    other language when one is missing."""

    label_en: str
    label_ko: str

    @property
    def label(self) -> str:
        first, second = (
            (self.label_ko, self.label_en) if prefers_korean() else (self.label_en, self.label_ko)
        )
        return first or second

    @property
    def other_label(self) -> str:
        return self.label_en if prefers_korean() else self.label_ko


class Vocabulary(BilingualLabel, models.Model):
    slug = models.SlugField(unique=True, max_length=64)
    label_en = models.CharField(max_length=200)
    label_ko = models.CharField(max_length=200, blank=True)
    description_en = models.TextField(blank=True)
    description_ko = models.TextField(blank=True)
    origin = models.CharField(max_length=16, choices=Origin.choices, default=Origin.SHIPPED)

    class Meta:
        ordering = ["slug"]
        verbose_name_plural = "vocabularies"

    def __str__(self) -> str:
        return self.slug


class Term(BilingualLabel, models.Model):
    vocabulary = models.ForeignKey(Vocabulary, on_delete=models.PROTECT, related_name="terms")
    # Stable identifier used by imports, exports and the API; never renamed once shipped.
    code = models.CharField(max_length=120)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    path = models.CharField(max_length=600, db_index=True, blank=True)
    depth = models.PositiveSmallIntegerField(default=0)
    label_en = models.CharField(_("English label"), max_length=300)
    label_ko = models.CharField(_("Korean label"), max_length=300, blank=True)
    description_en = models.TextField(blank=True)
    description_ko = models.TextField(blank=True)
    # Vocabulary-specific facts: legal mappings of violation types, reverse labels of
    # relation types, renames of institutions, romanizations of facility types.
    data = models.JSONField(default=dict, blank=True)
    sort_order = models.PositiveIntegerField(default=0)
    # Terms are never deleted (records point at them); retired ones are hidden from forms.
    active = models.BooleanField(default=True)
    origin = models.CharField(max_length=16, choices=Origin.choices, default=Origin.SHIPPED)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["vocabulary_id", "path"]
        constraints = [
            models.UniqueConstraint(fields=["vocabulary", "code"], name="vocab_term_unique_code")
        ]

    def __str__(self) -> str:
        return f"{self.vocabulary.slug}:{self.code}"


class PlaceKind(models.TextChoices):
    COUNTRY = "country", _("Country")
    PROVINCE = "province", _("Province")
    CITY = "city", _("City")
    COUNTY = "county", _("County")
    DISTRICT = "district", _("District")
    TOWN = "town", _("Town or village")
    FACILITY = "facility", _("Facility")
    OTHER = "other", _("Other")


class FacilityStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    CLOSED = "closed", _("Closed")
    REPORTED_CLOSED = "reported_closed", _("Reported closed")
    DISPUTED = "disputed", _("Disputed")
    UNKNOWN = "unknown", _("Unknown")


class Place(BilingualLabel, models.Model):
    """A gazetteer entry: a country, province, city or county, town, or detention facility."""

    # Stable identifier: ISO 3166-2 for DPRK provinces ("KP-09"), "geonames:<id>" for
    # cities and counties from GeoNames, the shipped code for facilities and places abroad,
    # "local:<n>" for places added by users.
    code = models.CharField(max_length=120, unique=True)
    kind = models.CharField(max_length=16, choices=PlaceKind.choices)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    path = models.CharField(max_length=300, db_index=True, blank=True)
    depth = models.PositiveSmallIntegerField(default=0)
    label_en = models.CharField(_("English name"), max_length=300)
    label_ko = models.CharField(_("Korean name"), max_length=300, blank=True)
    romanization_rr = models.CharField(max_length=300, blank=True)
    romanization_mr = models.CharField(max_length=300, blank=True)
    aliases = models.JSONField(default=list, blank=True)
    # Space-separated matching keys (vocab.romanize.name_key) of every name and alias, with
    # a leading and trailing space so that " key" finds a name by its beginning.
    search_keys = models.TextField(blank=True)
    country = models.CharField(max_length=2, blank=True, db_index=True)
    facility_type = models.ForeignKey(
        Term, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    facility_status = models.CharField(max_length=16, choices=FacilityStatus.choices, blank=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    data = models.JSONField(default=dict, blank=True)
    active = models.BooleanField(default=True)
    origin = models.CharField(max_length=16, choices=Origin.choices, default=Origin.SHIPPED)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["path"]

    def __str__(self) -> str:
        return self.label_en
