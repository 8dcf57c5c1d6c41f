"""A real browser signs in, reads the home page, switches to Korean, and trips no CSP rule."""

from __future__ import annotations

import os
import shutil

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# Reports every CSP violation to the console, in case a future Chromium stops logging them.
# An init script is injected by the browser itself, so the page's CSP does not apply to it.
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error("CSP violation: " + event.violatedDirective + " " + event.blockedURI);
});
"""


@pytest.fixture
def browser_page():
    # `make setup` installs Debian chromium; its absence is a broken setup, not a reason to skip.
    assert shutil.which(CHROMIUM) or os.path.exists(CHROMIUM), "run `make setup`: no chromium"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(locale="en-GB")
            context.add_init_script(REPORT_VIOLATIONS)
            page = context.new_page()
            page.set_default_timeout(15_000)
            yield page
        finally:
            browser.close()


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
