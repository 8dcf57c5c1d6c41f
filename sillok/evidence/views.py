"""Item pages: the list, one item (metadata, files, text, preview, custody timeline), the
upload page, and serving a file. Thin: access check, service call, render."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from sillok.evidence.access import (
    ActionRefused,
    ItemNotFound,
    access_item,
    can_open_originals,
    visible_items,
)
from sillok.evidence.custody_log import HandlingContext
from sillok.evidence.models import ConsentForm, ConsentScope, ItemKind, Sensitivity
from sillok.evidence.queries import (
    copied_from,
    copies_of,
    custody_timeline,
    iter_blob,
    jobs_of,
    possible_duplicates,
    read_text,
    text_files,
)
from sillok.evidence.uploads import MAX_CHUNK_BYTES
from sillok.evidence.viewing import (
    PLAYABLE_AUDIO,
    PLAYABLE_VIDEO,
    FileNotFound,
    bare_media_type,
    do_open_file,
    job_lines,
)
from sillok.evidence.views_editing import may_edit

# Served inline only for types a browser shows without running anything of the file's:
# raster images (and, below, extracted text as text/plain). Everything else — HTML, SVG, PDF
# (viewers run its JavaScript), Office files — is an attachment of type octet-stream.
INLINE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp"}
# Audio and video a browser plays in a page's <video>/<audio> element (viewing.py): media,
# never a document, so nothing in them runs; served with the same sandboxing CSP as the rest.
INLINE_TYPES |= PLAYABLE_VIDEO | PLAYABLE_AUDIO
# On every served file: no scripts, no plugins, no requests, an origin of its own.
FILE_CSP = "sandbox; default-src 'none'; img-src 'self'"


def _item_or_404(request: HttpRequest, item_id: int):
    try:
        return access_item(request.user, item_id)
    except ItemNotFound:
        raise Http404("No such item.") from None


@login_required
@require_GET
def item_list(request: HttpRequest) -> HttpResponse:
    items = visible_items(request.user).order_by("-created_at", "-pk")
    page = Paginator(items, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "evidence/item_list.html",
        {"page": page, "can_add": request.user.has_perm("evidence.add_item")},
    )


@never_cache
@login_required
@require_GET
def item_detail(request: HttpRequest, item_id: int) -> HttpResponse:
    item = _item_or_404(request, item_id)
    files = list(item.files.select_related("derived_from").order_by("pk"))
    texts = []
    for file in text_files(item):
        text, truncated = read_text(file)
        texts.append({"file": file, "text": text, "truncated": truncated})
    previews = [f for f in files if f.kind == "preview"]
    original = next((f for f in files if f.role == "original"), None)
    can_open = can_open_originals(request.user, item)
    # Played from the original (no derived copy of audio or video exists): only for those
    # who may open originals, and each play is the custody event of viewing it (viewing.py).
    playable = original and bare_media_type(original.media_type) in PLAYABLE_VIDEO | PLAYABLE_AUDIO
    player = original if can_open and playable else None
    context = {
        "item": item,
        "files": files,
        "original": original,
        "player": player,
        "texts": texts,
        "preview": previews[0] if previews else None,
        "jobs": job_lines(jobs_of(item), files),
        "events": custody_timeline(item),
        "can_open_originals": can_open,
        "look_alikes": possible_duplicates(item, visible_items(request.user)),
        # Copies made for submitters who could not see this item; and, on a copy, the item it
        # copies when this viewer may see that one (never for its submitter: copies.py).
        "copies": copies_of(item),
        "copied_from": copied_from(item, request.user),
        # The Edit link only for whoever may correct the item (editing.py decides anyway).
        "can_edit": may_edit(request.user, item),
        "consent_labels": [
            ConsentScope(v).label for v in item.consent_scope if v in ConsentScope.values
        ],
    }
    return render(request, "evidence/item_detail.html", context)


@never_cache
@login_required
@require_GET
def file_content(request: HttpRequest, item_id: int, file_id: int) -> HttpResponse:
    """A file of an item; `?download=1` as an attachment. Originals go into the custody
    trail (view or download) before a byte is sent."""
    item = _item_or_404(request, item_id)
    download = request.GET.get("download") == "1"
    try:
        file = do_open_file(
            request.user, item, file_id, HandlingContext.for_request(request), download=download
        )
    except FileNotFound:
        raise Http404("No such file.") from None
    except ActionRefused:
        return HttpResponse(status=403)
    bare_type = file.media_type.split(";", 1)[0].strip()
    inline = not download and bare_type in INLINE_TYPES
    if file.kind in ("text", "ocr", "transcript") and not download:
        inline, bare_type = True, "text/plain; charset=utf-8"
    response = StreamingHttpResponse(
        iter_blob(file), content_type=bare_type if inline else "application/octet-stream"
    )
    response["Content-Length"] = str(file.size)
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{file.sha256[:16]}"'
    # A hostile file must not run as a page of ours: no scripts, no plugins, own origin.
    response["Content-Security-Policy"] = FILE_CSP
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_GET
def upload_page(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("evidence.add_item"):
        return HttpResponse(status=403)
    return render(
        request,
        "evidence/upload.html",
        {
            "kinds": ItemKind.choices,
            "sensitivities": Sensitivity.choices,
            "consent_scopes": ConsentScope.choices,
            "consent_forms": ConsentForm.choices,
            # Only compartments the user is a member of may be chosen (access.py).
            "compartments": request.user.compartments.order_by("code"),
            "chunk_bytes": min(MAX_CHUNK_BYTES, 8 * 1024 * 1024),
        },
    )
