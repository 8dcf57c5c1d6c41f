"""The matrix export page (assessment:matrix-export): the form, the consent check, the
download behind a recent re-authentication, and the refusals (404 for a case one may not see,
403 for a member without the export permission)."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from sillok.custody.models import AuditEntry
from tests.assessment.test_exports import ICC, matrix_world  # noqa: F401 - a fixture

pytestmark = pytest.mark.django_db


def url(case) -> str:
    return reverse("assessment:matrix-export", args=[case.pk if hasattr(case, "pk") else case])


def test_the_form_offers_formats_purposes_and_languages(client_for, legal_expert, case_file):
    response = client_for(legal_expert).get(url(case_file) + "?format=pdf")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Export the proof matrix" in page and case_file.title in page
    assert '<option value="pdf" selected>' in page
    assert 'value="prosecution"' in page and 'value="ko"' in page


def test_checking_consent_lists_what_would_be_withheld(
    reauthenticated_client_for,
    legal_expert,
    case_file,
    matrix_world,  # noqa: F811
):
    form = {"format": "xlsx", "purpose": "prosecution", "recipient": ICC, "language": "en"}
    response = reauthenticated_client_for(legal_expert).post(url(case_file), form)
    assert response.status_code == 200
    page = response.content.decode()
    assert f"T-{matrix_world['refused'].pk}" in page and "Interview without consent" in page
    assert "no consent recorded" in page and 'value="matrix"' in page
    assert not AuditEntry.objects.filter(action="assessment.matrix.exported").exists()


def test_the_download_is_the_matrix_in_the_chosen_language(
    reauthenticated_client_for,
    legal_expert,
    case_file,
    matrix_world,  # noqa: F811
):
    form = {"format": "xlsx", "purpose": "prosecution", "recipient": ICC, "language": "ko"}
    response = reauthenticated_client_for(legal_expert).post(
        url(case_file), {**form, "download": "matrix"}
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert f"sillok-case-{case_file.pk}-matrix-" in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.content))
    assert "매트릭스" in book.sheetnames
    assert AuditEntry.objects.filter(action="assessment.matrix.exported").count() == 1


def test_the_download_needs_a_recent_reauthentication(
    client_for,
    legal_expert,
    case_file,
    matrix_world,  # noqa: F811
):
    form = {"format": "pdf", "purpose": "prosecution", "recipient": ICC, "download": "matrix"}
    response = client_for(legal_expert).post(url(case_file), form)
    assert response.status_code == 302 and "/accounts/reauth/" in response["Location"]
    assert not AuditEntry.objects.filter(action="assessment.matrix.exported").exists()


def test_a_share_that_cannot_be_checked_is_refused_on_the_form(
    reauthenticated_client_for, legal_expert, case_file
):
    client = reauthenticated_client_for(legal_expert)
    response = client.post(url(case_file), {"format": "json", "purpose": "prosecution"})
    assert response.status_code == 400
    assert "needs a recipient" in response.content.decode()
    response = client.post(url(case_file), {"format": "docx", "purpose": "internal_analysis"})
    assert response.status_code == 400 and "Choose JSON, XLSX or PDF." in response.content.decode()


def test_those_who_may_not_see_the_case_get_404(
    client_for, reauthenticated_client_for, case_file, outsider, second_legal_expert, analyst
):
    for user in (outsider, second_legal_expert, analyst):
        assert client_for(user).get(url(case_file)).status_code == 404
        form = {"format": "json", "purpose": "internal_analysis", "download": "matrix"}
        response = reauthenticated_client_for(user).post(url(case_file), form)
        assert response.status_code == 404
        assert case_file.title not in response.content.decode()
    assert client_for(second_legal_expert).get(url(999999)).status_code == 404


def test_a_member_without_the_export_permission_gets_403(
    client_for, legal_expert, case_file, make_user
):
    from django.contrib.auth.models import Permission

    from sillok.assessment.services import do_add_member

    reader = make_user("case_reader")
    for app, codename in (("assessment", "view_cases"), ("evidence", "view_restricted")):
        reader.user_permissions.add(
            Permission.objects.get(content_type__app_label=app, codename=codename)
        )
    do_add_member(legal_expert, case_file, reader)
    response = client_for(reader).get(url(case_file))
    assert response.status_code == 403 and "export_records" in response.content.decode()


def test_the_page_speaks_korean(client_for, legal_expert, case_file):
    client = client_for(legal_expert)
    response = client.get(url(case_file), HTTP_ACCEPT_LANGUAGE="ko")
    assert "증거 매트릭스 내보내기" in response.content.decode()
