"""Issue 15's "done when", in Korean, from the home page alone, in a real Chromium.

On the demo (`sillok demo`: the fictional case file "Imprisonment, torture and persecution at
Kyo-hwa-so No. 99" against a unit): a legal expert opens the case against the unit, sees for
each element of imprisonment, torture and persecution which testimonies, information and
items support it, how strong (weight, grading) and how independent (independent and
first-hand origins) they are, sees what is missing (the gaps), and turns a gap into a task; a
second legal expert confirms the assessment waiting on their home page (the first could not
confirm their own); the matrix is exported for a prosecutor as XLSX and PDF, with what the
witnesses' consent does not cover left out and listed, and both files are read back
(openpyxl, pdftotext). Nobody types an address after the home page: every page is reached by
clicking. Labels are looked up in the Korean catalogue, as in test_first_hour_browser.py.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from types import SimpleNamespace

import pytest
from playwright.sync_api import expect

from tests.browser.test_first_hour_browser import (
    go_home,
    ko,
    sign_in_in_korean,
    sign_out,
    waiting_count,
    watch_console,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EXPERT, COLLEAGUE = "demo-legal-expert", "demo-legal-expert-2"
PROSECUTOR = "ICC Office of the Prosecutor"  # named in the fictional witnesses' consent
CRIMES = ("art7-1-e", "art7-1-f", "art7-1-h")  # imprisonment, torture, persecution


@pytest.fixture
def demo_case(roles, vocabularies, repo_home):
    """The demo as `sillok init` and `sillok demo` leave it, and what the test needs to know
    of it, read before the browser starts (Django refuses ORM calls from Playwright's loop)."""
    from sillok.assessment.models import CaseFile
    from sillok.demo.services import do_load_demo
    from sillok.evidence.models import Item
    from sillok.records.models import Information

    result = do_load_demo()  # `vocabularies` loaded the legal frameworks as `sillok init` does
    case = CaseFile.objects.get(pk=result.assessment_case.case_id)
    unit_charges = case.charges.filter(suspect__organization__isnull=False)
    notes = {
        number: Item.objects.get(title__contains=f"Witness 99-{number}").pk for number in (1, 2)
    }
    # Witness 99-2 consented to internal analysis only: a prosecution export leaves them out.
    internal_only = Information.objects.filter(source__person__name_latin="Witness 99-2")
    return SimpleNamespace(
        passwords={user.username: user.password for user in result.users},
        title=case.title,
        charges={charge.crime.code: charge.pk for charge in unit_charges},
        unit=unit_charges.first().suspect.organization.name,
        notes=notes,
        withheld=sorted(f"I-{pk}" for pk in internal_only.values_list("pk", flat=True)),
    )


def element_of(page, charge: int, code: str):
    """The element's block in the matrix (its anchor, views_matrix: c<charge>-<code>)."""
    return page.locator(f"#c{charge}-{code.replace('.', '-')}")


def open_matrix_from_the_case_list(page, title: str) -> None:
    page.get_by_role("navigation").get_by_role("link", name=ko("Cases"), exact=True).click()
    row = page.locator("table.cases tr", has_text=title)
    row.get_by_role("link", name=ko("matrix"), exact=True).click()
    page.wait_for_url(re.compile(r"/cases/\d+/matrix/"))


def glance_row(page, charge: int, code: str):
    return page.locator(f'#charge-{charge} table.glance tr[data-element="{code}"]')


def glance_numbers(row) -> tuple[int, ...]:
    """(supporting, contradicting, independent sources, first-hand) of a glance row."""
    return tuple(int(text) for text in row.locator("td.num").all_inner_texts())


def check_consent_and_download(page, password: str, fmt: str, folder: Path) -> tuple[Path, int]:
    """On the export page: for prosecution, to the named prosecutor; re-authenticate if asked;
    returns the downloaded file and how many entries the page said were withheld."""
    page.locator("#format").select_option(fmt)
    page.locator("#purpose").select_option("prosecution")
    page.locator("#recipient").fill(PROSECUTOR)
    page.get_by_role("button", name=ko("Check consent")).click()
    page.wait_for_load_state("load")
    if "/reauth" in page.url:
        page.get_by_label(ko("Password")).fill(password)
        page.get_by_role("button", name=ko("Confirm"), exact=True).click()
        page.wait_for_load_state("load")
        page.get_by_role("button", name=ko("Check consent")).click()
        page.wait_for_load_state("load")
    withheld = page.locator("ul.left-out li").count()
    with page.expect_download() as download:
        page.get_by_role("button", name=ko("Download the matrix")).click()
    target = folder / f"matrix.{fmt}"
    download.value.save_as(target)
    return target, withheld


def workbook_text(path: Path) -> dict[str, str]:
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True)
    return {
        sheet.title: "\n".join(
            str(value) for row in sheet.iter_rows(values_only=True) for value in row if value
        )
        for sheet in book.worksheets
    }


