"""One PSP charge in flight per case, against a Stripe stand-in that holds each charge until
the test lets it answer: a retry-now while a charge is at the PSP is refused, and a cancel
waits for the charge's outcome (money that arrives makes the case recovered)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.conftest import START
from tests.factories import Account, create_api_key
from tests.psp import stripe_objects as so
from tests.psp.conftest import STRIPE_KEY
from tests.psp.stand_in import Reply, Seen, StandIn

PAYMENT_INTENTS = "/v1/payment_intents"
WAIT = 20.0  # a bound on waiting for another thread, never a timing the test relies on


class SlowPSP:
    """Holds every charge until `release()`; `reached.wait()` returns once one arrived."""

    def __init__(self, stand_in: StandIn, reply: Reply) -> None:
        self.reached = threading.Event()
        self._release = threading.Event()
        self._reply = reply
        stand_in.on("POST", PAYMENT_INTENTS, self._answer)

    def _answer(self, seen: Seen) -> Reply:
        self.reached.set()
        self._release.wait(WAIT)
        return self._reply

    def release(self) -> None:
        self._release.set()


@pytest.fixture
def headers(client: TestClient, owner: Account, stand_in: StandIn) -> dict[str, str]:
    stand_in.on("GET", "/v1/balance", Reply(200, so.balance()))
    saved = client.put(
        "/v1/psp-credentials/stripe", json={"secret_key": STRIPE_KEY}, headers=owner.headers
    )
    assert saved.status_code == 200, saved.text
    return {"X-API-Key": create_api_key(client, owner, role="admin")["key"]}


@pytest.fixture
def case_id(client: TestClient, app: FastAPI, headers: dict[str, str]) -> Iterator[str]:
    failure = {
        "transaction_ref": "order-slow-1",
        "amount": 49900,
        "currency": "INR",
        "gateway": "stripe",
        "decline_code": "insufficient_funds",
        "payment_method_type": "card",
        "payment_method_ref": "pm_1Tinko01",
        "card_network": "visa",
        "customer": {"id": "cus_Tinko01", "email": "asha@example.in"},
        "occurred_at": (START - timedelta(minutes=1)).isoformat(),
    }
    assert (
        client.post("/v1/events/payment_failed", json=failure, headers=headers).status_code == 202
    )
    app.state.runner.drain()
    found = client.get("/v1/recoveries/by_ref/order-slow-1", headers=headers).json()
    yield str(found["id"])
    app.state.runner.drain()


def _recovery(client: TestClient, headers: dict[str, str], case_id: str) -> dict[str, object]:
    return dict(client.get(f"/v1/recoveries/{case_id}", headers=headers).json())


def _charge_in_flight(
    client: TestClient, headers: dict[str, str], case_id: str, psp: SlowPSP
) -> str:
    """Retry now and wait until the charge is at the PSP; the id of its attempt."""
    started = client.post(f"/v1/recoveries/{case_id}/retry-now", headers=headers)
    assert started.status_code == 202, started.text
    assert psp.reached.wait(WAIT), "the charge never reached the PSP"
    [attempt] = [
        a for a in started.json()["attempts"] if a["kind"] == "psp_retry" and a["outcome"] is None
    ]
    return str(attempt["id"])


def test_retry_now_while_a_charge_is_at_the_psp_is_409_naming_it(
    client: TestClient, app: FastAPI, stand_in: StandIn, headers: dict[str, str], case_id: str
) -> None:
    psp = SlowPSP(stand_in, Reply(200, so.payment_intent()))
    first = _charge_in_flight(client, headers, case_id, psp)

    again = client.post(f"/v1/recoveries/{case_id}/retry-now", headers=headers)
    psp.release()
    app.state.runner.drain()

    assert again.status_code == 409, again.text
    assert again.json()["attempt_id"] == first
    assert first in again.json()["detail"]


def test_staggered_retry_now_calls_charge_the_customer_once(
    client: TestClient, app: FastAPI, stand_in: StandIn, headers: dict[str, str], case_id: str
) -> None:
    psp = SlowPSP(stand_in, Reply(200, so.payment_intent()))
    _charge_in_flight(client, headers, case_id, psp)
    for _ in range(3):
        client.post(f"/v1/recoveries/{case_id}/retry-now", headers=headers)
    psp.release()
    app.state.runner.drain()

    assert len(stand_in.requests_to("POST", PAYMENT_INTENTS)) == 1
    assert _recovery(client, headers, case_id)["status"] == "recovered"


def test_concurrent_retry_now_calls_charge_the_customer_once(
    client: TestClient, app: FastAPI, stand_in: StandIn, headers: dict[str, str], case_id: str
) -> None:
    psp = SlowPSP(stand_in, Reply(200, so.payment_intent()))
    _charge_in_flight(client, headers, case_id, psp)
    url = f"/v1/recoveries/{case_id}/retry-now"
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda _: client.post(url, headers=headers).status_code, range(8)))
    psp.release()
    app.state.runner.drain()

    assert answers == [409] * 8
    assert len(stand_in.requests_to("POST", PAYMENT_INTENTS)) == 1


def test_cancel_while_a_charge_is_at_the_psp_stays_in_progress(
    client: TestClient, app: FastAPI, stand_in: StandIn, headers: dict[str, str], case_id: str
) -> None:
    psp = SlowPSP(stand_in, Reply(200, so.payment_intent()))
    _charge_in_flight(client, headers, case_id, psp)

    cancelled = client.post(f"/v1/recoveries/{case_id}/cancel", headers=headers)
    psp.release()

    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "in_progress"


def test_money_that_arrives_after_a_cancel_recovers_the_case_and_is_flagged(
    client: TestClient, app: FastAPI, stand_in: StandIn, headers: dict[str, str], case_id: str
) -> None:
    psp = SlowPSP(stand_in, Reply(200, so.payment_intent()))
    _charge_in_flight(client, headers, case_id, psp)
    client.post(f"/v1/recoveries/{case_id}/cancel", headers=headers)
    psp.release()
    app.state.runner.drain()

    recovery = _recovery(client, headers, case_id)
    assert recovery["status"] == "recovered"
    kinds = [entry["kind"] for entry in recovery["timeline"]]  # type: ignore[attr-defined]
    assert "charged_after_cancel" in kinds


def test_a_decline_after_a_cancel_closes_the_case_as_cancelled(
    client: TestClient, app: FastAPI, stand_in: StandIn, headers: dict[str, str], case_id: str
) -> None:
    psp = SlowPSP(stand_in, Reply(402, so.card_error()))
    _charge_in_flight(client, headers, case_id, psp)
    client.post(f"/v1/recoveries/{case_id}/cancel", headers=headers)
    psp.release()
    app.state.runner.drain()

    recovery = _recovery(client, headers, case_id)
    assert recovery["status"] == "cancelled"
    unfinished = [a for a in recovery["attempts"] if a["outcome"] is None]  # type: ignore[attr-defined]
    assert unfinished == []
