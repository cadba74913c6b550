"""`customer.timezone` on a failure: an IANA zone, stored with the transaction."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.intake.conftest import failure_body
from tinko.payments.models import Transaction

URL = "/v1/events/payment_failed"
CUSTOMER = {"id": "cust_1", "email": "payer@example.in", "timezone": "Asia/Kolkata"}


def test_the_customers_zone_is_stored(
    client: TestClient, app: FastAPI, key_headers: dict[str, str]
) -> None:
    response = client.post(URL, json=failure_body(customer=CUSTOMER), headers=key_headers)
    assert response.status_code == 202, response.text
    with app.state.session_factory() as session:
        transaction = session.scalars(select(Transaction)).one()
    assert transaction.customer_timezone == "Asia/Kolkata"


def test_an_unknown_zone_is_422_naming_the_field(
    client: TestClient, key_headers: dict[str, str]
) -> None:
    body = failure_body(customer={**CUSTOMER, "timezone": "Mars/Olympus"})
    response = client.post(URL, json=body, headers=key_headers)
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["loc"] == ["body", "customer", "timezone"]
