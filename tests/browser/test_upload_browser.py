"""A documentation officer uploads a multi-chunk file in a real browser, the connection breaks
once mid-upload, the page resumes by itself, and the item page shows the file, its hash and
its custody in Korean, with no CSP violation."""

from __future__ import annotations

import hashlib
import os

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_chunked_upload_resumes_after_a_broken_chunk_and_the_item_page_reads_in_korean(
    repo_home, live_server, documentation_officer, persona_password, browser_page, tmp_path
):
    content = b"\xed\x95\x9c " + os.urandom(9 * 1024 * 1024)  # two chunks of 8 MiB at most
    upload = tmp_path / "증언 녹음 2019.bin"
    upload.write_bytes(content)
    sha256 = hashlib.sha256(content).hexdigest()

    page = browser_page
    console: list[str] = []
    page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
    broken: list[str] = []

    def break_the_second_chunk_once(route):
        if "offset=0" not in route.request.url and not broken:
            broken.append(route.request.url)
            route.abort("connectionreset")
        else:
            route.continue_()

    page.route("**/api/v1/uploads/*?offset=*", break_the_second_chunk_once)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("User name").fill("documentation_officer")
    page.get_by_label("Password").fill(persona_password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/")

    page.get_by_role("navigation").get_by_role("link", name="Items", exact=True).click()
    page.get_by_role("link", name="Add evidence").click()
    page.set_input_files("#file", str(upload))
    page.get_by_label("Title").fill("보위부 구류장 증언")
    page.get_by_label("Source").fill("면담 2019")
    page.get_by_role("button", name="Upload").click()
    done = page.locator("#upload-results li[data-status='new'] a")
    done.wait_for(timeout=60_000)
    assert broken, "the test did not break a chunk"

    done.click()
    page.wait_for_url("**/items/*/")
    assert page.get_by_role("heading", name="보위부 구류장 증언").is_visible()
    assert page.get_by_text(sha256).is_visible()
    assert page.get_by_text("증언 녹음 2019.bin").is_visible()

    page.get_by_label("Language").select_option("ko")
    page.get_by_role("button", name="Change").click()
    page.wait_for_load_state("load")
    assert page.get_by_role("heading", name="보관 이력").is_visible()
    assert page.get_by_text("접수", exact=True).first.is_visible()

    problems = [line for line in console if "Content Security Policy" in line or "CSP" in line]
    assert problems == [], problems
