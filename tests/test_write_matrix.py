"""The write matrix of documentation records: every page, API operation and service that
changes a record (create, edit, restore, link, send for review, finish or return a review,
withdraw, reinstate, import), for every persona, with each answer stated in the tables below
(how a cell is checked: tests/write_matrix.py).

The targets are internal person records, which every role that may see records sees; a
review is assigned to the persona who tries to finish it (a reviewer whose role has changed
since), so that only the permission check refuses. Items, redacted copies, vocabularies and
one user's things: tests/test_write_matrix_items.py. The vault:
tests/vault/test_vault_pages_matrix.py.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.write_matrix import NO, OK, Op, World, answers, api, check, no_target, page, service

pytestmark = pytest.mark.django_db

# --- who may do what, stated independently of sillok/ (DESIGN.md roles) ---------------------
# Pages: 302 done (back to the record), 403 refused, 404 hidden (partners and outsiders see no
# record). API: 200/201 done. Services: OK or the exception that refuses.
R = "RecordActionRefused"
# fmt: off
#                        doc  analyst legal keeper manager partner auditor admin outsider
# records.change_record: documentation officers, analysts, administrators.
CHANGE_PAGE = answers(   302, 302,    403,  403,   403,    404,    403,    302,  404)
CHANGE_API = answers(    200, 200,    403,  403,   403,    404,    403,    200,  404)
CHANGE_SERVICE = answers(OK,  OK,     NO,   NO,    NO,     NO,     NO,     OK,   NO, refused=R)
# Creating and importing need no record to see: 403 for everyone without the permission.
CREATE_PAGE = answers(   302, 302,    403,  403,   403,    403,    403,    302,  403)
CREATE_API = answers(    201, 201,    403,  403,   403,    403,    403,    201,  403)
# records.review_record: analysts and legal experts, each finishing a review assigned to them.
REVIEW_PAGE = answers(   403, 302,    302,  403,   403,    404,    403,    403,  404)
REVIEW_API = answers(    403, 200,    200,  403,   403,    404,    403,    403,  404)
REVIEW_SERVICE = answers(NO,  OK,     OK,   NO,    NO,     NO,     NO,     NO,   NO, refused=R)
# fmt: on
HIDDEN_FROM = frozenset({"partner", "outsider"})


def _person(world: World, state: str, persona: str):
    """A new internal person record in `state`: "draft" (revision 2, version 1 named
    differently, so a restore changes it), "in_review" (the review assigned to `persona`),
    "withdrawn"."""
    from sillok.records.models import Person
    from sillok.records.services import (
        do_submit_for_review,
        do_update_record,
        do_withdraw_record,
    )

    # Never written by the persona who finishes the review (authors may not review).
    author = world.personas[
        "admin" if persona == "documentation_officer" else "documentation_officer"
    ]
    record = world.make_record(author, "person", name=world.name("person"), sensitivity="internal")
    record = do_update_record(
        author, record, {"name": f"{record.name}-edited"}, expected_revision=1
    )
    if state == "in_review":
        do_submit_for_review(author, record, world.personas["analyst"])
        # A reviewer assigned while they held review_record, whose role changed since: only
        # the permission check stands between them and the decision.
        Person.objects.filter(pk=record.pk).update(reviewer=world.personas[persona])
    elif state == "withdrawn":
        do_withdraw_record(author, record, reason="duplicate of another record")
    return Person.objects.get(pk=record.pk)


def _target(state: str, *, per_persona: bool = False, other: bool = False) -> Callable:
    def target(world: World, persona: str, fresh: bool):
        if other and "other" not in world.shared:  # the other end of a link, made beforehand
            world.shared["other"] = _person(world, "draft", "")
        if fresh:
            return _person(world, state, persona)
        key = (state, persona if per_persona else "")
        if key not in world.shared:
            world.shared[key] = _person(world, state, persona)
        return world.shared[key]

    return target


def _state(world: World, record) -> tuple:
    from sillok.records.models import Link, Person, RecordVersion

    counts = (Person.objects.count(), Link.objects.count(), RecordVersion.objects.count())
    if record is None:
        return counts
    row = Person.objects.filter(pk=record.pk).values(
        "name", "revision", "review_status", "reviewer", "withdrawn_at"
    )
    return (*counts, tuple(row.get().values()))


def _import_state(world: World, record) -> tuple:
    """The records, and the uploads kept for the import's mapping step."""
    from sillok.records import import_uploads

    folder = import_uploads.upload_dir()
    return (_state(world, None), len(list(folder.iterdir())) if folder.exists() else 0)


