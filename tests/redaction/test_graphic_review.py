"""A reviewer comparing a redacted picture of a graphic item with its original sees both
veiled as they chose, like everywhere else (evidence/templatetags/evidence_media.py)."""

from __future__ import annotations

import re

import pytest

from sillok.redaction.services import do_request_redaction

pytestmark = pytest.mark.django_db


def _imgs(html: str) -> list[str]:
    return re.findall(r"<img\b[^>]*>", html)


def test_the_review_page_blurs_both_pictures_of_a_graphic_item(
    client_for, analyst, legal_expert, documentation_officer, make_item, face_jpeg
):
    item = make_item(
        documentation_officer,
        original=(face_jpeg.read_bytes(), "image/jpeg"),
        kind="photo",
        graphic=True,
    )
    [review] = do_request_redaction(analyst, item).reviews
    html = client_for(legal_expert).get(f"/redaction/{review.pk}/").content.decode()
    assert f'src="/items/{item.pk}/files/{review.redacted.pk}/"' in html
    assert _imgs(html) and all("graphic-media" in img for img in _imgs(html))
    assert "graphic-blur" in html and "evidence/graphic.js" in html
    assert not re.search(r"<script(?![^>]*\ssrc=)", html)


def test_the_review_page_shows_a_picture_plainly_to_who_chose_so(
    client_for, analyst, legal_expert, documentation_officer, make_item, face_jpeg
):
    item = make_item(
        documentation_officer,
        original=(face_jpeg.read_bytes(), "image/jpeg"),
        kind="photo",
        graphic=True,
    )
    [review] = do_request_redaction(analyst, item).reviews
    legal_expert.graphic_media = "show"
    legal_expert.save(update_fields=["graphic_media"])
    html = client_for(legal_expert).get(f"/redaction/{review.pk}/").content.decode()
    assert _imgs(html) and not any("graphic-media" in img for img in _imgs(html))
    assert "graphic-reveal" not in html
