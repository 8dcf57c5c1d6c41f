"""A real browser signs in, reads the home page, switches to Korean, and trips no CSP rule."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The database fixtures come before `browser_page`: once Playwright's sync API runs, this thread
# has an event loop and Django refuses ORM calls from it.
def test_analyst_signs_in_and_switches_to_korean(
    live_server, analyst, persona_password, browser_page
):
    page = browser_page
    console: list[str] = []
    page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
    page.on("pageerror", lambda error: console.append(f"pageerror: {error}"))

    page.goto(f"{live_server.url}/")
    page.wait_for_url("**/accounts/login/**")
    page.get_by_label("User name").fill("analyst")
    page.get_by_label("Password").fill(persona_password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/")
    assert page.get_by_role("heading", name="Welcome, analyst").is_visible()
    assert page.get_by_text("Describes who did what to whom").is_visible()
    # The stylesheet came from our own static files and applied (the brand is not default blue).
    colour = page.locator(".brand").evaluate("el => getComputedStyle(el).color")
    assert colour == "rgb(122, 46, 31)"

    page.get_by_label("Language").select_option("ko")
    page.get_by_role("button", name="Change").click()
    page.wait_for_load_state("load")
    assert page.get_by_role("heading", name="analyst 님, 환영합니다").is_visible()
    assert page.locator("html").get_attribute("lang") == "ko"
    assert page.get_by_role("button", name="로그아웃").is_visible()

    problems = [line for line in console if "Content Security Policy" in line or "CSP" in line]
    assert problems == [], problems
    assert not [line for line in console if line.startswith(("error", "pageerror"))], console
