"""Security keys (WebAuthn) as a second factor: registration, sign-in, clones, removal."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.urls import reverse
from django_otp import devices_for_user
from django_otp.plugins.otp_totp.models import TOTPDevice

from sillok.accounts.models import WebAuthnDevice
from sillok.accounts.twofactor import do_reset_two_factor, has_confirmed_device
from sillok.custody.models import AuditEntry
from tests.accounts.soft_authenticator import (
    ADD_KEY,
    CHALLENGE,
    ORIGIN,
    REGISTER_OPTIONS,
    SoftAuthenticator,
    register_key,
    signed_assertion,
)
from tests.conftest import mark_client_reauthenticated

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")
VERIFY = reverse("accounts:verify")
HOME = reverse("workspace:home")
ACCOUNT = reverse("accounts:account")
REMOVE = reverse("accounts:device_remove")


def _actions(action: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action).order_by("seq"))


def _signed_in_with_password(username: str, password: str) -> Client:
    client = Client()
    client.post(LOGIN, {"username": username, "password": password})
    return client


def test_a_registered_key_counts_as_a_confirmed_second_factor(reauthenticated_client_for, analyst):
    client = reauthenticated_client_for(analyst)
    register_key(client, "blue key")
    device = WebAuthnDevice.objects.get(user=analyst)
    assert device.name == "blue key" and device.confirmed and device.transports == ["usb"]
    assert has_confirmed_device(analyst)
    assert [d.persistent_id for d in devices_for_user(analyst)] == [device.persistent_id]
    (entry,) = _actions("auth.webauthn_registered")
    assert entry.actor_id == analyst.pk and entry.details["kind"] == "webauthn"


def test_registration_options_name_the_site_and_exclude_keys_already_registered(
    reauthenticated_client_for, analyst
):
    client = reauthenticated_client_for(analyst)
    register_key(client)
    options = client.post(REGISTER_OPTIONS).json()
    assert options["rp"]["id"] == "testserver"
    assert options["attestation"] == "none"
    assert [c["id"] for c in options["excludeCredentials"]] == [
        WebAuthnDevice.objects.get().credential_id
    ]


def test_registering_a_key_asks_for_the_password_again(client_for, analyst):
    client = client_for(analyst)
    page = client.get(ADD_KEY)
    assert page.status_code == 302
    assert urlsplit(page["Location"]).path == reverse("accounts:reauth")
    refused = client.post(REGISTER_OPTIONS)
    assert refused.status_code == 403
    assert not WebAuthnDevice.objects.exists()


def test_a_password_only_session_cannot_add_a_key(client, manager, persona_password):
    client.post(LOGIN, {"username": "manager", "password": persona_password})
    mark_client_reauthenticated(client)
    assert client.post(REGISTER_OPTIONS).status_code == 302  # to the code step
    assert not WebAuthnDevice.objects.exists()


def test_an_answer_to_another_challenge_is_refused_and_audited(reauthenticated_client_for, analyst):
    client = reauthenticated_client_for(analyst)
    client.post(REGISTER_OPTIONS)
    forged = json.dumps({"challenge": "AAAA", "rp": {"id": "testserver"}, "user": {"id": "MQ"}})
    response = client.post(
        ADD_KEY, {"name": "k", "credential": SoftAuthenticator().register(forged, ORIGIN)}
    )
    assert response.status_code == 400
    assert "could not be registered" in response.content.decode()
    assert not WebAuthnDevice.objects.exists()
    assert len(_actions("auth.webauthn_registration_failed")) == 1


def test_an_answer_for_another_site_is_refused(reauthenticated_client_for, analyst):
    client = reauthenticated_client_for(analyst)
    options = client.post(REGISTER_OPTIONS).content.decode()
    credential = SoftAuthenticator().register(options, "https://evil.example")
    response = client.post(ADD_KEY, {"name": "k", "credential": credential})
    assert response.status_code == 400
    assert not WebAuthnDevice.objects.exists()


def test_a_challenge_is_used_once(reauthenticated_client_for, analyst):
    client = reauthenticated_client_for(analyst)
    options = client.post(REGISTER_OPTIONS).content.decode()
    credential = SoftAuthenticator().register(options, ORIGIN)
    assert client.post(ADD_KEY, {"name": "k", "credential": credential}).status_code == 302
    again = client.post(ADD_KEY, {"name": "k2", "credential": credential})
    assert again.status_code == 400
    assert WebAuthnDevice.objects.count() == 1


def test_signing_in_with_password_and_security_key(
    reauthenticated_client_for, analyst, persona_password
):
    key = register_key(reauthenticated_client_for(analyst))
    client = Client()
    response = client.post(LOGIN, {"username": "analyst", "password": persona_password})
    assert urlsplit(response["Location"]).path == VERIFY
    assert client.get(HOME).status_code == 302  # not verified yet
    page = client.get(VERIFY)
    assert "accounts/webauthn.js" in page.content.decode()
    assertion = signed_assertion(client, key)
    done = client.post(VERIFY, {"webauthn_assertion": assertion, "next": ACCOUNT})
    assert done.status_code == 302 and done["Location"] == ACCOUNT
    assert client.get(HOME).status_code == 200
    device = WebAuthnDevice.objects.get()
    assert device.sign_count == 1 and device.last_used_at is not None
    assert len(_actions("auth.webauthn_verified")) == 1


def test_an_assertion_cannot_be_replayed(reauthenticated_client_for, analyst, persona_password):
    key = register_key(reauthenticated_client_for(analyst))
    first = _signed_in_with_password("analyst", persona_password)
    assertion = signed_assertion(first, key)
    assert first.post(VERIFY, {"webauthn_assertion": assertion}).status_code == 302
    thief = _signed_in_with_password("analyst", persona_password)
    thief.post(CHALLENGE)  # a fresh challenge, which the old answer does not sign
    thief.post(VERIFY, {"webauthn_assertion": assertion})
    assert thief.get(HOME).status_code == 302
    assert _actions("auth.webauthn_failed")


def test_a_key_of_someone_else_is_refused(
    reauthenticated_client_for, analyst, legal_expert, persona_password
):
    register_key(reauthenticated_client_for(analyst))
    theirs = register_key(reauthenticated_client_for(legal_expert))
    client = _signed_in_with_password("analyst", persona_password)
    client.post(VERIFY, {"webauthn_assertion": signed_assertion(client, theirs)})
    assert client.get(HOME).status_code == 302
    (entry,) = _actions("auth.webauthn_failed")
    assert entry.details == {"reason": "unknown_key"}


def test_a_sign_count_that_goes_back_is_refused_as_a_possible_clone(
    reauthenticated_client_for, analyst, persona_password
):
    key = register_key(reauthenticated_client_for(analyst))
    WebAuthnDevice.objects.update(sign_count=10)
    client = _signed_in_with_password("analyst", persona_password)
    client.post(VERIFY, {"webauthn_assertion": signed_assertion(client, key, sign_count=5)})
    assert client.get(HOME).status_code == 302
    assert WebAuthnDevice.objects.get().sign_count == 10
    (entry,) = _actions("auth.webauthn_sign_count_regressed")
    assert entry.details["stored"] == 10 and entry.details["received"] == 5


def test_a_forged_signature_is_refused(reauthenticated_client_for, analyst, persona_password):
    key = register_key(reauthenticated_client_for(analyst))
    client = _signed_in_with_password("analyst", persona_password)
    answer = json.loads(signed_assertion(client, key))
    impostor = SoftAuthenticator()
    impostor.credential_id = key.credential_id
    answer["response"]["signature"] = json.loads(
        impostor.assertion(json.dumps({"challenge": "AAAA", "rpId": "testserver"}), ORIGIN)
    )["response"]["signature"]
    client.post(VERIFY, {"webauthn_assertion": json.dumps(answer)})
    assert client.get(HOME).status_code == 302
    assert _actions("auth.webauthn_failed")


def test_the_account_page_lists_apps_and_keys_with_remove_buttons(
    reauthenticated_client_for, manager
):
    client = reauthenticated_client_for(manager)
    register_key(client, "blue key")
    page = client.get(ACCOUNT).content.decode()
    assert "Authenticator app" in page and "Security key" in page and "blue key" in page
    assert page.count(f'action="{REMOVE}"') == 2


def test_removing_a_factor_asks_for_the_password_again(client_for, manager):
    device = TOTPDevice.objects.get(user=manager)
    response = client_for(manager).post(REMOVE, {"device": device.persistent_id})
    assert urlsplit(response["Location"]).path == reverse("accounts:reauth")
    assert TOTPDevice.objects.filter(pk=device.pk).exists()


def test_the_last_factor_of_a_role_that_requires_two_cannot_be_removed(
    reauthenticated_client_for, manager
):
    device = TOTPDevice.objects.get(user=manager)
    client = reauthenticated_client_for(manager)
    response = client.post(REMOVE, {"device": device.persistent_id}, follow=True)
    assert "add another factor before removing" in response.content.decode()
    assert TOTPDevice.objects.filter(pk=device.pk).exists()


def test_with_a_key_added_the_app_can_be_removed(reauthenticated_client_for, manager):
    client = reauthenticated_client_for(manager)
    register_key(client)
    app = TOTPDevice.objects.get(user=manager)
    assert client.post(REMOVE, {"device": app.persistent_id}).status_code == 302
    assert not TOTPDevice.objects.filter(user=manager).exists()
    assert [d.name for d in devices_for_user(manager)] == ["blue key"]
    (entry,) = _actions("otp.removed")
    assert entry.details["kind"] == "totp"


def test_a_user_may_remove_a_key_but_not_someone_elses(
    reauthenticated_client_for, analyst, legal_expert
):
    register_key(reauthenticated_client_for(legal_expert))
    theirs = WebAuthnDevice.objects.get(user=legal_expert)
    client = reauthenticated_client_for(analyst)
    assert client.post(REMOVE, {"device": theirs.persistent_id}).status_code == 404
    register_key(client)
    mine = WebAuthnDevice.objects.get(user=analyst)
    assert client.post(REMOVE, {"device": mine.persistent_id}).status_code == 302
    assert list(WebAuthnDevice.objects.all()) == [theirs]
    assert len(_actions("auth.webauthn_removed")) == 1


def test_the_challenge_endpoint_needs_a_signed_in_user_with_a_key(client, client_for, analyst):
    assert client.post(CHALLENGE).status_code == 302  # to sign in
    assert client_for(analyst).post(CHALLENGE).status_code == 400


def test_the_outsider_cannot_register_without_reauthenticating(client_for, outsider):
    assert client_for(outsider).post(REGISTER_OPTIONS).status_code == 403


def test_an_administrator_reset_removes_security_keys_too(reauthenticated_client_for, analyst):
    register_key(reauthenticated_client_for(analyst))
    assert do_reset_two_factor(None, analyst) == 1
    assert not WebAuthnDevice.objects.exists() and not has_confirmed_device(analyst)


MALFORMED_ANSWERS = [
    "",
    "not json",
    "[]",
    '{"id": 1}',
    '{"id": "x", "rawId": "%%%", "type": "public-key", "response": {}}',
    '{"id": "AA", "rawId": "AA", "type": "public-key", "response": {"clientDataJSON": 5,'
    ' "authenticatorData": "AA", "signature": "AA", "attestationObject": "AA"}}',
    "x" * 70_000,
]


@pytest.mark.parametrize("answer", MALFORMED_ANSWERS)
def test_malformed_answers_are_refused_without_a_server_error(
    reauthenticated_client_for, analyst, persona_password, answer
):
    client = reauthenticated_client_for(analyst)
    client.post(REGISTER_OPTIONS)
    assert client.post(ADD_KEY, {"name": "k", "credential": answer}).status_code == 400
    register_key(client)
    signing_in = _signed_in_with_password("analyst", persona_password)
    signing_in.post(CHALLENGE)
    assert signing_in.post(VERIFY, {"webauthn_assertion": answer}).status_code == 302
    assert signing_in.get(HOME).status_code == 302
    assert WebAuthnDevice.objects.count() == 1
