"""The write matrix of correcting item metadata: the Edit page, the API, restoring a version
(page and API) and the services behind them, for every persona, with each answer stated
below (how a cell is checked: tests/write_matrix.py). The targets are internal items of the
documentation officer: every role that may see items sees them; partners and outsiders do
not (they answer as for a missing item)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from sillok.evidence.custody_log import HandlingContext
from tests.write_matrix import NO, OK, Op, World, answers, api, check, page, service

pytestmark = pytest.mark.django_db

# --- who may do what, stated independently of sillok/ (DESIGN.md roles) ---------------------
# fmt: off
#                        doc  analyst legal keeper manager partner auditor admin outsider
# evidence.change_item: documentation officers, analysts, administrators.
EDIT_PAGE = answers(     302, 302,    403,  403,   403,    404,    403,    302,  404)
EDIT_API = answers(      200, 200,    403,  403,   403,    404,    403,    200,  404)
EDIT_SERVICE = answers(  OK,  OK,     NO,   NO,    NO,     NO,     NO,     OK,   NO,
                         refused="ActionRefused")
# fmt: on
HIDDEN_FROM = frozenset({"partner", "outsider"})
CONTEXT = HandlingContext(channel="cli", place="test")


@pytest.fixture
def world(personas, client_for, make_record) -> World:
    clients = {name: client_for(user) for name, user in personas.items()}
    return World(personas=personas, clients=clients, make_record=make_record)


def _target(world: World, persona: str, fresh: bool):
    """An internal item corrected once (revision 2), so that version 1 differs from it."""
    from sillok.evidence.editing import do_edit_item
    from sillok.evidence.models import Item

    if not fresh and "item" in world.shared:
        return world.shared["item"]
    officer = world.personas["documentation_officer"]
    item = Item.objects.create(
        created_by=officer, title=world.name("item"), kind="document", sensitivity="internal"
    )
    do_edit_item(
        officer, item, {"source": "NGO A"}, expected_revision=1, reason="set up", context=CONTEXT
    )
    item.refresh_from_db()
    if not fresh:
        world.shared["item"] = item
    return item


def _state(world: World, item) -> tuple:
    from sillok.evidence.models import CustodyEvent, Item, ItemVersion

    row = Item.objects.filter(pk=item.pk).values_list("title", "source", "revision").get()
    return (row, ItemVersion.objects.count(), CustodyEvent.objects.count())


def _form(world: World, persona: str, item) -> dict:
    return {
        "revision": item.revision,
        "title": world.name("corrected"),
        "source": item.source,
        "sensitivity": item.sensitivity,
        "collected_on_precision": item.collected_on_precision,
        "collected_place_precision": item.collected_place_precision,
        "consent_form": item.consent_form,
        "reason": "matrix",
    }


def _patch(world: World, persona: str, item) -> dict:
    return {"values": {"title": world.name("corrected")}, "revision": item.revision, "reason": "m"}


def _restore_body(world: World, persona: str, item) -> dict:
    return {"revision": item.revision, "reason": "matrix"}


def _on(call: Callable[..., Any]) -> Callable:
    def run(world: World, persona: str, target) -> Any:
        return service(lambda: call(world, world.personas[persona], target))

    return run


def _edit(world: World, user, item) -> Any:
    from sillok.evidence.editing import do_edit_item

    changes = {"title": world.name("corrected")}
    return do_edit_item(
        user, item, changes, expected_revision=item.revision, reason="m", context=CONTEXT
    )


def _restore(world: World, user, item) -> Any:
    from sillok.evidence.editing import do_restore_item_version

    return do_restore_item_version(
        user, item, 1, expected_revision=item.revision, reason="m", context=CONTEXT
    )


def edit_ops() -> dict[str, Op]:
    restore_page = page("/items/{pk}/versions/1/restore/", _restore_body)
    restore_api = api("post", "/api/v1/items/{pk}/restore/1", _restore_body)
    rows = [
        ("evidence:item_edit", EDIT_PAGE, page("/items/{pk}/edit/", _form)),
        ("update_item", EDIT_API, api("patch", "/api/v1/items/{pk}", _patch)),
        ("evidence:item_restore", EDIT_PAGE, restore_page),
        ("restore_item_version", EDIT_API, restore_api),
        ("do_edit_item", EDIT_SERVICE, _on(_edit)),
        ("do_restore_item_version", EDIT_SERVICE, _on(_restore)),
    ]
    return {name: Op(expected, run, _target, _state) for name, expected, run in rows}


def test_every_item_correction_refuses_who_may_not_and_changes_nothing(world):
    wrong = check(world, edit_ops(), denied=HIDDEN_FROM)
    assert not wrong, f"{len(wrong)} wrong cells:\n" + "\n".join(wrong)
