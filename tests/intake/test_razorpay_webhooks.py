from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.factories import Account
from tests.intake import psp
from tinko.intake.models import WebhookDelivery
from tinko.payments.models import PaymentEvent, Transaction
from tinko.recovery.models import RecoveryCase

T0 = 1_793_000_000


@pytest.fixture
def endpoint(client: TestClient, owner: Account) -> dict[str, Any]:
    response = client.post("/v1/webhook-endpoints", json={"psp": "razorpay"}, headers=owner.headers)
    return dict(response.json())


def _post(
    client: TestClient, endpoint: dict[str, Any], body: str, event_id: str | None = None
) -> Any:
    headers = psp.razorpay_headers(body, endpoint["secret"], event_id)
    return client.post(f"/v1/webhooks/razorpay/{endpoint['id']}", content=body, headers=headers)


def _rows(app: FastAPI, model: type) -> list[Any]:
    app.state.runner.drain()
    with app.state.session_factory() as session:
        return list(session.scalars(select(model)).all())


def test_payment_failed_opens_a_upi_case(
    client: TestClient, app: FastAPI, endpoint: dict[str, Any]
) -> None:
    body = psp.razorpay_event(
        "payment.failed", {"payment": psp.razorpay_payment("pay_1")}, created_at=T0
    )
    assert _post(client, endpoint, body, "evt_rzp_1").status_code == 200
    [txn] = _rows(app, Transaction)
    assert txn.transaction_ref == "pay_1"
    assert txn.payment_method_type == "upi"
    assert txn.currency == "INR"
    [case] = _rows(app, RecoveryCase)
    assert case.category == "upi_pending_timeout"


def test_a_card_payments_issuer_is_kept_for_outage_holds(
    client: TestClient, app: FastAPI, endpoint: dict[str, Any]
) -> None:
    payment = psp.razorpay_payment("pay_9", method="card", error_reason="bank_technical_error")
    payment["entity"]["card"] = {"network": "Visa", "issuer": "HDFC", "last4": "1111"}
    body = psp.razorpay_event("payment.failed", {"payment": payment}, created_at=T0)
    assert _post(client, endpoint, body, "evt_rzp_9").status_code == 200
    [txn] = _rows(app, Transaction)
    assert (txn.card_network, txn.card_issuer) == ("visa", "HDFC")


def test_notes_transaction_ref_wins(
    client: TestClient, app: FastAPI, endpoint: dict[str, Any]
) -> None:
    payment = psp.razorpay_payment("pay_2", notes={"transaction_ref": "sub_inv_9"})
    _post(
        client, endpoint, psp.razorpay_event("payment.failed", {"payment": payment}, created_at=T0)
    )
    [txn] = _rows(app, Transaction)
    assert txn.transaction_ref == "sub_inv_9"


def test_capture_of_a_retry_on_the_same_order_recovers(
    client: TestClient, app: FastAPI, endpoint: dict[str, Any]
) -> None:
    failed = psp.razorpay_payment("pay_3", order_id="order_3")
    _post(
        client, endpoint, psp.razorpay_event("payment.failed", {"payment": failed}, created_at=T0)
    )
    app.state.runner.drain()
    paid = psp.razorpay_payment("pay_3b", status="captured", order_id="order_3")
    body = psp.razorpay_event("payment.captured", {"payment": paid}, created_at=T0 + 600)
    _post(client, endpoint, body)
    [case] = _rows(app, RecoveryCase)
    assert case.status == "recovered"


def test_duplicate_event_id_is_not_processed_twice(
    client: TestClient, app: FastAPI, endpoint: dict[str, Any]
) -> None:
    body = psp.razorpay_event(
        "payment.failed", {"payment": psp.razorpay_payment("pay_4")}, created_at=T0
    )
    assert _post(client, endpoint, body, "evt_same").json()["duplicate"] is False
    assert _post(client, endpoint, body, "evt_same").json()["duplicate"] is True
    assert len(_rows(app, PaymentEvent)) == 1


def test_identical_body_without_event_id_is_deduplicated(
    client: TestClient, app: FastAPI, endpoint: dict[str, Any]
) -> None:
    body = psp.razorpay_event(
        "payment.failed", {"payment": psp.razorpay_payment("pay_5")}, created_at=T0
    )
    _post(client, endpoint, body)
    assert _post(client, endpoint, body).json()["duplicate"] is True
    assert len(_rows(app, WebhookDelivery)) == 1


def test_bad_signature_is_400(client: TestClient, app: FastAPI, endpoint: dict[str, Any]) -> None:
    body = psp.razorpay_event(
        "payment.failed", {"payment": psp.razorpay_payment("p")}, created_at=T0
    )
    headers = psp.razorpay_headers(body, "not-the-secret")
    response = client.post(f"/v1/webhooks/razorpay/{endpoint['id']}", content=body, headers=headers)
    assert response.status_code == 400
    assert _rows(app, WebhookDelivery) == []


def test_halted_subscription_marks_the_mandate_revoked(
    client: TestClient, app: FastAPI, endpoint: dict[str, Any]
) -> None:
    payment = psp.razorpay_payment("pay_6", notes={"transaction_ref": "sub_1_cycle_3"})
    _post(
        client, endpoint, psp.razorpay_event("payment.failed", {"payment": payment}, created_at=T0)
    )
    app.state.runner.drain()
    subscription = {
        "entity": {"id": "sub_1", "status": "halted", "notes": {"transaction_ref": "sub_1_cycle_3"}}
    }
    body = psp.razorpay_event(
        "subscription.halted", {"subscription": subscription}, created_at=T0 + 60
    )
    _post(client, endpoint, body)
    [case] = _rows(app, RecoveryCase)
    assert case.category == "mandate_revoked"
    assert case.classification["retryable"] is False


def test_mandate_event_for_unknown_transaction_is_ignored(
    client: TestClient, app: FastAPI, endpoint: dict[str, Any]
) -> None:
    token = {"entity": {"id": "token_9", "status": "cancelled"}}
    _post(client, endpoint, psp.razorpay_event("token.cancelled", {"token": token}, created_at=T0))
    [delivery] = _rows(app, WebhookDelivery)
    assert delivery.status == "ignored"
    assert _rows(app, Transaction) == []
