from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.conftest import START
from tests.factories import Account, create_api_key, invite_and_join
from tests.intake.conftest import failure_body
from tinko.payments.models import PaymentEvent, Transaction

URL = "/v1/events/payment_failed"


def _count(app: FastAPI, model: type) -> int:
    with app.state.session_factory() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_failure_is_accepted_classified_and_opens_a_case(
    client: TestClient, key_headers: dict[str, str]
) -> None:
    response = client.post(URL, json=failure_body(), headers=key_headers)
    assert response.status_code == 202
    body = response.json()
    assert body["event_id"].startswith("evt_")
    assert body["transaction_id"].startswith("txn_")
    assert body["classification"]["category"] == "insufficient_funds"
    assert body["classification"]["decline_type"] == "soft"
    assert "upi" in body["classification"]["alternate_methods"]
    assert body["recovery"]["id"].startswith("rec_")
    assert body["recovery"]["status"] == "pending"  # planned by a job right after commit


def test_same_reference_updates_one_transaction_and_case(
    client: TestClient, app: FastAPI, key_headers: dict[str, str]
) -> None:
    first = client.post(URL, json=failure_body(), headers=key_headers).json()
    later = (START - timedelta(minutes=1)).isoformat()
    second = client.post(
        URL, json=failure_body(decline_code="do_not_honor", occurred_at=later), headers=key_headers
    ).json()
    assert first["transaction_id"] == second["transaction_id"]
    assert first["recovery"]["id"] == second["recovery"]["id"]
    assert first["event_id"] != second["event_id"]
    assert _count(app, Transaction) == 1
    assert _count(app, PaymentEvent) == 2


def test_admin_jwt_may_report(client: TestClient, owner: Account) -> None:
    admin = invite_and_join(client, owner, "admin")
    assert client.post(URL, json=failure_body(), headers=admin.headers).status_code == 202


def test_viewer_may_not_report(client: TestClient, owner: Account) -> None:
    viewer_key = create_api_key(client, owner, role="viewer")["key"]
    response = client.post(URL, json=failure_body(), headers={"X-API-Key": viewer_key})
    assert response.status_code == 403


def test_events_by_ref_lists_the_transaction_events(
    client: TestClient, key_headers: dict[str, str]
) -> None:
    client.post(URL, json=failure_body(), headers=key_headers)
    response = client.get("/v1/events/by_ref/order_1001", headers=key_headers)
    assert response.status_code == 200
    [event] = response.json()["data"]
    assert event["kind"] == "payment_failed"
    assert event["source"] == "api"
    assert event["amount"] == 49900


def test_events_by_unknown_ref_is_404(client: TestClient, key_headers: dict[str, str]) -> None:
    assert client.get("/v1/events/by_ref/nope", headers=key_headers).status_code == 404


def test_unknown_gateway_is_accepted_as_other_and_classified_from_message(
    client: TestClient, key_headers: dict[str, str]
) -> None:
    body = failure_body(
        gateway="ShinyPay", decline_code=None, failure_message="Card reported stolen"
    )
    response = client.post(URL, json=body, headers=key_headers)
    assert response.status_code == 202
    assert response.json()["classification"]["category"] == "lost_stolen_fraud"
    assert response.json()["classification"]["source"].startswith("message:")


def _rejected(
    client: TestClient, headers: dict[str, str], app: FastAPI, **overrides: object
) -> dict:
    response = client.post(URL, json=failure_body(**overrides), headers=headers)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert _count(app, Transaction) == 0
    assert _count(app, PaymentEvent) == 0
    return dict(response.json())


def test_invalid_currency_is_422(
    client: TestClient, app: FastAPI, key_headers: dict[str, str]
) -> None:
    problem = _rejected(client, key_headers, app, currency="RUPEES")
    assert problem["errors"][0]["loc"] == ["body", "currency"]


@pytest.mark.parametrize("code", ["XXX", "XTS", "XAU"])
def test_iso_codes_that_are_not_money_are_422(
    client: TestClient, app: FastAPI, key_headers: dict[str, str], code: str
) -> None:
    problem = _rejected(client, key_headers, app, currency=code)
    assert problem["errors"][0]["loc"] == ["body", "currency"]


