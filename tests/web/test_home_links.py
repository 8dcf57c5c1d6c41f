"""Finding the work: the navigation, the home page and the records page link to import,
export and the redaction review queue, each shown to exactly those whom the page lets in."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.conftest import PERSONA_ROLES

pytestmark = pytest.mark.django_db

HOME = reverse("workspace:home")
# Home-page shortcut key -> the page it opens and refuses to whoever may not use it (the
# items list and search open to anyone signed in and show what the user may see, if anything).
TARGETS = {
    "upload": "evidence:upload",
    "records": "records:home",
    "import": "records:import",
    "export": "records:export",
    "redaction": "redaction:reviews",
    "vault": "vault:entries",
}
# The pages the navigation gained for issue 14.
NAV_TARGETS = ("records:import", "records:export", "redaction:reviews")
PERSONAS = [*PERSONA_ROLES, "outsider"]


def opens(client, url_name: str) -> bool:
    status = client.get(reverse(url_name)).status_code
    assert status in {200, 403}, (url_name, status)
    return status == 200


@pytest.mark.parametrize("persona", PERSONAS)
def test_each_link_is_shown_exactly_to_those_the_page_lets_in(request, client_for, persona):
    client = client_for(request.getfixturevalue(persona))
    page = client.get(HOME)
    html = page.content.decode()
    nav = html.split('<nav class="nav"', 1)[1].split("</nav>", 1)[0]
    shown = {shortcut.key for shortcut in page.context["shortcuts"]}
    for key, url_name in TARGETS.items():
        assert (key in shown) == opens(client, url_name), (persona, key)
    for url_name in NAV_TARGETS:
        assert (f'href="{reverse(url_name)}"' in nav) == opens(client, url_name), (
            persona,
            url_name,
        )


def test_a_documentation_officer_finds_import_export_and_redaction_from_home(
    client_for, documentation_officer
):
    html = client_for(documentation_officer).get(HOME).content.decode()
    for label in ("Import records", "Export records", "Redaction review", "Upload an item"):
        assert label in html
    for url_name in ("records:import", "records:export", "redaction:reviews", "evidence:upload"):
        assert f'href="{reverse(url_name)}"' in html


def test_the_outsider_gets_no_shortcut_and_no_link_to_any_queue(client_for, outsider):
    page = client_for(outsider).get(HOME)
    assert page.context["shortcuts"] == []
    html = page.content.decode()
    for url_name in (*TARGETS.values(), "redaction:reviews"):
        assert f'href="{reverse(url_name)}"' not in html


@pytest.mark.parametrize(
    ("persona", "may_import", "may_export"),
    [("documentation_officer", True, True), ("auditor", False, False)],
)
def test_the_records_page_links_import_and_export_for_those_who_may(
    request, client_for, persona, may_import, may_export
):
    client = client_for(request.getfixturevalue(persona))
    html = client.get(reverse("records:home")).content.decode()
    assert (f'href="{reverse("records:import")}"' in html) is may_import
    assert (f'href="{reverse("records:export")}"' in html) is may_export
    assert opens(client, "records:import") is may_import
    assert opens(client, "records:export") is may_export


def test_the_navigation_speaks_korean(client_for, documentation_officer):
    html = client_for(documentation_officer).get(HOME, HTTP_ACCEPT_LANGUAGE="ko").content.decode()
    nav = html.split('<nav class="nav"', 1)[1].split("</nav>", 1)[0]
    assert "기록 가져오기" in nav and "기록 내보내기" in nav and "가림 처리 검토" in nav
