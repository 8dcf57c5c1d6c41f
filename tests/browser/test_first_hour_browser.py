"""The first hour, in Korean, from the home page alone (issue 14's "done when").

On the demo data (`sillok demo`: demo users, casework waiting for each role), in a real
Chromium: a new documentation officer switches the interface to Korean, uploads a testimony
and corrects its title; a reviewer finds a record and a redacted copy waiting on the home page
and decides both; a vault keeper signs in with two factors and opens a witness's identity
without being asked to confirm again. Nobody types an address: every page is reached by
clicking, starting at the home page. Labels are looked up in the Korean catalogue, so the
test reads the page as a Korean user does.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.utils import translation
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OFFICER, REVIEWER, KEEPER = "demo-documentation-officer", "demo-legal-expert", "demo-vault-keeper"


def ko(text: str) -> str:
    with translation.override("ko"):
        return translation.gettext(text)


@pytest.fixture
def demo_team(roles, vocabularies, repo_home, add_totp_device, totp_code):
    """The demo loaded as `sillok demo` loads it; returns each demo user's password and a
    function giving the vault keeper's current second-factor code."""
    from sillok.accounts.models import User
    from sillok.demo.services import do_load_demo

    result = do_load_demo()
    passwords = {user.username: user.password for user in result.users}
    device = add_totp_device(User.objects.get(username=KEEPER))
    return passwords, (lambda: totp_code(device))


def watch_console(page) -> list[str]:
    console: list[str] = []
    page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
    page.on("pageerror", lambda error: console.append(f"pageerror: {error}"))
    return console


def sign_in_in_korean(page, base: str, username: str, password: str) -> None:
    """From the home page's address only: the sign-in page, switched to Korean first."""
    page.goto(f"{base}/")
    page.wait_for_url("**/accounts/login/**")
    if page.locator("html").get_attribute("lang") != "ko":
        page.locator("#language-select").select_option("ko")
        page.locator("form.lang button").click()
        page.wait_for_load_state("load")
    assert page.locator("html").get_attribute("lang") == "ko"
    page.get_by_label(ko("User name")).fill(username)
    page.get_by_label(ko("Password")).fill(password)
    page.get_by_role("button", name=ko("Sign in")).click()


def sign_out(page) -> None:
    page.get_by_role("button", name=ko("Sign out")).click()
    page.wait_for_load_state("load")


def go_home(page) -> None:
    page.get_by_role("navigation").get_by_role("link", name=ko("Home")).click()
    page.wait_for_load_state("load")


def waiting_count(page, key: str) -> int:
    return int(page.locator(f'[data-waiting="{key}"] .count').first.inner_text())


def test_a_documentation_officer_a_reviewer_and_a_vault_keeper_do_their_first_tasks_in_korean(
    live_server, demo_team, tmp_path: Path, browser_page
):
    passwords, keeper_code = demo_team
    base, page = live_server.url, browser_page
    console = watch_console(page)
    testimony = tmp_path / "면담_기록_2024.txt"
    testimony.write_text("2019년 회령에서 구금되었다는 증언 (가상의 시험 자료).\n", "utf-8")

    # 1. The documentation officer: upload a testimony, then correct its title with a reason.
    sign_in_in_korean(page, base, OFFICER, passwords[OFFICER])
    page.wait_for_url(f"{base}/")
    expect(page.get_by_role("heading", name=ko("Waiting for you"))).to_be_visible()
    page.get_by_role("navigation").get_by_role("link", name=ko("Items")).click()
    page.get_by_role("link", name=ko("Add evidence")).first.click()
    page.set_input_files("#file", str(testimony))
    page.get_by_label(ko("Title"), exact=True).fill("면담 기록")
    page.get_by_role("button", name=ko("Upload")).click()
    page.locator("#upload-results li[data-status='new'] a").click(timeout=60_000)
    page.wait_for_url(re.compile(r"/items/\d+/$"))
    page.get_by_role("link", name=ko("Edit")).first.click()
    page.get_by_label(re.compile("^" + re.escape(ko("Title")))).fill("면담 기록 (회령, 2019)")
    page.get_by_label(re.compile("^" + re.escape(ko("Reason for the change")))).fill(
        "제목에 장소와 연도 추가"
    )
    page.get_by_role("button", name=ko("Save"), exact=True).click()
    page.wait_for_url(re.compile(r"/items/\d+/$"))
    corrected = re.compile(r"면담 기록 \(회령, 2019\)")
    expect(page.get_by_role("heading", name=corrected)).to_be_visible()
    page.get_by_role("link", name=ko("History")).first.click()
    expect(page.get_by_text("제목에 장소와 연도 추가").first).to_be_visible()
    expect(page.get_by_text("면담 기록 (회령, 2019)").first).to_be_visible()
    sign_out(page)

    # 2. The reviewer: a record in review and a redacted copy wait on the home page.
    sign_in_in_korean(page, base, REVIEWER, passwords[REVIEWER])
    page.wait_for_url(f"{base}/")
    assert waiting_count(page, "records.review") >= 1
    assert waiting_count(page, "redaction.review") >= 1
    page.locator('[data-waiting="records.review"] .waiting-entries a').first.click()
    page.get_by_role("button", name=ko("Complete the review")).click()
    page.wait_for_load_state("load")
    go_home(page)
    assert waiting_count(page, "records.review") == 0
    page.locator('[data-waiting="redaction.review"] .waiting-entries a').first.click()
    page.get_by_role("button", name=ko("Approve for use")).click()
    page.wait_for_load_state("load")
    go_home(page)
    assert waiting_count(page, "redaction.review") == 0
    sign_out(page)

    # 3. The vault keeper: two factors at sign-in, then a witness's identity at once.
    sign_in_in_korean(page, base, KEEPER, passwords[KEEPER])
    page.wait_for_url("**/verify/**")
    page.get_by_label(ko("Six-digit code")).fill(keeper_code())
    page.get_by_role("button", name=ko("Continue")).click()
    page.wait_for_url(f"{base}/")
    page.get_by_role("navigation").get_by_role("link", name=ko("Vault")).click()
    page.locator("main table a").first.click()
    page.wait_for_load_state("load")
    assert "/reauth" not in page.url
    assert page.locator("html").get_attribute("lang") == "ko"

    assert not [line for line in console if "CSP" in line or "Content Security" in line], console
    assert not [line for line in console if line.startswith(("error", "pageerror"))], console
