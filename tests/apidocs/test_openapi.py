"""The served OpenAPI document: valid, every operation described, the right security, and the
problem+json responses each route can answer."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openapi_spec_validator import validate

PROBLEM = "application/problem+json"
BOTH = [{"ApiKeyAuth": []}, {"BearerAuth": []}]
PUBLIC = {
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("POST", "/v1/auth/register"),
    ("POST", "/v1/auth/login"),
    ("POST", "/v1/auth/refresh"),
    ("POST", "/v1/auth/password/forgot"),
    ("POST", "/v1/auth/password/reset"),
    ("POST", "/v1/webhooks/stripe/{endpoint_id}"),
    ("POST", "/v1/webhooks/razorpay/{endpoint_id}"),
    ("GET", "/v1/recoveries/by_token/{token}"),
    ("POST", "/v1/recoveries/by_token/{token}/open"),
    ("POST", "/v1/recoveries/by_token/{token}/checkout"),
    ("GET", "/unsubscribe/{token}"),
    ("POST", "/unsubscribe/{token}"),
    ("GET", "/pay/{token}"),
    ("POST", "/pay/{token}/checkout"),
    ("GET", "/pay/{token}/success"),
    ("GET", "/pay/{token}/cancel"),
}
# Managing people and keys needs a signed-in person, whatever an API key's role (README "Access").
PEOPLE_ONLY = {
    ("POST", "/v1/auth/logout"),
    ("GET", "/v1/users"),
    ("POST", "/v1/users"),
    ("PATCH", "/v1/users/{user_id}"),
    ("DELETE", "/v1/users/{user_id}"),
    ("GET", "/v1/api-keys"),
    ("POST", "/v1/api-keys"),
    ("DELETE", "/v1/api-keys/{key_id}"),
}
# What a sample of routes can answer, read from their code and docs/api.md.
PROBLEMS = {
    ("GET", "/v1/auth/me"): {401},
    ("POST", "/v1/auth/login"): {401, 422, 429},
    ("POST", "/v1/auth/register"): {409, 422, 429},
    ("POST", "/v1/auth/logout"): {401, 403, 422},
    ("DELETE", "/v1/users/{user_id}"): {401, 403, 404, 409},
    ("POST", "/v1/events/payment_failed"): {401, 403, 409, 422},
    ("POST", "/v1/classify"): {401, 422},
    ("GET", "/v1/rules/{rule_id}"): {401, 404},
    ("POST", "/v1/webhooks/stripe/{endpoint_id}"): {400, 404},
    ("POST", "/v1/recoveries/by_ref/{transaction_ref}/link"): {401, 403, 404, 409, 422},
    ("GET", "/v1/recoveries/by_token/{token}"): {404, 410, 429},
    ("POST", "/v1/recoveries/by_token/{token}/checkout"): {404, 409, 410, 422, 429, 502, 503},
    ("PUT", "/v1/psp-credentials/{psp}"): {401, 403, 404, 422, 502},
}


@pytest.fixture
def document(client: TestClient) -> dict[str, Any]:
    body: dict[str, Any] = client.get("/openapi.json").json()
    return body


def operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, items in document["paths"].items():
        for method, operation in items.items():
            yield method.upper(), path, operation


def test_the_document_is_valid_openapi(document: dict[str, Any]) -> None:
    validate(document)


def test_every_operation_has_a_description(document: dict[str, Any]) -> None:
    missing = [(m, p) for m, p, op in operations(document) if not op.get("description")]
    assert missing == []


def test_security_schemes_are_an_api_key_header_and_a_bearer_jwt(
    document: dict[str, Any],
) -> None:
    schemes = document["components"]["securitySchemes"]
    assert schemes["ApiKeyAuth"] | {"description": ""} == {
        "type": "apiKey",
        "in": "header",
        "name": "X-API-Key",
        "description": "",
    }
    assert (schemes["BearerAuth"]["type"], schemes["BearerAuth"]["scheme"]) == ("http", "bearer")


def test_each_operation_asks_for_the_credentials_its_route_takes(
    document: dict[str, Any],
) -> None:
    wrong = {}
    for method, path, operation in operations(document):
        if (method, path) in PUBLIC:
            expected = None
        elif (method, path) in PEOPLE_ONLY:
            expected = [{"BearerAuth": []}]
        else:
            expected = BOTH
        if operation.get("security") != expected:
            wrong[(method, path)] = operation.get("security")
    assert wrong == {}


@pytest.mark.parametrize(("operation", "statuses"), PROBLEMS.items(), ids=str)
def test_routes_document_the_problems_they_can_answer(
    document: dict[str, Any], operation: tuple[str, str], statuses: set[int]
) -> None:
    method, path = operation
    responses = document["paths"][path][method.lower()]["responses"]
    assert {int(code) for code in responses if code[0] in "45"} == statuses


def test_every_problem_response_is_problem_json(document: dict[str, Any]) -> None:
    wrong = []
    for method, path, operation in operations(document):
        for code, response in operation["responses"].items():
            if code[0] not in "45":
                continue
            content = response.get("content", {})
            schema = content.get(PROBLEM, {}).get("schema")
            if list(content) != [PROBLEM] or schema != {"$ref": "#/components/schemas/Problem"}:
                wrong.append((method, path, code))
    assert wrong == []


def test_the_problem_schema_names_its_fields(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    problem = schemas["Problem"]
    assert {"type", "title", "status", "detail", "errors"} <= set(problem["properties"])
    assert set(problem["required"]) == {"type", "title", "status", "detail"}
    assert set(schemas["ProblemError"]["properties"]) == {"loc", "msg"}


def test_a_rate_limited_route_documents_retry_after(document: dict[str, Any]) -> None:
    limited = document["paths"]["/v1/auth/login"]["post"]["responses"]["429"]
    assert "Retry-After" in limited["headers"]


def test_secured_operations_answer_401_problem_without_credentials(
    client: TestClient, document: dict[str, Any]
) -> None:
    """What the document promises about credentials is what the routes do."""
    answers = {}
    for method, path, operation in operations(document):
        if "security" not in operation:
            continue
        response = client.request(method, path.replace("{", "").replace("}", ""), json={})
        answers[(method, path)] = (response.status_code, response.headers["content-type"])
    assert set(answers.values()) == {(401, PROBLEM)}
