"""In a real browser: pages that show stored and reflected payloads fire no script.

Item, record (with its link graph), history and list pages are opened with payloads in
titles, names, comments, tags, file names and the query string; a payload that ran would
open an alert dialog (or set a flag). None may.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(2)>'
FLAG = "<img src=x onerror=\"window.__xss='ran'\">"
HANGUL = "증언자 <svg onload=alert(3)>"


def sign_in(page, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/")


@pytest.fixture
def payload_pages(
    tmp_path: Path, repo_home, vocabularies, documentation_officer, analyst, make_record
) -> list[str]:
    from sillok.evidence.custody_log import HandlingContext
    from sillok.evidence.intake import do_ingest_paths
    from sillok.evidence.metadata import ItemMetadata
    from sillok.evidence.models import Item

    upload = tmp_path / f"{IMG}.txt"
    upload.write_text(f"{SCRIPT}\n{FLAG}\n", encoding="utf-8")
    do_ingest_paths(
        documentation_officer,
        [upload],
        metadata=ItemMetadata(
            title=f"{SCRIPT} {HANGUL}", description=FLAG, sensitivity="internal", tags=[IMG]
        ),
        context=HandlingContext(channel="cli", place="test", reason="xss"),
        workdir=tmp_path,
    )
    item = Item.objects.get()
    one = make_record(analyst, "person", name=f"{SCRIPT} 김", notes=FLAG)
    two = make_record(analyst, "person", name=HANGUL, occupation=IMG)
    make_record(
        analyst,
        "link",
        **{"from": f"P-{one.pk}", "to": f"P-{two.pk}"},
        relation="sibling_of",
        comment=f"{SCRIPT} {FLAG}",
    )
    q = quote(SCRIPT + IMG)
    return [
        f"/items/{item.pk}/",
        f"/items/?q={q}",
        f"/records/persons/{one.pk}/",
        f"/records/persons/{one.pk}/history/",
        f"/records/persons/?q={q}",
        f"/records/links/?q={q}",
    ]


def test_payloads_fire_no_dialog_on_item_and_record_pages(
    live_server, payload_pages, analyst, persona_password, browser_page
):
    base, page = live_server.url, browser_page
    dialogs: list[str] = []

    def dismiss(dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", dismiss)
    sign_in(page, base, "analyst", persona_password)
    for path in payload_pages:
        response = page.goto(base + path)
        assert response is not None and response.status == 200, path
        page.wait_for_load_state("load")
        assert page.evaluate("window.__xss === undefined"), path
        # The payload is on the page, as text.
        assert "alert(" in page.content(), path
    assert dialogs == []