def test_a_legal_expert_works_the_matrix_a_colleague_confirms_and_a_prosecutor_gets_it(
    live_server, demo_case, tmp_path: Path, browser_page
):
    case, base, page = demo_case, live_server.url, browser_page
    console = watch_console(page)
    imprisonment, torture, persecution = (case.charges[crime] for crime in CRIMES)

    # 1. The legal expert opens the case against the unit from the case list.
    sign_in_in_korean(page, base, EXPERT, case.passwords[EXPERT])
    page.wait_for_url(f"{base}/")
    page.get_by_role("navigation").get_by_role("link", name=ko("Cases"), exact=True).click()
    page.get_by_role("link", name=case.title).click()
    page.wait_for_url(re.compile(r"/cases/\d+/$"))
    expect(page.get_by_role("heading", name=case.title)).to_be_visible()
    expect(page.locator("#suspects").get_by_text(case.unit).first).to_be_visible()
    page.get_by_role("link", name=ko("Proof matrix")).first.click()
    page.wait_for_url(re.compile(r"/cases/\d+/matrix/"))

    # 2. Each element of imprisonment, torture and persecution with what supports it, how
    # strong and how independent. Torture: the victim and a former guard are two independent
    # first-hand origins; the mother's hearsay adds none; state media contradicts.
    for charge in (imprisonment, torture, persecution):
        expect(page.locator(f"#charge-{charge} table.glance tbody tr").first).to_be_visible()
    assert glance_numbers(glance_row(page, torture, "art7-1-f.1")) == (4, 1, 2, 2)
    assert glance_numbers(glance_row(page, imprisonment, "art7-1-e.1"))[2] == 3
    assert glance_numbers(glance_row(page, persecution, "art7-1-h.1"))[2] == 1  # one person
    beating = element_of(page, torture, "art7-1-f.1")
    evidence = beating.locator("table.evidence tbody tr")
    assert evidence.count() == 5
    item_row = beating.locator("table.evidence tr", has_text=f"X-{case.notes[1]}")
    expect(item_row).to_have_count(1)
    assert item_row.locator("td").nth(1).inner_text().strip() not in ("", "—")  # a passage
    for weight in ("High", "Medium", "Low"):
        expect(evidence.filter(has_text=ko(weight)).first).to_be_visible()
    expect(beating.get_by_text(ko("first-hand")).first).to_be_visible()
    expect(beating.locator(".tag.review-confirmed").first).to_be_visible()
    religion = element_of(page, persecution, "art7-1-h.1")
    expect(religion.locator("table.evidence", has_text=f"X-{case.notes[2]}")).to_be_visible()
    # Its status was overridden, with the reason in view.
    overridden = glance_row(page, persecution, "art7-1-h.1")
    expect(overridden.get_by_text(ko("overridden"))).to_be_visible()
    expect(religion.locator("p span", has_text="두 차례의 진술이 일관되고")).to_be_visible()
    # The expert's own assessment waits for someone else: no confirm button for them.
    waiting = element_of(page, imprisonment, "art7-1-e.1")
    expect(waiting.locator(".tag.review-in_review").first).to_be_visible()
    expect(waiting.get_by_role("button", name=ko("Confirm the assessment"))).to_have_count(0)

    # 3. What is missing: every kind of gap is named.
    gaps = {
        (imprisonment, "art7-1-e.3"): "No evidence",
        (imprisonment, "art7-1-e.2"): "Single source",
        (torture, "art7-1-f.3"): "Hearsay only",
        (persecution, "art7-1-h.2"): "Only contradicted evidence",
    }
    for (charge, code), label in gaps.items():
        row = glance_row(page, charge, code)
        expect(row.locator(".tag.gap", has_text=ko(label))).to_be_visible()

    # 4. A gap becomes a task for the colleague, due on a date typed the Korean way.
    single = element_of(page, imprisonment, "art7-1-e.2")
    gap_form = single.locator("ul.gaps li", has_text=ko("Single source")).locator("form")
    gap_form.get_by_label(ko("Assignee")).select_option(label=COLLEAGUE)
    gap_form.get_by_label(ko("Due date")).fill("2027년 1월 15일")
    gap_form.get_by_role("button", name=ko("Make a task of this gap")).click()
    page.wait_for_url(re.compile(r"/cases/\d+/(#task-\d+)?$"))
    task = page.locator("table.tasks tbody tr", has_text="art7-1-e.2")
    expect(task).to_have_count(1)
    expect(task.get_by_text(ko("from a gap"))).to_be_visible()
    assert task.locator("select[name=assignee] option:checked").inner_text() == COLLEAGUE
    assert task.locator("input[name=due_date]").input_value() == "2027-01-15"
    sign_out(page)

    # 5. The second legal expert finds the assessment on the home page and confirms it.
    sign_in_in_korean(page, base, COLLEAGUE, case.passwords[COLLEAGUE])
    page.wait_for_url(f"{base}/")
    assert waiting_count(page, "assessment.review") == 1
    page.locator('[data-waiting="assessment.review"] .waiting-entries a').first.click()
    page.wait_for_url(re.compile(r"/cases/\d+/matrix/"))
    review = element_of(page, imprisonment, "art7-1-e.1")
    review.get_by_label(ko("Review comment")).fill("세 출처 모두 확인함. 독립성 판단에 동의함.")
    review.get_by_role("button", name=ko("Confirm the assessment")).click()
    page.wait_for_load_state("load")
    expect(
        glance_row(page, imprisonment, "art7-1-e.1").locator(".tag.review-confirmed")
    ).to_be_visible()
    go_home(page)
    assert waiting_count(page, "assessment.review") == 0

    # 6. The matrix for a prosecutor: XLSX, then PDF, through consent.
    open_matrix_from_the_case_list(page, case.title)
    page.locator("p.exports").get_by_role("link", name="XLSX").click()
    password = case.passwords[COLLEAGUE]
    xlsx, withheld = check_consent_and_download(page, password, "xlsx", tmp_path)
    assert withheld >= 1  # Witness 99-2 consented to internal analysis only
    sheets = workbook_text(xlsx)
    everything = "\n".join(sheets.values())
    assert "제99호 교화소" in everything and "art7-1-f.1" in everything
    assert "art7-1-e.2" in everything  # the gaps travel with the matrix
    # Summary, matrix, gaps, withheld: what consent leaves out is listed, not shown.
    matrix_sheet, withheld_sheet = list(sheets.values())[1], list(sheets.values())[-1]
    cited = [ref for ref in case.withheld if re.search(rf"\b{ref}\b", withheld_sheet)]
    assert cited, withheld_sheet
    assert not any(re.search(rf"\b{ref}\b", matrix_sheet) for ref in case.withheld)

    open_matrix_from_the_case_list(page, case.title)
    page.locator("p.exports").get_by_role("link", name="PDF").click()
    pdf, _withheld = check_consent_and_download(page, password, "pdf", tmp_path)
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "제99호 교화소" in text and "art7-1-f.1" in text

    assert not [line for line in console if "CSP" in line or "Content Security" in line], console
    assert not [line for line in console if line.startswith(("error", "pageerror"))], console
