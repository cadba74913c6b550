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


def test_a_charge_with_no_answer_is_asked_again_under_the_same_key(
    client: TestClient, app: FastAPI, owner: Account, stand_in: StandIn, clock: object
) -> None:
    stand_in.on("GET", "/v1/balance", Reply(200, so.balance()))
    saved = client.put(
        "/v1/psp-credentials/stripe", json={"secret_key": STRIPE_KEY}, headers=owner.headers
    )
    assert saved.status_code == 200, saved.text
    calls = count()

    def first_silent_then_paid(seen: Seen) -> Reply:
        return Reply(500, so.api_error()) if next(calls) == 0 else Reply(200, so.payment_intent())

    stand_in.on("POST", PAYMENT_INTENTS, first_silent_then_paid)
    headers = {"X-API-Key": create_api_key(client, owner, role="admin")["key"]}
    assert (
        client.post("/v1/events/payment_failed", json=_failure(), headers=headers).status_code
        == 202
    )
    scheduler = Engine(app, app.state.clock)
    app.state.runner.drain()

    while not stand_in.requests_to("POST", PAYMENT_INTENTS):
        scheduler.run_for(timedelta(hours=1), step=timedelta(minutes=10))
    assert _recovery(client, headers)["status"] == "in_progress"

    scheduler.run_for(timedelta(hours=1), step=timedelta(minutes=5))
    first, second = stand_in.requests_to("POST", PAYMENT_INTENTS)
    assert first.headers["idempotency-key"] == second.headers["idempotency-key"]
    recovery = _recovery(client, headers)
    assert recovery["status"] == "recovered"
    assert [a["outcome"] for a in recovery["attempts"] if a["kind"] == "psp_retry"] == ["succeeded"]
