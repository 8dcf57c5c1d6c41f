"""The item page's button, the review pages, the decision form, and the CLI."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from sillok.redaction.models import RedactionReview
from sillok.redaction.services import do_request_redaction
from sillok.testing.cli import run_sillok
from tests.redaction.conftest import TESTIMONY


@pytest.fixture(autouse=True)
def _witness_in_the_vault(vault_witness):
    """Witness W-1's names are in the real vault (conftest.vault_witness)."""


@pytest.mark.django_db
def test_the_item_page_offers_the_button_only_to_those_who_may_ask(
    client_for, analyst, manager, documentation_officer, make_item
):
    item = make_item(documentation_officer, texts={"text": TESTIMONY})
    page = client_for(analyst).get(f"/items/{item.pk}/").content.decode()
    assert "Make redacted copies" in page and f"/redaction/items/{item.pk}/request/" in page
    page = client_for(manager).get(f"/items/{item.pk}/").content.decode()
    assert "Make redacted copies" not in page


@pytest.mark.django_db
def test_asking_from_the_item_page_makes_copies_and_shows_them_for_review(
    client_for, analyst, documentation_officer, make_item
):
    item = make_item(documentation_officer, texts={"text": TESTIMONY})
    client = client_for(analyst)
    response = client.post(f"/redaction/items/{item.pk}/request/")
    assert response.status_code == 302 and response["Location"].endswith(f"?item={item.pk}")
    review = RedactionReview.objects.get()
    listing = client.get(response["Location"]).content.decode()
    assert f"/redaction/{review.pk}/" in listing
    page = client.get(f"/redaction/{review.pk}/").content.decode()
    assert '<mark class="placeholder placeholder-name">[NAME]</mark>가' in page
    assert '<mark class="placeholder placeholder-phone">[PHONE]</mark>' in page
    assert "김영희" not in page.split('class="derived-text')[1]
    assert "someone else has to review it" in page and 'name="decision"' not in page


@pytest.mark.django_db
def test_another_reviewer_approves_from_the_review_page(
    client_for, analyst, legal_expert, documentation_officer, make_item
):
    item = make_item(documentation_officer, texts={"text": TESTIMONY})
    [review] = do_request_redaction(analyst, item).reviews
    client = client_for(legal_expert)
    assert 'value="approve"' in client.get(f"/redaction/{review.pk}/").content.decode()
    response = client.post(f"/redaction/{review.pk}/decide/", {"decision": "approve"})
    assert response.status_code == 302
    review.refresh_from_db()
    assert review.status == "approved" and review.reviewed_by == legal_expert


@pytest.mark.django_db
def test_self_review_through_the_page_is_refused(
    client_for, analyst, documentation_officer, make_item
):
    item = make_item(documentation_officer, texts={"text": TESTIMONY})
    [review] = do_request_redaction(analyst, item).reviews
    response = client_for(analyst).post(f"/redaction/{review.pk}/decide/", {"decision": "approve"})
    assert response.status_code == 409 and b"cannot review" in response.content
    review.refresh_from_db()
    assert review.status == "pending"


@pytest.mark.django_db
def test_a_photo_review_shows_the_blurred_picture(
    client_for, analyst, legal_expert, documentation_officer, make_item, face_jpeg
):
    item = make_item(
        documentation_officer, original=(face_jpeg.read_bytes(), "image/jpeg"), kind="photo"
    )
    [review] = do_request_redaction(analyst, item).reviews
    page = client_for(legal_expert).get(f"/redaction/{review.pk}/").content.decode()
    assert f'src="/items/{item.pk}/files/{review.redacted.pk}/"' in page
    assert "1 face blurred" in page and "GPS:GPSLatitude" in page


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["outsider", "partner", "manager", "auditor"])
def test_users_without_rights_are_refused_by_every_redaction_page(
    persona, personas, client_for, analyst, documentation_officer, make_item
):
    item = make_item(documentation_officer, texts={"text": TESTIMONY}, sensitivity="internal")
    [review] = do_request_redaction(analyst, item).reviews
    client = client_for(personas[persona])
    assert client.post(f"/redaction/items/{item.pk}/request/").status_code == 403
    assert client.get("/redaction/").status_code == 403
    assert client.get(f"/redaction/{review.pk}/").status_code == 403
    assert client.post(f"/redaction/{review.pk}/decide/", {"decision": "approve"}).status_code in (
        403,
        404,
    )
    review.refresh_from_db()
    assert review.status == "pending"


