from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from tests.factories import Account, invite_and_join, register
from tests.tenancy.world import RETRY_POLICY_BODY


@pytest.fixture
def owner(client: TestClient) -> Account:
    return register(client)


@pytest.fixture
def viewer(client: TestClient, owner: Account) -> Account:
    return invite_and_join(client, owner, "viewer")


@pytest.fixture
def busy_org(client: TestClient, owner: Account) -> Account:
    """An org with a few audited changes: a policy created and changed twice."""
    created = client.post("/v1/retry-policies", json=RETRY_POLICY_BODY, headers=owner.headers)
    assert created.status_code == 201, created.text
    for attempts in (2, 4):
        patched = client.patch(
            f"/v1/retry-policies/{created.json()['id']}",
            json={"max_attempts": attempts},
            headers=owner.headers,
        )
        assert patched.status_code == 200, patched.text
    return owner


def events(client: TestClient, account: Account, **params: Any) -> list[dict[str, Any]]:
    response = client.get("/v1/audit", params=params, headers=account.headers)
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()["data"]
    return found


def verify(client: TestClient, account: Account) -> dict[str, Any]:
    response = client.get("/v1/audit/verify", headers=account.headers)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def tamper(engine: Engine, sql: str, **params: Any) -> None:
    """Change audit rows behind the service's back, as someone with database access would
    (on PostgreSQL as the superuser who can switch the trigger off)."""
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("SET LOCAL session_replication_role = replica"))
        connection.execute(text(sql), params)
