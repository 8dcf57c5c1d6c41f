"""How the write matrices (tests/test_write_matrix*.py) check a cell.

Every operation that changes state (a page, an API operation or the service behind them) is
run by every persona, and each persona's answer is stated as a literal in the test, from
DESIGN.md's roles, never read from the code under test (`has_perm`, `roles_of`).

A refused persona gets its refusal AND leaves everything as it was: the object's fields, the
counts of the tables the operation writes, and the audit log. A persona who may see the
object but not change it leaves no audit entry at all; one who may not see it leaves at most
the `access.denied` entry of the refusal. The targets of the refusals are visible to every
role that may see records or items (internal, no compartment), the bodies are well-formed and
the objects in a state where the operation would succeed, so that a refusal can only come from
the permission check. The personas who may act do so last, each on a fresh object, and must
change it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from tests.conftest import PERSONA_ROLES

# Every persona of tests/conftest.py, the outsider last.
PERSONAS = [*PERSONA_ROLES, "outsider"]
OK = "ok"  # a service did what was asked
NO = "refused"  # a service refused: with the exception named by answers(..., refused=)
DONE = {OK, 200, 201, 204, 302}  # answers of a persona who may act


def answers(*row: Any, refused: str = "") -> dict[str, Any]:
    """The answer of each persona, in the order of PERSONAS (the columns of the tables); NO
    stands for the name of the exception `refused`."""
    return {
        persona: refused if answer == NO else answer
        for persona, answer in zip(PERSONAS, row, strict=True)
    }


@dataclass
class Op:
    """One write: `run(world, persona, target)` returns the status, or OK or the name of the
    exception a service raised; `target(world, persona, fresh)` is the object it acts on
    (fresh: a new one for this cell alone); `state(world, target)` all it may change."""

    expected: dict[str, Any]
    run: Callable[..., Any]
    target: Callable[..., Any]
    state: Callable[..., Any]


@dataclass
class World:
    personas: dict
    clients: dict
    make_record: Callable
    counter: int = 0
    shared: dict = field(default_factory=dict)  # the targets of the refusals

    def name(self, prefix: str) -> str:
        self.counter += 1
        return f"wm-{prefix}-{self.counter}"


def no_target(world: World, persona: str, fresh: bool) -> None:
    return None


def service(call: Callable[[], Any]) -> Any:
    """OK, or the name of the exception the service refused with (its changes rolled back)."""
    try:
        with transaction.atomic():
            call()
    except Exception as exc:  # noqa: BLE001 - the cell names what was raised
        return type(exc).__name__
    return OK


def page(path: str, body: Callable[..., dict]) -> Callable:
    """POST `body(world, persona, target)` to `path` ({pk}: the target's) as the persona."""

    def run(world: World, persona: str, target) -> int:
        data = body(world, persona, target)
        pk = target.pk if target is not None else 0
        return world.clients[persona].post(path.format(pk=pk), data).status_code

    return run


def api(method: str, path: str, body: Callable[..., dict]) -> Callable:
    def run(world: World, persona: str, target) -> int:
        data = body(world, persona, target)
        pk = target.pk if target is not None else 0
        call = getattr(world.clients[persona], method)
        return call(path.format(pk=pk), data=data, content_type="application/json").status_code

    return run


def _audit_seq() -> int:
    from sillok.custody.models import AuditEntry

    return AuditEntry.objects.order_by("-seq").values_list("seq", flat=True).first() or 0


def _audit_since(seq: int) -> list[str]:
    from sillok.custody.models import AuditEntry

    return list(AuditEntry.objects.filter(seq__gt=seq).values_list("action", flat=True))


def check(world: World, ops: dict[str, Op], *, denied: frozenset = frozenset()) -> list[str]:
    """Every refusal first (on the shared targets, which must not change), then every persona
    who may act, each on a fresh target (which must change); the wrong cells. `denied`: the
    personas who may not see the targets, whose refusal may add an `access.denied` entry."""
    wrong, cells = [], 0
    for acting in (False, True):
        for name, op in ops.items():
            for persona in PERSONAS:
                expected = op.expected[persona]
                if (expected in DONE) != acting:
                    continue
                target = op.target(world, persona, acting)
                before, seq = op.state(world, target), _audit_seq()
                got = op.run(world, persona, target)
                after, audited = op.state(world, target), _audit_since(seq)
                cells += 1
                cell = f"{name} {persona}"
                if not acting and after != before:
                    # Later cells get targets of their own: each refusal is tested alone.
                    world.shared.clear()
                trail = {"access.denied"} if persona in denied else set()
                if got != expected:
                    wrong.append(f"{cell}: {got}, expected {expected}")
                elif acting and after == before:
                    wrong.append(f"{cell}: answered {got} but changed nothing")
                elif not acting and after != before:
                    wrong.append(f"{cell}: refused ({got}) but changed {before} -> {after}")
                elif not acting and set(audited) - trail:
                    wrong.append(f"{cell}: refused ({got}) but audited {audited}")
    assert cells == len(PERSONAS) * len(ops), "every persona, every operation"
    print(f"\nwrite matrix: {cells} cells checked in {len(ops)} operations")
    return wrong
