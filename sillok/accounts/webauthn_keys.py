"""Security keys (WebAuthn) as a second factor: the registration and authentication ceremonies.

Each ceremony has two halves. `*_options` makes a fresh challenge, keeps it in the session
and returns the JSON the browser hands to `navigator.credentials.create()` / `.get()`; the
`do_register_key` / `verify_assertion` half checks the browser's answer against that
challenge, which is used once (popped) whatever the outcome. Keys are registered with
attestation "none": Sillok trusts the user who is already signed in with two factors and
re-authenticated, not a vendor certificate.

The relying-party id is SILLOK_WEBAUTHN_RP_ID when set (a domain, so keys keep working on
every host name under it), else the host name of the request. Every outcome is audited;
no key material or signature goes into the audit log.
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from webauthn import (
    base64url_to_bytes,
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import bytes_to_base64url, parse_authentication_credential_json
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AttestationConveyancePreference,
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from sillok.accounts.models import WebAuthnDevice
from sillok.custody.audit import record_audit

REGISTRATION_CHALLENGE = "sillok_webauthn_registration"
AUTHENTICATION_CHALLENGE = "sillok_webauthn_authentication"
MAX_NAME_LENGTH = 64
# A credential the browser sends is a few hundred bytes; refuse anything absurd unparsed.
MAX_CREDENTIAL_JSON = 64 * 1024
# What a hostile or broken answer can make the library raise (bad base64 is a ValueError,
# a field of the wrong JSON type a TypeError or KeyError): refused, never a server error.
MALFORMED = (WebAuthnException, ValueError, TypeError, KeyError)


class WebAuthnError(Exception):
    """The browser's answer was refused; the message is safe to show."""


def rp_id_for(request: HttpRequest) -> str:
    return settings.SILLOK_WEBAUTHN_RP_ID or request.get_host().rsplit(":", 1)[0].strip("[]")


def origin_for(request: HttpRequest) -> str:
    return f"{request.scheme}://{request.get_host()}"


def keys_of(user) -> list[WebAuthnDevice]:
    return list(WebAuthnDevice.objects.filter(user=user, confirmed=True).order_by("pk"))


def has_security_key(user) -> bool:
    return WebAuthnDevice.objects.filter(user=user, confirmed=True).exists()


def _descriptor(device: WebAuthnDevice) -> PublicKeyCredentialDescriptor:
    transports = []
    for value in device.transports or []:
        try:
            transports.append(AuthenticatorTransport(value))
        except ValueError:
            continue  # a transport this library does not know: the browser will find it
    return PublicKeyCredentialDescriptor(
        id=base64url_to_bytes(device.credential_id), transports=transports or None
    )


def registration_options(request: HttpRequest) -> str:
    """Options for `navigator.credentials.create()`, as JSON; the challenge stays in the session.

    The user handle is the primary key, not the user name: it is stored on the
    authenticator, and a name can change.
    """
    user = request.user
    options = generate_registration_options(
        rp_id=rp_id_for(request),
        rp_name=settings.SILLOK_WEBAUTHN_RP_NAME,
        user_id=str(user.pk).encode(),
        user_name=user.get_username(),
        user_display_name=user.get_full_name() or user.get_username(),
        attestation=AttestationConveyancePreference.NONE,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.DISCOURAGED,
            user_verification=UserVerificationRequirement.PREFERRED,
        ),
        exclude_credentials=[_descriptor(device) for device in keys_of(user)],
    )
    request.session[REGISTRATION_CHALLENGE] = bytes_to_base64url(options.challenge)
    return options_to_json(options)


def authentication_options(request: HttpRequest) -> str:
    """Options for `navigator.credentials.get()` listing the user's keys, as JSON."""
    options = generate_authentication_options(
        rp_id=rp_id_for(request),
        allow_credentials=[_descriptor(device) for device in keys_of(request.user)],
        user_verification=UserVerificationRequirement.PREFERRED,
    )
    request.session[AUTHENTICATION_CHALLENGE] = bytes_to_base64url(options.challenge)
    return options_to_json(options)


def _pop_challenge(request: HttpRequest, key: str) -> bytes:
    challenge = request.session.pop(key, None)
    if not challenge:
        raise WebAuthnError(_("No security-key request is pending. Try again."))
    return base64url_to_bytes(challenge)


def _check_size(credential_json: str) -> None:
    if not credential_json or len(credential_json) > MAX_CREDENTIAL_JSON:
        raise WebAuthnError(_("The security key's answer is missing or malformed."))


