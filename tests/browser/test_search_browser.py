"""In a real browser: an analyst searches for a Korean word, sees the hit with the word
highlighted, narrows the results with a facet, sees the map of hits by place, saves the
search, and switches the interface to Korean; no page trips the CSP."""

from __future__ import annotations

import os
import re

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOT = os.environ.get("SILLOK_SEARCH_SCREENSHOT", "")


def sign_in(page, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/")


@pytest.fixture
def indexed(vocabularies, analyst, make_record):
    event = make_record(
        analyst,
        "event",
        title="회령 보위부 구류장 구금",
        description="구류장에서 심하게 고문을 당했다고 증언했다.",
        place="kwanliso_16",
        date="2015-03",
    )
    make_record(
        analyst,
        "act",
        event=f"E-{event.pk}",
        violation_type="torture.beating",
        place="kwanliso_16",
        date="2015-03-14",
        description="보위부 지도원이 고문하였다.",
    )
    make_record(analyst, "event", title="평양 강제 이주", description="고문 없이 이주", date="2017")
    from sillok.search.indexing import process_queue

    process_queue()
    return event


# The database fixtures come before `browser_page`: once Playwright's sync API runs, this
# thread has an event loop and Django refuses ORM calls from it.
def test_an_analyst_searches_in_korean_filters_and_sees_the_map(
    live_server, indexed, persona_password, browser_page
):
    base, page = live_server.url, browser_page
    console: list[str] = []
    page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
    page.on("pageerror", lambda error: console.append(f"pageerror: {error}"))
    sign_in(page, base, "analyst", persona_password)

    page.get_by_role("link", name="Search", exact=True).first.click()
    page.wait_for_url(f"{base}/search/")
    page.get_by_role("searchbox").fill("고문")
    page.get_by_role("button", name="Search", exact=True).click()
    page.wait_for_url(re.compile(r"/search/\?q="))
    assert page.locator(".result-count").inner_text() == "3 results"
    assert page.locator(".snippet mark").first.inner_text().startswith("고문")
    assert page.get_by_role("link", name="회령 보위부 구류장 구금").is_visible()

    # The kind facet: only acts.
    page.locator(".facet-kind a", has_text="Act").click()
    page.wait_for_url(re.compile(r"kind=act"))
    assert page.locator(".result-count").inner_text() == "1 result"
    assert page.locator(".chips .chip").first.inner_text().startswith("Type:")
    assert page.locator("svg.hits-map").is_visible()
    assert page.locator("svg.hits-map a.m-place").count() >= 1
    if SCREENSHOT:
        page.goto(f"{base}/search/?q=고문")
        page.screenshot(path=SCREENSHOT, full_page=True)

    # Save the search; it is listed with its alerts on.
    page.goto(f"{base}/search/?q=고문")
    page.get_by_text("Save this search").click()
    page.get_by_label("Name", exact=True).fill("고문 watch")
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_url(f"{base}/search/saved/")
    assert page.get_by_role("link", name="고문 watch").is_visible()

    # The interface in Korean: the page still works and says so in its language attribute.
    page.goto(f"{base}/search/?q=고문")
    page.locator("#language-select").select_option("ko")
    page.locator("form.lang button").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "ko"
    assert page.locator(".snippet mark").first.is_visible()

    problems = [line for line in console if "Content Security Policy" in line or "CSP" in line]
    assert problems == [], problems
    assert not [line for line in console if line.startswith(("error", "pageerror"))], console
