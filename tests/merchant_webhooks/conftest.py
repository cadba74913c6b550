from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.factories import Account, create_api_key, register
from tests.intake.conftest import failure_body
from tests.merchant_webhooks.receiver import Receiver, running
from tinko.jobs.registry import JobContext, run_job
from tinko.kit.clock import FrozenClock


@pytest.fixture
def clock() -> FrozenClock:
    # Standard Webhooks receivers refuse timestamps more than 5 minutes from their own clock.
    return FrozenClock(datetime.now(UTC))


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running() as found:
        yield found


@pytest.fixture
def owner(client: TestClient) -> Account:
    return register(client)


def subscribe(client: TestClient, owner: Account, url: str, *events: str) -> dict[str, Any]:
    body = {"url": url, "events": list(events) or ["recovery.opened"]}
    response = client.post("/v1/merchant-webhooks", json=body, headers=owner.headers)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def fail_a_payment(client: TestClient, owner: Account, ref: str = "order_1") -> dict[str, Any]:
    key = {"X-API-Key": create_api_key(client, owner)["key"]}
    occurred = (datetime.now(UTC) - timedelta(minutes=3)).isoformat()
    body = failure_body(transaction_ref=ref, occurred_at=occurred)
    response = client.post("/v1/events/payment_failed", json=body, headers=key)
    assert response.status_code == 202, response.text
    result: dict[str, Any] = response.json()
    return result


def drain(app: FastAPI) -> None:
    app.state.runner.drain()


def sweep(app: FastAPI, clock: FrozenClock) -> None:
    """The periodic sweep, as the worker would run it, and the deliveries it hands out."""
    ctx = JobContext(app.state.settings, app.state.session_factory, clock)
    run_job(ctx, "merchant_webhooks.sweep", {})
    drain(app)


def deliveries(client: TestClient, owner: Account, endpoint_id: str) -> list[dict[str, Any]]:
    response = client.get(f"/v1/merchant-webhooks/{endpoint_id}/deliveries", headers=owner.headers)
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()["data"]
    return found
