from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.factories import register
from tinko.config import Settings
from tinko.kit.clock import FrozenClock
from tinko.main import create_app

PROBLEM = "application/problem+json"


def test_unknown_route_is_problem_404(client: TestClient) -> None:
    response = client.get("/v1/nothing-here")
    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["status"] == 404


def test_wrong_method_is_problem_405(client: TestClient) -> None:
    response = client.delete("/v1/auth/login")
    assert response.status_code == 405
    assert response.headers["content-type"] == PROBLEM


@pytest.mark.parametrize(
    ("path", "allowed"),
    [("/unsubscribe/some-token", "GET, POST"), ("/v1/auth/org", "GET, PATCH")],
)
def test_405_allow_names_every_method_of_the_path(
    client: TestClient, path: str, allowed: str
) -> None:
    response = client.put(path)
    assert response.status_code == 405
    assert response.headers["allow"] == allowed


def test_request_id_is_generated(client: TestClient) -> None:
    assert client.get("/healthz").headers["x-request-id"].startswith("req_")


def test_request_id_is_echoed(client: TestClient) -> None:
    response = client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert response.headers["x-request-id"] == "abc-123"


def test_unsafe_request_id_is_replaced(client: TestClient) -> None:
    response = client.get("/healthz", headers={"X-Request-ID": "bad id\twith spaces"})
    assert response.headers["x-request-id"].startswith("req_")


def test_oversized_body_is_413(client: TestClient) -> None:
    response = client.post(
        "/v1/auth/login",
        content=b'{"email": "' + b"a" * (1024 * 1024 + 10) + b'"}',
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 413
    assert response.headers["content-type"] == PROBLEM


def test_streamed_oversized_body_is_413(client: TestClient) -> None:
    def chunks() -> object:
        for _ in range(20):
            yield b"x" * 65536

    response = client.post(
        "/v1/auth/login", content=chunks(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413


def test_unhandled_error_is_500_without_trace(app: FastAPI) -> None:
    def explode() -> None:
        raise RuntimeError("secret internals")

    app.add_api_route("/boom", explode)
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/boom")
    assert response.status_code == 500
    assert response.headers["content-type"] == PROBLEM
    assert "secret internals" not in response.text
    assert response.json()["request_id"] == response.headers["x-request-id"]


def test_login_is_rate_limited_per_account(settings: Settings, clock: FrozenClock) -> None:
    limited = settings.model_copy(update={"rate_limits": "login:3/minute"})
    with TestClient(create_app(limited, clock=clock)) as client:
        account = register(client)
        body = {"email": account.email, "password": "wrong-password-1"}
        statuses = [client.post("/v1/auth/login", json=body).status_code for _ in range(4)]
    assert statuses == [401, 401, 401, 429]


def test_rate_limited_answer_has_retry_after(settings: Settings, clock: FrozenClock) -> None:
    limited = settings.model_copy(update={"rate_limits": "forgot:1/hour"})
    with TestClient(create_app(limited, clock=clock)) as client:
        client.post("/v1/auth/password/forgot", json={"email": "a@example.com"})
        response = client.post("/v1/auth/password/forgot", json={"email": "b@example.com"})
    assert response.status_code == 429
    assert 0 < int(response.headers["retry-after"]) <= 3600
    assert response.headers["content-type"] == PROBLEM


def test_healthz_and_readyz(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json()["database"] == "ok"


def test_openapi_describes_auth_routes(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert "/v1/auth/register" in paths
    assert "/v1/api-keys/{key_id}" in paths
    assert client.get("/docs").status_code == 200
