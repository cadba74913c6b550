"""`/v1/rules` through the API: versions, soft delete, validation, roles, `/rules/test`."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.factories import Account, invite_and_join, register

BASE = "/v1/rules"
EXPIRED = {"field": "category", "op": "eq", "value": "expired_card"}
SEND_LINK = [{"type": "send_link", "channels": ["email"]}]


@pytest.fixture
def owner(client: TestClient) -> Account:
    return register(client)


@pytest.fixture
def viewer(client: TestClient, owner: Account) -> Account:
    return invite_and_join(client, owner, "viewer")


def rule_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "Expired cards: link at once",
        "priority": 10,
        "enabled": True,
        "conditions": EXPIRED,
        "actions": SEND_LINK,
    }
    body.update(overrides)
    return body


def create_rule(client: TestClient, account: Account, **overrides: Any) -> dict[str, Any]:
    response = client.post(BASE, json=rule_body(**overrides), headers=account.headers)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def _rules(client: TestClient, account: Account) -> list[dict[str, Any]]:
    response = client.get(BASE, headers=account.headers)
    assert response.status_code == 200, response.text
    data: list[dict[str, Any]] = response.json()["data"]
    return data


def _test(client: TestClient, account: Account, context: object) -> dict[str, Any]:
    response = client.post(f"{BASE}/test", json={"context": context}, headers=account.headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


# -- CRUD and versions -----------------------------------------------------------------------


def test_create_returns_version_one_and_get_reads_it_back(
    client: TestClient, owner: Account
) -> None:
    created = create_rule(client, owner)
    assert created["id"].startswith("rul_")
    assert created["version"] == 1
    assert (created["name"], created["priority"], created["enabled"]) == (
        "Expired cards: link at once",
        10,
        True,
    )
    assert created["conditions"] == EXPIRED
    assert created["actions"] == SEND_LINK
    assert client.get(f"{BASE}/{created['id']}", headers=owner.headers).json() == created


def test_conditions_are_stored_normalised(client: TestClient, owner: Account) -> None:
    conditions = {"field": "currency", "op": "in", "value": ["inr", "Usd"]}
    created = create_rule(client, owner, conditions=conditions)
    assert created["conditions"] == {"field": "currency", "op": "in", "value": ["INR", "USD"]}


def test_priority_and_enabled_have_defaults(client: TestClient, owner: Account) -> None:
    body = {"name": "minimal", "conditions": EXPIRED, "actions": [{"type": "stop"}]}
    response = client.post(BASE, json=body, headers=owner.headers)
    assert response.status_code == 201
    assert (response.json()["priority"], response.json()["enabled"]) == (100, True)


def test_list_is_paginated(client: TestClient, owner: Account) -> None:
    ids = [create_rule(client, owner, name=f"r{i}")["id"] for i in range(3)]
    first = client.get(BASE, params={"limit": 2}, headers=owner.headers).json()
    assert [r["id"] for r in first["data"]] == ids[:2]
    second = client.get(
        BASE, params={"limit": 2, "cursor": first["next_cursor"]}, headers=owner.headers
    ).json()
    assert [r["id"] for r in second["data"]] == ids[2:]
    assert second["next_cursor"] is None


def test_put_saves_a_new_version(client: TestClient, owner: Account) -> None:
    created = create_rule(client, owner)
    body = rule_body(name="Renamed", priority=5, actions=[{"type": "stop"}])
    response = client.put(f"{BASE}/{created['id']}", json=body, headers=owner.headers)
    assert response.status_code == 200, response.text
    saved = response.json()
    assert (saved["id"], saved["version"], saved["name"]) == (created["id"], 2, "Renamed")
    assert client.get(f"{BASE}/{created['id']}", headers=owner.headers).json() == saved
    assert [r["version"] for r in _rules(client, owner)] == [2]


def test_versions_are_listed_newest_first_and_never_change(
    client: TestClient, owner: Account
) -> None:
    created = create_rule(client, owner)
    for name in ("second", "third"):
        client.put(f"{BASE}/{created['id']}", json=rule_body(name=name), headers=owner.headers)
    response = client.get(f"{BASE}/{created['id']}/versions", headers=owner.headers)
    assert response.status_code == 200
    versions = response.json()["data"]
    assert [(v["version"], v["name"]) for v in versions] == [
        (3, "third"),
        (2, "second"),
        (1, "Expired cards: link at once"),
    ]
    assert versions[2]["conditions"] == created["conditions"]
    assert {v["id"] for v in versions} == {created["id"]}
    assert versions[0]["created_by"] == owner.user_id


def test_delete_is_soft_and_hides_the_rule(client: TestClient, owner: Account) -> None:
    created = create_rule(client, owner)
    path = f"{BASE}/{created['id']}"
    assert client.delete(path, headers=owner.headers).status_code == 204
    assert client.get(path, headers=owner.headers).status_code == 404
    assert client.get(f"{path}/versions", headers=owner.headers).status_code == 404
    assert client.put(path, json=rule_body(), headers=owner.headers).status_code == 404
    assert client.delete(path, headers=owner.headers).status_code == 404
    assert _rules(client, owner) == []
    assert _test(client, owner, {"category": "expired_card"})["matched"] is None


def test_an_unknown_or_foreign_rule_is_not_found(client: TestClient, owner: Account) -> None:
    created = create_rule(client, owner)
    other = register(client)
    assert client.get(f"{BASE}/rul_nope", headers=owner.headers).status_code == 404
    for method, suffix in (("GET", ""), ("GET", "/versions"), ("DELETE", "")):
        path = f"{BASE}/{created['id']}{suffix}"
        assert client.request(method, path, headers=other.headers).status_code == 404
    put = client.put(f"{BASE}/{created['id']}", json=rule_body(), headers=other.headers)
    assert put.status_code == 404
    assert client.get(f"{BASE}/{created['id']}", headers=owner.headers).json() == created


# -- validation ------------------------------------------------------------------------------


def test_conditions_and_actions_problems_come_in_one_422(
    client: TestClient, owner: Account
) -> None:
    body = rule_body(
        conditions={"all": [EXPIRED, {"field": "colour", "op": "eq", "value": "red"}]},
        actions=[{"type": "send_link", "channels": ["fax"]}, {"type": "teleport"}],
    )
    response = client.post(BASE, json=body, headers=owner.headers)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert [e["loc"] for e in response.json()["errors"]] == [
        ["body", "conditions", "all", 1, "field"],
        ["body", "actions", 0, "channels", 0],
        ["body", "actions", 1, "type"],
    ]
    assert _rules(client, owner) == []


@pytest.mark.parametrize(
    ("overrides", "loc"),
    [
        ({"conditions": None}, ["body", "conditions"]),
        ({"actions": []}, ["body", "actions"]),
        ({"actions": [{"type": "stop"}, {"type": "notify_merchant"}]}, ["body", "actions", 0]),
        ({"priority": -1}, ["body", "priority"]),
        ({"name": ""}, ["body", "name"]),
    ],
)
def test_invalid_rule_is_422_at_its_location(
    client: TestClient, owner: Account, overrides: dict[str, Any], loc: list[object]
) -> None:
    response = client.post(BASE, json=rule_body(**overrides), headers=owner.headers)
    assert response.status_code == 422
    assert loc in [e["loc"] for e in response.json()["errors"]]
    assert _rules(client, owner) == []


def test_an_invalid_put_saves_no_version(client: TestClient, owner: Account) -> None:
    created = create_rule(client, owner)
    body = rule_body(actions=[{"type": "teleport"}])
    response = client.put(f"{BASE}/{created['id']}", json=body, headers=owner.headers)
    assert response.status_code == 422
    versions = client.get(f"{BASE}/{created['id']}/versions", headers=owner.headers).json()
    assert [v["version"] for v in versions["data"]] == [1]


# -- roles -----------------------------------------------------------------------------------


def test_viewer_reads_and_tests_rules(client: TestClient, owner: Account, viewer: Account) -> None:
    created = create_rule(client, owner)
    assert [r["id"] for r in _rules(client, viewer)] == [created["id"]]
    assert client.get(f"{BASE}/{created['id']}/versions", headers=viewer.headers).status_code == 200
    assert (
        _test(client, viewer, {"category": "expired_card"})["matched"]["rule_id"] == created["id"]
    )


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [("POST", "", rule_body()), ("PUT", "/{id}", rule_body(name="x")), ("DELETE", "/{id}", None)],
)
def test_viewer_cannot_write(
    client: TestClient,
    owner: Account,
    viewer: Account,
    method: str,
    suffix: str,
    body: dict[str, Any] | None,
) -> None:
    created = create_rule(client, owner)
    path = BASE + suffix.replace("{id}", created["id"])
    assert client.request(method, path, json=body, headers=viewer.headers).status_code == 403
    assert _rules(client, owner) == [created]


# -- /rules/test -----------------------------------------------------------------------------


def test_the_matching_rule_its_version_actions_and_trace(
    client: TestClient, owner: Account
) -> None:
    created = create_rule(client, owner)
    client.put(f"{BASE}/{created['id']}", json=rule_body(name="v2"), headers=owner.headers)
    result = _test(client, owner, {"category": "expired_card", "amount": 49900})
    assert result["matched"] == {"rule_id": created["id"], "version": 2}
    assert result["actions"] == SEND_LINK
    assert result["trace"][0] == {
        "rule_id": created["id"],
        "path": [],
        "field": "category",
        "op": "eq",
        "expected": "expired_card",
        "actual": "expired_card",
        "result": True,
        "note": None,
    }
    assert result["trace"][-1]["result"] is True


def test_nothing_matches(client: TestClient, owner: Account) -> None:
    create_rule(client, owner)
    result = _test(client, owner, {"category": "insufficient_funds"})
    assert (result["matched"], result["actions"]) == (None, [])
    assert [step["result"] for step in result["trace"]] == [False, False]


def test_with_no_rules_nothing_matches(client: TestClient, owner: Account) -> None:
    assert _test(client, owner, {}) == {"matched": None, "actions": [], "trace": []}


def test_lower_priority_runs_first(client: TestClient, owner: Account) -> None:
    create_rule(client, owner, name="late", priority=50, actions=[{"type": "stop"}])
    early = create_rule(client, owner, name="early", priority=1)
    result = _test(client, owner, {"category": "expired_card"})
    assert result["matched"]["rule_id"] == early["id"]
    assert result["actions"] == SEND_LINK


def test_disabled_rules_are_skipped(client: TestClient, owner: Account) -> None:
    disabled = create_rule(client, owner, priority=1, enabled=False, actions=[{"type": "stop"}])
    enabled = create_rule(client, owner, priority=2)
    result = _test(client, owner, {"category": "expired_card"})
    assert result["matched"]["rule_id"] == enabled["id"]
    assert result["trace"][0]["rule_id"] == disabled["id"]
    assert result["trace"][0]["note"] == "rule disabled; not evaluated"


def test_only_the_callers_rules_are_evaluated(client: TestClient, owner: Account) -> None:
    create_rule(client, owner)
    assert _test(client, register(client), {"category": "expired_card"})["trace"] == []


def test_context_must_be_an_object(client: TestClient, owner: Account) -> None:
    response = client.post(f"{BASE}/test", json={"context": [1, 2]}, headers=owner.headers)
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "context"]


def test_context_over_64_kb_is_refused(client: TestClient, owner: Account) -> None:
    context = {"metadata": {f"k{i}": "x" * 500 for i in range(140)}}
    response = client.post(f"{BASE}/test", json={"context": context}, headers=owner.headers)
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"loc": ["body", "context"], "msg": response.json()["detail"]}
    ]
