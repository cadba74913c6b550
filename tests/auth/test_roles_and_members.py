from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from tests.factories import STRONG_PASSWORD, invite_and_join, login, outbox_token, register
from tinko.kit.clock import FrozenClock
from tinko.notify.models import OutboundMessage


def test_viewer_cannot_call_owner_routes(client: TestClient) -> None:
    owner = register(client)
    viewer = invite_and_join(client, owner, "viewer")
    response = client.get("/v1/users", headers=viewer.headers)
    assert response.status_code == 403
    assert "owner" in response.json()["detail"]


def test_admin_cannot_manage_api_keys(client: TestClient) -> None:
    owner = register(client)
    admin = invite_and_join(client, owner, "admin")
    response = client.post("/v1/api-keys", json={"name": "k"}, headers=admin.headers)
    assert response.status_code == 403


def test_admin_can_patch_org(client: TestClient) -> None:
    owner = register(client)
    admin = invite_and_join(client, owner, "admin")
    response = client.patch(
        "/v1/auth/org",
        json={"timezone": "Asia/Kolkata", "default_currency": "INR", "locale": "hi"},
        headers=admin.headers,
    )
    assert response.status_code == 200
    assert response.json()["timezone"] == "Asia/Kolkata"
    assert response.json()["locale"] == "hi"


def test_viewer_cannot_patch_org(client: TestClient) -> None:
    owner = register(client)
    viewer = invite_and_join(client, owner, "viewer")
    response = client.patch("/v1/auth/org", json={"name": "Mine"}, headers=viewer.headers)
    assert response.status_code == 403


def test_patch_org_rejects_unknown_timezone(client: TestClient) -> None:
    owner = register(client)
    response = client.patch(
        "/v1/auth/org", json={"timezone": "Mars/Olympus"}, headers=owner.headers
    )
    assert response.status_code == 422
    assert "timezone" in response.json()["detail"]


def test_invited_user_joins_with_emailed_token(client: TestClient) -> None:
    owner = register(client)
    admin = invite_and_join(client, owner, "admin")
    me = client.get("/v1/auth/me", headers=admin.headers).json()
    assert me["role"] == "admin"
    assert me["org_id"] == owner.org_id


def test_invited_user_cannot_sign_in_before_joining(client: TestClient) -> None:
    owner = register(client)
    client.post("/v1/users", json={"email": "new@example.com"}, headers=owner.headers)
    response = client.post(
        "/v1/auth/login", json={"email": "new@example.com", "password": STRONG_PASSWORD}
    )
    assert response.status_code == 401


def test_invite_of_a_member_is_conflict(client: TestClient) -> None:
    owner = register(client)
    member = invite_and_join(client, owner, "viewer")
    response = client.post("/v1/users", json={"email": member.email}, headers=owner.headers)
    assert response.status_code == 409


def test_invite_of_another_orgs_member_answers_like_a_new_invite(client: TestClient) -> None:
    owner = register(client)
    other = register(client)
    fresh = client.post("/v1/users", json={"email": "new@example.com"}, headers=owner.headers)
    taken = client.post("/v1/users", json={"email": other.email}, headers=owner.headers)
    assert taken.status_code == fresh.status_code == 201
    assert taken.json().keys() == fresh.json().keys()
    assert taken.json()["status"] == fresh.json()["status"] == "invited"


def test_invite_of_another_orgs_member_tells_them_and_changes_nothing(
    client: TestClient, engine: Engine
) -> None:
    owner = register(client)
    other = register(client)
    client.post("/v1/users", json={"email": other.email}, headers=owner.headers)
    with Session(engine) as session:
        mails = session.scalars(
            select(OutboundMessage.kind).where(OutboundMessage.recipient == other.email)
        ).all()
    assert mails == ["invite_declined"]
    assert login(client, other.email).org_id == other.org_id


def test_owner_changes_a_role(client: TestClient) -> None:
    owner = register(client)
    viewer = invite_and_join(client, owner, "viewer")
    response = client.patch(
        f"/v1/users/{viewer.user_id}", json={"role": "admin"}, headers=owner.headers
    )
    assert response.status_code == 200
    assert client.get("/v1/auth/me", headers=viewer.headers).json()["role"] == "admin"


def test_last_owner_cannot_step_down(client: TestClient) -> None:
    owner = register(client)
    response = client.patch(
        f"/v1/users/{owner.user_id}", json={"role": "admin"}, headers=owner.headers
    )
    assert response.status_code == 409
    assert client.get("/v1/auth/me", headers=owner.headers).json()["role"] == "owner"


