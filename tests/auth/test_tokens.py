from __future__ import annotations

import base64
import json
from datetime import timedelta

import jwt
from fastapi.testclient import TestClient

from tests.conftest import TEST_SECRET
from tests.factories import register
from tinko.kit.clock import FrozenClock


def _me(client: TestClient, token: str) -> int:
    return client.get("/v1/auth/me", headers={"Authorization": f"Bearer {token}"}).status_code


def test_access_token_reads_me(client: TestClient) -> None:
    account = register(client)
    response = client.get("/v1/auth/me", headers=account.headers)
    assert response.status_code == 200
    assert response.json() == {
        "id": account.user_id,
        "email": account.email,
        "name": "",
        "role": "owner",
        "org_id": account.org_id,
        "kind": "user",
    }


def test_missing_credentials_is_401(client: TestClient) -> None:
    response = client.get("/v1/auth/me")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


def test_expired_access_token_is_401(client: TestClient, clock: FrozenClock) -> None:
    account = register(client)
    clock.advance(timedelta(minutes=15, seconds=1))
    assert _me(client, account.access_token) == 401


def test_tampered_access_token_is_401(client: TestClient) -> None:
    account = register(client)
    header, payload, signature = account.access_token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["org"] = "org_someoneelse"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    assert _me(client, f"{header}.{forged}.{signature}") == 401


def test_unsigned_alg_none_token_is_401(client: TestClient) -> None:
    account = register(client)
    claims = jwt.decode(account.access_token, options={"verify_signature": False})
    unsigned = jwt.encode(claims, key=None, algorithm="none")
    assert _me(client, unsigned) == 401


def test_wrong_algorithm_token_is_401(client: TestClient) -> None:
    account = register(client)
    claims = jwt.decode(account.access_token, options={"verify_signature": False})
    other_alg = jwt.encode(claims, TEST_SECRET, algorithm="HS512")
    assert _me(client, other_alg) == 401


def test_token_signed_with_raw_secret_is_401(client: TestClient) -> None:
    account = register(client)
    claims = jwt.decode(account.access_token, options={"verify_signature": False})
    assert _me(client, jwt.encode(claims, TEST_SECRET, algorithm="HS256")) == 401


def test_refresh_rotates_the_pair(client: TestClient) -> None:
    account = register(client)
    response = client.post("/v1/auth/refresh", json={"refresh_token": account.refresh_token})
    assert response.status_code == 200
    new_refresh = response.json()["refresh_token"]
    assert new_refresh != account.refresh_token
    assert _me(client, response.json()["access_token"]) == 200


def test_rotated_refresh_token_stops_working(client: TestClient) -> None:
    account = register(client)
    client.post("/v1/auth/refresh", json={"refresh_token": account.refresh_token})
    again = client.post("/v1/auth/refresh", json={"refresh_token": account.refresh_token})
    assert again.status_code == 401


def test_reused_refresh_token_revokes_the_whole_family(client: TestClient) -> None:
    account = register(client)
    first = client.post("/v1/auth/refresh", json={"refresh_token": account.refresh_token}).json()
    client.post("/v1/auth/refresh", json={"refresh_token": account.refresh_token})  # replay
    after = client.post("/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert after.status_code == 401


def test_reuse_does_not_touch_other_sessions(client: TestClient) -> None:
    account = register(client)
    other = client.post(
        "/v1/auth/login", json={"email": account.email, "password": account.password}
    ).json()
    client.post("/v1/auth/refresh", json={"refresh_token": account.refresh_token})
    client.post("/v1/auth/refresh", json={"refresh_token": account.refresh_token})
    still = client.post("/v1/auth/refresh", json={"refresh_token": other["refresh_token"]})
    assert still.status_code == 200


def test_expired_refresh_token_is_401(client: TestClient, clock: FrozenClock) -> None:
    account = register(client)
    clock.advance(timedelta(days=31))
    response = client.post("/v1/auth/refresh", json={"refresh_token": account.refresh_token})
    assert response.status_code == 401


def test_unknown_refresh_token_is_401(client: TestClient) -> None:
    response = client.post("/v1/auth/refresh", json={"refresh_token": "not-a-token"})
    assert response.status_code == 401


def test_logout_revokes_the_refresh_family(client: TestClient) -> None:
    account = register(client)
    assert client.post("/v1/auth/logout", headers=account.headers).status_code == 204
    response = client.post("/v1/auth/refresh", json={"refresh_token": account.refresh_token})
    assert response.status_code == 401


def test_logout_needs_a_user(client: TestClient) -> None:
    assert client.post("/v1/auth/logout").status_code == 401


def test_access_token_is_refused_after_logout(client: TestClient) -> None:
    account = register(client)
    assert _me(client, account.access_token) == 200  # known to the identity cache
    assert client.post("/v1/auth/logout", headers=account.headers).status_code == 204
    assert _me(client, account.access_token) == 401


def test_logout_ends_only_its_own_session(client: TestClient) -> None:
    account = register(client)
    other = client.post(
        "/v1/auth/login", json={"email": account.email, "password": account.password}
    ).json()
    assert _me(client, other["access_token"]) == 200
    client.post("/v1/auth/logout", headers=account.headers)
    assert _me(client, other["access_token"]) == 200


def test_access_tokens_are_refused_once_a_replayed_refresh_token_revokes_the_family(
    client: TestClient,
) -> None:
    account = register(client)
    rotated = client.post("/v1/auth/refresh", json={"refresh_token": account.refresh_token})
    assert _me(client, rotated.json()["access_token"]) == 200
    client.post("/v1/auth/refresh", json={"refresh_token": account.refresh_token})  # replay
    assert _me(client, rotated.json()["access_token"]) == 401
