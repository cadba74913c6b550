from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.factories import Account, create_api_key, register
from tinko.db import unit_of_work
from tinko.flows.outcomes import payment_succeeded
from tinko.jobs.registry import JobContext, run_job
from tinko.payments.reports import SuccessReport

FAILED = "/v1/events/payment_failed"


@pytest.fixture
def owner(client: TestClient) -> Account:
    account = register(client)
    client.patch("/v1/auth/org", json={"timezone": "Asia/Kolkata"}, headers=account.headers)
    return account


@pytest.fixture
def key_headers(client: TestClient, owner: Account) -> dict[str, str]:
    return {"X-API-Key": create_api_key(client, owner, role="admin")["key"]}


def fail(
    client: TestClient,
    headers: dict[str, str],
    ref: str,
    at: datetime,
    *,
    amount: int = 49900,
    currency: str = "INR",
    **overrides: Any,
) -> None:
    body: dict[str, Any] = {
        "transaction_ref": ref,
        "amount": amount,
        "currency": currency,
        "gateway": "razorpay",
        "decline_code": "insufficient_funds",
        "payment_method_type": "card",
        "customer": {"id": f"cust_{ref}", "email": "asha@example.in", "name": "Asha"},
        "occurred_at": at.isoformat(),
        **overrides,
    }
    response = client.post(FAILED, json=body, headers=headers)
    assert response.status_code == 202, response.text


def succeed(app: FastAPI, org_id: str, ref: str, at: datetime, source: str = "razorpay") -> None:
    """A PSP's success webhook, as intake records it once verified."""
    with unit_of_work(app.state.session_factory) as session:
        payment_succeeded(
            session,
            app.state.clock,
            org_id,
            SuccessReport(transaction_ref=ref, gateway="razorpay", occurred_at=at),
            source=source,
        )


def plan_all(app: FastAPI) -> None:
    """Plan every pending case now (what the sweep does a minute later)."""
    ctx = JobContext(app.state.settings, app.state.session_factory, app.state.clock)
    app.state.runner.drain()
    run_job(ctx, "recovery.sweep_due", {})
    app.state.runner.drain()


def get(client: TestClient, headers: dict[str, str], path: str, **params: Any) -> Any:
    response = client.get(f"/v1/analytics/{path}", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()