def test_last_owner_cannot_be_removed(client: TestClient) -> None:
    owner = register(client)
    response = client.delete(f"/v1/users/{owner.user_id}", headers=owner.headers)
    assert response.status_code == 409


def test_owner_can_step_down_when_another_owner_exists(client: TestClient) -> None:
    owner = register(client)
    second = invite_and_join(client, owner, "owner")
    response = client.patch(
        f"/v1/users/{owner.user_id}", json={"role": "viewer"}, headers=second.headers
    )
    assert response.status_code == 200


def test_removed_user_loses_access(client: TestClient) -> None:
    owner = register(client)
    admin = invite_and_join(client, owner, "admin")
    assert client.delete(f"/v1/users/{admin.user_id}", headers=owner.headers).status_code == 204
    assert client.get("/v1/auth/me", headers=admin.headers).status_code == 401


def test_users_list_is_paginated(client: TestClient) -> None:
    owner = register(client)
    for n in range(3):
        client.post("/v1/users", json={"email": f"p{n}@example.com"}, headers=owner.headers)
    first = client.get("/v1/users?limit=2", headers=owner.headers).json()
    assert len(first["data"]) == 2
    second = client.get(
        f"/v1/users?limit=2&cursor={first['next_cursor']}", headers=owner.headers
    ).json()
    assert len(second["data"]) == 2
    assert second["next_cursor"] is None
    ids = {u["id"] for u in first["data"]} | {u["id"] for u in second["data"]}
    assert len(ids) == 4


def test_limit_above_maximum_is_422(client: TestClient) -> None:
    owner = register(client)
    assert client.get("/v1/users?limit=201", headers=owner.headers).status_code == 422


def test_forgot_password_always_202(client: TestClient) -> None:
    response = client.post("/v1/auth/password/forgot", json={"email": "ghost@example.com"})
    assert response.status_code == 202


def test_password_reset_sets_a_new_password(client: TestClient) -> None:
    account = register(client)
    client.post("/v1/auth/password/forgot", json={"email": account.email})
    token = outbox_token(client, account.email)
    new_password = "orbit-Cactus-meadow-71"
    response = client.post(
        "/v1/auth/password/reset", json={"token": token, "password": new_password}
    )
    assert response.status_code == 200
    login(client, account.email, new_password)


def test_password_reset_revokes_existing_sessions(client: TestClient) -> None:
    account = register(client)
    client.post("/v1/auth/password/forgot", json={"email": account.email})
    token = outbox_token(client, account.email)
    client.post(
        "/v1/auth/password/reset", json={"token": token, "password": "orbit-Cactus-meadow-71"}
    )
    response = client.post("/v1/auth/refresh", json={"refresh_token": account.refresh_token})
    assert response.status_code == 401


def test_password_reset_ends_existing_access_tokens(client: TestClient) -> None:
    account = register(client)
    assert client.get("/v1/auth/me", headers=account.headers).status_code == 200
    client.post("/v1/auth/password/forgot", json={"email": account.email})
    token = outbox_token(client, account.email)
    client.post(
        "/v1/auth/password/reset", json={"token": token, "password": "orbit-Cactus-meadow-71"}
    )
    assert client.get("/v1/auth/me", headers=account.headers).status_code == 401


def test_password_reset_token_is_single_use(client: TestClient) -> None:
    account = register(client)
    client.post("/v1/auth/password/forgot", json={"email": account.email})
    token = outbox_token(client, account.email)
    client.post(
        "/v1/auth/password/reset", json={"token": token, "password": "orbit-Cactus-meadow-71"}
    )
    again = client.post(
        "/v1/auth/password/reset", json={"token": token, "password": "second-Walrus-piano-52"}
    )
    assert again.status_code == 422


def test_password_reset_token_expires(client: TestClient, clock: FrozenClock) -> None:
    account = register(client)
    client.post("/v1/auth/password/forgot", json={"email": account.email})
    token = outbox_token(client, account.email)
    clock.advance(timedelta(hours=1, seconds=1))
    response = client.post(
        "/v1/auth/password/reset", json={"token": token, "password": "orbit-Cactus-meadow-71"}
    )
    assert response.status_code == 422


def test_weak_reset_password_keeps_the_token_usable(client: TestClient) -> None:
    account = register(client)
    client.post("/v1/auth/password/forgot", json={"email": account.email})
    token = outbox_token(client, account.email)
    weak = client.post("/v1/auth/password/reset", json={"token": token, "password": "qwerty12345"})
    assert weak.status_code == 422
    good = client.post(
        "/v1/auth/password/reset", json={"token": token, "password": "orbit-Cactus-meadow-71"}
    )
    assert good.status_code == 200
