"""Retries the merchant asks for (retry-now): spaced, within the network rules (the strictest
network's for a card whose network is unknown), one charge at a time per case and per card,
and safe to repeat with an Idempotency-Key."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.conftest import START
from tests.recovery.conftest import sandbox_failure
from tinko.kit.clock import FrozenClock
from tinko.psp.models import SandboxCharge
from tinko.recovery.manual import MANUAL_RETRY_SPACING

URL = "/v1/events/payment_failed"
DECLINES = "pm_sandbox_insufficient_funds"


def _open(client: TestClient, headers: dict[str, str], ref: str, **overrides: Any) -> str:
    response = client.post(URL, json=sandbox_failure(ref, DECLINES, **overrides), headers=headers)
    assert response.status_code == 202, response.text
    client.app.state.runner.drain()  # type: ignore[attr-defined]
    return str(client.get(f"/v1/recoveries/by_ref/{ref}", headers=headers).json()["id"])


def _retry_now(client: TestClient, headers: dict[str, str], case_id: str, **kw: Any) -> Any:
    response = client.post(f"/v1/recoveries/{case_id}/retry-now", headers=headers, **kw)
    client.app.state.runner.drain()  # type: ignore[attr-defined]
    return response


def _charges(app: FastAPI) -> int:
    with app.state.session_factory() as session:
        return int(session.scalar(select(func.count()).select_from(SandboxCharge)) or 0)


@pytest.mark.parametrize("network", ["visa", None])
def test_a_second_manual_retry_within_the_spacing_is_409(
    client: TestClient, key_headers: dict[str, str], network: str | None
) -> None:
    case_id = _open(client, key_headers, "m1", card_network=network)
    assert _retry_now(client, key_headers, case_id).status_code == 202

    again = _retry_now(client, key_headers, case_id)

    assert again.status_code == 409, again.text
    assert "retry_at" in again.json()


@pytest.mark.parametrize("network", ["visa", None])
def test_a_manual_retry_after_the_spacing_is_accepted(
    client: TestClient, key_headers: dict[str, str], clock: FrozenClock, network: str | None
) -> None:
    case_id = _open(client, key_headers, "m2", card_network=network)
    _retry_now(client, key_headers, case_id)
    clock.advance(MANUAL_RETRY_SPACING)

    assert _retry_now(client, key_headers, case_id).status_code == 202


def test_manual_retries_on_two_cases_of_one_card_charge_it_once(
    client: TestClient, app: FastAPI, key_headers: dict[str, str]
) -> None:
    first = _open(client, key_headers, "m3a")
    second = _open(client, key_headers, "m3b")
    # The second request may be refused at once or held by the worker: either way, one charge.
    client.post(f"/v1/recoveries/{first}/retry-now", headers=key_headers)
    client.post(f"/v1/recoveries/{second}/retry-now", headers=key_headers)
    app.state.runner.drain()

    assert _charges(app) == 1


def _fill_card(client: TestClient, headers: dict[str, str], count: int, **overrides: Any) -> None:
    """`count` failures reported on one card over the last hours (each counts as a decline)."""
    for n in range(count):
        at = (START - timedelta(hours=1) - timedelta(minutes=30 * n)).isoformat()
        body = sandbox_failure(f"f{n}", DECLINES, occurred_at=at, **overrides)
        assert client.post(URL, json=body, headers=headers).status_code == 202


def test_a_manual_retry_beyond_the_visa_allowance_is_409(
    client: TestClient, app: FastAPI, key_headers: dict[str, str]
) -> None:
    _fill_card(client, key_headers, 20, card_network="visa")
    case_id = _open(client, key_headers, "f0")

    refused = _retry_now(client, key_headers, case_id)

    assert refused.status_code == 409, refused.text
    assert refused.json()["rule"] == "visa.cap_30d"
    assert _charges(app) == 0


def test_a_card_with_an_unknown_network_is_held_to_the_strictest_cap(
    client: TestClient, app: FastAPI, key_headers: dict[str, str]
) -> None:
    _fill_card(client, key_headers, 10, card_network=None)  # Mastercard: 10 declines a day
    case_id = _open(client, key_headers, "f0", card_network=None)

    refused = _retry_now(client, key_headers, case_id)

    assert refused.status_code == 409, refused.text
    assert refused.json()["rule"] == "mastercard.cap_24h"
    assert _charges(app) == 0


def test_retry_now_with_the_same_idempotency_key_replays_and_charges_once(
    client: TestClient, app: FastAPI, key_headers: dict[str, str]
) -> None:
    case_id = _open(client, key_headers, "m4")
    headers = {**key_headers, "Idempotency-Key": "retry-m4-1"}
    first = _retry_now(client, headers, case_id)
    again = _retry_now(client, headers, case_id)

    assert (first.status_code, again.status_code) == (202, 202)
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert again.json() == first.json()
    assert _charges(app) == 1


def test_cancel_with_the_same_idempotency_key_replays(
    client: TestClient, key_headers: dict[str, str]
) -> None:
    case_id = _open(client, key_headers, "m5")
    headers = {**key_headers, "Idempotency-Key": "cancel-m5-1"}
    first = client.post(f"/v1/recoveries/{case_id}/cancel", headers=headers)
    again = client.post(f"/v1/recoveries/{case_id}/cancel", headers=headers)

    assert (first.status_code, again.status_code) == (200, 200)
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert again.json()["status"] == "cancelled"