def _reviewer_for(persona: str) -> str:
    """Whom a persona sends a record to: never themselves (nor the author)."""
    return "legal_expert" if persona == "analyst" else "analyst"


def _on_record(call: Callable[..., Any]) -> Callable:
    """Run a service as the persona on a freshly read copy of the target."""

    def run(world: World, persona: str, record) -> Any:
        from sillok.records.models import Person

        user = world.personas[persona]
        fresh = Person.objects.get(pk=record.pk) if record is not None else None
        return service(lambda: call(world, user, fresh))

    return run


def _values(world: World, raw: dict) -> dict:
    from sillok.records.fields import clean_values
    from sillok.records.resolve import Resolver

    return clean_values("person", raw, Resolver(world.personas["documentation_officer"]))


def _new_person(world: World, *args: Any) -> dict:
    return {"name": world.name("created"), "sensitivity": "internal"}


def _import(world: World, user, record) -> None:
    from sillok.records.services import do_import_records

    rows = [_values(world, _new_person(world))]
    do_import_records(user, "person", rows, source={"name": "persons.csv", "rows": 1})


def _import_file(world: World, persona: str, record) -> dict:
    content = f"name\n{world.name('imported')}\n".encode()
    return {"kind": "person", "file": SimpleUploadedFile("persons.csv", content, "text/csv")}


def _edit(world: World, persona: str, record) -> dict:
    return {"name": f"changed by {persona}", "sensitivity": "internal", "revision": 2}


def _link(world: World, persona: str, record) -> dict:
    return {"relation": "superior_of", "other": f"P-{world.shared['other'].pk}"}


def _send(world: World, persona: str, record) -> dict:
    return {"reviewer": world.personas[_reviewer_for(persona)].pk, "revision": 2}


def _review(action: str) -> Callable:
    def body(world: World, persona: str, record) -> dict:
        return {"action": action, "reviewer": _reviewer_for(persona), "comment": "the dates"}

    return body


def _fixed(data: dict) -> Callable:
    return lambda *args: dict(data)


def _create_body(world: World, *args: Any) -> dict:
    return {"values": _new_person(world)}


def _update_body(world: World, persona: str, record) -> dict:
    return {"values": {"name": f"changed by {persona}"}, "revision": 2}


PAGE = "/records/persons/{pk}"
API = "/api/v1/records/persons/{pk}"
AT_REVISION_2 = _fixed({"revision": 2})  # drafts are at revision 2
NOTHING = _fixed({})
RETURN = _fixed({"comment": "see the dates"})
WITHDRAW = _fixed({"reason": "duplicate", "revision": 2})
REINSTATE = _fixed({"reason": "not a duplicate"})


# The services, each as the persona `user` on the record `r` (world `w`).
def _create(w: World, user, r) -> Any:
    from sillok.records.services import do_create_record

    return do_create_record(user, "person", _values(w, _new_person(w)))


def _update(w: World, user, r) -> Any:
    from sillok.records.services import do_update_record

    return do_update_record(user, r, {"name": f"changed by {user}"}, expected_revision=2)


def _restore(w: World, user, r) -> Any:
    from sillok.records.services import do_restore_version

    return do_restore_version(user, r, 1, expected_revision=2)


def _submit(w: World, user, r) -> Any:
    from sillok.records.services import do_submit_for_review

    reviewer = w.personas[_reviewer_for(user.username)]
    return do_submit_for_review(user, r, reviewer, expected_revision=2)


def _complete(w: World, user, r) -> Any:
    from sillok.records.services import do_complete_review

    return do_complete_review(user, r)


def _return(w: World, user, r) -> Any:
    from sillok.records.services import do_return_for_changes

    return do_return_for_changes(user, r, comment="see the dates")


