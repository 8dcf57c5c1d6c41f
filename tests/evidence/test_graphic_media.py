"""Reviewer welfare: the pictures and video of items marked graphic reach each viewer as they
chose (blurred by default, grey, or as they are), with a warning and a "Show" button, never
playing by themselves; graphic can be said at every intake; the item page states dates and
derivation jobs as they are."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from PIL import Image

from sillok.evidence.derivation import run_file_jobs
from sillok.evidence.models import DerivationJob, Item, ItemFile, JobStatus

from .derive.builders import write_video

pytestmark = pytest.mark.django_db


def _picture(tmp_path: Path) -> Path:
    path = tmp_path / "injuries.png"
    Image.new("RGB", (64, 48), "darkred").save(path)
    return path


def _item_with_preview(ingest, actor, path: Path, **metadata) -> Item:
    [result] = ingest(actor, path, **metadata)
    assert result.status == "new", result
    original = ItemFile.objects.get(item_id=result.item, role="original")
    run_file_jobs(original.pk)
    assert ItemFile.objects.filter(item_id=result.item, kind="preview").exists()
    return Item.objects.get(pk=result.item)


def _tags(html: str, name: str) -> list[str]:
    return re.findall(rf"<{name}\b[^>]*>", html)


def _assert_nothing_inline(html: str) -> None:
    assert not re.search(r"\sstyle\s*=", html), "inline style attribute"
    assert not re.search(r"<script(?![^>]*\ssrc=)", html), "inline script"
    assert not re.search(r"\son[a-z]+\s*=", html), "inline event handler"


def test_a_graphic_picture_is_blurred_with_a_warning_and_a_show_button_by_default(
    ingest, tmp_path, documentation_officer, analyst, client_for
):
    item = _item_with_preview(ingest, documentation_officer, _picture(tmp_path), graphic=True)
    html = client_for(analyst).get(f"/items/{item.pk}/").content.decode()
    [figure] = re.findall(r'<figure class="graphic [^"]*"', html)
    assert "graphic-blur" in figure
    [img] = _tags(html, "img")
    assert "graphic-media" in img
    assert "Graphic content" in html and ">Show</button>" in html
    assert "evidence/graphic.js" in html
    _assert_nothing_inline(html)


def test_the_warning_and_button_read_in_korean(
    ingest, tmp_path, documentation_officer, analyst, client_for
):
    item = _item_with_preview(ingest, documentation_officer, _picture(tmp_path), graphic=True)
    html = client_for(analyst).get(f"/items/{item.pk}/", HTTP_ACCEPT_LANGUAGE="ko")
    text = html.content.decode()
    assert "잔혹한 내용" in text and ">보기</button>" in text


@pytest.mark.parametrize(("choice", "veil"), [("grayscale", "graphic-grayscale"), ("show", None)])
def test_each_viewer_sees_graphic_media_as_they_chose(
    ingest, tmp_path, documentation_officer, analyst, client_for, choice, veil
):
    item = _item_with_preview(ingest, documentation_officer, _picture(tmp_path), graphic=True)
    analyst.graphic_media = choice
    analyst.save(update_fields=["graphic_media"])
    html = client_for(analyst).get(f"/items/{item.pk}/").content.decode()
    [img] = _tags(html, "img")
    if veil:
        assert veil in html and "graphic-media" in img and ">Show</button>" in html
    else:  # as it is: a plain picture, no veil, no warning
        assert "graphic-media" not in img and 'class="graphic' not in html
        assert "graphic-reveal" not in html
    # Another viewer keeps the default: blurred.
    other = client_for(documentation_officer).get(f"/items/{item.pk}/").content.decode()
    assert "graphic-blur" in other


def test_a_picture_not_marked_graphic_is_shown_plainly(
    ingest, tmp_path, documentation_officer, analyst, client_for
):
    item = _item_with_preview(ingest, documentation_officer, _picture(tmp_path))
    assert item.graphic is False
    html = client_for(analyst).get(f"/items/{item.pk}/").content.decode()
    [img] = _tags(html, "img")
    assert 'class="preview"' in img
    assert "graphic-reveal" not in html and "Graphic content" not in html


def test_a_graphic_video_is_blurred_has_no_controls_and_never_plays_by_itself(
    ingest, tmp_path, documentation_officer, legal_expert, manager, client_for
):
    video = write_video(tmp_path / "beating.mp4", seconds=1)
    item = _item_with_preview(
        ingest, documentation_officer, video, graphic=True, sensitivity="internal"
    )
    original = ItemFile.objects.get(item=item, role="original")
    html = client_for(legal_expert).get(f"/items/{item.pk}/").content.decode()
    [tag] = _tags(html, "video")
    assert "graphic-media" in tag and "graphic-blur" in html
    assert "autoplay" not in tag and 'preload="none"' in tag
    # Blurred: no controls until revealed, so it cannot be started unseen.
    assert not re.search(r"\scontrols\b", tag)
    assert f'src="/items/{item.pk}/files/{original.pk}/"' in tag
    _assert_nothing_inline(html)
    # A viewer who wants graphic media in grey may play it, still never by itself.
    legal_expert.graphic_media = "grayscale"
    legal_expert.save(update_fields=["graphic_media"])
    [tag] = _tags(client_for(legal_expert).get(f"/items/{item.pk}/").content.decode(), "video")
    assert re.search(r"\scontrols\b", tag) and "autoplay" not in tag
    # Someone who may not open originals gets no player, only the (blurred) preview.
    html = client_for(manager).get(f"/items/{item.pk}/").content.decode()
    assert not _tags(html, "video")
    [img] = _tags(html, "img")
    assert "graphic-media" in img


def test_a_video_original_plays_inline_in_a_sandbox(
    ingest, tmp_path, documentation_officer, client_for
):
    video = write_video(tmp_path / "clip.mp4", seconds=1)
    [result] = ingest(documentation_officer, video)
    original = ItemFile.objects.get(item_id=result.item, role="original")
    response = client_for(documentation_officer).get(f"/items/{result.item}/files/{original.pk}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "video/mp4"
    assert response["Content-Disposition"].startswith("inline;")
    assert response["Content-Security-Policy"].startswith("sandbox")
    assert response["X-Content-Type-Options"] == "nosniff"


# --- intake ---------------------------------------------------------------------------------


def test_the_upload_api_takes_the_graphic_flag(repo_home, client_for, documentation_officer):
    client = client_for(documentation_officer)
    content = "장면 묘사\n".encode()
    start = client.post(
        "/api/v1/uploads",
        {"filename": "scene.txt", "size": len(content), "metadata": {"graphic": True}},
        content_type="application/json",
    )
    assert start.status_code == 201, start.content
    url = f"/api/v1/uploads/{start.json()['key']}"
    client.put(f"{url}?offset=0", content, content_type="application/octet-stream")
    done = client.post(f"{url}/complete")
    assert done.status_code == 201, done.content
    assert Item.objects.get(pk=done.json()["item"]).graphic is True


def test_a_bad_graphic_flag_is_refused(repo_home, client_for, documentation_officer):
    response = client_for(documentation_officer).post(
        "/api/v1/uploads",
        {"filename": "scene.txt", "size": 3, "metadata": {"graphic": "sometimes"}},
        content_type="application/json",
    )
    assert response.status_code == 400 and "graphic" in response.content.decode()
    assert not Item.objects.exists()


def test_the_upload_page_offers_the_graphic_checkbox(client_for, documentation_officer):
    html = client_for(documentation_officer).get("/items/upload/").content.decode()
    assert re.search(r'<input type="checkbox" id="graphic" name="graphic"', html)
    assert '<label for="collected_on">' in html and 'type="date"' in html
    _assert_nothing_inline(html)


def test_the_outsider_cannot_reach_the_upload_page(client_for, outsider):
    assert client_for(outsider).get("/items/upload/").status_code == 403


def test_the_ingest_command_marks_items_graphic(repo_home, tmp_path, documentation_officer):
    from django.core.management import call_command

    path = _picture(tmp_path)
    call_command("ingest", str(path), "--graphic", "--as", "documentation_officer")
    assert Item.objects.get().graphic is True


# --- dates and jobs on the item page ---------------------------------------------------------


def test_a_full_collection_date_is_a_date_to_the_day(repo_home, client_for, documentation_officer):
    from .test_api_and_pages import _post_item

    client = client_for(documentation_officer)
    item_id = _post_item(client, collected_on="2024-03-05").json()["item"]
    item = Item.objects.get(pk=item_id)
    assert item.collected_on_precision == "day"
    html = client.get(f"/items/{item_id}/").content.decode()
    [shown] = re.findall(r'<dd class="collected-on">(.*?)</dd>', html)
    assert "March 5, 2024" in shown and "Unknown" not in shown
    month = _post_item(client, content=b"other\n", collected_on="2024-03-01").json()["item"]
    Item.objects.filter(pk=month).update(collected_on_precision="month")
    html = client.get(f"/items/{month}/").content.decode()
    [shown] = re.findall(r'<dd class="collected-on">(.*?)</dd>', html)
    assert shown.startswith("March 2024")


def test_precision_labels_in_korean_cannot_be_read_as_weekdays():
    from django.utils import translation

    from sillok.evidence.models import DatePrecision
    from sillok.records.models import DatePrecision as RecordPrecision

    with translation.override("ko"):
        labels = {str(label) for _, label in [*DatePrecision.choices, *RecordPrecision.choices]}
    assert "일" not in labels and "월" not in labels
    assert "날짜까지 정확" in labels


def test_a_finished_ocr_job_states_what_it_found(
    ingest, tmp_path, documentation_officer, client_for
):
    item = _item_with_preview(ingest, documentation_officer, _picture(tmp_path))
    ocr = DerivationJob.objects.get(source__item=item, deriver="ocr")
    assert ocr.status == JobStatus.DONE and not ocr.outputs.exists()  # a blank picture
    client = client_for(documentation_officer)
    html = client.get(f"/items/{item.pk}/").content.decode()
    [line] = re.findall(r'<li data-deriver="ocr">(.*?)</li>', html, re.S)
    assert "no text found" in line
    [line] = re.findall(r'<li data-deriver="preview">(.*?)</li>', html, re.S)
    preview = ItemFile.objects.get(item=item, kind="preview")
    assert f"/items/{item.pk}/files/{preview.pk}/?download=1" in line
    korean = client.get(f"/items/{item.pk}/", HTTP_ACCEPT_LANGUAGE="ko").content.decode()
    [line] = re.findall(r'<li data-deriver="ocr">(.*?)</li>', korean, re.S)
    assert "찾은 글자 없음" in line
