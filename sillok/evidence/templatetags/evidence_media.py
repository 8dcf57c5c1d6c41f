"""`{% item_media item file %}`: an item's picture, video or audio as the viewer chose to see
graphic content (accounts/preferences.py), used wherever evidence media is shown.

A graphic item's media comes blurred or grey with a warning and a "Show" button
(evidence/static/evidence/graphic.js reveals that one medium). Video and audio never play by
themselves, and a blurred one has no controls until revealed, so it cannot be started unseen.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse

from sillok.accounts.preferences import graphic_media_mode
from sillok.evidence.viewing import bare_media_type, media_element

register = template.Library()


def graphic_mode_for(user: Any, item: Any) -> str:
    """The veil for `item` as `user` sees it: "blur" or "grayscale" when the item is graphic
    and the user wants it veiled, else ""."""
    if not getattr(item, "graphic", False):
        return ""
    mode = graphic_media_mode(user)
    return "" if mode == "show" else mode


@register.inclusion_tag("evidence/_media.html", takes_context=True)
def item_media(
    context: Any, item: Any, file: Any, alt: str = "", poster: Any = None
) -> dict[str, Any]:
    """One medium of `item`: the file `file` as an image, a video or an audio player."""
    user = context["request"].user
    mode = graphic_mode_for(user, item)
    element = media_element(file.media_type)
    return {
        "mode": mode,
        "element": element,
        "src": reverse("evidence:file", args=[item.pk, file.pk]),
        "poster": reverse("evidence:file", args=[item.pk, poster.pk]) if poster else "",
        "alt": alt,
        "media_type": bare_media_type(file.media_type),
        # A blurred video or sound must not start before the viewer has chosen to see it.
        "controls": mode != "blur",
        "uid": f"m{item.pk}-{file.pk}",
    }
