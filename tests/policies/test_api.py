"""`/v1/retry-policies` through the API: CRUD, validation, roles, activation, `/active`."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.factories import Account, register
from tests.policies.conftest import create_policy, policy_body

BASE = "/v1/retry-policies"


def _policies(client: TestClient, account: Account) -> list[dict[str, Any]]:
    response = client.get(BASE, headers=account.headers)
    assert response.status_code == 200, response.text
    data: list[dict[str, Any]] = response.json()["data"]
    return data


def _get(client: TestClient, account: Account, policy_id: str) -> dict[str, Any]:
    response = client.get(f"{BASE}/{policy_id}", headers=account.headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


# -- CRUD ------------------------------------------------------------------------------------


def test_create_returns_the_policy_and_get_reads_it_back(
    client: TestClient, owner: Account
) -> None:
    created = create_policy(client, owner, quiet_hours={"start": "21:00", "end": "08:00"})
    assert created["id"].startswith("rpol_")
    assert created["builtin"] is False
    assert created["active"] is False
    assert created["strategy"] == "backoff"
    assert created["categories"] == []
    assert created["quiet_hours"] == {"start": "21:00", "end": "08:00"}
    assert created["channels"] == ["email", "whatsapp"]
    assert _get(client, owner, created["id"]) == created


def test_windows_are_stored_normalised(client: TestClient, owner: Account) -> None:
    windows = {
        "timezone": "Asia/Kolkata",
        "preset": "custom",
        "allowed": [{"days": ["mon", "tue"], "start": "09:00", "end": "24:00"}],
    }
    created = create_policy(client, owner, windows=windows)
    assert created["windows"] == {
        "timezone": "Asia/Kolkata",
        "preset": "custom",
        "allowed": [{"days": [0, 1], "start": "09:00", "end": "24:00"}],
    }


def test_list_is_paginated(client: TestClient, owner: Account) -> None:
    ids = [create_policy(client, owner, name=f"p{i}")["id"] for i in range(3)]
    first = client.get(BASE, params={"limit": 2}, headers=owner.headers).json()
    assert [p["id"] for p in first["data"]] == ids[:2]
    assert first["next_cursor"]
    second = client.get(
        BASE, params={"limit": 2, "cursor": first["next_cursor"]}, headers=owner.headers
    ).json()
    assert [p["id"] for p in second["data"]] == ids[2:]
    assert second["next_cursor"] is None


def test_put_replaces_the_whole_policy(client: TestClient, owner: Account) -> None:
    created = create_policy(client, owner, quiet_hours={"start": "22:00", "end": "07:00"})
    body = policy_body(name="Replaced", max_attempts=5, channels=["sms"])
    response = client.put(f"{BASE}/{created['id']}", json=body, headers=owner.headers)
    assert response.status_code == 200, response.text
    stored = _get(client, owner, created["id"])
    assert (stored["name"], stored["max_attempts"], stored["channels"]) == ("Replaced", 5, ["sms"])
    assert stored["quiet_hours"] is None  # not in the PUT body: gone


def test_patch_changes_only_the_fields_sent(client: TestClient, owner: Account) -> None:
    created = create_policy(client, owner)
    response = client.patch(
        f"{BASE}/{created['id']}", json={"max_attempts": 6}, headers=owner.headers
    )
    assert response.status_code == 200, response.text
    stored = _get(client, owner, created["id"])
    assert stored["max_attempts"] == 6
    changed = ("max_attempts", "version")
    assert {k: v for k, v in stored.items() if k not in changed} == {
        k: v for k, v in created.items() if k not in changed
    }


def test_every_save_makes_a_new_version(client: TestClient, owner: Account) -> None:
    created = create_policy(client, owner)
    client.patch(f"{BASE}/{created['id']}", json={"max_attempts": 6}, headers=owner.headers)
    assert (created["version"], _get(client, owner, created["id"])["version"]) == (1, 2)


def test_patch_null_clears_quiet_hours(client: TestClient, owner: Account) -> None:
    created = create_policy(client, owner, quiet_hours={"start": "21:00", "end": "08:00"})
    response = client.patch(
        f"{BASE}/{created['id']}", json={"quiet_hours": None}, headers=owner.headers
    )
    assert response.status_code == 200, response.text
    assert _get(client, owner, created["id"])["quiet_hours"] is None


def test_delete_removes_the_policy(client: TestClient, owner: Account) -> None:
    created = create_policy(client, owner)
    response = client.delete(f"{BASE}/{created['id']}", headers=owner.headers)
    assert response.status_code == 204
    assert client.get(f"{BASE}/{created['id']}", headers=owner.headers).status_code == 404
    assert _policies(client, owner) == []


def test_another_orgs_policy_is_not_found(client: TestClient, owner: Account) -> None:
    created = create_policy(client, owner)
    other = register(client)
    for method in ("GET", "DELETE"):
        response = client.request(method, f"{BASE}/{created['id']}", headers=other.headers)
        assert response.status_code == 404
    assert _get(client, owner, created["id"]) == created


def test_messages_only_policy_is_allowed(client: TestClient, owner: Account) -> None:
    created = create_policy(client, owner, max_attempts=0)
    assert created["max_attempts"] == 0


def test_payday_strategy_is_allowed_for_funds_categories(
    client: TestClient, owner: Account
) -> None:
    categories = ["limit_exceeded", "insufficient_funds"]
    created = create_policy(client, owner, strategy="payday", categories=categories)
    assert created["strategy"] == "payday"
    assert created["categories"] == ["insufficient_funds", "limit_exceeded"]  # API order


# -- roles -----------------------------------------------------------------------------------


def test_viewer_reads_policies(client: TestClient, owner: Account, viewer: Account) -> None:
    created = create_policy(client, owner)
    assert [p["id"] for p in _policies(client, viewer)] == [created["id"]]
    assert client.get(f"{BASE}/active", headers=viewer.headers).status_code == 200


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("POST", "", policy_body()),
        ("PUT", "/{id}", policy_body()),
        ("PATCH", "/{id}", {"max_attempts": 1}),
        ("DELETE", "/{id}", None),
    ],
)
def test_viewer_cannot_write(
    client: TestClient,
    owner: Account,
    viewer: Account,
    method: str,
    suffix: str,
    body: dict[str, Any] | None,
) -> None:
    created = create_policy(client, owner)
    path = BASE + suffix.replace("{id}", created["id"])
    response = client.request(method, path, json=body, headers=viewer.headers)
    assert response.status_code == 403
    assert [p["id"] for p in _policies(client, owner)] == [created["id"]]
    assert _get(client, owner, created["id"]) == created


# -- validation ------------------------------------------------------------------------------

BAD_BODIES = [
    pytest.param(
        {"initial_delay_minutes": -1}, ["body", "initial_delay_minutes"], id="neg-initial"
    ),
    pytest.param({"max_delay_minutes": -5}, ["body", "max_delay_minutes"], id="neg-max-delay"),
    pytest.param({"backoff_multiplier": 0.5}, ["body", "backoff_multiplier"], id="multiplier<1"),
    pytest.param({"backoff_multiplier": 10.5}, ["body", "backoff_multiplier"], id="multiplier>10"),
    pytest.param(
        {"initial_delay_minutes": 120, "max_delay_minutes": 60},
        ["body", "max_delay_minutes"],
        id="max<initial",
    ),
    pytest.param({"max_attempts": 21}, ["body", "max_attempts"], id="attempts>20"),
    pytest.param({"max_attempts": -1}, ["body", "max_attempts"], id="attempts<0"),
    pytest.param({"window_days": 0}, ["body", "window_days"], id="window-days-0"),
    pytest.param({"window_days": 61}, ["body", "window_days"], id="window-days-61"),
    pytest.param({"channels": ["email", "fax"]}, ["body", "channels", 1], id="unknown-channel"),
    pytest.param({"channels": ["sms", "sms"]}, ["body", "channels", 1], id="duplicate-channel"),
    pytest.param(
        {"windows": {"timezone": "Mars/Olympus", "preset": "anytime"}},
        ["body", "windows", "timezone"],
        id="unknown-timezone",
    ),
    pytest.param(
        {
            "windows": {
                "timezone": "UTC",
                "preset": "custom",
                "allowed": [{"days": [0], "start": "18:00", "end": "09:00"}],
            }
        },
        ["body", "windows", "allowed", 0, "end"],
        id="end<=start",
    ),
    pytest.param(
        {"windows": {"timezone": "UTC", "preset": "payday"}},
        ["body", "windows", "preset"],
        id="unknown-preset",
    ),
    pytest.param(
        {"categories": ["insufficient_funds", "broke"]},
        ["body", "categories", 1],
        id="unknown-category",
    ),
    pytest.param(
        {"categories": ["expired_card", "expired_card"]},
        ["body", "categories", 1],
        id="duplicate-category",
    ),
    pytest.param(
        {"quiet_hours": {"start": "25:00", "end": "08:00"}},
        ["body", "quiet_hours", "start"],
        id="quiet-hours-format",
    ),
    pytest.param(
        {"quiet_hours": {"start": "08:00", "end": "08:00"}},
        ["body", "quiet_hours", "end"],
        id="quiet-hours-empty",
    ),
    pytest.param({"strategy": "payday"}, ["body", "strategy"], id="payday-without-categories"),
    pytest.param(
        {"strategy": "payday", "categories": ["insufficient_funds", "do_not_honor"]},
        ["body", "strategy"],
        id="payday-non-funds",
    ),
    pytest.param({"max_attempts": 0, "channels": []}, ["body", "channels"], id="does-nothing"),
]


@pytest.mark.parametrize(("overrides", "loc"), BAD_BODIES)
def test_invalid_policy_is_422_with_its_location_and_nothing_is_written(
    client: TestClient, owner: Account, overrides: dict[str, Any], loc: list[object]
) -> None:
    response = client.post(BASE, json=policy_body(active=True, **overrides), headers=owner.headers)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert loc in [error["loc"] for error in response.json()["errors"]]
    assert _policies(client, owner) == []


def test_every_problem_is_reported_at_once(client: TestClient, owner: Account) -> None:
    body = policy_body(
        initial_delay_minutes=90,
        max_delay_minutes=30,
        channels=["pigeon"],
        categories=["nope"],
        windows={"timezone": "Nowhere/City"},
    )
    response = client.post(BASE, json=body, headers=owner.headers)
    assert response.status_code == 422
    assert [e["loc"] for e in response.json()["errors"]] == [
        ["body", "max_delay_minutes"],
        ["body", "channels", 0],
        ["body", "categories", 0],
        ["body", "windows", "timezone"],
    ]


def test_invalid_patch_changes_nothing(client: TestClient, owner: Account) -> None:
    kept = create_policy(client, owner, name="Kept", active=True)
    other = create_policy(client, owner, name="Other")
    response = client.patch(
        f"{BASE}/{other['id']}",
        json={"active": True, "max_delay_minutes": 1},  # below initial_delay_minutes (60)
        headers=owner.headers,
    )
    assert response.status_code == 422
    assert [e["loc"] for e in response.json()["errors"]] == [["body", "max_delay_minutes"]]
    assert _get(client, owner, other["id"]) == other
    assert _get(client, owner, kept["id"])["active"] is True  # not deactivated


def test_patch_null_for_a_required_field_is_422(client: TestClient, owner: Account) -> None:
    created = create_policy(client, owner)
    response = client.patch(f"{BASE}/{created['id']}", json={"name": None}, headers=owner.headers)
    assert response.status_code == 422
    assert response.json()["errors"] == [{"loc": ["body", "name"], "msg": "may not be null"}]


def test_invalid_put_changes_nothing(client: TestClient, owner: Account) -> None:
    created = create_policy(client, owner)
    body = policy_body(name="Changed", channels=["fax"])
    response = client.put(f"{BASE}/{created['id']}", json=body, headers=owner.headers)
    assert response.status_code == 422
    assert _get(client, owner, created["id"]) == created


# -- activation ------------------------------------------------------------------------------


def test_activating_deactivates_an_overlapping_policy(client: TestClient, owner: Account) -> None:
    first = create_policy(client, owner, active=True, categories=["insufficient_funds"])
    second = create_policy(
        client, owner, active=True, categories=["insufficient_funds", "do_not_honor"]
    )
    assert _get(client, owner, first["id"])["active"] is False
    assert _get(client, owner, second["id"])["active"] is True


def test_activating_leaves_disjoint_policies_active(client: TestClient, owner: Account) -> None:
    funds = create_policy(client, owner, active=True, categories=["insufficient_funds"])
    create_policy(client, owner, active=True, categories=["expired_card"])
    assert _get(client, owner, funds["id"])["active"] is True


def test_a_catch_all_policy_overlaps_every_policy(client: TestClient, owner: Account) -> None:
    funds = create_policy(client, owner, active=True, categories=["insufficient_funds"])
    catch_all = create_policy(client, owner, active=True)
    assert _get(client, owner, funds["id"])["active"] is False
    patched = client.patch(f"{BASE}/{funds['id']}", json={"active": True}, headers=owner.headers)
    assert patched.status_code == 200
    assert _get(client, owner, catch_all["id"])["active"] is False


def test_activation_is_scoped_to_the_org(client: TestClient, owner: Account) -> None:
    mine = create_policy(client, owner, active=True)
    create_policy(client, register(client), active=True)
    assert _get(client, owner, mine["id"])["active"] is True


# -- /active ---------------------------------------------------------------------------------


def test_active_is_the_builtin_default_when_the_org_has_none(
    client: TestClient, owner: Account
) -> None:
    create_policy(client, owner, active=False)
    response = client.get(f"{BASE}/active", headers=owner.headers)
    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["builtin"], body["active"]) == (None, True, True)
    assert body["windows"]["timezone"] == "UTC"  # the org's time zone


def test_active_for_a_category_shows_that_categorys_default(
    client: TestClient, owner: Account
) -> None:
    response = client.get(
        f"{BASE}/active", params={"category": "authentication_required"}, headers=owner.headers
    )
    body = response.json()
    assert (body["id"], body["builtin"], body["category"]) == (
        None,
        True,
        "authentication_required",
    )
    assert body["effective_strategy"] == "customer_only"
    assert body["silent_retries"] is False
    assert body["link_after_attempt"] == 0


def test_active_is_the_orgs_active_policy(client: TestClient, owner: Account) -> None:
    created = create_policy(client, owner, active=True)
    body = client.get(f"{BASE}/active", headers=owner.headers).json()
    assert body["id"] == created["id"]
    assert body["builtin"] is False
    assert body["max_attempts"] == created["max_attempts"]


def test_active_for_a_category_picks_the_policy_covering_it(
    client: TestClient, owner: Account
) -> None:
    funds = create_policy(client, owner, active=True, categories=["insufficient_funds"])
    covered = client.get(
        f"{BASE}/active", params={"category": "insufficient_funds"}, headers=owner.headers
    ).json()
    other = client.get(
        f"{BASE}/active", params={"category": "do_not_honor"}, headers=owner.headers
    ).json()
    assert covered["id"] == funds["id"]
    assert (other["id"], other["builtin"]) == (None, True)


def test_active_with_an_unknown_category_is_422(client: TestClient, owner: Account) -> None:
    response = client.get(f"{BASE}/active", params={"category": "broke"}, headers=owner.headers)
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["query", "category"]
