"""Exporting the proof matrix (assessment/exports.py): JSON, XLSX (opened with openpyxl) and
PDF (read back with pdftotext) in English and Korean, through consent: what the share's
consent does not cover is left out and listed, in the file and for the exporter; refusals;
the audit entry; atomic writes; formula escaping."""

from __future__ import annotations

import json
import subprocess
import zipfile

import pytest
from openpyxl import load_workbook

from sillok.assessment.access import CaseActionRefused, CaseNotFound
from sillok.assessment.exports import MatrixExportError, write_matrix
from sillok.custody.models import AuditEntry
from sillok.evidence.models import Item
from sillok.records.consent import ConsentError

pytestmark = pytest.mark.django_db

ICC = "ICC Office of the Prosecutor"
FORMULA = '=HYPERLINK("http://evil.example","click")'


@pytest.fixture
def matrix_world(
    legal_expert, documentation_officer, case_file, torture_charge, element, make_record, make_item
):
    """A torture charge whose element 1 rests on: a testimony with consent to prosecution by
    the ICC (Korean title), one without consent, an item consented to the ICC (with a comment
    that looks like a formula) and one without consent; an act supports the attack."""
    from sillok.assessment.services import do_link_evidence

    officer = documentation_officer
    kim = make_record(officer, "person", name="김영희", roles="witness")
    lee = make_record(officer, "person", name="이철수", roles="witness")
    consented = make_record(
        officer, "testimony", title="보위부 구류장 면담", witness=f"P-{kim.pk}",
        consent_given="yes", consent_scope="prosecution", consent_recipients=ICC,
    )  # fmt: skip
    refused = make_record(
        officer, "testimony", title="Interview without consent", witness=f"P-{lee.pk}",
        consent_given="no",
    )  # fmt: skip
    logbook = make_item(officer, title="Guard logbook 경비 일지", pages=12)
    Item.objects.filter(pk=logbook.pk).update(
        consent_scope=["prosecution"], consent_recipients=[ICC]
    )
    photo = make_item(officer, title="Unconsented photo of a cell")
    event = make_record(officer, "event", title="Detention at facility 14")
    act = make_record(officer, "act", event=f"E-{event.pk}", violation_type="torture")
    first = element("art7-1-f.1")

    def link(kind, obj, target=first, **options):
        return do_link_evidence(
            legal_expert, torture_charge, target, evidence_kind=kind, evidence_id=obj.pk,
            **options,
        )  # fmt: skip

    link("testimony", consented, weight="high", comment="구타를 직접 목격함")
    link("testimony", refused)
    link("item", logbook, passage="p3-4", comment=FORMULA)
    link("item", photo)
    link("act", act, target=element("art7-context.attack"), comment="+1 more beating")
    return {
        "consented": consented,
        "refused": refused,
        "logbook": logbook,
        "photo": photo,
        "act": act,
    }


def export(user, case, fmt, tmp_path, **options):
    """Export into tmp_path/out (tmp_path also holds the test's SILLOK_HOME)."""
    options.setdefault("recipient", ICC)
    (tmp_path / "out").mkdir(exist_ok=True)
    out = tmp_path / "out" / f"matrix.{fmt}"
    return write_matrix(user, case, fmt, out, **options), out


def written(tmp_path) -> list[str]:
    folder = tmp_path / "out"
    return sorted(path.name for path in folder.iterdir()) if folder.exists() else []


def evidence_refs(data: dict) -> set[str]:
    return {
        entry["ref"]
        for charge in data["charges"]
        for element in charge["elements"]
        for entry in element["evidence"]
    }


# --- consent -------------------------------------------------------------------------------


def test_a_prosecution_export_keeps_what_consent_covers_and_lists_the_rest(
    legal_expert, case_file, matrix_world, tmp_path
):
    w = matrix_world
    result, out = export(legal_expert, case_file, "json", tmp_path)
    data = json.loads(out.read_text(encoding="utf-8"))
    assert evidence_refs(data) == {
        f"T-{w['consented'].pk}",
        f"X-{w['logbook'].pk}",
        f"A-{w['act'].pk}",
    }
    withheld = {entry["reference"]: entry for entry in data["withheld"]}
    assert withheld[f"T-{w['refused'].pk}"]["reason"] == "no_consent"
    assert withheld[f"X-{w['photo'].pk}"]["reason"] == "no_consent"
    assert withheld[f"T-{w['refused'].pk}"]["element"] == "art7-1-f.1"
    # The file names what was withheld by reference and reason only, never by title.
    text = out.read_text(encoding="utf-8")
    assert "Interview without consent" not in text and "Unconsented photo" not in text
    # The exporter is told what and why.
    by_ref = {entry["reference"]: entry for entry in result.withheld}
    assert by_ref[f"T-{w['refused'].pk}"]["title"] == "Interview without consent"
    assert by_ref[f"T-{w['refused'].pk}"]["message"] == "no consent recorded"
    assert data["export"]["purpose"] == "prosecution" and data["export"]["recipient"] == ICC
    element_1 = next(e for c in data["charges"] for e in c["elements"] if e["code"] == "art7-1-f.1")
    assert element_1["withheld"] == 2
    assert all("origin_keys" not in entry for entry in element_1["evidence"])
    assert result.evidence == 3 and result.format == "json" and result.path == out