def _withdraw(w: World, user, r) -> Any:
    from sillok.records.services import do_withdraw_record

    return do_withdraw_record(user, r, reason="duplicate")


def _reinstate(w: World, user, r) -> Any:
    from sillok.records.services import do_reinstate_record

    return do_reinstate_record(user, r, reason="not a duplicate")


def record_ops() -> dict[str, Op]:
    draft, withdrawn = _target("draft"), _target("withdrawn")
    in_review, linked = _target("in_review", per_persona=True), _target("draft", other=True)
    rows = [
        # pages
        ("records:edit", CHANGE_PAGE, page(PAGE + "/edit/", _edit), draft),
        ("records:restore", CHANGE_PAGE, page(PAGE + "/versions/1/restore/", AT_REVISION_2), draft),
        ("records:link_add", CHANGE_PAGE, page(PAGE + "/links/add/", _link), linked),
        ("records:submit", CHANGE_PAGE, page(PAGE + "/review/send/", _send), draft),
        (
            "records:complete_review",
            REVIEW_PAGE,
            page(PAGE + "/review/complete/", NOTHING),
            in_review,
        ),
        ("records:return_review", REVIEW_PAGE, page(PAGE + "/review/return/", RETURN), in_review),
        ("records:withdraw", CHANGE_PAGE, page(PAGE + "/withdraw/", WITHDRAW), draft),
        ("records:reinstate", CHANGE_PAGE, page(PAGE + "/reinstate/", REINSTATE), withdrawn),
        ("records:create", CREATE_PAGE, page("/records/persons/new/", _new_person), no_target),
        # API operations
        (
            "create_record",
            CREATE_API,
            api("post", "/api/v1/records/persons", _create_body),
            no_target,
        ),
        ("update_record", CHANGE_API, api("patch", API, _update_body), draft),
        (
            "restore_record_version",
            CHANGE_API,
            api("post", API + "/restore/1", AT_REVISION_2),
            draft,
        ),
        (
            "review_record submit",
            CHANGE_API,
            api("post", API + "/review", _review("submit")),
            draft,
        ),
        (
            "review_record complete",
            REVIEW_API,
            api("post", API + "/review", _review("complete")),
            in_review,
        ),
        (
            "review_record return",
            REVIEW_API,
            api("post", API + "/review", _review("return")),
            in_review,
        ),
        ("withdraw_record", CHANGE_API, api("post", API + "/withdraw", WITHDRAW), draft),
        ("reinstate_record", CHANGE_API, api("post", API + "/reinstate", REINSTATE), withdrawn),
        # services
        ("do_create_record", CHANGE_SERVICE, _on_record(_create), no_target),
        ("do_update_record", CHANGE_SERVICE, _on_record(_update), draft),
        ("do_restore_version", CHANGE_SERVICE, _on_record(_restore), draft),
        ("do_submit_for_review", CHANGE_SERVICE, _on_record(_submit), draft),
        ("do_complete_review", REVIEW_SERVICE, _on_record(_complete), in_review),
        ("do_return_for_changes", REVIEW_SERVICE, _on_record(_return), in_review),
        ("do_withdraw_record", CHANGE_SERVICE, _on_record(_withdraw), draft),
        ("do_reinstate_record", CHANGE_SERVICE, _on_record(_reinstate), withdrawn),
        ("do_import_records", CHANGE_SERVICE, _on_record(_import), no_target),
    ]
    ops = {name: Op(expected, run, target, _state) for name, expected, run, target in rows}
    # The upload is kept for the mapping step: done means sent on to it.
    ops["records:import"] = Op(
        CREATE_PAGE, page("/records/import/", _import_file), no_target, _import_state
    )
    return ops


@pytest.fixture
def world(personas, client_for, make_record, repo_home) -> World:
    clients = {name: client_for(user) for name, user in personas.items()}
    return World(personas=personas, clients=clients, make_record=make_record)


def test_every_record_write_refuses_who_may_not_and_changes_nothing(world):
    wrong = check(world, record_ops(), denied=HIDDEN_FROM)
    assert not wrong, f"{len(wrong)} wrong cells:\n" + "\n".join(wrong)
