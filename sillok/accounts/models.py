"""People who use Sillok and the credentials they hold."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Compartment(models.Model):
    """A case or project whose material only its members may see (accounts/clearance.py).

    Items and records may belong to one compartment; those that belong to none are seen by
    everyone whose role and sensitivity clearance allow it. Membership never widens what a
    role may do: it only narrows what compartmented material a user sees.
    """

    code = models.SlugField(_("code"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["code"]
        verbose_name = _("compartment")
        verbose_name_plural = _("compartments")

    def __str__(self) -> str:
        return self.code


class User(AbstractUser):
    """A person with an account. Roles are Django groups (see accounts/roles.py)."""

    preferred_language = models.CharField(
        _("preferred language"), max_length=8, choices=settings.LANGUAGES, default="en"
    )
    compartments = models.ManyToManyField(
        Compartment, blank=True, related_name="members", verbose_name=_("compartments")
    )

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
        permissions = [
            ("manage_users", "Can create users, assign roles and reset two-factor devices"),
            ("view_audit", "Can read the audit log and custody trail"),
            ("create_checkpoint", "Can create and export signed audit checkpoints"),
            ("run_verify", "Can run repository verification"),
        ]


class APIToken(models.Model):
    """A personal API token. Only the SHA-256 of the secret is stored; the secret is shown once.

    A token acts with exactly the permissions of its user at the time of each request, so
    changing a user's roles changes what their tokens can do.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=100)
    # The first characters of the token, shown in lists so a user can tell tokens apart.
    prefix = models.CharField(max_length=12, db_index=True)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def is_active(self, now=None) -> bool:
        now = now or timezone.now()
        if self.revoked_at is not None:
            return False
        return self.expires_at is None or self.expires_at > now
