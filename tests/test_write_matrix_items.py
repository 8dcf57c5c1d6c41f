"""The write matrix of items, redacted copies, vocabularies and what belongs to one user:
uploads, asking for and deciding on redacted copies, adding and changing terms and places,
revoking an API token and using a saved search, for every persona, with each answer stated in
the tables below (how a cell is checked: tests/write_matrix.py; records:
tests/test_write_matrix.py).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from tests.write_matrix import NO, OK, Op, World, answers, api, check, no_target, page, service

pytestmark = pytest.mark.django_db

# --- who may do what, stated independently of sillok/ (DESIGN.md roles) ---------------------
# fmt: off
#                          doc  analyst legal keeper manager partner auditor admin outsider
# evidence.add_item: documentation officers, partners, administrators.
ADD_ITEM_API = answers(    201, 403,    403,  403,   403,    201,    403,    201,  403)
ADD_ITEM_SERVICE = answers(OK,  NO,     NO,   NO,    NO,     OK,     NO,     OK,   NO,
                           refused="ActionRefused")
# Redacted copies: asking needs evidence.change_item (documentation officers, analysts,
# administrators), refused before the item is looked up; deciding needs review_record or
# change_item, and not one's own request (the analyst asked for the copy: 409 on the page).
REQUEST_PAGE = answers(    302, 302,    403,  403,   403,    403,    403,    302,  403)
REQUEST_SERVICE = answers( OK,  OK,     NO,   NO,    NO,     NO,     NO,     OK,   NO,
                           refused="RedactionRefused")
DECIDE_PAGE = answers(     302, 409,    302,  403,   403,    403,    403,    302,  403)
DECIDE_SERVICE = answers(  OK,  NO,     OK,   NO,    NO,     NO,     NO,     OK,   NO,
                           refused="RedactionRefused")
# Vocabularies and the gazetteer: administrators alone change them.
VOCAB_PAGE = answers(      403, 403,    403,  403,   403,    403,    403,    302,  403)
VOCAB_SERVICE = answers(   NO,  NO,     NO,   NO,    NO,     NO,     NO,     OK,   NO,
                           refused="PermissionError")
# The analyst's own API token and saved search: anyone else's is "not found".
OWN_PAGE = answers(        404, 302,    404,  404,   404,    404,    404,    404,  404)
OWN_API = answers(         404, 204,    404,  404,   404,    404,    404,    404,  404)
OWN_SERVICE = answers(     NO,  OK,     NO,   NO,    NO,     NO,     NO,     NO,   NO,
                           refused="DoesNotExist")
# fmt: on
HIDDEN_FROM = frozenset({"partner", "outsider"})  # the items are the documentation officer's

WITNESS = "김영희"
TESTIMONY = f"증인 {WITNESS}는 회령에 살았다. 연락처 010-1234-5678.\n"


@pytest.fixture
def world(personas, client_for, make_record, repo_home) -> World:
    clients = {name: client_for(user) for name, user in personas.items()}
    return World(personas=personas, clients=clients, make_record=make_record)


def _on(call: Callable[..., Any]) -> Callable:
    """Run a service as the persona on the target."""

    def run(world: World, persona: str, target) -> Any:
        return service(lambda: call(world, world.personas[persona], target))

    return run


# --- items and redacted copies ----------------------------------------------------------------


def _item(world: World):
    """An internal item of the documentation officer, with a text derivative naming a witness
    whose real name is in the vault."""
    from sillok.custody.audit import lock_head
    from sillok.custody.services import put_blob, record_blob
    from sillok.evidence.models import FileRole, Item, ItemFile

    officer = world.personas["documentation_officer"]
    item = Item.objects.create(
        created_by=officer, title=world.name("item"), kind="document", sensitivity="internal"
    )
    source = None
    for role, kind in ((FileRole.ORIGINAL, ""), (FileRole.DERIVATIVE, "text")):
        content = f"{TESTIMONY}{item.title} {role}\n"  # each file its own blob
        put = put_blob(io.BytesIO(content.encode()))
        with transaction.atomic():
            lock_head()
            stored = record_blob(officer, put, reason="test")
            source = ItemFile.objects.create(
                item=item,
                blob=stored.blob,
                sha256=put.sha256,
                size=put.size,
                media_type="text/plain; charset=utf-8",
                role=role,
                kind=kind,
                derived_from=source,
                original_filename="testimony.txt" if role == FileRole.ORIGINAL else "",
            )
    return item


def _item_target(world: World, persona: str, fresh: bool):
    from sillok.vault.services import do_add_field

    if "witness" not in world.shared:
        keeper = world.personas["vault_keeper"]
        world.shared["witness"] = do_add_field(keeper, "W-1", "real_name", WITNESS)[0]
    if fresh:
        return _item(world)
    if "item" not in world.shared:
        world.shared["item"] = _item(world)
    return world.shared["item"]


def _review_target(world: World, persona: str, fresh: bool):
    """A pending redacted copy the analyst asked for."""
    from sillok.redaction.services import do_request_redaction

    if not fresh and "review" in world.shared:
        return world.shared["review"]
    item = _item_target(world, persona, True)
    [review] = do_request_redaction(world.personas["analyst"], item).reviews
    if not fresh:
        world.shared["review"] = review
    return review


def _item_state(world: World, target) -> tuple:
    from sillok.evidence.models import Item, ItemFile, UploadSession
    from sillok.redaction.models import RedactionReview

    reviews = tuple(RedactionReview.objects.order_by("pk").values_list("pk", "status"))
    counts = (Item.objects.count(), ItemFile.objects.count(), UploadSession.objects.count())
    return (*counts, reviews)


def _upload_body(world: World, persona: str, target) -> dict:
    return {"filename": "a.txt", "size": 9, "metadata": {}}


def _create_item(world: World, persona: str, target) -> int:
    content = f"{world.name('upload')} by {persona}".encode()
    data = {"file": SimpleUploadedFile("a.txt", content)}
    return world.clients[persona].post("/api/v1/items", data=data).status_code


def _start_upload(world: World, user, target) -> Any:
    from sillok.evidence.uploads import do_start_upload

    return do_start_upload(user, filename="a.txt", size=9, metadata={})


def _request(world: World, user, item) -> Any:
    from sillok.redaction.services import do_request_redaction

    return do_request_redaction(user, item)


def _decide(world: World, user, review) -> Any:
    from sillok.redaction.services import do_review_redaction

    return do_review_redaction(user, review, "approve")


def item_ops() -> dict[str, Op]:
    request = page("/redaction/items/{pk}/request/", lambda *a: {})
    decide = page("/redaction/{pk}/decide/", lambda *a: {"decision": "approve"})
    rows = [
        ("start_upload", ADD_ITEM_API, api("post", "/api/v1/uploads", _upload_body), no_target),
        ("create_item", ADD_ITEM_API, _create_item, no_target),
        ("do_start_upload", ADD_ITEM_SERVICE, _on(_start_upload), no_target),
        ("redaction:request", REQUEST_PAGE, request, _item_target),
        ("do_request_redaction", REQUEST_SERVICE, _on(_request), _item_target),
        ("redaction:decide", DECIDE_PAGE, decide, _review_target),
        ("do_review_redaction", DECIDE_SERVICE, _on(_decide), _review_target),
    ]
    return {name: Op(expected, run, target, _item_state) for name, expected, run, target in rows}


def test_every_item_write_refuses_who_may_not_and_changes_nothing(world):
    wrong = check(world, item_ops(), denied=HIDDEN_FROM)
    assert not wrong, f"{len(wrong)} wrong cells:\n" + "\n".join(wrong)


# --- vocabularies and the gazetteer -------------------------------------------------------------


def _term(world: World, persona: str, fresh: bool):
    from sillok.vocab.models import Term

    return Term.objects.filter(vocabulary__slug="violations").order_by("pk").first()


def _vocab_state(world: World, term) -> tuple:
    from sillok.vocab.models import Place, Term

    row = Term.objects.filter(pk=term.pk).values_list("label_en", "label_ko", "active").get()
    return (Term.objects.count(), Place.objects.count(), row)


def _new_term(world: World, *args: Any) -> dict:
    code = world.name("term").replace("-", "_")
    return {"code": code, "label_en": f"Term {code}", "label_ko": "새 용어"}


def _changed_term(world: World, *args: Any) -> dict:
    return {"label_en": world.name("changed"), "label_ko": "바뀐 용어", "active": "1"}


def _new_place(world: World, *args: Any) -> dict:
    return {"label_en": world.name("place"), "label_ko": "새 마을", "kind": "town"}


def _add_term(world: World, user, term) -> Any:
    from sillok.vocab.models import Vocabulary
    from sillok.vocab.services import do_add_term

    return do_add_term(user, Vocabulary.objects.get(slug="violations"), **_new_term(world))


def _change_term(world: World, user, term) -> Any:
    from sillok.vocab.services import do_change_term

    label = world.name("changed")
    return do_change_term(user, term, label_en=label, label_ko="바뀐 용어", active=True)


def _add_place(world: World, user, term) -> Any:
    from sillok.vocab.services import do_add_place

    return do_add_place(user, **_new_place(world))


def vocab_ops() -> dict[str, Op]:
    rows = [
        ("vocab:term_add", VOCAB_PAGE, page("/vocab/violations/terms/add/", _new_term)),
        ("vocab:term", VOCAB_PAGE, page("/vocab/violations/terms/{pk}/", _changed_term)),
        ("vocab:place_add", VOCAB_PAGE, page("/vocab/places/add/", _new_place)),
        ("do_add_term", VOCAB_SERVICE, _on(_add_term)),
        ("do_change_term", VOCAB_SERVICE, _on(_change_term)),
        ("do_add_place", VOCAB_SERVICE, _on(_add_place)),
    ]
    return {name: Op(expected, run, _term, _vocab_state) for name, expected, run in rows}


def test_every_vocabulary_write_refuses_who_may_not_and_changes_nothing(world):
    wrong = check(world, vocab_ops())
    assert not wrong, f"{len(wrong)} wrong cells:\n" + "\n".join(wrong)


# --- what belongs to one user ----------------------------------------------------------------


def _own(kind: str) -> Callable:
    """The analyst's API token, or saved search with an unseen alert."""

    def target(world: World, persona: str, fresh: bool):
        from sillok.accounts.tokens import do_create_token
        from sillok.search.models import SearchAlert
        from sillok.search.saved import do_save_search

        if not fresh and kind in world.shared:
            return world.shared[kind]
        analyst = world.personas["analyst"]
        if kind == "token":
            made = do_create_token(analyst, world.name("token"))[0]
        else:
            made = do_save_search(analyst, world.name("saved"), "torture")
            SearchAlert.objects.create(saved_search=made, matches=[], count=1)
        if not fresh:
            world.shared[kind] = made
        return made

    return target


