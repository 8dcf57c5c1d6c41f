"""A user's own display preferences: how graphic photos and video reach them.

Reviewers of violence evidence look at it every day; as in Atlos, pictures and video of
items marked graphic are blurred (or grey) until the reviewer reveals them one at a time.
Every change is audited like other account changes, in the same transaction.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from sillok.accounts.models import GraphicMedia, User
from sillok.accounts.services import AccountError
from sillok.custody.audit import record_audit


def graphic_media_mode(user: Any) -> str:
    """How `user` sees graphic media: "blur", "grayscale" or "show". Anyone without a valid
    choice (anonymous, an old row) gets the safe default, blurred."""
    value = getattr(user, "graphic_media", "")
    return value if value in GraphicMedia.values else GraphicMedia.BLUR


def check_graphic_media(value: Any) -> str:
    """The choice `value` as stored; AccountError naming the allowed ones otherwise."""
    if not isinstance(value, str) or value.strip() not in GraphicMedia.values:
        allowed = ", ".join(GraphicMedia.values)
        raise AccountError(f"graphic media must be one of {allowed}; got {value!r}")
    return value.strip()


def do_set_graphic_media(user: User, value: Any) -> bool:
    """Set how `user` sees graphic media; True when it changed (an unchanged choice writes
    nothing and audits nothing)."""
    choice = check_graphic_media(value)
    with transaction.atomic():
        # Lock the row: a concurrent change of the same user must not be lost under this save.
        locked = User.objects.select_for_update().get(pk=user.pk)
        before = locked.graphic_media
        if before == choice:
            return False
        locked.graphic_media = choice
        locked.save(update_fields=["graphic_media"])
        record_audit(
            user,
            "user.preferences_changed",
            object_type="user",
            object_id=locked.pk,
            details={"graphic_media": {"from": before, "to": choice}},
        )
    user.graphic_media = choice
    return True
