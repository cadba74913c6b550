from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.conftest import START
from tests.factories import Account, create_api_key, register
from tinko.jobs.registry import JobContext, run_job
from tinko.kit.clock import FrozenClock


@pytest.fixture
def owner(client: TestClient) -> Account:
    account = register(client)
    client.patch("/v1/auth/org", json={"timezone": "Asia/Kolkata"}, headers=account.headers)
    return account


@pytest.fixture
def key_headers(client: TestClient, owner: Account) -> dict[str, str]:
    return {"X-API-Key": create_api_key(client, owner, role="admin")["key"]}


def sandbox_failure(ref: str, method: str, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "transaction_ref": ref,
        "amount": 49900,
        "currency": "INR",
        "gateway": "sandbox",
        "decline_code": "insufficient_funds",
        "payment_method_type": "card",
        "payment_method_ref": method,
        "card_network": "visa",
        "customer": {"email": "asha@example.in", "name": "Asha Rao"},
        "occurred_at": (START - timedelta(minutes=1)).isoformat(),
    }
    body.update(overrides)
    return body


class Engine:
    """Drives the scheduler the way the runners do: sweep, then run what the sweep handed out."""

    def __init__(self, app: FastAPI, clock: FrozenClock) -> None:
        self.app = app
        self.clock = clock
        self.ctx = JobContext(app.state.settings, app.state.session_factory, clock)

    def sweep(self) -> None:
        run_job(self.ctx, "recovery.sweep_due", {})
        self.app.state.runner.drain()

    def run_for(self, duration: timedelta, step: timedelta = timedelta(hours=1)) -> None:
        end = self.clock.now() + duration
        while self.clock.now() < end:
            self.clock.advance(step)
            self.sweep()


@pytest.fixture
def scheduler(app: FastAPI, clock: FrozenClock, client: TestClient) -> Engine:
    return Engine(app, clock)
