"""The identity vault: who a pseudonym really is, encrypted at rest.

An entry holds one person's identifying details (real names, contacts, addresses, where the
family lives, ID numbers). Analytic records name the person by the entry's pseudonym only.
Each entry has its own random data key; every field is AES-256-GCM ciphertext under that key,
and the key itself is stored only wrapped by the master key, which lives outside the
database (crypto.py). Shredding an entry destroys the wrapped key and the ciphertexts, and
keeps the row as the record that the identity existed and was destroyed, by whom and why.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class PersonKind(models.TextChoices):
    WITNESS = "witness", _("Witness")
    RELATIVE = "relative", _("Victim's relative")
    SOURCE = "source", _("Source")
    OTHER = "other", _("Other")


class FieldName(models.TextChoices):
    REAL_NAME = "real_name", _("Real name")
    OTHER_NAME = "other_name", _("Other name")
    CONTACT = "contact", _("Contact")
    ADDRESS = "address", _("Address")
    FAMILY_LOCATION = "family_location", _("Where the family lives")
    ID_NUMBER = "id_number", _("ID number")
    BIRTH_DATE = "birth_date", _("Date of birth")
    NOTE = "note", _("Note")


# Names a redaction must find in texts: real names and the other names a person goes by.
NAME_FIELDS = (FieldName.REAL_NAME, FieldName.OTHER_NAME)


class VaultEntry(models.Model):
    pseudonym = models.CharField(_("pseudonym"), max_length=100, unique=True)
    person = models.ForeignKey(
        "records.Person",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="vault_entries",
        verbose_name=_("person record"),
    )
    kind = models.CharField(
        _("kind of person"), max_length=16, choices=PersonKind.choices, default=PersonKind.OTHER
    )
    # AES key wrap (RFC 3394) of the entry's data key under the master key; NULL once shredded.
    wrapped_key = models.BinaryField(null=True, editable=False)
    # Which master key wrapped it (crypto.key_id): rotation re-wraps and changes it.
    key_wrap_id = models.CharField(max_length=32, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    shredded_at = models.DateTimeField(_("shredded"), null=True, blank=True)
    shredded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    shred_reason = models.TextField(_("reason for shredding"), blank=True)

    class Meta:
        ordering = ["pseudonym"]
        default_permissions = ()
        permissions = [
            ("open_vault", "Can reveal the identities kept in the vault"),
            ("add_entry", "Can add identities and their details to the vault"),
            ("shred_entry", "Can shred an identity (destroy its key for good)"),
        ]

    def __str__(self) -> str:
        return self.pseudonym

    @property
    def is_shredded(self) -> bool:
        return self.shredded_at is not None


class VaultField(models.Model):
    entry = models.ForeignKey(VaultEntry, on_delete=models.CASCADE, related_name="fields")
    field = models.CharField(_("field"), max_length=32, choices=FieldName.choices)
    nonce = models.BinaryField(max_length=12, editable=False)
    ciphertext = models.BinaryField(editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["entry", "id"]
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.entry_id}:{self.field}"
