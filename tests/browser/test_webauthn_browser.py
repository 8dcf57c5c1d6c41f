"""A real browser registers a security key (Chromium's virtual authenticator) and signs in
with it; accounts/webauthn.js runs under the site's CSP."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _virtual_authenticator(page) -> tuple[object, str]:
    """A CTAP2 platform authenticator that always verifies the user, via the DevTools protocol."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    added = cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
            }
        },
    )
    return cdp, added["authenticatorId"]


def _sign_in_with_password(page, base: str, password: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("User name").fill("analyst")
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


# The database fixtures come before `browser_page`: once Playwright's sync API runs, this thread
# has an event loop and Django refuses ORM calls from it.
def test_analyst_registers_a_security_key_and_signs_in_with_it(
    live_server, analyst, persona_password, browser_page
):
    page = browser_page
    base = live_server.url
    console: list[str] = []
    page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
    page.on("pageerror", lambda error: console.append(f"pageerror: {error}"))
    cdp, authenticator = _virtual_authenticator(page)

    _sign_in_with_password(page, base, persona_password)
    page.wait_for_url(f"{base}/")
    page.goto(f"{base}/accounts/")
    page.get_by_role("link", name="Add a security key").click()
    # Adding a factor is sensitive, but the password typed at this fresh sign-in counts as the
    # re-authentication (accounts/reauth.py); an older session is asked again (test_reauth*).
    page.wait_for_url("**/accounts/security-keys/add/")
    page.get_by_label("Name").fill("laptop key")
    page.get_by_role("button", name="Touch your key to add it").click()
    page.wait_for_url(f"{base}/accounts/")
    assert page.get_by_text("laptop key").first.is_visible()
    assert page.get_by_text("Security key:").is_visible()
    credentials = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})
    assert len(credentials["credentials"]) == 1

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/accounts/login/**")
    _sign_in_with_password(page, base, persona_password)
    page.wait_for_url("**/accounts/verify/**")
    assert page.get_by_role("button", name="Use a security key").is_visible()
    page.get_by_role("button", name="Use a security key").click()
    page.wait_for_url(f"{base}/")
    assert page.get_by_role("heading", name="Welcome, analyst").is_visible()
    used = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})
    assert used["credentials"][0]["signCount"] >= 1

    problems = [line for line in console if "Content Security Policy" in line or "CSP" in line]
    assert problems == [], problems
    assert not [line for line in console if line.startswith(("error", "pageerror"))], console