def do_register_key(request: HttpRequest, credential_json: str, name: str) -> WebAuthnDevice:
    """Verify the answer to `registration_options` and store the new key; audit either way."""
    user = request.user
    name = " ".join(name.split())[:MAX_NAME_LENGTH] or "security key"
    try:
        challenge = _pop_challenge(request, REGISTRATION_CHALLENGE)
        _check_size(credential_json)
        verified = verify_registration_response(
            credential=credential_json,
            expected_challenge=challenge,
            expected_rp_id=rp_id_for(request),
            expected_origin=origin_for(request),
        )
    except (WebAuthnError, *MALFORMED) as exc:
        record_audit(
            user,
            "auth.webauthn_registration_failed",
            object_type="user",
            object_id=user.pk,
            details={"reason": type(exc).__name__},
        )
        raise WebAuthnError(_("The security key could not be registered. Try again.")) from exc
    credential_id = bytes_to_base64url(verified.credential_id)
    with transaction.atomic():
        if WebAuthnDevice.objects.filter(credential_id=credential_id).exists():
            raise WebAuthnError(_("This security key is already registered."))
        device = WebAuthnDevice.objects.create(
            user=user,
            name=name,
            confirmed=True,
            credential_id=credential_id,
            public_key=verified.credential_public_key,
            sign_count=verified.sign_count,
            transports=_transports(credential_json),
        )
        record_audit(
            user,
            "auth.webauthn_registered",
            object_type="otp_device",
            object_id=device.pk,
            details={"device": device.persistent_id, "kind": "webauthn", "name": name},
        )
    return device


def _transports(credential_json: str) -> list[str]:
    try:
        response = json.loads(credential_json).get("response", {})
        values = response.get("transports") or []
    except (ValueError, AttributeError):
        return []
    return [str(value)[:16] for value in values if isinstance(value, str)][:8]


def verify_assertion(request: HttpRequest, credential_json: str) -> WebAuthnDevice | None:
    """The user's key that signed the answer to `authentication_options`, or None; audited.

    A signature that verifies but carries a sign count not above the stored one means the
    key may have been cloned: refused, and audited as such.
    """
    user = request.user
    try:
        challenge = _pop_challenge(request, AUTHENTICATION_CHALLENGE)
        _check_size(credential_json)
        credential = parse_authentication_credential_json(credential_json)
    except (WebAuthnError, *MALFORMED):
        _audit_failure(user, None, "malformed")
        return None
    credential_id = bytes_to_base64url(credential.raw_id)
    with transaction.atomic():
        # Lock the key: two answers racing must not both pass with the same sign count.
        device = (
            WebAuthnDevice.objects.select_for_update()
            .filter(user=user, confirmed=True, credential_id=credential_id)
            .first()
        )
        if device is None:
            _audit_failure(user, None, "unknown_key")
            return None
        try:
            verified = verify_authentication_response(
                credential=credential,
                expected_challenge=challenge,
                expected_rp_id=rp_id_for(request),
                expected_origin=origin_for(request),
                credential_public_key=bytes(device.public_key),
                # 0: the library's own check would hide a regression among other failures.
                credential_current_sign_count=0,
            )
        except MALFORMED as exc:
            _audit_failure(user, device, type(exc).__name__)
            return None
        if _regressed(device.sign_count, verified.new_sign_count):
            record_audit(
                user,
                "auth.webauthn_sign_count_regressed",
                object_type="otp_device",
                object_id=device.pk,
                details={
                    "device": device.persistent_id,
                    "stored": device.sign_count,
                    "received": verified.new_sign_count,
                },
            )
            return None
        device.sign_count = verified.new_sign_count
        device.last_used_at = timezone.now()
        device.save(update_fields=["sign_count", "last_used_at"])
        record_audit(
            user,
            "auth.webauthn_verified",
            object_type="otp_device",
            object_id=device.pk,
            details={"device": device.persistent_id},
        )
    return device


def _regressed(stored: int, received: int) -> bool:
    """WebAuthn §6.1.1: a counter that does not grow, where either side counts, is suspect."""
    return (stored > 0 or received > 0) and received <= stored


def _audit_failure(user, device: WebAuthnDevice | None, reason: str) -> None:
    details: dict[str, Any] = {"reason": reason}
    if device is not None:
        details["device"] = device.persistent_id
    record_audit(
        user,
        "auth.webauthn_failed",
        object_type="otp_device" if device else "user",
        object_id=device.pk if device else user.pk,
        details=details,
    )
