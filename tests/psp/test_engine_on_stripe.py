"""The recovery engine retrying on a real Stripe account (the stand-in): a charge that got no
answer is asked again under the same Idempotency-Key, never replaced by a second charge."""

from __future__ import annotations

from datetime import timedelta
from itertools import count

from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.conftest import START
from tests.factories import Account, create_api_key
from tests.psp import stripe_objects as so
from tests.psp.conftest import STRIPE_KEY
from tests.psp.stand_in import Reply, Seen, StandIn
from tests.recovery.conftest import Engine

PAYMENT_INTENTS = "/v1/payment_intents"


def _failure() -> dict[str, object]:
    return {
        "transaction_ref": "order-stripe-1",
        "amount": 49900,
        "currency": "INR",
        "gateway": "stripe",
        "decline_code": "issuer_not_available",  # retried on a short backoff
        "payment_method_type": "card",
        "payment_method_ref": "pm_1Tinko01",
        "customer": {"id": "cus_Tinko01", "email": "asha@example.in"},
        "occurred_at": (START - timedelta(minutes=1)).isoformat(),
    }


def _recovery(client: TestClient, headers: dict[str, str]) -> dict[str, object]:
    response = client.get("/v1/recoveries/by_ref/order-stripe-1", headers=headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


def _until_first_charge(scheduler: Engine, stand_in: StandIn) -> None:
    for _ in range(48):
        if stand_in.requests_to("POST", PAYMENT_INTENTS):
            return
        scheduler.run_for(timedelta(hours=1), step=timedelta(minutes=10))
    raise AssertionError("the retry never reached Stripe")


def _save_keys(client: TestClient, owner: Account, stand_in: StandIn) -> dict[str, str]:
    stand_in.on("GET", "/v1/balance", Reply(200, so.balance()))
    saved = client.put(
        "/v1/psp-credentials/stripe", json={"secret_key": STRIPE_KEY}, headers=owner.headers
    )
    assert saved.status_code == 200, saved.text
    return {"X-API-Key": create_api_key(client, owner, role="admin")["key"]}


def test_a_charge_still_processing_is_looked_up_never_charged_again(
    client: TestClient, app: FastAPI, owner: Account, stand_in: StandIn
) -> None:
    headers = _save_keys(client, owner, stand_in)
    stand_in.on("POST", PAYMENT_INTENTS, Reply(200, so.payment_intent(status="processing")))
    stand_in.on("GET", f"{PAYMENT_INTENTS}/pi_3Tinko0001", Reply(200, so.payment_intent()))
    assert (
        client.post("/v1/events/payment_failed", json=_failure(), headers=headers).status_code
        == 202
    )
    scheduler = Engine(app, app.state.clock)
    app.state.runner.drain()
    _until_first_charge(scheduler, stand_in)
    assert _recovery(client, headers)["status"] == "in_progress"

    scheduler.run_for(timedelta(hours=2), step=timedelta(minutes=15))
    assert len(stand_in.requests_to("POST", PAYMENT_INTENTS)) == 1
    assert stand_in.requests_to("GET", f"{PAYMENT_INTENTS}/pi_3Tinko0001")
    assert _recovery(client, headers)["status"] == "recovered"


def test_a_charge_with_no_answer_is_asked_again_under_the_same_key(
    client: TestClient, app: FastAPI, owner: Account, stand_in: StandIn
) -> None:
    headers = _save_keys(client, owner, stand_in)
    calls = count()

    def first_silent_then_paid(seen: Seen) -> Reply:
        return Reply(500, so.api_error()) if next(calls) == 0 else Reply(200, so.payment_intent())

    stand_in.on("POST", PAYMENT_INTENTS, first_silent_then_paid)
    assert (
        client.post("/v1/events/payment_failed", json=_failure(), headers=headers).status_code
        == 202
    )
    scheduler = Engine(app, app.state.clock)
    app.state.runner.drain()

    _until_first_charge(scheduler, stand_in)
    assert _recovery(client, headers)["status"] == "in_progress"

    scheduler.run_for(timedelta(hours=1), step=timedelta(minutes=5))
    first, second = stand_in.requests_to("POST", PAYMENT_INTENTS)
    assert first.headers["idempotency-key"] == second.headers["idempotency-key"]
    recovery = _recovery(client, headers)
    assert recovery["status"] == "recovered"
    assert [a["outcome"] for a in recovery["attempts"] if a["kind"] == "psp_retry"] == ["succeeded"]
