"""Optimistic concurrency on `PUT /v1/rules/{id}`: the ETag is the version; `If-Match` with an
older one is 412 and saves nothing; without it the save always wins (the contract as before)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.factories import Account, register

BODY: dict[str, Any] = {
    "name": "Expired cards",
    "conditions": {"field": "category", "op": "eq", "value": "expired_card"},
    "actions": [{"type": "stop"}],
}


@pytest.fixture
def owner(client: TestClient) -> Account:
    return register(client)


@pytest.fixture
def rule_id(client: TestClient, owner: Account) -> str:
    created = client.post("/v1/rules", json=BODY, headers=owner.headers)
    assert created.headers["ETag"] == '"1"'
    rule: str = created.json()["id"]
    return rule


def put(client: TestClient, owner: Account, rule_id: str, **headers: str) -> Any:
    return client.put(f"/v1/rules/{rule_id}", json=BODY, headers={**owner.headers, **headers})


def test_get_gives_the_version_as_etag(client: TestClient, owner: Account, rule_id: str) -> None:
    assert client.get(f"/v1/rules/{rule_id}", headers=owner.headers).headers["ETag"] == '"1"'


def test_put_with_the_current_etag_saves(client: TestClient, owner: Account, rule_id: str) -> None:
    answer = put(client, owner, rule_id, **{"If-Match": '"1"'})
    assert (answer.status_code, answer.headers["ETag"]) == (200, '"2"')


def test_put_with_an_old_etag_is_412_and_saves_nothing(
    client: TestClient, owner: Account, rule_id: str
) -> None:
    put(client, owner, rule_id)
    answer = put(client, owner, rule_id, **{"If-Match": 'W/"1"'})
    assert answer.status_code == 412
    assert answer.json()["current_version"] == 2
    assert client.get(f"/v1/rules/{rule_id}", headers=owner.headers).json()["version"] == 2


def test_a_malformed_if_match_is_422(client: TestClient, owner: Account, rule_id: str) -> None:
    answer = put(client, owner, rule_id, **{"If-Match": "yesterday"})
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["loc"] == ["header", "If-Match"]


def test_put_without_if_match_still_saves(client: TestClient, owner: Account, rule_id: str) -> None:
    put(client, owner, rule_id)
    assert put(client, owner, rule_id).status_code == 200
