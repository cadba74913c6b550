"""Signed delivery to a real local receiver, checked with the Standard Webhooks library."""

from __future__ import annotations

import json

from fastapi import FastAPI
from fastapi.testclient import TestClient
from standardwebhooks.webhooks import Webhook

from tests.factories import Account
from tests.merchant_webhooks.conftest import deliveries, drain, fail_a_payment, subscribe
from tests.merchant_webhooks.receiver import Receiver


def test_endpoint_secret_is_shown_once(client: TestClient, owner: Account) -> None:
    created = subscribe(client, owner, "http://127.0.0.1:9/hooks", "recovery.recovered")
    assert created["secret"].startswith("whsec_")
    assert created["events"] == ["recovery.recovered"]
    listed = client.get("/v1/merchant-webhooks", headers=owner.headers).json()["data"]
    assert [e["id"] for e in listed] == [created["id"]]
    assert "secret" not in listed[0]


def test_unknown_event_is_422(client: TestClient, owner: Account) -> None:
    body = {"url": "http://127.0.0.1:9/", "events": ["recovery.exploded"]}
    response = client.post("/v1/merchant-webhooks", json=body, headers=owner.headers)
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "events"]


def test_opened_recovery_is_delivered_signed(
    client: TestClient, app: FastAPI, owner: Account, receiver: Receiver
) -> None:
    endpoint = subscribe(client, owner, receiver.url, "recovery.opened")
    failed = fail_a_payment(client, owner)
    drain(app)
    (got,) = receiver.received
    payload = Webhook(endpoint["secret"]).verify(got.body, got.headers)
    assert payload["type"] == "recovery.opened"
    assert payload["data"]["recovery_id"] == failed["recovery"]["id"]
    assert payload["data"]["explanation"]  # the classifier's reason for the decline
    assert got.headers["webhook-id"] == deliveries(client, owner, endpoint["id"])[0]["id"]


def test_attempt_log_has_status_latency_and_excerpt(
    client: TestClient, app: FastAPI, owner: Account, receiver: Receiver
) -> None:
    endpoint = subscribe(client, owner, receiver.url, "recovery.opened")
    fail_a_payment(client, owner)
    drain(app)
    (delivery,) = deliveries(client, owner, endpoint["id"])
    assert delivery["status"] == "delivered"
    (tried,) = delivery["tries"]
    assert tried["status_code"] == 200
    assert tried["latency_ms"] >= 0
    assert tried["response_excerpt"] == "answer 200"


def test_rotated_secret_signs_beside_the_old_one(
    client: TestClient, app: FastAPI, owner: Account, receiver: Receiver
) -> None:
    endpoint = subscribe(client, owner, receiver.url, "recovery.opened")
    rotated = client.post(
        f"/v1/merchant-webhooks/{endpoint['id']}/rotate", headers=owner.headers
    ).json()
    fail_a_payment(client, owner)
    drain(app)
    (got,) = receiver.received
    assert len(got.headers["webhook-signature"].split(" ")) == 2
    for secret in (endpoint["secret"], rotated["secret"]):
        Webhook(secret).verify(got.body, got.headers)


def test_scheduled_attempt_carries_its_reason(
    client: TestClient, app: FastAPI, owner: Account, receiver: Receiver
) -> None:
    subscribe(client, owner, receiver.url, "recovery.opened", "recovery.attempt_scheduled")
    fail_a_payment(client, owner)
    drain(app)
    sent = [json.loads(r.body) for r in receiver.received]
    scheduled = [p for p in sent if p["type"] == "recovery.attempt_scheduled"]
    assert scheduled, [p["type"] for p in sent]
    assert scheduled[0]["data"]["attempt"]["planned_by"]
    assert scheduled[0]["data"]["explanation"]
