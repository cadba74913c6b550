from __future__ import annotations

import time
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

T0 = 1_793_000_000  # event "created" times (2026-10-26), as Stripe sends them


@pytest.fixture
def endpoint(client: TestClient, owner: Account) -> dict[str, Any]:
    response = client.post("/v1/webhook-endpoints", json={"psp": "stripe"}, headers=owner.headers)
    return dict(response.json())


def _post(client: TestClient, endpoint: dict[str, Any], body: str, **kwargs: Any) -> Any:
    headers = psp.stripe_headers(body, kwargs.pop("secret", endpoint["secret"]), **kwargs)
    return client.post(f"/v1/webhooks/stripe/{endpoint['id']}", content=body, headers=headers)


def _rows(app: FastAPI, model: type) -> list[Any]:
    app.state.runner.drain()
    with app.state.session_factory() as session:
        return list(session.scalars(select(model)).all())


def test_payment_intent_failed_opens_a_case(
    client: TestClient, app: FastAPI, endpoint: dict[str, Any]
) -> None:
    body = psp.stripe_event(
        "payment_intent.payment_failed", psp.stripe_payment_intent_failed("pi_1"), created=T0
    )
    response = _post(client, endpoint, body)
    assert response.status_code == 200
    [txn] = _rows(app, Transaction)
    assert txn.transaction_ref == "pi_1"
    assert txn.amount_minor == 4900
    assert txn.currency == "USD"
    assert txn.card_network == "visa"
    [case] = _rows(app, RecoveryCase)
    assert case.category == "insufficient_funds"
    assert case.status == "scheduled"


def test_the_cards_issuer_is_kept_for_outage_holds(
    client: TestClient, app: FastAPI, endpoint: dict[str, Any]
) -> None:
    body = psp.stripe_event(
        "payment_intent.payment_failed", psp.stripe_payment_intent_failed("pi_9"), created=T0
    )
    _post(client, endpoint, body)
    [txn] = _rows(app, Transaction)
    assert txn.card_issuer == "Chase"


def test_metadata_transaction_ref_wins(
    client: TestClient, app: FastAPI, endpoint: dict[str, Any]
) -> None:
    obj = psp.stripe_payment_intent_failed("pi_2", metadata={"transaction_ref": "inv_77"})
    _post(client, endpoint, psp.stripe_event("payment_intent.payment_failed", obj, created=T0))
    [txn] = _rows(app, Transaction)
    assert txn.transaction_ref == "inv_77"


def test_network_advice_code_is_read(
    client: TestClient, app: FastAPI, endpoint: dict[str, Any]
) -> None:
    obj = psp.stripe_payment_intent_failed(
        "pi_3", decline_code="do_not_honor", network_advice_code="03"
    )
    _post(client, endpoint, psp.stripe_event("payment_intent.payment_failed", obj, created=T0))
    [case] = _rows(app, RecoveryCase)
    assert case.classification["retryable"] is False
    assert case.classification["source"].startswith("mastercard_mac")


def test_charge_failed_for_the_same_charge_is_not_a_second_failure(
    client: TestClient, app: FastAPI, endpoint: dict[str, Any]
) -> None:
    pi = psp.stripe_payment_intent_failed("pi_4", charge_id="ch_4")
    _post(client, endpoint, psp.stripe_event("payment_intent.payment_failed", pi, created=T0))
    charge = psp.stripe_charge_failed("ch_4", "pi_4")
    _post(client, endpoint, psp.stripe_event("charge.failed", charge, created=T0))
    [case] = _rows(app, RecoveryCase)
    assert case.failure_count == 1
    assert len(_rows(app, PaymentEvent)) == 2


def test_success_closes_the_case_as_recovered(
    client: TestClient, app: FastAPI, endpoint: dict[str, Any]
) -> None:
    failed = psp.stripe_payment_intent_failed("pi_5")
    _post(client, endpoint, psp.stripe_event("payment_intent.payment_failed", failed, created=T0))
    app.state.runner.drain()
    paid = psp.stripe_payment_intent_succeeded("pi_5")
    _post(client, endpoint, psp.stripe_event("payment_intent.succeeded", paid, created=T0 + 3600))
    [case] = _rows(app, RecoveryCase)
    assert case.status == "recovered"
    assert case.closed_at is not None


def test_success_before_failure_ends_paid(
    client: TestClient, app: FastAPI, endpoint: dict[str, Any]
) -> None:
    paid = psp.stripe_payment_intent_succeeded("pi_6")
    _post(client, endpoint, psp.stripe_event("payment_intent.succeeded", paid, created=T0 + 60))
    app.state.runner.drain()
    failed = psp.stripe_payment_intent_failed("pi_6")
    _post(client, endpoint, psp.stripe_event("payment_intent.payment_failed", failed, created=T0))
    [txn] = _rows(app, Transaction)
    assert txn.status == "succeeded"
    assert _rows(app, RecoveryCase) == []
    assert len(_rows(app, PaymentEvent)) == 2


