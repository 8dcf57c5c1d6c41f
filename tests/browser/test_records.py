"""In a real browser: an analyst records a victim (Hangul name), an event and an act, picking
the victim, the event and the places from the autocomplete, links two persons, and sends the
act for review; the legal expert completes the review; the history shows it all, and no page
trips the CSP."""

from __future__ import annotations

import re

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/")


def pick(page, field: str, typed: str, choice: str) -> str:
    """Type into an autocomplete field, choose the suggestion that shows `choice`, and return
    the value it put in the field."""
    box = page.locator(f"#{field}")
    box.fill(typed)
    page.locator(f"#{field}-options [role=option]", has_text=choice).first.click()
    return box.input_value()


def record_id(page) -> str:
    return re.search(r"/(\d+)/$", page.url).group(1)


# The database fixtures come before `browser_page`: once Playwright's sync API runs, this
# thread has an event loop and Django refuses ORM calls from it.
def test_an_analyst_documents_an_act_and_a_legal_expert_reviews_it(
    live_server, vocabularies, analyst, legal_expert, persona_password, browser_page
):
    base, page = live_server.url, browser_page
    console: list[str] = []
    page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
    page.on("pageerror", lambda error: console.append(f"pageerror: {error}"))
    sign_in(page, base, "analyst", persona_password)

    # Two persons, one with a Hangul name.
    page.get_by_role("navigation").get_by_role("link", name="Records", exact=True).click()
    page.get_by_role("link", name="New Person").click()
    page.get_by_label("Name or pseudonym").fill("김영수")
    page.get_by_label("Name in Hangul").fill("김영수")
    page.get_by_role("button", name="Create").click()
    page.wait_for_url(re.compile(r"/records/persons/\d+/$"))
    victim = record_id(page)
    assert page.get_by_role("heading", name=f"P-{victim} 김영수").is_visible()
    page.goto(f"{base}/records/persons/new/")
    page.get_by_label("Name or pseudonym").fill("리철호")
    page.get_by_label("Name in Hangul").fill("리철호")
    page.get_by_role("button", name="Create").click()
    page.wait_for_url(re.compile(r"/records/persons/\d+/$"))
    brother = record_id(page)

    # An event in Hoeryong, the place chosen from the gazetteer by its romanized name.
    page.goto(f"{base}/records/events/new/")
    page.get_by_label("Title").fill("회령 보위부 구류장 구금")
    page.get_by_label("Date").fill("2015-03")
    place = pick(page, "f-place", "Hoeryong", "회령시")
    assert place.startswith("geonames:")
    page.get_by_role("button", name="Create").click()
    page.wait_for_url(re.compile(r"/records/events/\d+/$"))
    event = record_id(page)

    # The act: the victim found by the romanization of their Hangul name.
    page.goto(f"{base}/records/acts/new/")
    assert pick(page, "f-event", "회령", "구류장") == f"E-{event}"
    assert pick(page, "f-victim", "Kim Yeongsu", "김영수") == f"P-{victim}"
    assert page.locator("#p-victim").inner_text().startswith("김영수")
    page.get_by_label("Violation type").select_option("torture.beating")
    pick(page, "f-place", "회령", "회령시")
    page.get_by_label("Date").fill("2015-03-14")
    page.get_by_role("button", name="Create").click()
    page.wait_for_url(re.compile(r"/records/acts/\d+/$"))
    act = record_id(page)
    assert page.get_by_text("Beating").first.is_visible()

    # Link the two persons from the victim's page.
    page.goto(f"{base}/records/persons/{victim}/")
    page.get_by_text("Add a link").click()
    page.locator("#link-relation").select_option("sibling_of")
    assert pick(page, "link-other", "리철", "리철호") == f"P-{brother}"
    page.get_by_role("button", name="Add the link").click()
    page.wait_for_url(f"{base}/records/persons/{victim}/")
    links = page.locator("table.links")
    assert links.get_by_text("sibling of").is_visible() and links.get_by_text("리철호").is_visible()
    assert page.locator("svg.link-graph").is_visible()

    # Send the act for review to the legal expert.
    page.goto(f"{base}/records/acts/{act}/")
    page.get_by_label("Reviewer", exact=True).select_option(label="legal_expert")
    page.get_by_role("button", name="Send for review").click()
    page.wait_for_url(f"{base}/records/acts/{act}/")
    assert page.get_by_text("Sent for review.").is_visible()
    assert page.get_by_role("link", name="Edit").count() == 0  # locked while in review
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, base, "legal_expert", persona_password)
    page.goto(f"{base}/records/acts/{act}/")
    page.get_by_role("button", name="Complete the review").click()
    page.wait_for_url(f"{base}/records/acts/{act}/")
    assert page.get_by_text("The review is complete.").is_visible()

    history = page.locator("table.history")
    assert history.get_by_role("cell", name="Reviewed", exact=True).is_visible()
    assert history.get_by_role("cell", name="Sent for review").is_visible()
    assert history.get_by_role("cell", name="legal_expert").is_visible()

    problems = [line for line in console if "Content Security Policy" in line or "CSP" in line]
    assert problems == [], problems
    assert not [line for line in console if line.startswith(("error", "pageerror"))], console
