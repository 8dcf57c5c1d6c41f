"""People who use Sillok and the credentials they hold."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device, TimestampMixin


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


class GraphicMedia(models.TextChoices):
    """How a user sees the photos and video of items marked as graphic content."""

    BLUR = "blur", _("Blurred until I reveal it")
    GRAYSCALE = "grayscale", _("In grayscale until I reveal it")
    SHOW = "show", _("As it is")


class User(AbstractUser):
    """A person with an account. Roles are Django groups (see accounts/roles.py)."""

    preferred_language = models.CharField(
        _("preferred language"), max_length=8, choices=settings.LANGUAGES, default="en"
    )
    # Reviewer welfare: people who look at evidence of violence all day choose how it reaches
    # them (sillok/accounts/preferences.py); blurred is the safe default for a new account.
    graphic_media = models.CharField(
        _("graphic photos and video"),
        max_length=16,
        choices=GraphicMedia.choices,
        default=GraphicMedia.BLUR,
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


class WebAuthnDevice(TimestampMixin, Device):
    """A security key or platform authenticator registered with WebAuthn, as a second factor.

    A django-otp device, so `devices_for_user` and the "verified session" machinery count it
    like a TOTP app; it accepts no typed codes, only signed assertions
    (accounts/webauthn_keys.py). Only the public key is stored.
    """

    # base64url of the credential id the authenticator chose (at most 1023 bytes).
    credential_id = models.CharField(max_length=1400, unique=True)
    public_key = models.BinaryField()  # COSE-encoded
    # 32-bit counter from the authenticator; 0 for keys that keep none (e.g. passkeys).
    sign_count = models.PositiveBigIntegerField(default=0)
    transports = models.JSONField(default=list, blank=True)

    class Meta(Device.Meta):
        verbose_name = _("security key")
        verbose_name_plural = _("security keys")

    def verify_token(self, token) -> bool:
        # A security key answers a challenge with a signature, never with a typed code.
        return False


class UserSession(models.Model):
    """One signed-in browser session of a user (accounts/sessions.py).

    Kept beside Django's session store so that a user's sessions can be found and ended
    (single active session, SILLOK_SINGLE_SESSION) without decoding every stored session.
    `sid` is a random id kept inside the session data: it survives `cycle_key()`, which
    changes the session key at sign-in and at the second-factor step.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="browser_sessions"
    )
    sid = models.CharField(max_length=64, unique=True)
    session_key = models.CharField(max_length=64, db_index=True)
    user_agent_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    last_seen = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_reason = models.CharField(max_length=32, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "ended_at"], name="accounts_usersession_open")]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.sid[:8]}"
