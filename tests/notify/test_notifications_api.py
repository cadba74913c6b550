"""`/v1/notifications`: the delivery log."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.factories import Account
from tests.notify.conftest import open_case, queue_for, queued_id
from tinko.kit.clock import FrozenClock


def test_log_lists_status_and_provider_id(
    client: TestClient,
    app: FastAPI,
    clock: FrozenClock,
    owner: Account,
    key_headers: dict[str, str],
) -> None:
    message_id = queued_id(queue_for(app, clock, open_case(client, key_headers), "sms"))
    app.state.runner.drain()
    response = client.get("/v1/notifications?channel=sms", headers=key_headers)
    assert response.status_code == 200
    [entry] = response.json()["data"]
    assert entry["id"] == message_id
    assert (entry["status"], entry["recipient"]) == ("outbox", "+919876543210")
    assert entry["provider_message_id"] == f"outbox:{message_id}.txt"
    assert entry["error"] is None


def test_log_pages_with_a_cursor(
    client: TestClient, app: FastAPI, clock: FrozenClock, key_headers: dict[str, str]
) -> None:
    case_id = open_case(client, key_headers)
    for channel in ("email", "sms"):
        queue_for(app, clock, case_id, channel)
    first = client.get("/v1/notifications?limit=1", headers=key_headers).json()
    assert len(first["data"]) == 1
    second = client.get(
        f"/v1/notifications?limit=1&cursor={first['next_cursor']}", headers=key_headers
    ).json()
    assert second["data"][0]["id"] > first["data"][0]["id"]


def test_detail_shows_what_the_customer_got(
    client: TestClient, app: FastAPI, clock: FrozenClock, key_headers: dict[str, str]
) -> None:
    message_id = queued_id(queue_for(app, clock, open_case(client, key_headers)))
    detail = client.get(f"/v1/notifications/{message_id}", headers=key_headers).json()
    assert "http://127.0.0.1:8000/pay/tok-123.sig" in detail["text"]
    assert detail["html"].startswith("<!DOCTYPE html>")


def test_detail_withholds_account_mail(client: TestClient, app: FastAPI, owner: Account) -> None:
    client.post("/v1/auth/password/forgot", json={"email": owner.email})
    app.state.runner.drain()
    [entry] = client.get("/v1/notifications", headers=owner.headers).json()["data"]
    detail = client.get(f"/v1/notifications/{entry['id']}", headers=owner.headers).json()
    assert (detail["kind"], detail["text"], detail["html"]) == ("password_reset", None, None)
