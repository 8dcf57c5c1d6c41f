"""`{% page_actions user kind obj %}`: the actions other apps offer on an item or record page
(core/page_actions.py). The tag lives in core so that evidence and records can render the
actions of higher apps without importing them."""

from __future__ import annotations

from typing import Any

from django import template

from sillok.core.page_actions import page_actions_for

register = template.Library()


@register.inclusion_tag("core/page_actions.html")
def page_actions(user: Any, kind: str, obj: Any) -> dict[str, Any]:
    return {"actions": page_actions_for(user, kind, obj)}
