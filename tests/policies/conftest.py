from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.factories import Account, invite_and_join, register


@pytest.fixture
def owner(client: TestClient) -> Account:
    return register(client)


@pytest.fixture
def viewer(client: TestClient, owner: Account) -> Account:
    return invite_and_join(client, owner, "viewer")


@pytest.fixture
def session(client: TestClient) -> Iterator[Session]:
    factory = client.app.state.session_factory  # type: ignore[attr-defined]
    with factory() as db:
        yield db


def policy_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "Standard",
        "max_attempts": 3,
        "initial_delay_minutes": 60,
        "backoff_multiplier": 2,
        "max_delay_minutes": 1440,
        "channels": ["email", "whatsapp"],
        "windows": {"timezone": "Asia/Kolkata", "preset": "business_hours"},
        "window_days": 14,
    }
    body.update(overrides)
    return body


def create_policy(client: TestClient, account: Account, **overrides: Any) -> dict[str, Any]:
    response = client.post(
        "/v1/retry-policies", json=policy_body(**overrides), headers=account.headers
    )
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created
