"""The shell: header, home page, account page, per persona."""

from __future__ import annotations

import pytest
from django.urls import reverse

from sillok.custody.audit import record_audit

pytestmark = pytest.mark.django_db

HOME = reverse("workspace:home")


def test_home_shows_roles_and_repository_status_to_a_role_holder(client_for, auditor):
    record_audit(None, "test.event")
    page = client_for(auditor).get(HOME)
    html = page.content.decode()
    assert "Auditor" in html
    assert "Reads the custody and audit trail" in html
    assert "Audit entries" in html
    assert page.context["status"].audit_entries >= 1


def test_home_shows_nothing_of_the_repository_to_the_outsider(client_for, outsider):
    page = client_for(outsider).get(HOME)
    assert page.status_code == 200
    assert page.context["status"] is None
    assert page.context["roles"] == []
    html = page.content.decode()
    assert "no role" in html
    assert "Audit entries" not in html


def test_header_has_name_language_form_and_post_logout(client_for, legal_expert):
    html = client_for(legal_expert).get(HOME).content.decode()
    assert "legal_expert" in html
    assert 'action="/i18n/setlang/"' in html
    assert 'name="language"' in html
    assert f'<form class="logout" action="{reverse("accounts:logout")}" method="post">' in html


@pytest.mark.parametrize(
    ("persona", "role_names"),
    [
        ("documentation_officer", ["documentation-officer"]),
        ("partner", ["partner"]),
        ("manager", ["manager"]),
        ("admin", ["admin"]),
    ],
)
def test_account_page_lists_the_persona_roles(request, client_for, persona, role_names):
    user = request.getfixturevalue(persona)
    page = client_for(user).get(reverse("accounts:account"))
    assert page.status_code == 200
    assert [r.name for r in page.context["roles"]] == role_names
    if user.totpdevice_set.exists():
        assert "Two-factor sign-in is active" in page.content.decode()


def test_home_status_counts_blobs_when_custody_has_them(client_for, analyst):
    from sillok.custody.status import repository_status

    status = repository_status()
    page = client_for(analyst).get(HOME).content.decode()
    if status.blobs is not None:
        assert "Stored files" in page
    assert status.last_checkpoint_at is None or "none yet" not in page