def test_another_recipient_or_purpose_leaves_out_the_prosecution_consent(
    legal_expert, case_file, matrix_world, tmp_path
):
    w = matrix_world
    _result, out = export(legal_expert, case_file, "json", tmp_path, recipient="Seoul court")
    data = json.loads(out.read_text(encoding="utf-8"))
    reasons = {entry["reference"]: entry["reason"] for entry in data["withheld"]}
    assert reasons[f"T-{w['consented'].pk}"] == "recipient_not_named"
    assert reasons[f"X-{w['logbook'].pk}"] == "recipient_not_named"
    assert evidence_refs(data) == {f"A-{w['act'].pk}"}

    _result, out = export(
        legal_expert, case_file, "json", tmp_path, purpose="internal_analysis", recipient=""
    )
    reasons = {e["reference"]: e["reason"] for e in json.loads(out.read_text())["withheld"]}
    assert reasons[f"T-{w['consented'].pk}"] == "not_in_scope"


def test_items_say_whether_an_approved_redacted_copy_exists(
    legal_expert, case_file, matrix_world, tmp_path
):
    _result, out = export(legal_expert, case_file, "json", tmp_path)
    data = json.loads(out.read_text(encoding="utf-8"))
    items = [
        entry
        for charge in data["charges"]
        for element in charge["elements"]
        for entry in element["evidence"]
        if entry["kind"] == "item"
    ]
    assert [entry["redacted_copy"] for entry in items] == [False]


# --- formats -------------------------------------------------------------------------------


def test_the_xlsx_export_has_the_matrix_summary_gaps_and_withheld_sheets(
    legal_expert, case_file, matrix_world, tmp_path
):
    w = matrix_world
    _result, out = export(legal_expert, case_file, "xlsx", tmp_path, language="en")
    book = load_workbook(out)
    assert book.sheetnames == ["Summary", "Matrix", "Gaps", "Withheld"]
    rows = list(book["Matrix"].iter_rows(values_only=True))
    header = rows[0]
    assert header[:6] == ("Charge", "Element code", "Element", "Section", "Status", "Review state")
    by_ref = {row[6]: dict(zip(header, row, strict=True)) for row in rows[1:] if row[6]}
    testimony = by_ref[f"T-{w['consented'].pk}"]
    assert testimony["Evidence title"] == "보위부 구류장 면담"
    assert testimony["Comment"] == "구타를 직접 목격함"
    assert testimony["Weight"] == "High" and testimony["Assessment"] == "Supports"
    assert testimony["Review state"] == "Not assessed"
    assert by_ref[f"X-{w['logbook'].pk}"]["Passage"] == "pp. 3–4"
    # Every element of the charge has a row, with its status, evidence or not.
    codes = {row[1] for row in rows[1:]}
    assert {"art7-context.attack", "art7-1-f.1", "art7-1-f.2"} <= codes
    withheld = list(book["Withheld"].iter_rows(values_only=True))
    assert withheld[0][:4] == ("Reference", "Kind", "Reason", "Reason code")
    assert {(row[0], row[3]) for row in withheld[1:]} == {
        (f"T-{w['refused'].pk}", "no_consent"),
        (f"X-{w['photo'].pk}", "no_consent"),
    }
    summary = [row for row in book["Summary"].iter_rows(values_only=True)]
    assert ("Purpose", "Sharing with prosecutors") in [row[:2] for row in summary]
    assert ("Recipient", ICC) in [row[:2] for row in summary]
    gaps = list(book["Gaps"].iter_rows(values_only=True))
    assert any(row[1] == "art7-1-f.2" and row[3] == "no evidence" for row in gaps)


def test_the_xlsx_export_speaks_korean(legal_expert, case_file, matrix_world, tmp_path):
    _result, out = export(legal_expert, case_file, "xlsx", tmp_path, language="ko")
    book = load_workbook(out)
    assert book.sheetnames == ["요약", "매트릭스", "공백", "제외됨"]
    rows = list(book["매트릭스"].iter_rows(values_only=True))
    assert rows[0][:5] == ("혐의", "요소 코드", "요소", "구분", "상태")
    statuses = {row[4] for row in rows[1:]}
    assert "증거 없음" in statuses
    crime = rows[1][0]
    assert "고문" in crime  # the Korean name of art. 7(1)(f)


