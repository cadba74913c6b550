"""The control-character rule at the edge: refused with 422 naming the field, on both databases."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from tests.factories import STRONG_PASSWORD, Account, create_api_key, register
from tests.intake.conftest import failure_body
from tinko.edge import EdgeRoute

PROBLEM = "application/problem+json"


@pytest.fixture
def owner(client: TestClient) -> Account:
    return register(client)


@pytest.fixture
def key_headers(client: TestClient, owner: Account) -> dict[str, str]:
    return {"X-API-Key": create_api_key(client, owner, role="admin")["key"]}


def _locs(response: Any) -> list[list[Any]]:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM
    return [error["loc"] for error in response.json()["errors"]]


def _api_routes(routes: list[Any]) -> list[APIRoute]:
    found: list[APIRoute] = []
    for route in routes:
        if isinstance(route, APIRoute):
            found.append(route)
        elif hasattr(route, "original_router"):  # FastAPI's lazily included routers
            found += _api_routes(route.original_router.routes)
    return found


def test_every_api_route_taking_input_applies_the_rule(app: FastAPI) -> None:
    routes = _api_routes(app.routes)
    taking_input = [r for r in routes if r.param_convertors or r.body_field]
    assert len(taking_input) > 50
    assert [r.path for r in taking_input if not isinstance(r, EdgeRoute)] == []


def test_nul_in_login_is_422(client: TestClient) -> None:
    response = client.post(
        "/v1/auth/login", json={"email": "a\u0000@example.com", "password": STRONG_PASSWORD}
    )
    assert _locs(response) == [["body", "email"]]


def test_nul_in_register_is_422_and_nothing_is_written(client: TestClient) -> None:
    body = {"email": "new@example.com", "password": STRONG_PASSWORD, "org_name": "Acme\u0000"}
    assert _locs(client.post("/v1/auth/register", json=body)) == [["body", "org_name"]]
    login = {"email": body["email"], "password": STRONG_PASSWORD}
    assert client.post("/v1/auth/login", json=login).status_code == 401


def test_nested_field_and_metadata_key_are_named(
    client: TestClient, key_headers: dict[str, str]
) -> None:
    body = failure_body(
        customer={"name": "Asha\u0000"}, metadata={"plan\u0000": "gold", "note": "ok"}
    )
    response = client.post("/v1/events/payment_failed", json=body, headers=key_headers)
    assert _locs(response) == [["body", "customer", "name"], ["body", "metadata", "plan\u0000"]]
    assert "customer.name" in response.json()["detail"]


def test_other_control_characters_and_lone_surrogates_are_refused(
    client: TestClient, key_headers: dict[str, str]
) -> None:
    for bad in ("\u0007", "\u001b[31m", "\u007f", "\u0085", "\ud800"):
        body = json.dumps(failure_body(failure_message=f"declined {bad}"))  # ASCII escapes
        headers = {**key_headers, "Content-Type": "application/json"}
        response = client.post("/v1/events/payment_failed", content=body, headers=headers)
        assert _locs(response) == [["body", "failure_message"]], repr(bad)


def test_tab_and_line_breaks_and_any_script_are_allowed(
    client: TestClient, key_headers: dict[str, str]
) -> None:
    body = failure_body(failure_message="line one\r\nline\ttwo", customer={"name": "आशा 😀"})
    response = client.post("/v1/events/payment_failed", json=body, headers=key_headers)
    assert response.status_code == 202, response.text


def test_nul_in_a_path_parameter_is_422(client: TestClient, key_headers: dict[str, str]) -> None:
    response = client.get("/v1/events/by_ref/order%00x", headers=key_headers)
    assert _locs(response) == [["path", "transaction_ref"]]


def test_nul_in_a_query_parameter_is_422(client: TestClient, owner: Account) -> None:
    response = client.get("/v1/recoveries", params={"status": "open\u0000"}, headers=owner.headers)
    assert _locs(response) == [["query", "status"]]


def test_nul_in_a_form_field_is_422(client: TestClient) -> None:
    response = client.post("/pay/sometoken/checkout", data={"nonce": "n\u0000"})
    assert _locs(response) == [["body", "nonce"]]


def test_nul_in_a_list_item_is_named_by_index(client: TestClient, owner: Account) -> None:
    body = {"name": "r", "priority": 1, "conditions": {"all": []}, "actions": [{"type": "s\u0000"}]}
    response = client.post("/v1/rules", json=body, headers=owner.headers)
    assert _locs(response) == [["body", "actions", 0, "type"]]