def test_zero_amount_is_422(client: TestClient, app: FastAPI, key_headers: dict[str, str]) -> None:
    _rejected(client, key_headers, app, amount=0)


def test_negative_amount_is_422(
    client: TestClient, app: FastAPI, key_headers: dict[str, str]
) -> None:
    _rejected(client, key_headers, app, amount=-100)


def test_absurd_amount_is_422(
    client: TestClient, app: FastAPI, key_headers: dict[str, str]
) -> None:
    _rejected(client, key_headers, app, amount=10**15)


def test_fractional_amount_is_422(
    client: TestClient, app: FastAPI, key_headers: dict[str, str]
) -> None:
    problem = _rejected(client, key_headers, app, amount=499.5)
    assert "minor units" in problem["detail"]


def test_missing_reference_is_422(
    client: TestClient, app: FastAPI, key_headers: dict[str, str]
) -> None:
    body = failure_body()
    del body["transaction_ref"]
    response = client.post(URL, json=body, headers=key_headers)
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "transaction_ref"]


def test_timestamp_without_offset_is_422(
    client: TestClient, app: FastAPI, key_headers: dict[str, str]
) -> None:
    _rejected(client, key_headers, app, occurred_at="2026-11-02T09:00:00")


def test_far_future_timestamp_is_422(
    client: TestClient, app: FastAPI, key_headers: dict[str, str]
) -> None:
    problem = _rejected(
        client, key_headers, app, occurred_at=(START + timedelta(days=2)).isoformat()
    )
    assert problem["errors"][0]["loc"] == ["body", "occurred_at"]


def test_oversized_metadata_is_422(
    client: TestClient, app: FastAPI, key_headers: dict[str, str]
) -> None:
    _rejected(client, key_headers, app, metadata={f"k{i}": "v" for i in range(51)})


def test_long_metadata_value_is_422(
    client: TestClient, app: FastAPI, key_headers: dict[str, str]
) -> None:
    _rejected(client, key_headers, app, metadata={"note": "x" * 501})


def test_unknown_payment_method_type_is_422(
    client: TestClient, app: FastAPI, key_headers: dict[str, str]
) -> None:
    _rejected(client, key_headers, app, payment_method_type="cheque")


def test_unknown_field_is_422(
    client: TestClient, app: FastAPI, key_headers: dict[str, str]
) -> None:
    _rejected(client, key_headers, app, amount_in_rupees=499)


def test_bad_json_is_422(client: TestClient, key_headers: dict[str, str]) -> None:
    headers = {**key_headers, "Content-Type": "application/json"}
    response = client.post(URL, content=b"{not json", headers=headers)
    assert response.status_code == 422


def test_revoked_key_is_401(client: TestClient, owner: Account) -> None:
    created = create_api_key(client, owner)
    client.delete(f"/v1/api-keys/{created['id']}", headers=owner.headers)
    response = client.post(URL, json=failure_body(), headers={"X-API-Key": created["key"]})
    assert response.status_code == 401


def test_classify_endpoint(client: TestClient, key_headers: dict[str, str]) -> None:
    response = client.post(
        "/v1/classify",
        json={"gateway": "stripe", "failure_code": "card_declined", "decline_code": "stolen_card"},
        headers=key_headers,
    )
    assert response.status_code == 200
    body = response.json()
    assert body["category"] == "lost_stolen_fraud"
    assert body["retryable"] is False
    assert set(body) >= {
        "category",
        "decline_type",
        "retryable",
        "confidence",
        "recommended_action",
        "cooldown_seconds",
        "alternate_methods",
        "reason",
        "source",
    }


def test_classify_unknown_is_unknown_not_an_error(
    client: TestClient, key_headers: dict[str, str]
) -> None:
    response = client.post("/v1/classify", json={"failure_code": "zz_top"}, headers=key_headers)
    assert response.status_code == 200
    assert response.json()["category"] == "unknown"
    assert response.json()["confidence"] <= 0.3
