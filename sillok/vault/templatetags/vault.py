"""`{% vault_badge record %}`: on a person's page, tell a vault keeper (and nobody else) that
the person's identity is in the vault, with a link to the entry."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _

from sillok.vault.services import is_vault_keeper

register = template.Library()


@register.simple_tag(takes_context=True)
def vault_badge(context: dict[str, Any], record: Any) -> str:
    request = context.get("request")
    user = getattr(request, "user", None)
    if record is None or record._meta.label != "records.Person" or not is_vault_keeper(user):
        return ""
    entry = record.vault_entries.order_by("pk").first()
    if entry is None:
        return ""
    text = _("identity shredded") if entry.is_shredded else _("identity in vault")
    return format_html(
        '<a class="tag vault-tag" href="{}">{}</a>', reverse("vault:entry", args=[entry.pk]), text
    )
