"""Failures of Tinko's own tries at the PSP (a retry, a payer's try on our hosted checkout)
come back through the webhooks too: kept on the timeline, never counted as the customer's."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.factories import Account
from tests.intake import psp
from tinko.payments.models import PaymentEvent, Transaction
from tinko.recovery.models import RecoveryCase

T0 = 1_793_000_000
RETRY = {"transaction_ref": "order_7", "tinko_attempt_id": "att_1"}


def _endpoint(client: TestClient, owner: Account, name: str) -> dict[str, Any]:
    response = client.post("/v1/webhook-endpoints", json={"psp": name}, headers=owner.headers)
    return dict(response.json())


@pytest.fixture
def stripe_endpoint(client: TestClient, owner: Account) -> dict[str, Any]:
    return _endpoint(client, owner, "stripe")


@pytest.fixture
def razorpay_endpoint(client: TestClient, owner: Account) -> dict[str, Any]:
    return _endpoint(client, owner, "razorpay")


def _stripe(client: TestClient, endpoint: dict[str, Any], event_type: str, obj: Any) -> None:
    body = psp.stripe_event(event_type, obj, created=T0)
    headers = psp.stripe_headers(body, endpoint["secret"])
    response = client.post(f"/v1/webhooks/stripe/{endpoint['id']}", content=body, headers=headers)
    assert response.status_code == 200


def _rows(app: FastAPI, model: type) -> list[Any]:
    app.state.runner.drain()
    with app.state.session_factory() as session:
        return list(session.scalars(select(model)).all())


def _customer_failure(client: TestClient, endpoint: dict[str, Any]) -> None:
    obj = psp.stripe_payment_intent_failed("pi_7", metadata={"transaction_ref": "order_7"})
    _stripe(client, endpoint, "payment_intent.payment_failed", obj)
    # Processed before anything later arrives: a success handled first would rightly leave
    # no case to close (the failure finds the payment already made).
    client.app.state.runner.drain()  # type: ignore[attr-defined]


def _retry_failure(charge_id: str = "ch_retry_1") -> dict[str, Any]:
    obj = psp.stripe_payment_intent_failed("pi_7r", charge_id=charge_id, metadata=RETRY)
    obj["last_payment_error"]["payment_method"]["id"] = "pm_other_card"
    return obj


def test_our_retrys_decline_is_not_a_new_failure(
    client: TestClient, app: FastAPI, stripe_endpoint: dict[str, Any]
) -> None:
    _customer_failure(client, stripe_endpoint)
    _stripe(client, stripe_endpoint, "payment_intent.payment_failed", _retry_failure())
    [case] = _rows(app, RecoveryCase)
    assert case.failure_count == 1


def test_our_retrys_decline_leaves_the_payment_method_alone(
    client: TestClient, app: FastAPI, stripe_endpoint: dict[str, Any]
) -> None:
    _customer_failure(client, stripe_endpoint)
    charge = {**psp.stripe_charge_failed("ch_retry_1", "pi_7r"), "metadata": RETRY}
    _stripe(client, stripe_endpoint, "charge.failed", charge)
    _stripe(client, stripe_endpoint, "payment_intent.payment_failed", _retry_failure())
    [txn] = _rows(app, Transaction)
    assert txn.payment_method_ref == "pm_test_1"


def test_our_retrys_decline_is_kept_as_an_event_of_its_own_kind(
    client: TestClient, app: FastAPI, stripe_endpoint: dict[str, Any]
) -> None:
    _customer_failure(client, stripe_endpoint)
    _stripe(client, stripe_endpoint, "payment_intent.payment_failed", _retry_failure())
    kinds = sorted(event.kind for event in _rows(app, PaymentEvent))
    assert kinds == ["payment_failed", "retry_failed"]


def test_our_retrys_decline_opens_no_case_after_the_case_closed(
    client: TestClient, app: FastAPI, owner: Account, stripe_endpoint: dict[str, Any]
) -> None:
    _customer_failure(client, stripe_endpoint)
    [case] = _rows(app, RecoveryCase)
    client.post(f"/v1/recoveries/{case.id}/cancel", headers=owner.headers)
    _stripe(client, stripe_endpoint, "payment_intent.payment_failed", _retry_failure())
    [after] = _rows(app, RecoveryCase)
    assert after.status == "cancelled"


def test_a_payers_failed_try_on_our_checkout_opens_no_case(
    client: TestClient, app: FastAPI, stripe_endpoint: dict[str, Any]
) -> None:
    marks = {"transaction_ref": "order_8", "tinko_checkout_ref": "pco_1"}
    obj = psp.stripe_payment_intent_failed("pi_8", metadata=marks)
    _stripe(client, stripe_endpoint, "payment_intent.payment_failed", obj)
    assert _rows(app, RecoveryCase) == []
    [event] = _rows(app, PaymentEvent)
    assert event.kind == "checkout_failed"


def test_a_success_of_our_checkout_still_closes_the_case(
    client: TestClient, app: FastAPI, stripe_endpoint: dict[str, Any]
) -> None:
    _customer_failure(client, stripe_endpoint)
    marks = {"transaction_ref": "order_7", "tinko_checkout_ref": "pco_1"}
    paid = psp.stripe_payment_intent_succeeded("pi_7c", metadata=marks)
    _stripe(client, stripe_endpoint, "payment_intent.succeeded", paid)
    [case] = _rows(app, RecoveryCase)
    assert case.status == "recovered"


def test_our_razorpay_retrys_failure_is_not_a_new_failure(
    client: TestClient, app: FastAPI, razorpay_endpoint: dict[str, Any]
) -> None:
    first = psp.razorpay_payment("pay_9", notes={"transaction_ref": "order_9"})
    retry = psp.razorpay_payment(
        "pay_9r", order_id="order_9r", notes={"transaction_ref": "order_9", **RETRY}
    )
    retry["entity"]["notes"]["transaction_ref"] = "order_9"
    for event_id, payment in (("evt_rzp_a", first), ("evt_rzp_b", retry)):
        body = psp.razorpay_event("payment.failed", {"payment": payment}, created_at=T0)
        headers = psp.razorpay_headers(body, razorpay_endpoint["secret"], event_id)
        url = f"/v1/webhooks/razorpay/{razorpay_endpoint['id']}"
        assert client.post(url, content=body, headers=headers).status_code == 200
    [case] = _rows(app, RecoveryCase)
    assert case.failure_count == 1
