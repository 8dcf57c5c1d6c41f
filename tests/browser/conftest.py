"""A real headless Chromium (Debian's, driven by Playwright) for the browser tests."""

from __future__ import annotations

import os
import shutil

import pytest

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