def _own_state(world: World, target) -> tuple:
    from sillok.accounts.models import APIToken
    from sillok.search.models import SavedSearch, SearchAlert

    return (
        tuple(APIToken.objects.order_by("pk").values_list("pk", "revoked_at")),
        tuple(SavedSearch.objects.order_by("pk").values_list("pk", flat=True)),
        tuple(SearchAlert.objects.order_by("pk").values_list("pk", "seen_at")),
    )


def _revoke(world: World, persona: str, token) -> int:
    return world.clients[persona].delete(f"/api/v1/tokens/{token.pk}").status_code


def _mark_seen(world: World, user, saved) -> Any:
    from sillok.search.saved import do_mark_alerts_seen

    return do_mark_alerts_seen(user, saved.pk)


def _delete(world: World, user, saved) -> Any:
    from sillok.search.saved import do_delete_saved_search

    return do_delete_saved_search(user, saved.pk)


def own_ops() -> dict[str, Op]:
    token, saved, nothing = _own("token"), _own("saved"), lambda *a: {}
    rows = [
        ("accounts:token_revoke", OWN_PAGE, page("/accounts/tokens/{pk}/revoke/", nothing), token),
        ("revoke_token", OWN_API, _revoke, token),
        ("search:saved_seen", OWN_PAGE, page("/search/saved/{pk}/seen/", nothing), saved),
        ("search:saved_delete", OWN_PAGE, page("/search/saved/{pk}/delete/", nothing), saved),
        ("do_mark_alerts_seen", OWN_SERVICE, _on(_mark_seen), saved),
        ("do_delete_saved_search", OWN_SERVICE, _on(_delete), saved),
    ]
    return {name: Op(expected, run, target, _own_state) for name, expected, run, target in rows}


def test_what_belongs_to_one_user_is_not_found_by_anyone_else(world):
    wrong = check(world, own_ops())
    assert not wrong, f"{len(wrong)} wrong cells:\n" + "\n".join(wrong)