def test_duplicate_delivery_is_acknowledged_and_not_processed_twice(
    client: TestClient, app: FastAPI, endpoint: dict[str, Any]
) -> None:
    body = psp.stripe_event(
        "payment_intent.payment_failed",
        psp.stripe_payment_intent_failed("pi_7"),
        created=T0,
        event_id="evt_dup",
    )
    assert _post(client, endpoint, body).json() == {"received": True, "duplicate": False}
    assert _post(client, endpoint, body).json() == {"received": True, "duplicate": True}
    assert len(_rows(app, PaymentEvent)) == 1
    assert len(_rows(app, WebhookDelivery)) == 1


def test_unhandled_event_type_is_acknowledged_and_ignored(
    client: TestClient, app: FastAPI, endpoint: dict[str, Any]
) -> None:
    body = psp.stripe_event("customer.created", {"id": "cus_1", "object": "customer"}, created=T0)
    assert _post(client, endpoint, body).status_code == 200
    [delivery] = _rows(app, WebhookDelivery)
    assert delivery.status == "ignored"
    assert _rows(app, PaymentEvent) == []


def test_wrong_secret_is_400(client: TestClient, app: FastAPI, endpoint: dict[str, Any]) -> None:
    body = psp.stripe_event("payment_intent.payment_failed", {"id": "pi_x"}, created=T0)
    response = _post(client, endpoint, body, secret="whsec_wrong")
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert _rows(app, WebhookDelivery) == []


def test_missing_signature_is_400(client: TestClient, endpoint: dict[str, Any]) -> None:
    body = psp.stripe_event("payment_intent.payment_failed", {"id": "pi_x"}, created=T0)
    response = client.post(f"/v1/webhooks/stripe/{endpoint['id']}", content=body)
    assert response.status_code == 400


def test_replayed_old_timestamp_is_400(client: TestClient, endpoint: dict[str, Any]) -> None:
    body = psp.stripe_event("payment_intent.payment_failed", {"id": "pi_x"}, created=T0)
    response = _post(client, endpoint, body, timestamp=int(time.time()) - 3600)
    assert response.status_code == 400
    assert "seconds old" in response.json()["detail"]


def test_tampered_body_is_400(client: TestClient, endpoint: dict[str, Any]) -> None:
    body = psp.stripe_event("payment_intent.payment_failed", {"id": "pi_x"}, created=T0)
    headers = psp.stripe_headers(body, endpoint["secret"])
    tampered = body.replace("pi_x", "pi_y")
    response = client.post(
        f"/v1/webhooks/stripe/{endpoint['id']}", content=tampered, headers=headers
    )
    assert response.status_code == 400


def test_one_of_several_v1_signatures_may_match(
    client: TestClient, app: FastAPI, endpoint: dict[str, Any]
) -> None:
    body = psp.stripe_event("customer.created", {"id": "cus_1"}, created=T0)
    good = psp.stripe_headers(body, endpoint["secret"])["Stripe-Signature"]
    t, v1 = good.split(",")
    headers = {"Stripe-Signature": f"{t},v1={'0' * 64},{v1}"}
    response = client.post(f"/v1/webhooks/stripe/{endpoint['id']}", content=body, headers=headers)
    assert response.status_code == 200


def test_unknown_endpoint_is_404(client: TestClient) -> None:
    body = psp.stripe_event("customer.created", {"id": "cus_1"}, created=T0)
    headers = psp.stripe_headers(body, "whsec_x")
    response = client.post("/v1/webhooks/stripe/whe_unknown", content=body, headers=headers)
    assert response.status_code == 404


def test_endpoint_of_other_psp_is_404(client: TestClient, endpoint: dict[str, Any]) -> None:
    body = psp.stripe_event("customer.created", {"id": "cus_1"}, created=T0)
    headers = psp.razorpay_headers(body, endpoint["secret"])
    response = client.post(f"/v1/webhooks/razorpay/{endpoint['id']}", content=body, headers=headers)
    assert response.status_code == 404


def test_old_secret_works_during_rotation_grace(
    client: TestClient, owner: Account, endpoint: dict[str, Any]
) -> None:
    client.post(f"/v1/webhook-endpoints/{endpoint['id']}/rotate", headers=owner.headers)
    body = psp.stripe_event("customer.created", {"id": "cus_1"}, created=T0)
    assert _post(client, endpoint, body).status_code == 200


def test_old_secret_stops_after_grace(
    client: TestClient, owner: Account, endpoint: dict[str, Any], clock: Any
) -> None:
    from datetime import timedelta

    client.post(f"/v1/webhook-endpoints/{endpoint['id']}/rotate", headers=owner.headers)
    clock.advance(timedelta(hours=25))
    body = psp.stripe_event("customer.created", {"id": "cus_2"}, created=T0)
    assert _post(client, endpoint, body).status_code == 400
