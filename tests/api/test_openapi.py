"""The OpenAPI document at /api/v1/openapi.json is valid and describes what we serve."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db

EXPECTED_OPERATIONS = {
    ("get", "/api/v1/health"): "health",
    ("get", "/api/v1/me"): "me",
    ("get", "/api/v1/tokens"): "list_tokens",
    ("post", "/api/v1/tokens"): "create_token",
    ("delete", "/api/v1/tokens/{token_id}"): "revoke_token",
}


@pytest.fixture
def schema(client) -> dict:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json()


def test_openapi_document_is_valid(schema):
    # Installed with moto[server]; a third-party validator, not our own reading of the spec.
    import openapi_spec_validator

    openapi_spec_validator.validate(schema)


def test_openapi_lists_every_operation(schema):
    found = {
        (method, path): op["operationId"]
        for path, ops in schema["paths"].items()
        for method, op in ops.items()
    }
    assert EXPECTED_OPERATIONS.items() <= found.items()


def test_openapi_declares_bearer_tokens_and_the_session(schema):
    schemes = schema["components"]["securitySchemes"]
    assert schemes["TokenAuth"] == {"type": "http", "scheme": "bearer"}
    assert schemes["SessionAuth"]["in"] == "cookie"
    me = schema["paths"]["/api/v1/me"]["get"]
    assert {"TokenAuth": []} in me["security"]
    assert "security" not in schema["paths"]["/api/v1/health"]["get"]


def test_token_creation_accepts_only_a_session(schema):
    create = schema["paths"]["/api/v1/tokens"]["post"]
    assert create["security"] == [{"SessionAuth": []}]


def test_every_api_operation_requires_authentication_except_health(schema):
    # A guard for the other apps' routers too: a new operation is authenticated by default,
    # and making one public must be a deliberate edit here.
    public = {
        (method, path)
        for path, ops in schema["paths"].items()
        for method, op in ops.items()
        if not op.get("security")
    }
    assert public == {("get", "/api/v1/health")}


def test_every_integer_parameter_states_bounds_the_databases_can_take(schema):
    # A gate for every router: an unbounded integer reached SQLite (OverflowError) or
    # PostgreSQL ("bigint out of range") and answered 500; bounded, it is refused with 422
    # and the document tells clients the range.
    from sillok.core.api import MAX_INTEGER

    unbounded = []
    for path, ops in schema["paths"].items():
        for method, op in ops.items():
            for parameter in op.get("parameters", []):
                if parameter["schema"].get("type") != "integer":
                    continue
                low = parameter["schema"].get("minimum")
                high = parameter["schema"].get("maximum")
                if low is None or high is None or low < -MAX_INTEGER - 1 or high > MAX_INTEGER:
                    unbounded.append(f"{method.upper()} {path} {parameter['name']}")
    assert not unbounded, unbounded
