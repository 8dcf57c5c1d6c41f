"""A reviewer opens a graphic photo in a real browser: it comes blurred with a warning, the
"Show" button reveals it and "Hide again" veils it, with no CSP violation."""

from __future__ import annotations

import pytest
from PIL import Image

from sillok.evidence.custody_log import HandlingContext
from sillok.evidence.derivation import run_file_jobs
from sillok.evidence.intake import do_ingest_paths
from sillok.evidence.metadata import ItemMetadata
from sillok.evidence.models import ItemFile

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def graphic_photo(repo_home, documentation_officer, tmp_path) -> int:
    """A photo marked graphic, with its preview made."""
    actor = documentation_officer
    path = tmp_path / "injuries.png"
    Image.new("RGB", (320, 240), "darkred").save(path)
    work = tmp_path / "work"
    work.mkdir()
    [result] = do_ingest_paths(
        actor,
        [path],
        metadata=ItemMetadata(title="부상 사진", graphic=True),
        context=HandlingContext(channel="cli", place="test", reason="test intake"),
        workdir=work,
    )
    run_file_jobs(ItemFile.objects.get(item_id=result.item, role="original").pk)
    return result.item


# The database fixtures come before `browser_page`: once Playwright's sync API runs, this
# thread has an event loop and Django refuses database calls from it.
def test_a_blurred_graphic_photo_is_revealed_by_its_show_button(
    graphic_photo, live_server, analyst, persona_password, browser_page
):
    item_id = graphic_photo
    page = browser_page
    console: list[str] = []
    page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("User name").fill("analyst")
    page.get_by_label("Password").fill(persona_password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/")

    page.goto(f"{live_server.url}/items/{item_id}/")
    picture = page.get_by_role("img", name="Preview of the original")
    picture.wait_for()
    assert "blur(" in picture.evaluate("element => getComputedStyle(element).filter")
    assert page.get_by_text("Graphic content").is_visible()

    page.get_by_role("button", name="Show").click()
    page.get_by_role("button", name="Hide again").wait_for()
    assert picture.evaluate("element => getComputedStyle(element).filter") == "none"

    page.get_by_role("button", name="Hide again").click()
    page.get_by_role("button", name="Show").wait_for()
    assert "blur(" in picture.evaluate("element => getComputedStyle(element).filter")

    problems = [line for line in console if "Content Security Policy" in line or "CSP" in line]
    assert problems == [], problems
