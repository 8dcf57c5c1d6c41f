"""Every page and every API operation is in the matrix below, and each refuses the anonymous
visitor and the outsider (a user with no role) as the matrix says. A new URL or operation
that is not added here fails `test_the_matrix_names_every_*` (STYLE rule 10)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

pytestmark = pytest.mark.django_db

# operation_id -> (method, path with sample ids, status for the outsider)
API = {
    "health": ("get", "/api/v1/health", 200),
    "me": ("get", "/api/v1/me", 200),
    "list_tokens": ("get", "/api/v1/tokens", 200),
    "create_token": ("post", "/api/v1/tokens", 403),  # body below
    "revoke_token": ("delete", "/api/v1/tokens/1", 404),
    "list_items": ("get", "/api/v1/items", 200),  # an empty list: nothing is visible
    "create_item": ("post", "/api/v1/items", 403),
    "get_item": ("get", "/api/v1/items/1", 404),
    "item_custody": ("get", "/api/v1/items/1/custody", 404),
    "item_text": ("get", "/api/v1/items/1/text", 404),
    "file_content": ("get", "/api/v1/items/1/files/1/content", 404),
    "start_upload": ("post", "/api/v1/uploads", 403),
    "get_upload": ("get", "/api/v1/uploads/nokey", 404),
    "put_upload_chunk": ("put", "/api/v1/uploads/nokey?offset=0", 404),
    "complete_upload": ("post", "/api/v1/uploads/nokey/complete", 404),
    "abort_upload": ("delete", "/api/v1/uploads/nokey", 404),
    "list_records": ("get", "/api/v1/records/persons", 200),  # an empty list
    "create_record": ("post", "/api/v1/records/persons", 403),
    "get_record": ("get", "/api/v1/records/persons/1", 404),
    "update_record": ("patch", "/api/v1/records/persons/1", 404),
    "record_history": ("get", "/api/v1/records/persons/1/history", 404),
    "record_version": ("get", "/api/v1/records/persons/1/history/1", 404),
    "restore_record_version": ("post", "/api/v1/records/persons/1/restore/1", 404),
    "review_record": ("post", "/api/v1/records/persons/1/review", 404),
    "withdraw_record": ("post", "/api/v1/records/persons/1/withdraw", 404),
    "reinstate_record": ("post", "/api/v1/records/persons/1/reinstate", 404),
    "record_links": ("get", "/api/v1/records/persons/1/links", 404),
    "list_vocabularies": ("get", "/api/v1/vocab", 403),
    "list_terms": ("get", "/api/v1/vocab/violations/terms", 403),
    "search_places": ("get", "/api/v1/places?q=Hoeryong", 403),
    "get_place": ("get", "/api/v1/places/KP-09", 403),
    "search": ("get", "/api/v1/search?q=kim", 403),  # no role: no search (not even a count)
}

# Well-formed bodies, so that a refusal comes from the permission check, not validation.
BODIES = {
    "create_token": {"data": {"name": "script"}, "content_type": "application/json"},
    "create_item": {"data": {"file": SimpleUploadedFile("a.txt", b"some text")}},
    "start_upload": {
        "data": {"filename": "a.txt", "size": 9},
        "content_type": "application/json",
    },
    "put_upload_chunk": {"data": b"some text", "content_type": "application/octet-stream"},
    "create_record": {"data": {"values": {"name": "Kim"}}, "content_type": "application/json"},
    "update_record": {
        "data": {"values": {"name": "Kim"}, "revision": 1},
        "content_type": "application/json",
    },
    "restore_record_version": {"data": {}, "content_type": "application/json"},
    "review_record": {"data": {"action": "complete"}, "content_type": "application/json"},
    "withdraw_record": {"data": {"reason": "duplicate"}, "content_type": "application/json"},
    "reinstate_record": {"data": {}, "content_type": "application/json"},
}

# URL name -> (path, status for the outsider with GET); anonymous visitors are sent to login.
PAGES = {
    "core:home": ("/", 200),
    "accounts:account": ("/accounts/", 200),
    "accounts:login": ("/accounts/login/", 302),  # already signed in: sent home
    "accounts:logout": ("/accounts/logout/", 405),
    "accounts:verify": ("/accounts/verify/", 302),
    "accounts:enrol": ("/accounts/enrol/", 200),
    "accounts:tokens": ("/accounts/tokens/", 200),
    "accounts:token_revoke": ("/accounts/tokens/1/revoke/", 405),
    "accounts:alerts": ("/accounts/alerts/", 403),
    "accounts:reauth": ("/accounts/reauth/", 200),
    "accounts:security_key_add": ("/accounts/security-keys/add/", 302),  # to re-authenticate
    "accounts:webauthn_register_options": ("/accounts/security-keys/add/options/", 405),
    "accounts:webauthn_challenge": ("/accounts/security-keys/challenge/", 405),
    "accounts:device_remove": ("/accounts/devices/remove/", 405),
    "evidence:items": ("/items/", 200),
    "evidence:upload": ("/items/upload/", 403),
    "evidence:item": ("/items/1/", 404),
    "evidence:file": ("/items/1/files/1/", 404),
    "set_language": ("/i18n/setlang/", 302),
    # Documentation records: no view_record, no records (403); a record is "not found" (404).
    "records:home": ("/records/", 403),
    "records:list": ("/records/persons/", 403),
    "records:create": ("/records/acts/new/", 403),
    "records:record": ("/records/persons/1/", 404),
    "records:edit": ("/records/persons/1/edit/", 404),
    "records:history": ("/records/persons/1/history/", 404),
    "records:version": ("/records/persons/1/versions/1/", 404),
    "records:restore": ("/records/persons/1/versions/1/restore/", 405),
    "records:link_add": ("/records/persons/1/links/add/", 405),
    "records:submit": ("/records/persons/1/review/send/", 405),
    "records:complete_review": ("/records/persons/1/review/complete/", 405),
    "records:return_review": ("/records/persons/1/review/return/", 405),
    "records:withdraw": ("/records/persons/1/withdraw/", 405),
    "records:reinstate": ("/records/persons/1/reinstate/", 405),
    "records:lookup": ("/records/lookup/persons/?q=kim", 403),
    "records:lookup_places": ("/records/lookup/places/?q=hoeryong", 403),
    "records:lookup_terms": ("/records/lookup/terms/violations/?q=torture", 403),
    # Spreadsheet import and export: the permission is checked before anything else.
    "records:import": ("/records/import/", 403),
    "records:import_mapping": ("/records/import/nokey0000000000000/", 403),
    "records:import_run": ("/records/import/nokey0000000000000/run/", 403),
    "records:import_done": ("/records/import/nokey0000000000000/done/", 403),
    "records:export": ("/records/export/", 403),
    # Redacted copies: the permission (review or change) is checked first; asking is POST.
    "redaction:reviews": ("/redaction/", 403),
    "redaction:review": ("/redaction/1/", 403),
    "redaction:decide": ("/redaction/1/decide/", 405),
    "redaction:request": ("/redaction/items/1/request/", 405),
    "vocab:index": ("/vocab/", 403),
    "vocab:vocabulary": ("/vocab/violations/", 403),
    "vocab:term": ("/vocab/violations/terms/1/", 403),
    "vocab:term_add": ("/vocab/violations/terms/add/", 403),
    "vocab:places": ("/vocab/places/", 403),
    "vocab:place_add": ("/vocab/places/add/", 403),
    # The identity vault: vault keepers only, refused (and audited) before anything else.
    "vault:entries": ("/vault/", 403),
    "vault:add": ("/vault/add/", 403),
    "vault:entry": ("/vault/1/", 403),
    "vault:reveal": ("/vault/1/reveal/", 405),
    "vault:shred": ("/vault/1/shred/", 405),
    # Search: anyone signed in may search (results reflect what they may see); saved
    # searches are their owner's alone (anyone else's is "not found").
    "search:search": ("/search/?q=mxitem%20OR%20mxperson", 200),
    "search:save": ("/search/save/", 405),
    "search:saved": ("/search/saved/", 200),
    "search:saved_detail": ("/search/saved/1/", 404),
    "search:saved_seen": ("/search/saved/1/seen/", 405),
    "search:saved_delete": ("/search/saved/1/delete/", 405),
}
# Pages anyone may reach, and POST-only ones that refuse a GET before anything else.
PUBLIC_PAGES = {"accounts:login", "accounts:logout", "set_language", "accounts:token_revoke"}


def _named_patterns(resolver: URLResolver, namespace: str = "") -> set[str]:
    names = set()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            if entry.namespace == "api":
                continue  # operations are checked through the OpenAPI document
            names |= _named_patterns(entry, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            names.add(f"{namespace}{entry.name}")
    return names


def test_the_matrix_names_every_api_operation(client):
    schema = client.get("/api/v1/openapi.json").json()
    operations = {
        op["operationId"] for methods in schema["paths"].values() for op in methods.values()
    }
    assert operations == set(API)


def test_the_matrix_names_every_page():
    assert _named_patterns(get_resolver()) == set(PAGES)


@pytest.mark.parametrize("operation", sorted(API))
def test_anonymous_callers_get_401_from_every_api_operation_but_health(operation):
    method, path, _ = API[operation]
    response = getattr(Client(), method)(path)
    assert response.status_code == (200 if operation == "health" else 401)


@pytest.mark.parametrize("operation", sorted(API))
def test_the_outsider_is_refused_by_every_api_operation(operation, client_for, outsider):
    method, path, expected = API[operation]
    response = getattr(client_for(outsider), method)(path, **BODIES.get(operation, {}))
    assert response.status_code == expected, response.content
    if operation in {"list_items", "list_records"}:
        assert response.json() == {"total": 0, "items": []}


@pytest.mark.parametrize("name", sorted(PAGES))
def test_anonymous_visitors_are_sent_to_sign_in(name):
    path, _ = PAGES[name]
    response = Client().get(path)
    if name in PUBLIC_PAGES:
        assert response.status_code in (200, 302, 405)
    else:
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("name", sorted(PAGES))
def test_the_outsider_sees_nothing_on_any_page(name, client_for, outsider):
    path, expected = PAGES[name]
    response = client_for(outsider).get(path)
    assert response.status_code == expected
