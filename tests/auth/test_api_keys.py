from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from tests.factories import create_api_key, register
from tinko.kit.clock import FrozenClock


def test_api_key_is_shown_once(client: TestClient) -> None:
    owner = register(client)
    created = create_api_key(client, owner)
    assert created["key"].startswith(created["prefix"])
    listed = client.get("/v1/api-keys", headers=owner.headers).json()["data"]
    assert listed[0]["id"] == created["id"]
    assert "key" not in listed[0]
    assert listed[0]["prefix"] == created["prefix"]


def test_api_key_authenticates_with_its_role(client: TestClient) -> None:
    owner = register(client)
    created = create_api_key(client, owner, role="viewer")
    me = client.get("/v1/auth/me", headers={"X-API-Key": created["key"]})
    assert me.status_code == 200
    assert me.json()["role"] == "viewer"
    assert me.json()["kind"] == "api_key"
    assert me.json()["org_id"] == owner.org_id


def test_api_key_role_is_enforced(client: TestClient) -> None:
    owner = register(client)
    created = create_api_key(client, owner, role="viewer")
    response = client.patch(
        "/v1/auth/org", json={"name": "x"}, headers={"X-API-Key": created["key"]}
    )
    assert response.status_code == 403


def test_api_key_records_last_use(client: TestClient, clock: FrozenClock) -> None:
    owner = register(client)
    created = create_api_key(client, owner)
    assert created["last_used_at"] is None
    clock.advance(timedelta(minutes=5))
    client.get("/v1/auth/me", headers={"X-API-Key": created["key"]})
    listed = client.get("/v1/api-keys", headers=owner.headers).json()["data"][0]
    assert listed["last_used_at"] is not None


def test_revoked_api_key_is_401(client: TestClient) -> None:
    owner = register(client)
    created = create_api_key(client, owner)
    deleted = client.delete(f"/v1/api-keys/{created['id']}", headers=owner.headers)
    assert deleted.status_code == 204
    response = client.get("/v1/auth/me", headers={"X-API-Key": created["key"]})
    assert response.status_code == 401


def test_unknown_api_key_is_401(client: TestClient) -> None:
    response = client.get("/v1/auth/me", headers={"X-API-Key": "tk_made_up"})
    assert response.status_code == 401


def test_api_key_cannot_log_out(client: TestClient) -> None:
    owner = register(client)
    created = create_api_key(client, owner, role="owner")
    response = client.post("/v1/auth/logout", headers={"X-API-Key": created["key"]})
    assert response.status_code == 403


ACCOUNT_ROUTES = [
    ("GET", "/v1/users", None),
    ("POST", "/v1/users", {"email": "newcomer@example.com", "role": "owner"}),
    ("PATCH", "/v1/users/{user}", {"role": "viewer"}),
    ("DELETE", "/v1/users/{user}", None),
    ("GET", "/v1/api-keys", None),
    ("POST", "/v1/api-keys", {"name": "another", "role": "owner"}),
    ("DELETE", "/v1/api-keys/{key}", None),
]


@pytest.mark.parametrize(("method", "path", "body"), ACCOUNT_ROUTES)
def test_owner_api_key_never_manages_people_or_keys(
    client: TestClient, method: str, path: str, body: dict[str, str] | None
) -> None:
    owner = register(client)
    created = create_api_key(client, owner, role="owner")
    url = path.format(user=owner.user_id, key=created["id"])
    response = client.request(method, url, json=body, headers={"X-API-Key": created["key"]})
    assert response.status_code == 403, response.text
    assert "signed-in person" in response.json()["detail"]


def test_api_key_sent_as_bearer_token_says_where_it_goes(client: TestClient) -> None:
    owner = register(client)
    created = create_api_key(client, owner)
    response = client.get("/v1/auth/me", headers={"Authorization": f"Bearer {created['key']}"})
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert "X-API-Key" in response.json()["detail"]
