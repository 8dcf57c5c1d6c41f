"""Opening an item's files: the permission check and, for originals, the custody event.

Every view or download of an original is a custody event (who, when, from where, why), in
the same transaction as the decision to serve it. Derivatives (text, previews) are working
copies: reading them is governed by the item's visibility but not recorded one by one.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from sillok.evidence.access import ActionRefused, can_open_originals
from sillok.evidence.custody_log import HandlingContext, record_custody_event
from sillok.evidence.models import CustodyAction, FileRole, Item, ItemFile


class FileNotFound(LookupError):
    pass


def do_open_file(
    user: Any, item: Item, file_id: Any, context: HandlingContext, *, download: bool
) -> ItemFile:
    """The file `file_id` of `item` (already access-checked) if `user` may open it."""
    try:
        pk = int(file_id)
    except (TypeError, ValueError):
        raise FileNotFound(file_id) from None
    file = ItemFile.objects.filter(item=item, pk=pk).first()
    if file is None:
        raise FileNotFound(file_id)
    if file.role != FileRole.ORIGINAL:
        return file
    if not can_open_originals(user, item):
        raise ActionRefused("opening originals needs the permission evidence.view_original")
    action = CustodyAction.DOWNLOAD if download else CustodyAction.VIEW_ORIGINAL
    with transaction.atomic():
        record_custody_event(user, item, action, context, file=file, details={
            "sha256": file.sha256, "size": file.size,
        })
    return file
