"""A user's own second factors of every kind (authenticator apps, security keys): list, remove.

Devices are credentials, not records: removing one deletes it, and the audit entry says so.
A user whose role requires two factors cannot remove the last one (an administrator's
reset, twofactor.do_reset_two_factor, is the way out of a lost phone).
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext as _
from django_otp import devices_for_user
from django_otp.models import Device
from django_otp.plugins.otp_totp.models import TOTPDevice

from sillok.accounts.models import WebAuthnDevice
from sillok.accounts.roles import requires_two_factor
from sillok.custody.audit import record_audit


class LastFactorRequired(Exception):
    """Removing this device would leave a user who needs two factors with none."""


def device_kind(device: Device) -> str:
    if isinstance(device, WebAuthnDevice):
        return "webauthn"
    if isinstance(device, TOTPDevice):
        return "totp"
    return device._meta.model_name or "device"


def access_device(user, persistent_id: str) -> Device | None:
    """The user's own confirmed device with this persistent id, else None (also for others')."""
    device = Device.from_persistent_id(persistent_id) if persistent_id else None
    if device is None or device.user_id != user.pk or not device.confirmed:
        return None
    return device


def do_remove_device(user, device: Device) -> None:
    with transaction.atomic():
        # Lock the user's row: two removals racing must not both see "one other factor left".
        get_user_model().objects.select_for_update().filter(pk=user.pk).first()
        others = [
            other
            for other in devices_for_user(user, confirmed=True)
            if other.persistent_id != device.persistent_id
        ]
        if not others and requires_two_factor(user):
            raise LastFactorRequired(
                _(
                    "Your role requires two-factor sign-in: add another factor "
                    "before removing this one."
                )
            )
        kind = device_kind(device)
        record_audit(
            user,
            "auth.webauthn_removed" if kind == "webauthn" else "otp.removed",
            object_type="otp_device",
            object_id=device.pk,
            details={"device": device.persistent_id, "kind": kind, "name": device.name},
        )
        device.delete()
