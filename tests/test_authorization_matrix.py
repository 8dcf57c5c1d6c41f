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
    "evidence:items": ("/items/", 200),
    "evidence:upload": ("/items/upload/", 403),
    "evidence:item": ("/items/1/", 404),
    "evidence:file": ("/items/1/files/1/", 404),
    "set_language": ("/i18n/setlang/", 302),
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
    if operation == "list_items":
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
