"""Nothing uploaded is ever executed or rendered unescaped: served files are attachments of
type octet-stream unless they are raster images or extracted text, every served file carries
a sandboxing CSP and nosniff, and file names and extracted text are escaped in pages."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from sillok.evidence.derivation import run_file_jobs
from sillok.evidence.models import ItemFile

from .derive.pdf_builder import build_pdf

pytestmark = pytest.mark.django_db

SCRIPT = '<script>alert("owned")</script>'


def _original(ingest, actor, path: Path) -> ItemFile:
    [result] = ingest(actor, path)
    assert result.status == "new", result
    return ItemFile.objects.get(item_id=result.item, role="original")


def _assert_sandboxed(response) -> None:
    csp = response["Content-Security-Policy"]
    assert csp.startswith("sandbox") and "default-src 'none'" in csp
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("page.html", f"<html><body>{SCRIPT}</body></html>".encode()),
        (
            "drawing.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        ),
        ("report.pdf", build_pdf([["Report"]])),
    ],
)
def test_active_originals_are_served_as_octet_stream_attachments(
    ingest, tmp_path, documentation_officer, client_for, name, content
):
    path = tmp_path / name
    path.write_bytes(content)
    original = _original(ingest, documentation_officer, path)
    client = client_for(documentation_officer)
    url = f"/items/{original.item_id}/files/{original.pk}/"
    for response in (client.get(url), client.get(url + "?download=1")):
        assert response.status_code == 200
        assert response["Content-Type"] == "application/octet-stream"
        assert response["Content-Disposition"].startswith("attachment;")
        _assert_sandboxed(response)
    api = client.get(f"/api/v1/items/{original.item_id}/files/{original.pk}/content")
    assert api.status_code == 200
    assert api["Content-Type"] == "application/octet-stream"
    assert api["Content-Disposition"].startswith("attachment;")
    _assert_sandboxed(api)


def test_raster_images_and_extracted_text_are_shown_inline_in_a_sandbox(
    ingest, tmp_path, documentation_officer, client_for
):
    picture = tmp_path / "photo.png"
    Image.new("RGB", (40, 30), "white").save(picture)
    note = tmp_path / "note.html"
    note.write_text(f"<p>Detention in Chongori.</p>{SCRIPT}", encoding="utf-8")
    client = client_for(documentation_officer)
    image = _original(ingest, documentation_officer, picture)
    response = client.get(f"/items/{image.item_id}/files/{image.pk}/")
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("inline;")
    _assert_sandboxed(response)
    page = _original(ingest, documentation_officer, note)
    run_file_jobs(page.pk)
    text = ItemFile.objects.get(derived_from=page, kind="text")
    response = client.get(f"/items/{page.item_id}/files/{text.pk}/")
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    _assert_sandboxed(response)


def test_file_names_and_extracted_text_are_escaped_in_the_item_page(
    ingest, tmp_path, documentation_officer, client_for
):
    hostile_name = tmp_path / '<img src=x onerror="alert(1)">.html'
    # Entities in the page become markup in the extracted text.
    escaped = SCRIPT.replace("<", "&lt;").replace(">", "&gt;")
    hostile_name.write_text(f"<html><body><p>{escaped}</p></body></html>", encoding="utf-8")
    pdf = tmp_path / "statement.pdf"
    pdf.write_bytes(build_pdf([[SCRIPT]]))
    client = client_for(documentation_officer)
    for path in (hostile_name, pdf):
        original = _original(ingest, documentation_officer, path)
        run_file_jobs(original.pk)
        assert ItemFile.objects.filter(derived_from=original, kind="text").exists()
        html = client.get(f"/items/{original.item_id}/").content.decode()
        assert "<script>alert" not in html and "<img src=x" not in html
        assert "&lt;script&gt;alert(" in html
        if path is hostile_name:
            assert "&lt;img src=x onerror=" in html
        listing = client.get("/items/").content.decode()
        assert "<img src=x" not in listing
