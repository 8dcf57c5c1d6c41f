"""Hooks that let other apps hear the outcome of each blob checked by verification.

`custody` depends on no other app, yet a fixity failure must be reported "with the item it
belongs to" and recorded in that item's custody trail. Apps register an observer factory
here (from their AppConfig.ready); `run_verification` makes one observer per run, tells it
about every blob it re-hashed, and lets it annotate the report and record what it must.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from sillok.custody.verify import Problem, VerificationReport


class FixityObserver(Protocol):
    def blob_checked(self, sha256: str, problem: Problem | None) -> None: ...

    def finish(self, actor: Any, report: VerificationReport, *, record: bool = True) -> None:
        """The run is over: annotate `report.blob_context`, and record events unless
        `record` is false (the audit log cannot be appended to)."""
        ...


_factories: list[Callable[[], FixityObserver]] = []


def register_fixity_observer(factory: Callable[[], FixityObserver]) -> None:
    if factory not in _factories:
        _factories.append(factory)


def make_observers() -> list[FixityObserver]:
    return [factory() for factory in _factories]
