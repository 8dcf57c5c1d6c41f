"""A WebAuthn authenticator in software, for tests: an EC P-256 key that answers the JSON
options Sillok hands out with the JSON a browser would send back (attestation "none").

Built from the specification (WebAuthn Level 2, §6.1 authenticator data, §6.5.2 attested
credential data, §8.7 "none" attestation), not from the server's code, so the server's
verification is tested against an independent implementation.
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
from base64 import urlsafe_b64decode, urlsafe_b64encode

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

FLAG_USER_PRESENT = 0x01
FLAG_USER_VERIFIED = 0x04
FLAG_ATTESTED_CREDENTIAL = 0x40


def b64url(data: bytes) -> str:
    return urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unb64url(text: str) -> bytes:
    return urlsafe_b64decode(text + "=" * (-len(text) % 4))


class SoftAuthenticator:
    def __init__(self, *, sign_count: int = 0) -> None:
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = os.urandom(32)
        self.sign_count = sign_count
        self.user_handle = b""

    def _cose_public_key(self) -> bytes:
        numbers = self.key.public_key().public_numbers()
        return cbor2.dumps(
            {
                1: 2,  # kty: EC2
                3: -7,  # alg: ES256
                -1: 1,  # crv: P-256
                -2: numbers.x.to_bytes(32, "big"),
                -3: numbers.y.to_bytes(32, "big"),
            }
        )

    def _client_data(self, kind: str, challenge: str, origin: str) -> bytes:
        data = {"type": kind, "challenge": challenge, "origin": origin, "crossOrigin": False}
        return json.dumps(data).encode()

    def register(self, options_json: str, origin: str, *, rp_id: str | None = None) -> str:
        """The answer of `navigator.credentials.create(options)`, as JSON text."""
        options = json.loads(options_json)
        rp_id = rp_id or options["rp"]["id"]
        self.user_handle = unb64url(options["user"]["id"])
        attested = (
            bytes(16)  # AAGUID: none
            + struct.pack(">H", len(self.credential_id))
            + self.credential_id
            + self._cose_public_key()
        )
        auth_data = self._auth_data(
            rp_id, FLAG_USER_PRESENT | FLAG_USER_VERIFIED | FLAG_ATTESTED_CREDENTIAL, attested
        )
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        client_data = self._client_data("webauthn.create", options["challenge"], origin)
        return json.dumps(
            {
                "id": b64url(self.credential_id),
                "rawId": b64url(self.credential_id),
                "type": "public-key",
                "clientExtensionResults": {},
                "response": {
                    "clientDataJSON": b64url(client_data),
                    "attestationObject": b64url(attestation),
                    "transports": ["usb"],
                },
            }
        )

    def _auth_data(self, rp_id: str, flags: int, attested: bytes = b"") -> bytes:
        rp_hash = hashlib.sha256(rp_id.encode()).digest()
        return rp_hash + bytes([flags]) + struct.pack(">I", self.sign_count) + attested

    def assertion(
        self,
        options_json: str,
        origin: str,
        *,
        rp_id: str | None = None,
        sign_count: int | None = None,
    ) -> str:
        """The answer of `navigator.credentials.get(options)`, as JSON text.

        The counter goes up by one unless `sign_count` forces a value (a cloned key).
        """
        options = json.loads(options_json)
        rp_id = rp_id or options["rpId"]
        self.sign_count = self.sign_count + 1 if sign_count is None else sign_count
        auth_data = self._auth_data(rp_id, FLAG_USER_PRESENT | FLAG_USER_VERIFIED)
        client_data = self._client_data("webauthn.get", options["challenge"], origin)
        signed = auth_data + hashlib.sha256(client_data).digest()
        signature = self.key.sign(signed, ec.ECDSA(hashes.SHA256()))
        return json.dumps(
            {
                "id": b64url(self.credential_id),
                "rawId": b64url(self.credential_id),
                "type": "public-key",
                "clientExtensionResults": {},
                "response": {
                    "clientDataJSON": b64url(client_data),
                    "authenticatorData": b64url(auth_data),
                    "signature": b64url(signature),
                    "userHandle": b64url(self.user_handle),
                },
            }
        )


ORIGIN = "http://testserver"
REGISTER_OPTIONS = "/accounts/security-keys/add/options/"
ADD_KEY = "/accounts/security-keys/add/"
CHALLENGE = "/accounts/security-keys/challenge/"


def register_key(client, name: str = "blue key") -> SoftAuthenticator:
    """Register a new soft key through the pages, as accounts/webauthn.js does; the client
    must be signed in (verified) and re-authenticated."""
    key = SoftAuthenticator()
    options = client.post(REGISTER_OPTIONS)
    assert options.status_code == 200, options.content
    response = client.post(
        ADD_KEY, {"name": name, "credential": key.register(options.content.decode(), ORIGIN)}
    )
    assert response.status_code == 302, response.content
    return key


def signed_assertion(client, key: SoftAuthenticator, **kwargs) -> str:
    """Ask for a challenge and answer it with `key`."""
    options = client.post(CHALLENGE)
    assert options.status_code == 200, options.content
    return key.assertion(options.content.decode(), ORIGIN, **kwargs)
