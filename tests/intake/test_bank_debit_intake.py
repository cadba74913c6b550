"""Intake of bank debits through the API: the debit types are accepted and their bank return
codes classified; a type we do not know is a 422 naming the field."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.intake.conftest import failure_body

URL = "/v1/events/payment_failed"


def _post(client: TestClient, headers: dict[str, str], **fields: Any) -> Any:
    body = failure_body(**{"gateway": "other", "decline_code": None, "currency": "USD", **fields})
    return client.post(URL, json=body, headers=headers)


def test_an_ach_return_for_funds_is_insufficient_funds(
    client: TestClient, key_headers: dict[str, str]
) -> None:
    response = _post(client, key_headers, payment_method_type="ach_debit", failure_code="R01")
    assert response.status_code == 202, response.text
    assert response.json()["classification"]["category"] == "insufficient_funds"


def test_a_sepa_refund_request_is_a_revoked_mandate(
    client: TestClient, key_headers: dict[str, str]
) -> None:
    response = _post(client, key_headers, payment_method_type="sepa_debit", failure_code="MD06")
    assert response.json()["classification"]["category"] == "mandate_revoked"


def test_a_revoked_debit_is_not_retryable(client: TestClient, key_headers: dict[str, str]) -> None:
    response = _post(client, key_headers, payment_method_type="ach_debit", failure_code="R10")
    assert response.json()["classification"]["retryable"] is False


def test_a_bacs_debit_is_accepted(client: TestClient, key_headers: dict[str, str]) -> None:
    response = _post(client, key_headers, payment_method_type="bacs_debit", currency="GBP")
    assert response.status_code == 202, response.text


def test_an_unknown_debit_name_is_422_naming_the_field(
    client: TestClient, key_headers: dict[str, str]
) -> None:
    response = _post(client, key_headers, payment_method_type="becs_debit")
    assert response.status_code == 422
    assert "payment_method_type" in response.text
