"""`{% redaction_panel item %}`: the item page's panel of redacted copies and the button that
asks for them (shown to users who may ask)."""

from __future__ import annotations

from typing import Any

from django import template

from sillok.redaction.services import can_request, can_review

register = template.Library()


@register.inclusion_tag("redaction/_item_panel.html", takes_context=True)
def redaction_panel(context: Any, item: Any) -> dict[str, Any]:
    user = context["request"].user
    allowed = can_request(user)
    redactions = []
    if allowed or can_review(user):
        redactions = list(item.redaction_reviews.order_by("-requested_at", "-pk")[:20])
    return {
        "item": item,
        "can_request": allowed,
        "redactions": redactions,
        "csrf_token": context.get("csrf_token"),
        "request": context["request"],
    }
