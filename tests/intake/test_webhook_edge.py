"""Signed PSP events checked at the edge: stored scrubbed, or stored as rejected with a reason."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
import stripe
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.factories import Account
from tests.intake import psp
from tinko.intake.models import WebhookDelivery
from tinko.psp.webhook_checks import MAX_EVENT_BYTES
from tinko.recovery.models import RecoveryCase

T0 = 1_793_000_000


@pytest.fixture
def stripe_endpoint(client: TestClient, owner: Account) -> dict[str, Any]:
    response = client.post("/v1/webhook-endpoints", json={"psp": "stripe"}, headers=owner.headers)
    return dict(response.json())


@pytest.fixture
def razorpay_endpoint(client: TestClient, owner: Account) -> dict[str, Any]:
    response = client.post("/v1/webhook-endpoints", json={"psp": "razorpay"}, headers=owner.headers)
    return dict(response.json())


def _stripe(client: TestClient, endpoint: dict[str, Any], body: str, **kwargs: Any) -> Any:
    headers = psp.stripe_headers(body, endpoint["secret"], **kwargs)
    return client.post(f"/v1/webhooks/stripe/{endpoint['id']}", content=body, headers=headers)


def _razorpay(
    client: TestClient, endpoint: dict[str, Any], body: str, event_id: str | None = None
) -> Any:
    headers = psp.razorpay_headers(body, endpoint["secret"], event_id)
    return client.post(f"/v1/webhooks/razorpay/{endpoint['id']}", content=body, headers=headers)


def _deliveries(app: FastAPI) -> list[WebhookDelivery]:
    app.state.runner.drain()
    with app.state.session_factory() as session:
        return list(session.scalars(select(WebhookDelivery)).all())


def _cases(app: FastAPI) -> list[RecoveryCase]:
    with app.state.session_factory() as session:
        return list(session.scalars(select(RecoveryCase)).all())


def _failed(pi_id: str, **overrides: Any) -> dict[str, Any]:
    obj = psp.stripe_payment_intent_failed(pi_id)
    obj.update(overrides)
    return obj


def test_nul_in_a_paid_event_is_stored_scrubbed_and_recovers_the_case(
    client: TestClient, app: FastAPI, stripe_endpoint: dict[str, Any]
) -> None:
    failed = psp.stripe_event("payment_intent.payment_failed", _failed("pi_n"), created=T0)
    _stripe(client, stripe_endpoint, failed)
    # The failure is processed first: a success handled before it leaves no case to close.
    app.state.runner.drain()
    paid = {**psp.stripe_payment_intent_succeeded("pi_n"), "description": "gift\u0000card"}
    response = _stripe(
        client, stripe_endpoint, psp.stripe_event("payment_intent.succeeded", paid, created=T0 + 60)
    )
    assert response.status_code == 200
    deliveries = {d.event_type: d for d in _deliveries(app)}
    stored = deliveries["payment_intent.succeeded"].payload["data"]["object"]
    assert stored["description"] == "gift\ufffdcard"
    [case] = _cases(app)
    assert case.status == "recovered"


def test_deeply_nested_body_is_recorded_as_rejected(
    client: TestClient, app: FastAPI, stripe_endpoint: dict[str, Any]
) -> None:
    body = '{"a":' * 5000 + "1" + "}" * 5000
    response = _stripe(client, stripe_endpoint, body)
    assert response.status_code == 200
    assert "nests deeper" in response.json()["rejected"]
    [delivery] = _deliveries(app)
    assert delivery.status == "rejected"
    assert "nests deeper" in (delivery.error or "")


def test_oversized_body_is_recorded_as_rejected(
    client: TestClient, app: FastAPI, stripe_endpoint: dict[str, Any]
) -> None:
    obj = _failed("pi_big", metadata={"padding": "x" * MAX_EVENT_BYTES})
    body = psp.stripe_event("payment_intent.payment_failed", obj, created=T0)
    assert "larger than" in _stripe(client, stripe_endpoint, body).json()["rejected"]
    [delivery] = _deliveries(app)
    assert delivery.status == "rejected"


def test_created_of_the_wrong_type_is_rejected_and_never_processed(
    client: TestClient, app: FastAPI, stripe_endpoint: dict[str, Any]
) -> None:
    event = json.loads(
        psp.stripe_event("payment_intent.payment_failed", _failed("pi_t"), created=0)
    )
    event["created"] = "yesterday"
    response = _stripe(client, stripe_endpoint, json.dumps(event))
    assert response.json()["rejected"].startswith("created:")
    [delivery] = _deliveries(app)
    assert (delivery.status, delivery.attempts) == ("rejected", 0)
    assert _cases(app) == []


def test_data_object_as_a_list_is_rejected(
    client: TestClient, app: FastAPI, stripe_endpoint: dict[str, Any]
) -> None:
    event = json.loads(psp.stripe_event("charge.failed", {}, created=T0))
    event["data"]["object"] = [1, 2]
    response = _stripe(client, stripe_endpoint, json.dumps(event))
    assert response.json()["rejected"].startswith("data.object:")
    [delivery] = _deliveries(app)
    assert delivery.status == "rejected"


def test_negative_amount_opens_no_case(
    client: TestClient, app: FastAPI, stripe_endpoint: dict[str, Any]
) -> None:
    obj = _failed("pi_neg", amount=-500)
    body = psp.stripe_event("payment_intent.payment_failed", obj, created=T0)
    assert (
        _stripe(client, stripe_endpoint, body).json()["rejected"].startswith("data.object.amount:")
    )
    assert [d.status for d in _deliveries(app)] == ["rejected"]
    assert _cases(app) == []


def test_test_currency_is_rejected(
    client: TestClient, app: FastAPI, stripe_endpoint: dict[str, Any]
) -> None:
    body = psp.stripe_event(
        "payment_intent.payment_failed", _failed("pi_x", currency="xts"), created=T0
    )
    assert "'XTS' is not an ISO 4217" in _stripe(client, stripe_endpoint, body).json()["rejected"]
    assert _cases(app) == []


def test_a_rejected_event_sent_again_is_a_duplicate(
    client: TestClient, app: FastAPI, stripe_endpoint: dict[str, Any]
) -> None:
    body = psp.stripe_event("payment_intent.payment_failed", _failed("pi_d", amount=-1), created=T0)
    assert _stripe(client, stripe_endpoint, body).json()["duplicate"] is False
    assert _stripe(client, stripe_endpoint, body).json()["duplicate"] is True
    assert len(_deliveries(app)) == 1


def test_unhandled_event_types_keep_their_own_amounts(
    client: TestClient, app: FastAPI, stripe_endpoint: dict[str, Any]
) -> None:
    obj = {"id": "cbtxn_1", "object": "customer_balance_transaction", "amount": -500}
    body = psp.stripe_event("customer.balance_transaction.created", obj, created=T0)
    assert "rejected" not in _stripe(client, stripe_endpoint, body).json()
    assert [d.status for d in _deliveries(app)] == ["ignored"]


def test_timestamp_an_hour_ahead_is_400(
    client: TestClient, app: FastAPI, stripe_endpoint: dict[str, Any]
) -> None:
    body = psp.stripe_event("payment_intent.payment_failed", _failed("pi_f"), created=T0)
    ahead = int(time.time()) + 3600
    header = stripe.WebhookSignature.generate_signature_header(
        body, stripe_endpoint["secret"], timestamp=ahead
    )
    response = client.post(
        f"/v1/webhooks/stripe/{stripe_endpoint['id']}",
        content=body,
        headers={"Stripe-Signature": header, "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert "in the future" in response.json()["detail"]
    assert _deliveries(app) == []


def test_timestamp_a_minute_ahead_is_clock_skew_and_accepted(
    client: TestClient, stripe_endpoint: dict[str, Any]
) -> None:
    body = psp.stripe_event("customer.created", {"id": "cus_1"}, created=T0)
    response = _stripe(client, stripe_endpoint, body, timestamp=int(time.time()) + 60)
    assert response.status_code == 200


def test_razorpay_replay_with_another_event_id_header_is_a_duplicate(
    client: TestClient, app: FastAPI, razorpay_endpoint: dict[str, Any]
) -> None:
    payment = psp.razorpay_payment("pay_r", notes={"transaction_ref": "order_r"})
    body = psp.razorpay_event("payment.failed", {"payment": payment}, created_at=T0)
    answers = [
        _razorpay(client, razorpay_endpoint, body, event_id).json()["duplicate"]
        for event_id in ("evt_a", "evt_b", None)
    ]
    assert answers == [False, True, True]
    [delivery] = _deliveries(app)
    assert delivery.external_id == "payment.failed@1793000000:payment=pay_r"
    [case] = _cases(app)
    assert case.failure_count == 1


def test_razorpay_negative_amount_is_rejected(
    client: TestClient, app: FastAPI, razorpay_endpoint: dict[str, Any]
) -> None:
    payment = psp.razorpay_payment("pay_neg")
    payment["entity"]["amount"] = -500
    body = psp.razorpay_event("payment.failed", {"payment": payment}, created_at=T0)
    rejected = _razorpay(client, razorpay_endpoint, body, "evt_neg").json()["rejected"]
    assert rejected.startswith("payload.payment.entity.amount:")
    assert _cases(app) == []
