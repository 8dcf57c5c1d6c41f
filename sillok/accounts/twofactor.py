"""Second factors: TOTP devices (django-otp), their enrolment, verification and reset.

Every state change here writes its audit entry in the same transaction. Secrets (the TOTP
key, the codes a user types) never reach the audit log or the logs.
"""

from __future__ import annotations

import base64
from binascii import unhexlify

import segno
from django.db import transaction
from django_otp import devices_for_user
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from sillok.accounts.models import WebAuthnDevice
from sillok.custody.audit import record_audit

# The name of the device a user is setting up. A user who reloads the enrolment page gets the
# same pending device (and QR code) again instead of a pile of unconfirmed ones.
ENROLMENT_DEVICE_NAME = "authenticator"


def has_confirmed_device(user) -> bool:
    return any(True for _ in devices_for_user(user, confirmed=True))


def confirmed_devices(user) -> list:
    """The user's confirmed second-factor devices, of every kind."""
    return list(devices_for_user(user, confirmed=True))


def pending_totp_device(user) -> TOTPDevice:
    """Return the user's unconfirmed TOTP device, creating one (with a fresh key) if needed."""
    device = (
        TOTPDevice.objects.filter(user=user, confirmed=False, name=ENROLMENT_DEVICE_NAME)
        .order_by("-id")
        .first()
    )
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=ENROLMENT_DEVICE_NAME, confirmed=False)
    return device


def secret_for_display(device: TOTPDevice) -> str:
    """The key in base32, in groups of four, for typing into an authenticator by hand."""
    text = base64.b32encode(unhexlify(device.key.encode())).decode("ascii").rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def qr_data_uri(device: TOTPDevice) -> str:
    """The otpauth:// URL as an SVG QR code in a data: URI.

    A data: image, not inline SVG markup: the CSP allows `img-src data:` but no inline
    styles, and it keeps the secret out of any cached static file.
    """
    qr = segno.make(device.config_url, error="m")
    return qr.svg_data_uri(scale=5, border=2, dark="#1b1f24", light="#ffffff")


def _clean_token(token: str) -> str:
    return "".join(str(token).split())


def do_confirm_enrolment(user, device: TOTPDevice, token: str) -> bool:
    """Confirm a pending TOTP device with a code from it; audit the outcome either way."""
    if device.user_id != user.pk or device.confirmed:
        raise ValueError("this device is not the user's pending device")
    token = _clean_token(token)
    with transaction.atomic():
        # Lock the device row: two submissions of the same code must not both confirm it.
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        if device.confirmed or not device.verify_token(token):
            record_audit(user, "otp.enrol_failed", object_type="otp_device", object_id=device.pk)
            return False
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        record_audit(
            user,
            "otp.enrolled",
            object_type="otp_device",
            object_id=device.pk,
            details={"device": device.persistent_id, "kind": "totp"},
        )
    return True


def verify_second_factor(user, token: str):
    """Return the confirmed device that accepts `token`, or None; audit the outcome.

    Each device throttles wrong codes itself (django-otp backs off exponentially), so a
    guesser gets far fewer tries than the 10^6 codes would need.
    """
    token = _clean_token(token)
    with transaction.atomic():
        for device in devices_for_user(user, confirmed=True, for_verify=True):
            if device.verify_token(token):
                record_audit(
                    user,
                    "otp.verified",
                    object_type="otp_device",
                    object_id=device.pk,
                    details={"device": device.persistent_id},
                )
                return device
        record_audit(user, "otp.failed", object_type="user", object_id=user.pk)
    return None


def do_reset_two_factor(actor, user) -> int:
    """Remove every second-factor device of `user` (lost phone or key); return how many.

    Devices are credentials, not records: they are deleted, and the audit entry says so.
    A session verified with a removed device stops counting as verified on its next request.
    """
    with transaction.atomic():
        removed = 0
        for model in (TOTPDevice, StaticDevice, WebAuthnDevice):
            count, _ = model.objects.filter(user=user).delete()
            removed += count
        record_audit(
            actor,
            "otp.reset",
            object_type="user",
            object_id=user.pk,
            details={"username": user.get_username(), "devices_removed": removed},
        )
    return removed
