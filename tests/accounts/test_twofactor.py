"""Second step of signing in: mandatory enrolment for admin, codes for users with a device."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from sillok.custody.models import AuditEntry

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")
HOME = reverse("workspace:home")
VERIFY = reverse("accounts:verify")
ENROL = reverse("accounts:enrol")


def _password_step(client: Client, username: str, password: str, **extra):
    return client.post(LOGIN, {"username": username, "password": password, **extra})


def _wrong_code(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def _end_back_off(device: TOTPDevice) -> None:
    """A wrong code makes the device refuse codes for a while; a test cannot wait it out."""
    device.refresh_from_db()
    device.throttle_reset()


def test_admin_without_device_cannot_reach_home_with_password_alone(
    client, make_user, persona_password
):
    make_user("newadmin", "admin", two_factor=False)
    response = _password_step(client, "newadmin", persona_password)
    assert urlsplit(response["Location"]).path == ENROL
    for path in (HOME, reverse("accounts:account")):
        blocked = client.get(path)
        assert blocked.status_code == 302
        assert urlsplit(blocked["Location"]).path == ENROL


def test_admin_enrols_with_a_real_code_and_then_reaches_home(
    client, make_user, persona_password, totp_code
):
    admin = make_user("newadmin", "admin", two_factor=False)
    _password_step(client, "newadmin", persona_password, next="/accounts/")
    page = client.get(ENROL + "?next=/accounts/")
    assert page.status_code == 200
    body = page.content.decode()
    assert 'src="data:image/svg+xml' in body
    device = TOTPDevice.objects.get(user=admin, confirmed=False)
    assert page.context["secret"].replace(" ", "") in body.replace(" ", "")

    wrong = client.post(ENROL, {"otp_token": _wrong_code(totp_code(device)), "next": "/accounts/"})
    assert wrong.status_code == 200
    assert "does not match" in wrong.content.decode()
    assert client.get(HOME).status_code == 302

    _end_back_off(device)
    done = client.post(ENROL, {"otp_token": totp_code(device), "next": "/accounts/"})
    assert done.status_code == 302
    assert done["Location"] == "/accounts/"
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(HOME).status_code == 200
    actions = list(AuditEntry.objects.values_list("action", flat=True))
    assert "otp.enrol_failed" in actions and "otp.enrolled" in actions
    for entry in AuditEntry.objects.filter(action__startswith="otp."):
        assert device.key not in str(entry.details)


def test_pending_device_survives_a_reload_of_the_enrolment_page(
    client, make_user, persona_password
):
    admin = make_user("newadmin", "admin", two_factor=False)
    _password_step(client, "newadmin", persona_password)
    first = client.get(ENROL).context["secret"]
    second = client.get(ENROL).context["secret"]
    assert first == second
    assert TOTPDevice.objects.filter(user=admin).count() == 1


def test_user_with_device_must_give_the_code(client, manager, persona_password, totp_code):
    response = _password_step(client, "manager", persona_password, next="/accounts/")
    assert urlsplit(response["Location"]).path == VERIFY
    assert parse_qs(urlsplit(response["Location"]).query)["next"] == ["/accounts/"]
    assert client.get(HOME).status_code == 302

    device = TOTPDevice.objects.get(user=manager)
    wrong = client.post(VERIFY, {"otp_token": _wrong_code(totp_code(device))})
    assert wrong.status_code == 200
    assert "not correct" in wrong.content.decode()
    assert client.get(HOME).status_code == 302
    assert AuditEntry.objects.filter(action="otp.failed", actor_name="manager").exists()

    _end_back_off(device)
    ok = client.post(VERIFY, {"otp_token": totp_code(device), "next": "/accounts/"})
    assert ok.status_code == 302
    assert ok["Location"] == "/accounts/"
    assert client.get(HOME).status_code == 200
    assert AuditEntry.objects.filter(action="otp.verified", actor_name="manager").exists()


def test_verification_cycles_the_session_key(client, manager, persona_password, totp_code):
    _password_step(client, "manager", persona_password)
    before = client.session.session_key
    client.post(VERIFY, {"otp_token": totp_code(TOTPDevice.objects.get(user=manager))})
    assert client.session.session_key != before


def test_code_step_refuses_an_off_site_next(client, manager, persona_password, totp_code):
    _password_step(client, "manager", persona_password)
    device = TOTPDevice.objects.get(user=manager)
    response = client.post(VERIFY, {"otp_token": totp_code(device), "next": "//evil.example/"})
    assert response["Location"] == HOME


def test_half_signed_in_user_cannot_add_a_device(client, manager, persona_password):
    _password_step(client, "manager", persona_password)
    response = client.get(ENROL)
    assert urlsplit(response["Location"]).path == VERIFY
    assert TOTPDevice.objects.filter(user=manager).count() == 1


def test_middleware_keeps_the_requested_page_encoded(client, manager, persona_password):
    _password_step(client, "manager", persona_password)
    response = client.get("/accounts/?x=1&y=2")
    assert response["Location"] == VERIFY + "?next=%2Faccounts%2F%3Fx%3D1%26y%3D2"


def test_analyst_may_enrol_voluntarily(client_for, analyst, totp_code):
    client = client_for(analyst)
    account = client.get(reverse("accounts:account")).content.decode()
    assert ENROL in account
    page = client.get(ENROL)
    assert page.status_code == 200
    device = TOTPDevice.objects.get(user=analyst, confirmed=False)
    response = client.post(ENROL, {"otp_token": totp_code(device)})
    assert response["Location"] == reverse("accounts:account")
    after = client.get(reverse("accounts:account")).content.decode()
    assert "Two-factor sign-in is active" in after


def test_analyst_with_a_device_must_give_the_code_next_time(
    client, analyst, persona_password, add_totp_device
):
    add_totp_device(analyst)
    response = _password_step(client, "analyst", persona_password)
    assert urlsplit(response["Location"]).path == VERIFY


def test_reset_removes_devices_and_forces_new_enrolment(client_for, admin, persona_password):
    from sillok.accounts.twofactor import do_reset_two_factor

    assert do_reset_two_factor(None, admin) == 1
    entry = AuditEntry.objects.get(action="otp.reset")
    assert entry.details == {"username": "admin", "devices_removed": 1}
    client = Client()
    response = _password_step(client, "admin", persona_password)
    assert urlsplit(response["Location"]).path == ENROL


def test_persona_helper_signs_in_past_the_second_factor(client_for, vault_keeper):
    client = client_for(vault_keeper)
    response = client.get(HOME)
    assert response.status_code == 200
    assert re.search(r"Vault keeper", response.content.decode())
