"""Re-authentication that does not ask twice (accounts/reauth.py): a sign-in completed within
the window counts as a re-authentication, and the export form keeps its choices across the
password check."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.test import Client, RequestFactory
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from sillok.accounts.reauth import FORMS_KEY, SESSION_KEY, SIGN_IN_KEY, resumed_form

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")
VERIFY = reverse("accounts:verify")
ENROL = reverse("accounts:enrol")
REAUTH = reverse("accounts:reauth")
EXPORT = reverse("records:export")
VAULT_ADD = reverse("vault:add")
FORM = {"kind": "person", "format": "xlsx", "purpose": "prosecution",
        "recipient": "ICC Office of the Prosecutor", "include_withdrawn": "1"}  # fmt: skip


def _sign_in_with_code(client: Client, user, password: str, code: str) -> None:
    step_one = client.post(LOGIN, {"username": user.username, "password": password})
    assert urlsplit(step_one["Location"]).path == VERIFY
    step_two = client.post(VERIFY, {"otp_token": code})
    assert step_two.status_code == 302 and urlsplit(step_two["Location"]).path != VERIFY


def _age_the_password_step(client: Client, seconds: float) -> None:
    session = client.session
    session[SIGN_IN_KEY] = time.time() - seconds
    session.save()


def test_a_vault_keeper_just_signed_in_with_two_factors_is_not_asked_again(
    client, vault_keeper, persona_password, totp_code
):
    device = TOTPDevice.objects.get(user=vault_keeper)
    _sign_in_with_code(client, vault_keeper, persona_password, totp_code(device))
    assert client.get(VAULT_ADD).status_code == 200
    assert SIGN_IN_KEY not in client.session  # credited once


def test_a_password_step_older_than_the_window_does_not_count(
    client, vault_keeper, persona_password, totp_code
):
    device = TOTPDevice.objects.get(user=vault_keeper)
    client.post(LOGIN, {"username": "vault_keeper", "password": persona_password})
    _age_the_password_step(client, settings.SILLOK_REAUTH_SECONDS + 5)
    client.post(VERIFY, {"otp_token": totp_code(device)})
    assert SESSION_KEY not in client.session
    refused = client.get(VAULT_ADD)
    assert urlsplit(refused["Location"]).path == REAUTH


def test_the_password_step_alone_does_not_count_when_a_second_factor_is_due(
    client, vault_keeper, persona_password
):
    client.post(LOGIN, {"username": "vault_keeper", "password": persona_password})
    assert SESSION_KEY not in client.session
    # Not verified yet: the second step is asked first, not the vault.
    assert urlsplit(client.get(VAULT_ADD)["Location"]).path == VERIFY


def test_a_sign_in_that_lasted_longer_than_the_window_ends_when_the_window_does(
    client, vault_keeper, persona_password, totp_code
):
    device = TOTPDevice.objects.get(user=vault_keeper)
    client.post(LOGIN, {"username": "vault_keeper", "password": persona_password})
    _age_the_password_step(client, settings.SILLOK_REAUTH_SECONDS - 60)
    client.post(VERIFY, {"otp_token": totp_code(device)})
    # Counted from the password step, not from the code: a minute left.
    assert 0 < time.time() - client.session[SESSION_KEY] < settings.SILLOK_REAUTH_SECONDS
    assert time.time() - client.session[SESSION_KEY] >= settings.SILLOK_REAUTH_SECONDS - 65


def test_a_user_without_second_factor_is_reauthenticated_by_signing_in(
    client, documentation_officer, persona_password
):
    client.post(LOGIN, {"username": "documentation_officer", "password": persona_password})
    assert SESSION_KEY in client.session
    response = client.post(EXPORT, {"kind": "person", "format": "csv", "purpose": "publication"})
    assert response.status_code == 200 and "Download the export" in response.content.decode()


def test_a_forced_or_old_session_is_still_asked(client_for, documentation_officer):
    client = client_for(documentation_officer)  # no sign-in page: proves no password
    response = client.post(EXPORT, FORM)
    assert urlsplit(response["Location"]).path == REAUTH


def test_adding_an_authenticator_later_is_no_reauthentication(
    client, make_user, persona_password, totp_code
):
    user = make_user("newadmin", "admin", two_factor=False)
    client.post(LOGIN, {"username": "newadmin", "password": persona_password})
    _age_the_password_step(client, settings.SILLOK_REAUTH_SECONDS + 5)
    client.get(ENROL)
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    done = client.post(ENROL, {"otp_token": totp_code(device)})
    assert done.status_code == 302
    assert SESSION_KEY not in client.session


# --- the export form survives the password check -------------------------------------------


def _resume_target(response) -> str:
    assert urlsplit(response["Location"]).path == REAUTH
    return parse_qs(urlsplit(response["Location"]).query)["next"][0]


def test_the_export_form_comes_back_filled_after_the_password_check(
    client_for, documentation_officer, persona_password, vocabularies
):
    client = client_for(documentation_officer)
    refused = client.post(EXPORT, FORM, HTTP_REFERER=f"http://testserver{EXPORT}")
    back = _resume_target(refused)
    assert urlsplit(back).path == EXPORT
    # Only a token travels in the URL; the choices stay in the session.
    assert "prosecution" not in back and "ICC" not in back
    again = client.post(REAUTH, {"password": persona_password, "next": back})
    assert again["Location"] == back
    page = client.get(back)
    assert page.status_code == 200
    assert page.context["chosen"] == {key: FORM[key] for key in ("kind", "format", "purpose",
                                                                 "recipient")}  # fmt: skip
    assert page.context["include_withdrawn"] is True
    body = page.content.decode()
    assert '<option value="prosecution" selected>' in body
    assert 'value="ICC Office of the Prosecutor"' in body
    assert "Download the export" not in body  # shown again, not acted on
    # Given back once: a reload shows the empty form.
    assert client.get(back).context["chosen"]["purpose"] == ""


def test_korean_choices_survive_too(client_for, documentation_officer, persona_password):
    client = client_for(documentation_officer)
    form = {**FORM, "recipient": "서울중앙지방검찰청"}
    back = _resume_target(client.post(EXPORT, form))
    client.post(REAUTH, {"password": persona_password})
    assert client.get(back).context["chosen"]["recipient"] == "서울중앙지방검찰청"


def test_a_kept_form_is_only_for_its_own_session_and_page(
    client_for, documentation_officer, analyst
):
    client = client_for(documentation_officer)
    back = _resume_target(client.post(EXPORT, FORM))
    token = parse_qs(urlsplit(back).query)["resume"][0]
    assert client_for(analyst).get(back).context["chosen"]["purpose"] == ""
    assert client.get(f"{EXPORT}?resume=not-a-token").context["chosen"]["purpose"] == ""
    # Asked for on another page, the form is not given (and is spent).
    request = RequestFactory().get(f"/records/import/?resume={token}")
    request.session = client.session
    assert resumed_form(request) is None
    assert token not in request.session[FORMS_KEY]


def test_an_old_kept_form_is_not_given_back(client_for, documentation_officer):
    client = client_for(documentation_officer)
    back = _resume_target(client.post(EXPORT, FORM))
    session = client.session
    for entry in session[FORMS_KEY].values():
        entry["at"] -= settings.SILLOK_REAUTH_SECONDS + 5
    session.save()
    assert client.get(back).context["chosen"]["purpose"] == ""


def test_only_the_newest_few_forms_are_kept(client_for, documentation_officer):
    client = client_for(documentation_officer)
    for _ in range(8):
        client.post(EXPORT, FORM)
    assert len(client.session[FORMS_KEY]) == 5


def test_the_outsider_cannot_use_the_export_page(client_for, outsider):
    client = client_for(outsider)
    assert client.post(EXPORT, FORM).status_code in (403, 404)
    assert FORMS_KEY not in client.session


def test_a_form_too_big_to_keep_is_not_kept_and_the_user_still_gets_back(
    client_for, documentation_officer
):
    client = client_for(documentation_officer)
    response = client.post(EXPORT, {**FORM, "recipient": "x" * 30_000})
    assert urlsplit(_resume_target(response)).path == EXPORT
    assert "resume=" not in _resume_target(response)
    assert not client.session.get(FORMS_KEY)
