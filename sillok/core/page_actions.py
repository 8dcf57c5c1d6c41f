"""Actions other apps offer on a page they do not own: "Add to a case" on an item or a record.

The item page (evidence) and the record pages (records) sit below the apps that act on them
(assessment, later sharing), and must never import them (tests/test_layering.py). So an app
that acts on items or records registers a provider in its `AppConfig.ready()`:

    register_page_action_provider(actions_for)   # actions_for(user, kind, obj) -> [PageAction]

and the pages render `{% page_actions user "item" item %}` (core/templatetags/page_actions.py),
which asks every provider without importing a single one of them.

What a provider promises:
1. It returns nothing for a user who may not use the action, with the same predicate as the
   page the action opens: a button never leads to a refusal.
2. It returns nothing that tells the user about material they may not see (the action's label
   and address name only the object already on the page).
3. It is cheap: the pages call it on every view (a query or two at most).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class PageAction:
    """A link offered on an object's page: `label` (translated) leads to `url`."""

    key: str  # stable ("assessment.add_to_case"): tests and templates use it
    label: str
    url: str
    help: str = ""  # one line on what the action does, shown beside it
    # The action accepts a passage of the item's text (core/static/sillok/passage.js adds
    # `passage` and `derivative` to the address when the user selects text); `passage_label`
    # is the link's text once a passage is chosen.
    takes_passage: bool = False
    passage_label: str = ""


# provider(user, kind, obj): kind is "item" or a record kind's name ("act", "testimony").
PageActionProvider = Callable[[Any, str, Any], list[PageAction]]

_providers: dict[str, PageActionProvider] = {}


def register_page_action_provider(provider: PageActionProvider) -> None:
    """Add `provider` to the pages' actions; registering it again changes nothing
    (AppConfig.ready may run more than once in tests)."""
    _providers[f"{provider.__module__}.{provider.__qualname__}"] = provider


def page_actions_for(user: Any, kind: str, obj: Any) -> list[PageAction]:
    """The actions every provider offers `user` on the page of `obj` (of `kind`), in
    registration order (the order of INSTALLED_APPS); none for an anonymous or disabled user."""
    if user is None or not user.is_authenticated or not user.is_active or obj is None:
        return []
    actions: list[PageAction] = []
    for provider in _providers.values():
        actions.extend(provider(user, kind, obj))
    return actions
