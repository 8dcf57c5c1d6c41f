"""The search index: one row per searchable passage of an item or a record, with the columns
that permissions, filters and facets need, copied from the object when it is (re)indexed.

The analysed terms are not in these models: they live in the backend's own full-text
structure, keyed by `SearchDocument.id` (SQLite: the FTS5 table `search_fts`, rowid = id;
PostgreSQL: the `tsv` tsvector column of `search_document` with a GIN index), created by
migration 0001. Vectors for semantic search are in `SearchEmbedding` (both backends) and, on
SQLite, mirrored into the sqlite-vec table `search_vec` for nearest-neighbour queries.

Every row carries the sensitivity and compartment of the object it was made from, and facet
values carry those of the record they were read from (an act's "victim sex" comes from the
victim), so that results, counts, facets and snippets are filtered by the same clearance rule
as everything else (accounts/clearance.py) without reading the objects.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sillok.core.sensitivity import Sensitivity


class SearchDocument(models.Model):
    # "item" or a record kind name (records/kinds.py); with object_id, what the hit opens.
    kind = models.CharField(max_length=16)
    object_id = models.BigIntegerField()
    # Long texts are cut into passages; part 0 carries the title and names.
    part = models.PositiveIntegerField(default=0)
    # The derivative file a passage of item text comes from (none for titles and records).
    file_id = models.BigIntegerField(null=True, blank=True)
    # A title safe to show to anyone who may see the object (records/titles.py: never the
    # names of related records).
    title = models.CharField(max_length=500, blank=True)
    # The passage as written, for snippets, highlighting and embeddings.
    text = models.TextField(blank=True)
    language = models.CharField(max_length=16, blank=True)
    sensitivity = models.CharField(max_length=32, choices=Sensitivity.choices, db_index=True)
    compartment = models.ForeignKey(
        "accounts.Compartment",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
    )
    # Who created the object: a partner who may add but not view items sees their own.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
    )
    review_status = models.CharField(max_length=16, blank=True)
    date_start = models.DateField(null=True, blank=True)
    date_end = models.DateField(null=True, blank=True)
    place = models.ForeignKey(
        "vocab.Place",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
    )
    # When the object was first indexed (kept across re-indexing): saved-search alerts
    # report objects first indexed after their last check.
    first_indexed_at = models.DateTimeField(default=timezone.now, db_index=True)
    indexed_at = models.DateTimeField(default=timezone.now)
    # SHA-256 of the passage text: embeddings are recomputed only when it changes.
    text_sha256 = models.CharField(max_length=64, blank=True)

    class Meta:
        db_table = "search_document"
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "object_id", "part"], name="search_document_unique_part"
            )
        ]
        indexes = [
            models.Index(fields=["kind", "sensitivity"], name="search_doc_kind_sens"),
            models.Index(fields=["date_start"], name="search_doc_date"),
            models.Index(fields=["place"], name="search_doc_place"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.object_id}#{self.part}"


class Facet(models.TextChoices):
    VIOLATION = "violation", _("Violation type")
    PLACE = "place", _("Place")
    INSTITUTION = "institution", _("Perpetrator institution")
    VICTIM_SEX = "victim_sex", _("Victim sex")
    VICTIM_AGE = "victim_age", _("Victim age group")
    SOURCE_TYPE = "source_type", _("Source type")
    CORROBORATION = "corroboration", _("Corroboration")


class SearchFacetValue(models.Model):
    """One facet value of one document. Kind, review status and period are columns of the
    document; these are the many-valued facets, each with the clearance of the record the
    value was read from (a value from a hidden record is neither counted nor filterable)."""

    document = models.ForeignKey(SearchDocument, on_delete=models.CASCADE, related_name="facets")
    facet = models.CharField(max_length=16, choices=Facet.choices)
    # A term code, a place id, "female", "child"...: labels are looked up when shown.
    value = models.CharField(max_length=100)
    sensitivity = models.CharField(max_length=32, choices=Sensitivity.choices)
    compartment = models.ForeignKey(
        "accounts.Compartment",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        db_table = "search_facet"
        indexes = [
            models.Index(fields=["facet", "value", "document"], name="search_facet_lookup"),
            # Covering: counting the facet values of matching documents reads only this
            # index, never the table (7 rows per passage; 1M passages → 7M rows).
            models.Index(
                fields=["document", "facet", "value", "sensitivity", "compartment"],
                name="search_facet_cover",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.facet}={self.value}"


class IndexQueue(models.Model):
    """Objects whose index entries must be rebuilt: written in the same transaction as the
    change (signals and bulk inserts), removed in the same transaction as the rebuild, so an
    update is never lost whatever crashes in between."""

    kind = models.CharField(max_length=16)
    object_id = models.BigIntegerField()
    queued_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "search_queue"
        indexes = [models.Index(fields=["kind", "object_id"], name="search_queue_object")]

    def __str__(self) -> str:
        return f"{self.kind}:{self.object_id}"


class SearchEmbedding(models.Model):
    """The sentence embedding of one passage (float32, little-endian), with the model that
    made it and the hash of the text it was made from."""

    document = models.OneToOneField(
        SearchDocument, on_delete=models.CASCADE, primary_key=True, related_name="embedding"
    )
    model = models.CharField(max_length=64)
    text_sha256 = models.CharField(max_length=64)
    vector = models.BinaryField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "search_embedding"

    def __str__(self) -> str:
        return f"{self.model} for {self.document_id}"


class SavedSearch(models.Model):
    """A query a user keeps, optionally with alerts when new matching objects are indexed."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_searches"
    )
    name = models.CharField(_("name"), max_length=200)
    # The search-box text, field filters included.
    query = models.TextField(_("query"))
    # Facet selections: {"violation": ["..."], "place": ["12"], ...}.
    filters = models.JSONField(_("filters"), default=dict, blank=True)
    semantic = models.BooleanField(_("include semantic matches"), default=False)
    alert = models.BooleanField(_("alert me to new matches"), default=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_checked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "search_saved"
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "name"], name="search_saved_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class SearchAlert(models.Model):
    """New matches of a saved search found by one check: ids only (titles are looked up,
    with the owner's permissions, when the alert is shown)."""

    saved_search = models.ForeignKey(SavedSearch, on_delete=models.CASCADE, related_name="alerts")
    created_at = models.DateTimeField(default=timezone.now)
    # [{"kind": "act", "id": 12}, ...]
    matches = models.JSONField(default=list)
    count = models.PositiveIntegerField(default=0)
    seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "search_alert"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.count} new for {self.saved_search_id}"
