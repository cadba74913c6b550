"""The sandbox PSP sends signed, Stripe-format webhooks over HTTP to the org's own intake."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from tests.conftest import START, TEST_SECRET
from tests.factories import Account, create_api_key, register
from tests.live import free_port
from tinko.config import Settings
from tinko.db import unit_of_work
from tinko.kit.clock import FrozenClock
from tinko.main import create_app
from tinko.psp.base import ChargeRequest
from tinko.psp.models import SandboxEvent
from tinko.psp.sandbox import SandboxPSP
from tinko.psp.sandbox_events import sign, signing_secret


@pytest.fixture
def port() -> int:
    return free_port()


@pytest.fixture
def app(
    database_url: str, tmp_path: Path, engine: Engine, port: int, clock: FrozenClock
) -> FastAPI:
    settings = Settings(
        env="test",
        database_url=database_url,
        secret_key=TEST_SECRET,
        var_dir=tmp_path / "var",
        run_jobs=False,
        base_url=f"http://127.0.0.1:{port}",
    )
    return create_app(settings, clock=clock)


@pytest.fixture
def intake(app: FastAPI, port: int, client: TestClient) -> Iterator[None]:
    """The same app served on TINKO_BASE_URL, where the sandbox delivers its webhooks."""
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 5
    while not server.started and time.monotonic() < deadline:
        threading.Event().wait(0.01)
    assert server.started
    yield
    server.should_exit = True
    thread.join(timeout=10)


def _failed(client: TestClient, owner: Account, ref: str) -> None:
    key = {"X-API-Key": create_api_key(client, owner)["key"]}
    body = {
        "transaction_ref": ref,
        "amount": 49900,
        "currency": "INR",
        "gateway": "sandbox",
        "decline_code": "insufficient_funds",
        "payment_method_type": "card",
        "payment_method_ref": "pm_sandbox_success_sb",
        "customer": {"email": "asha@example.in"},
        "occurred_at": (START - timedelta(minutes=1)).isoformat(),
    }
    assert client.post("/v1/events/payment_failed", json=body, headers=key).status_code == 202


def _charge_and_die(app: FastAPI, clock: FrozenClock, org_id: str, ref: str) -> None:
    """A worker's charge is approved and committed; the worker dies before recording it."""
    with unit_of_work(app.state.session_factory) as session:
        SandboxPSP(clock, session=session).charge(
            ChargeRequest(
                org_id=org_id,
                idempotency_key=f"att_{ref}",
                payment_method_ref="pm_sandbox_success_sb",
                amount_minor=49900,
                currency="INR",
                transaction_ref=ref,
            ),
        )
    app.state.runner.drain()


def _events(app: FastAPI) -> list[SandboxEvent]:
    with app.state.session_factory() as session:
        return list(session.scalars(select(SandboxEvent)).all())


def test_an_approved_charge_reaches_intake_and_recovers_the_case(
    app: FastAPI, client: TestClient, clock: FrozenClock, intake: None
) -> None:
    owner = register(client)
    _failed(client, owner, "SB1")
    _charge_and_die(app, clock, owner.org_id, "SB1")
    (event,) = _events(app)
    assert (event.event_type, event.status) == ("payment_intent.succeeded", "delivered")
    assert (
        client.get("/v1/recoveries/by_ref/SB1", headers=owner.headers).json()["status"]
        == "recovered"
    )
    sources = [
        e["source"]
        for e in client.get("/v1/events/by_ref/SB1", headers=owner.headers).json()["data"]
    ]
    assert sources.count("sandbox") == 1


def test_a_replayed_event_is_acknowledged_and_not_recorded_twice(
    app: FastAPI, client: TestClient, clock: FrozenClock, intake: None
) -> None:
    owner = register(client)
    _failed(client, owner, "SB2")
    _charge_and_die(app, clock, owner.org_id, "SB2")
    (event,) = _events(app)
    body = json.dumps(event.payload)
    signature = sign(signing_secret(TEST_SECRET, owner.org_id), body, int(time.time()))
    again = client.post(
        f"/sandbox/webhooks/{owner.org_id}", content=body, headers={"Stripe-Signature": signature}
    )
    assert again.json() == {"received": True, "duplicate": True}
    kinds = [
        e["kind"] for e in client.get("/v1/events/by_ref/SB2", headers=owner.headers).json()["data"]
    ]
    assert kinds.count("payment_succeeded") == 1


def test_an_event_signed_with_another_orgs_secret_is_refused(
    app: FastAPI, client: TestClient
) -> None:
    owner, other = register(client), register(client)
    body = json.dumps(
        {"id": "evt_x", "type": "payment_intent.succeeded", "created": 1, "data": {"object": {}}}
    )
    signature = sign(signing_secret(TEST_SECRET, other.org_id), body, int(time.time()))
    response = client.post(
        f"/sandbox/webhooks/{owner.org_id}", content=body, headers={"Stripe-Signature": signature}
    )
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"


def test_an_undelivered_event_is_retried_later(
    app: FastAPI, client: TestClient, clock: FrozenClock
) -> None:
    owner = register(client)  # no intake served: the first delivery fails
    _failed(client, owner, "SB3")
    _charge_and_die(app, clock, owner.org_id, "SB3")
    (event,) = _events(app)
    assert (event.status, event.attempts) == ("pending", 1)
    assert event.next_try_at > clock.now()


def test_paying_on_the_hosted_page_sends_checkout_completed_once(
    app: FastAPI, client: TestClient, intake: None
) -> None:
    owner = register(client)
    _failed(client, owner, "SB4")
    token = client.post("/v1/recoveries/by_ref/SB4/link", json={}, headers=owner.headers).json()[
        "token"
    ]
    client.post(f"/v1/recoveries/by_token/{token}/checkout", json={})
    paid = client.post(f"/sandbox/checkout/{token}/pay", follow_redirects=False)
    assert paid.headers["location"].endswith(f"/pay/{token}/success")
    app.state.runner.drain()
    (event,) = _events(app)
    assert (event.event_type, event.status) == ("checkout.session.completed", "delivered")
    kinds = [
        e["kind"] for e in client.get("/v1/events/by_ref/SB4", headers=owner.headers).json()["data"]
    ]
    assert kinds.count("payment_succeeded") == 1
