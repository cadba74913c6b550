"""`paydays` on a merchant's retry policy: auto or days of the month (issue #16)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.factories import Account
from tests.policies.conftest import create_policy, policy_body

BASE = "/v1/retry-policies"
FUNDS = {"strategy": "payday", "categories": ["insufficient_funds"]}


def test_a_policy_without_paydays_follows_the_built_in_default(
    client: TestClient, owner: Account
) -> None:
    created = create_policy(client, owner, active=True, **FUNDS)
    assert created["paydays"] is None
    active = client.get(f"{BASE}/active?category=insufficient_funds", headers=owner.headers)
    assert active.json()["paydays"] == "auto"


def test_auto_is_stored_and_shown(client: TestClient, owner: Account) -> None:
    assert create_policy(client, owner, paydays="auto", **FUNDS)["paydays"] == "auto"


def test_days_are_stored_in_order_with_the_last_day_last(
    client: TestClient, owner: Account
) -> None:
    created = create_policy(client, owner, active=True, paydays=[-1, 25, 10, 25], **FUNDS)
    assert created["paydays"] == [10, 25, -1]
    active = client.get(f"{BASE}/active?category=insufficient_funds", headers=owner.headers)
    assert active.json()["paydays"] == [10, 25, -1]


@pytest.mark.parametrize("bad", ["sometimes", [], [32], [1, 0], ["1"], [-2]])
def test_a_bad_paydays_value_is_422_naming_the_field(
    client: TestClient, owner: Account, bad: Any
) -> None:
    response = client.post(BASE, json=policy_body(paydays=bad, **FUNDS), headers=owner.headers)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert all(e["loc"][:2] == ["body", "paydays"] for e in response.json()["errors"])


def test_patch_null_returns_to_the_built_in_default(client: TestClient, owner: Account) -> None:
    created = create_policy(client, owner, paydays=[7], **FUNDS)
    response = client.patch(
        f"{BASE}/{created['id']}", json={"paydays": None}, headers=owner.headers
    )
    assert response.status_code == 200, response.text
    assert response.json()["paydays"] is None
