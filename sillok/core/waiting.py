"""Work waiting for a user: the "waiting for you" counts on the home page.

Every four-eyes step (a record in review, a redacted copy to approve, later a package or an
assessment to approve) has a queue in the app that owns it. That app registers a provider in
its `AppConfig.ready()`:

    register_waiting_provider(waiting_for)   # waiting_for(user) -> list[WaitingWork]

and the home page asks all of them through `waiting_for(user)`, without importing a single
app: a new app adds its own count, and the registry lives here, at the bottom of the layer
order, so any app may register.

What a provider promises:
1. It returns nothing for a user who may not open the queue, and otherwise counts with the
   same permission predicate (clearance, compartments) as the queue itself: a count never
   tells a user about work they may not see.
2. Work the user may not do is not counted: their own submission, where four-eyes forbids
   the author to decide, is someone else's work.
3. A zero is returned (not left out) for a user who may do the step: the home page then
   shows where the queue is, before anything waits in it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

# How many waiting things a provider lists by name under its count.
SHOWN_ENTRIES = 5


@dataclass(frozen=True)
class WaitingEntry:
    """One waiting thing, named as its page names it for this user, with its address."""

    title: str
    url: str


@dataclass(frozen=True)
class WaitingWork:
    """One kind of work waiting for a user: `count` of them in the queue at `url`."""

    key: str  # stable ("records.review"): tests and page anchors use it
    label: str  # translated, what the work is ("Records to review")
    count: int
    url: str  # the queue
    entries: tuple[WaitingEntry, ...] = field(default=())  # the first few, newest first


WaitingProvider = Callable[[Any], list[WaitingWork]]

_providers: dict[str, WaitingProvider] = {}


def register_waiting_provider(provider: WaitingProvider) -> None:
    """Add `provider` to the home page's counts; registering it again changes nothing
    (AppConfig.ready may run more than once in tests)."""
    _providers[f"{provider.__module__}.{provider.__qualname__}"] = provider


def waiting_for(user: Any) -> list[WaitingWork]:
    """Everything waiting for `user`, provider by provider in registration order (the order
    of INSTALLED_APPS); nothing for an anonymous or disabled user."""
    if user is None or not user.is_authenticated or not user.is_active:
        return []
    work: list[WaitingWork] = []
    for provider in _providers.values():
        work.extend(provider(user))
    return work
