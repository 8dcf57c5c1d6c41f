"""Each user chooses how graphic photos and video reach them, on their own account page; the
choice is audited like other account changes and bad input changes nothing."""

from __future__ import annotations

import re

import pytest

from sillok.accounts.models import User
from sillok.accounts.preferences import do_set_graphic_media, graphic_media_mode
from sillok.accounts.services import AccountError
from sillok.custody.models import AuditEntry

pytestmark = pytest.mark.django_db


def _checked(page: str) -> str:
    """The value of the checked graphic-media radio button of the account page."""
    [value] = re.findall(
        r'<input type="radio" name="graphic_media" value="(\w+)"[^>]*\schecked', page
    )
    return value


def test_a_new_account_sees_graphic_media_blurred(make_user):
    user = make_user("newcomer", "analyst")
    assert user.graphic_media == "blur" and graphic_media_mode(user) == "blur"


def test_the_account_page_saves_the_choice_with_an_audit_entry(client_for, analyst):
    client = client_for(analyst)
    page = client.get("/accounts/").content.decode()
    assert _checked(page) == "blur"
    response = client.post("/accounts/", {"graphic_media": "grayscale"})
    assert response.status_code == 302 and response["Location"] == "/accounts/"
    analyst.refresh_from_db()
    assert analyst.graphic_media == "grayscale"
    entry = AuditEntry.objects.filter(action="user.preferences_changed").get()
    assert entry.actor_id == analyst.pk and entry.object_id == str(analyst.pk)
    assert entry.details == {"graphic_media": {"from": "blur", "to": "grayscale"}}
    page = client.get("/accounts/").content.decode()
    assert _checked(page) == "grayscale"


def test_saving_the_same_choice_again_writes_nothing(client_for, analyst):
    client_for(analyst).post("/accounts/", {"graphic_media": "blur"})
    assert not AuditEntry.objects.filter(action="user.preferences_changed").exists()


def test_a_bad_choice_is_refused_and_changes_nothing(client_for, analyst):
    response = client_for(analyst).post("/accounts/", {"graphic_media": "hidden"})
    assert response.status_code == 200 and 'role="alert"' in response.content.decode()
    analyst.refresh_from_db()
    assert analyst.graphic_media == "blur"
    assert not AuditEntry.objects.filter(action="user.preferences_changed").exists()
    with pytest.raises(AccountError):
        do_set_graphic_media(analyst, "hidden")


def test_the_page_reads_in_korean(client_for, analyst):
    page = client_for(analyst).get("/accounts/", HTTP_ACCEPT_LANGUAGE="ko").content.decode()
    assert "잔혹한 사진과 영상" in page and "흐리게" in page


def test_anyone_signed_in_chooses_only_for_themselves(client_for, outsider, analyst):
    client_for(outsider).post("/accounts/", {"graphic_media": "show", "user": analyst.pk})
    analyst.refresh_from_db()
    outsider.refresh_from_db()
    assert analyst.graphic_media == "blur" and outsider.graphic_media == "show"
    assert User.objects.filter(graphic_media="show").count() == 1


def test_an_anonymous_visitor_is_sent_to_sign_in(client):
    response = client.post("/accounts/", {"graphic_media": "show"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not AuditEntry.objects.filter(action="user.preferences_changed").exists()