def test_cells_that_look_like_formulas_stay_text(legal_expert, case_file, matrix_world, tmp_path):
    _result, out = export(legal_expert, case_file, "xlsx", tmp_path)
    sheet = load_workbook(out)["Matrix"]
    cells = {cell.value: cell for row in sheet.iter_rows() for cell in row}
    for value in (FORMULA, "+1 more beating"):
        assert cells[value].data_type == "s" and cells[value].quotePrefix
    with zipfile.ZipFile(out) as archive:
        sheets = [name for name in archive.namelist() if name.startswith("xl/worksheets/")]
        assert not any(b"<f>" in archive.read(name) for name in sheets)


def pdf_text(path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def test_the_pdf_export_renders_english_and_korean_text(
    legal_expert, case_file, matrix_world, tmp_path
):
    w = matrix_world
    _result, out = export(legal_expert, case_file, "pdf", tmp_path, language="en")
    text = pdf_text(out)
    assert "Proof matrix" in text and "Detention facility 14" in text
    assert "Reasonable grounds to believe" in text and "Sharing with prosecutors" in text
    assert ICC in text and "legal_expert" in text
    assert "보위부 구류장 면담" in text and "구타를 직접 목격함" in text
    assert "No evidence" in text and "Not assessed" in text
    assert f"T-{w['refused'].pk}" in text and "no consent recorded" in text
    assert "Interview without consent" not in text
    assert "Page 1 of" in text
    pages = text.count("\f")
    assert f"Page {pages} of {pages}" in text


def test_the_pdf_export_in_korean(legal_expert, case_file, matrix_world, tmp_path):
    _result, out = export(legal_expert, case_file, "pdf", tmp_path, language="ko")
    text = pdf_text(out)
    assert "증거 매트릭스" in text and "믿을 만한 합리적 근거" in text
    assert "검찰 공유" in text and "증거 없음" in text and "고문" in text
    assert "기록된 동의 없음" in text
    fonts = subprocess.run(["pdffonts", str(out)], capture_output=True, text=True).stdout
    assert "CJK" in fonts and "yes yes yes" in fonts  # embedded, subset, with a Unicode map


def test_a_pdf_export_without_a_korean_font_fails_clearly_and_writes_nothing(
    legal_expert, case_file, matrix_world, tmp_path, monkeypatch
):
    from sillok.assessment import export_pdf

    monkeypatch.setattr(export_pdf, "_fontconfig_faces", dict)
    monkeypatch.setattr(export_pdf, "DEBIAN_FONTS", {"": (tmp_path / "none.ttc", 1)})
    export_pdf.korean_fonts.cache_clear()
    try:
        with pytest.raises(export_pdf.PdfFontMissing, match="fonts-noto-cjk"):
            export(legal_expert, case_file, "pdf", tmp_path)
    finally:
        export_pdf.korean_fonts.cache_clear()
    assert written(tmp_path) == []


# --- refusals, audit, atomic writes --------------------------------------------------------


def test_the_export_is_audited_with_the_digest_of_the_file(
    legal_expert, case_file, matrix_world, tmp_path
):
    import hashlib

    result, out = export(legal_expert, case_file, "xlsx", tmp_path)
    entry = AuditEntry.objects.filter(action="assessment.matrix.exported").get()
    assert entry.object_id == str(case_file.pk) and entry.actor_id == legal_expert.pk
    assert entry.details["sha256"] == hashlib.sha256(out.read_bytes()).hexdigest()
    assert entry.details["withheld"] == 2 and entry.details["evidence"] == 3
    assert entry.details["withheld_reasons"] == {"no_consent": 2}
    assert entry.details["recipient"] == ICC and result.sha256 == entry.details["sha256"]
    assert "Interview without consent" not in json.dumps(entry.details)


def test_those_who_may_not_see_the_case_get_not_found(
    case_file, matrix_world, outsider, second_legal_expert, analyst, tmp_path
):
    for user in (outsider, second_legal_expert, analyst):
        with pytest.raises(CaseNotFound):
            export(user, case_file, "json", tmp_path)
    with pytest.raises(CaseNotFound):
        export(second_legal_expert, 999999, "json", tmp_path)
    assert written(tmp_path) == []
    assert not AuditEntry.objects.filter(action="assessment.matrix.exported").exists()


def test_a_member_without_the_export_permission_is_refused(
    legal_expert, case_file, matrix_world, make_user, tmp_path
):
    from django.contrib.auth.models import Permission

    from sillok.assessment.services import do_add_member

    reader = make_user("case_reader")
    for code in (
        "assessment.view_cases",
        "records.view_record",
        "evidence.view_item",
        "evidence.view_restricted",
    ):
        app, codename = code.split(".")
        reader.user_permissions.add(
            Permission.objects.get(content_type__app_label=app, codename=codename)
        )
    do_add_member(legal_expert, case_file, reader)
    with pytest.raises(CaseActionRefused, match="export_records"):
        export(reader, case_file, "json", tmp_path)
    assert written(tmp_path) == []


def test_a_manager_member_may_export(legal_expert, manager, case_file, matrix_world, tmp_path):
    from sillok.assessment.services import do_add_member

    do_add_member(legal_expert, case_file, manager)
    _result, out = export(manager, case_file, "json", tmp_path)
    assert json.loads(out.read_text())["export"]["exported_by"] == "manager"


@pytest.mark.parametrize(
    "options, error, message",
    [
        ({"recipient": ""}, ConsentError, "recipient"),
        ({"purpose": "gossip"}, ConsentError, "unknown purpose"),
        ({"fmt": "docx"}, MatrixExportError, "json, xlsx or pdf"),
        ({"language": "fr"}, MatrixExportError, "choose en or ko"),
    ],
)
def test_bad_requests_say_why_and_write_nothing(
    legal_expert, case_file, matrix_world, tmp_path, options, error, message
):
    fmt = options.pop("fmt", "json")
    with pytest.raises(error, match=message):
        export(legal_expert, case_file, fmt, tmp_path, **options)
    assert written(tmp_path) == []
    assert not AuditEntry.objects.filter(action="assessment.matrix.exported").exists()


def test_a_failing_writer_leaves_no_half_file_and_no_audit_entry(
    legal_expert, case_file, matrix_world, tmp_path, monkeypatch
):
    from sillok.assessment import exports

    def half(stream, shared, language):
        stream.write(b'{"case": ')
        raise OSError("disk full")

    monkeypatch.setattr(exports, "write_json", half)
    with pytest.raises(OSError, match="disk full"):
        export(legal_expert, case_file, "json", tmp_path)
    assert written(tmp_path) == []
    assert not AuditEntry.objects.filter(action="assessment.matrix.exported").exists()


def test_a_failing_audit_entry_leaves_no_file_and_keeps_an_earlier_one(
    legal_expert, case_file, matrix_world, tmp_path, monkeypatch
):
    from sillok.assessment import exports

    (tmp_path / "out").mkdir()
    out = tmp_path / "out" / "matrix.json"
    out.write_text("earlier")

    def refuse(*args, **kwargs):
        raise RuntimeError("audit chain unavailable")

    monkeypatch.setattr(exports, "record_audit", refuse)
    with pytest.raises(RuntimeError, match="audit chain"):
        export(legal_expert, case_file, "json", tmp_path)
    assert written(tmp_path) == ["matrix.json"]
    assert out.read_text() == "earlier"


def test_the_number_of_queries_does_not_grow_with_the_evidence(
    legal_expert, documentation_officer, case_file, torture_charge, element, matrix_world,
    make_record, make_item, tmp_path,
):  # fmt: skip
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from sillok.assessment.services import do_link_evidence

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            export(legal_expert, case_file, "json", tmp_path)
        return len(captured)

    before = queries()
    for n in range(4):
        item = make_item(documentation_officer, title=f"Extra item {n}")
        Item.objects.filter(pk=item.pk).update(consent_scope=["prosecution"])
        person = make_record(documentation_officer, "person", name=f"증인 {n}", roles="witness")
        testimony = make_record(
            documentation_officer, "testimony", title=f"면담 {n}", witness=f"P-{person.pk}",
            consent_given="yes", consent_scope="un_reporting",
        )  # fmt: skip
        for kind, obj in (("item", item), ("testimony", testimony)):
            do_link_evidence(
                legal_expert, torture_charge, element("art7-1-f.2"),
                evidence_kind=kind, evidence_id=obj.pk,
            )  # fmt: skip
    assert queries() == before


def test_a_very_long_comment_is_cut_in_the_pdf_and_kept_whole_in_the_workbook(
    legal_expert, documentation_officer, case_file, torture_charge, element, make_item, tmp_path
):
    from sillok.assessment.services import do_link_evidence

    item = make_item(documentation_officer, title="Long statement")
    Item.objects.filter(pk=item.pk).update(consent_scope=["prosecution"], consent_recipients=[ICC])
    comment = "수감자들은 매일 밤 구타당했다. " * 600  # about 11,000 characters
    do_link_evidence(
        legal_expert, torture_charge, element("art7-1-f.1"), evidence_kind="item",
        evidence_id=item.pk, comment=comment,
    )  # fmt: skip
    _result, out = export(legal_expert, case_file, "pdf", tmp_path)
    assert "수감자들은" in pdf_text(out)  # the cell wraps in its narrow column
    _result, out = export(legal_expert, case_file, "xlsx", tmp_path)
    cells = [cell.value for row in load_workbook(out)["Matrix"].iter_rows() for cell in row]
    assert comment.strip() in cells or comment in cells