@pytest.mark.django_db
def test_reviews_of_items_the_user_cannot_see_are_not_found(client_for, analyst, admin, make_item):
    item = make_item(admin, texts={"text": TESTIMONY}, sensitivity="strictly_confidential")
    [review] = do_request_redaction(admin, item).reviews
    client = client_for(analyst)
    assert client.get(f"/redaction/{review.pk}/").status_code == 404
    assert f"/redaction/{review.pk}/" not in client.get("/redaction/").content.decode()
    response = client.post(f"/redaction/{review.pk}/decide/", {"decision": "approve"})
    assert response.status_code == 404


@pytest.mark.django_db
def test_asking_and_deciding_need_the_csrf_token(
    login_as, analyst, legal_expert, documentation_officer, make_item
):
    item = make_item(documentation_officer, texts={"text": TESTIMONY})
    client = login_as(Client(enforce_csrf_checks=True), analyst)
    assert client.post(f"/redaction/items/{item.pk}/request/").status_code == 403
    assert not RedactionReview.objects.exists()
    [review] = do_request_redaction(analyst, item).reviews
    other = login_as(Client(enforce_csrf_checks=True), legal_expert)
    assert other.post(f"/redaction/{review.pk}/decide/", {"decision": "approve"}).status_code == 403


@pytest.mark.django_db(transaction=True)
def test_the_cli_makes_copies_and_a_second_user_approves_them(
    roles, make_user, make_item, repo_home
):
    asker = make_user("asker", "analyst")
    make_user("reviewer", "legal-expert")
    item = make_item(asker, texts={"text": "연락처 010-\n1234-5678, 수감번호 7654321"})
    made = run_sillok("redact", str(item.pk), "--as", "asker", "--json", home=repo_home)
    assert made.returncode == 0, made.stderr
    data = json.loads(made.stdout)
    [entry] = data["reviews"]
    assert entry["method"] == "text" and entry["counts"]["phone"] == 1
    assert [doubt["reason"] for doubt in entry["uncertain"]] == ["number_unmatched"]
    review_id = str(entry["review"])
    own = run_sillok("redaction", "review", review_id, "--approve", "--as", "asker", home=repo_home)
    assert own.returncode == 1 and "cannot review" in own.stderr
    listing = run_sillok("redaction", "list", "--as", "reviewer", home=repo_home)
    assert listing.returncode == 0 and review_id in listing.stdout
    done = run_sillok(
        "redaction", "review", review_id, "--approve", "--as", "reviewer", home=repo_home
    )
    assert done.returncode == 0 and "approved" in done.stdout
    assert RedactionReview.objects.get(pk=int(review_id)).status == "approved"


@pytest.mark.django_db(transaction=True)
def test_the_cli_refuses_outsiders_and_bad_usage(roles, make_user, make_item, repo_home):
    owner = make_user("owner", "documentation-officer")
    make_user("stranger")
    item = make_item(owner, texts={"text": "010-1234-5678"})
    refused = run_sillok("redact", str(item.pk), "--as", "stranger", home=repo_home)
    assert refused.returncode == 2 and "no item" in refused.stderr
    usage = run_sillok("redaction", "review", "1", "--as", "owner", home=repo_home)
    assert usage.returncode == 2 and "--approve or --reject" in usage.stderr


@pytest.mark.django_db
def test_the_redacted_text_is_escaped_on_the_review_page(
    client_for, analyst, legal_expert, documentation_officer, make_item
):
    item = make_item(documentation_officer, texts={"text": "<script>alert(1)</script> 김영희"})
    [review] = do_request_redaction(analyst, item).reviews
    page = client_for(legal_expert).get(f"/redaction/{review.pk}/").content.decode()
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)" in page
