"""Stripe's bank debits through the signed webhook: a failed SEPA or ACH debit keeps its method
type, is classified from Stripe's failure code, and is planned under the debit rules."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.factories import Account
from tests.intake import psp
from tinko.payments.models import Transaction
from tinko.recovery.models import RecoveryAttempt, RecoveryCase

T0 = 1_793_000_000  # 2026-10-26, as Stripe sends "created"


@pytest.fixture
def endpoint(client: TestClient, owner: Account) -> dict[str, Any]:
    response = client.post("/v1/webhook-endpoints", json={"psp": "stripe"}, headers=owner.headers)
    return dict(response.json())


def _send(
    client: TestClient, endpoint: dict[str, Any], event_type: str, obj: dict[str, Any]
) -> None:
    body = psp.stripe_event(event_type, obj, created=T0)
    headers = psp.stripe_headers(body, endpoint["secret"])
    response = client.post(f"/v1/webhooks/stripe/{endpoint['id']}", content=body, headers=headers)
    assert response.status_code == 200, response.text


def _one(app: FastAPI, model: type) -> Any:
    app.state.runner.drain()
    with app.state.session_factory() as session:
        [row] = session.scalars(select(model)).all()
        return row


def _retries(app: FastAPI) -> list[RecoveryAttempt]:
    with app.state.session_factory() as session:
        query = select(RecoveryAttempt).where(RecoveryAttempt.kind == "psp_retry")
        return list(session.scalars(query).all())


def sepa_charge_failed(charge_id: str, failure_code: str) -> dict[str, Any]:
    """A Charge as Stripe sends it for a returned SEPA debit (failure_code carries the return:
    https://docs.stripe.com/payments/sepa-debit#failed-payments)."""
    return {
        "id": charge_id,
        "object": "charge",
        "amount": 2900,
        "currency": "eur",
        "status": "failed",
        "paid": False,
        "payment_intent": f"pi_{charge_id}",
        "failure_code": failure_code,
        "failure_message": "The customer's bank returned the debit.",
        "metadata": {},
        "billing_details": {"email": "payer@example.de", "name": "Ada Payer", "phone": None},
        "outcome": {"network_status": "declined_by_network", "type": "issuer_declined"},
        "customer": "cus_sepa_1",
        "payment_method": "pm_sepa_1",
        "payment_method_details": {
            "type": "sepa_debit",
            "sepa_debit": {"country": "DE", "last4": "3000", "mandate": "mandate_1"},
        },
    }


def ach_intent_failed(pi_id: str, code: str) -> dict[str, Any]:
    """A PaymentIntent whose us_bank_account debit came back (ACH return mapped by Stripe:
    https://docs.stripe.com/payments/ach-direct-debit#failed-payments)."""
    return {
        "id": pi_id,
        "object": "payment_intent",
        "amount": 9900,
        "currency": "usd",
        "status": "requires_payment_method",
        "customer": "cus_ach_1",
        "metadata": {},
        "last_payment_error": {
            "type": "invalid_request_error",
            "code": code,
            "message": "The customer's bank returned the debit.",
            "payment_method": {
                "id": "pm_ach_1",
                "object": "payment_method",
                "type": "us_bank_account",
                "billing_details": {"email": "payer@example.com", "name": "Ada", "phone": None},
                "us_bank_account": {"bank_name": "STRIPE TEST BANK", "last4": "6789"},
            },
        },
    }


def test_a_returned_sepa_debit_keeps_its_method_type(
    client: TestClient, app: FastAPI, endpoint: dict[str, Any]
) -> None:
    _send(client, endpoint, "charge.failed", sepa_charge_failed("ch_s1", "insufficient_funds"))
    txn = _one(app, Transaction)
    assert (txn.payment_method_type, txn.card_network) == ("sepa_debit", None)


def test_a_sepa_debit_returned_for_funds_is_retried(
    client: TestClient, app: FastAPI, endpoint: dict[str, Any]
) -> None:
    _send(client, endpoint, "charge.failed", sepa_charge_failed("ch_s2", "insufficient_funds"))
    case = _one(app, RecoveryCase)
    assert (case.category, case.status) == ("insufficient_funds", "scheduled")
    assert _retries(app)


def test_an_unauthorised_sepa_debit_is_never_retried(
    client: TestClient, app: FastAPI, endpoint: dict[str, Any]
) -> None:
    _send(client, endpoint, "charge.failed", sepa_charge_failed("ch_s3", "debit_not_authorized"))
    case = _one(app, RecoveryCase)
    assert case.category == "mandate_revoked"
    assert _retries(app) == []


def test_a_returned_ach_debit_is_an_ach_debit(
    client: TestClient, app: FastAPI, endpoint: dict[str, Any]
) -> None:
    _send(
        client,
        endpoint,
        "payment_intent.payment_failed",
        ach_intent_failed("pi_a1", "insufficient_funds"),
    )
    txn = _one(app, Transaction)
    assert txn.payment_method_type == "ach_debit"


def test_an_ach_debit_returned_for_funds_is_represented_at_most_twice(
    client: TestClient, app: FastAPI, endpoint: dict[str, Any]
) -> None:
    _send(
        client,
        endpoint,
        "payment_intent.payment_failed",
        ach_intent_failed("pi_a2", "insufficient_funds"),
    )
    assert _one(app, RecoveryCase).category == "insufficient_funds"
    assert 1 <= len(_retries(app)) <= 2
