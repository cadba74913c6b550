"""A failing receiver: retried with backoff on the injected clock, never followed on a
redirect, disabled after three days of failures (owners told), replayed on request."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.factories import Account
from tests.merchant_webhooks.conftest import deliveries, drain, fail_a_payment, subscribe, sweep
from tests.merchant_webhooks.receiver import Receiver
from tinko.kit.clock import FrozenClock
from tinko.merchant_webhooks import delivery
from tinko.merchant_webhooks.models import MerchantWebhookEndpoint
from tinko.notify.models import OutboundMessage


def test_500_is_retried_after_the_backoff(
    client: TestClient, app: FastAPI, clock: FrozenClock, owner: Account, receiver: Receiver
) -> None:
    endpoint = subscribe(client, owner, receiver.url)
    receiver.answer(500)
    fail_a_payment(client, owner)
    drain(app)
    sweep(app, clock)  # not due yet: nothing sent
    assert len(receiver.received) == 1
    clock.advance(delivery.retry_delay(1))
    sweep(app, clock)
    assert len(receiver.received) == 2
    (sent,) = deliveries(client, owner, endpoint["id"])
    assert [t["status_code"] for t in sent["tries"]] == [500, 200]
    assert sent["status"] == "delivered"


def test_redirect_is_a_failure_and_not_followed(
    client: TestClient, app: FastAPI, owner: Account, receiver: Receiver
) -> None:
    endpoint = subscribe(client, owner, receiver.url)
    receiver.answer(302)
    fail_a_payment(client, owner)
    drain(app)
    assert [r.path for r in receiver.received] == ["/hooks"]
    (sent,) = deliveries(client, owner, endpoint["id"])
    assert sent["status"] == "pending"
    assert sent["tries"][0]["error"] == "HTTP 302"


def test_silent_receiver_times_out_without_holding_up_intake(
    client: TestClient,
    app: FastAPI,
    owner: Account,
    receiver: Receiver,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(delivery, "TIMEOUT", 0.2)
    receiver.hang = threading.Event()
    endpoint = subscribe(client, owner, receiver.url)
    fail_a_payment(client, owner)  # answered while the receiver has not answered
    drain(app)
    (sent,) = deliveries(client, owner, endpoint["id"])
    assert sent["tries"][0]["error"] == "timed out"
    assert sent["next_attempt_at"] is not None


def test_repeated_failure_disables_and_tells_the_owners(
    client: TestClient, app: FastAPI, clock: FrozenClock, owner: Account, receiver: Receiver
) -> None:
    endpoint = subscribe(client, owner, receiver.url)
    receiver.answer(*[503] * delivery.MAX_ATTEMPTS)
    fail_a_payment(client, owner)
    drain(app)
    for tries in range(1, delivery.MAX_ATTEMPTS):
        clock.advance(delivery.retry_delay(tries))
        sweep(app, clock)
    assert len(receiver.received) == delivery.MAX_ATTEMPTS
    with app.state.session_factory() as session:
        # Read directly: three days on, the test's tokens are from the future for PyJWT.
        assert session.get_one(MerchantWebhookEndpoint, endpoint["id"]).status == "disabled"
        mail = session.scalars(
            select(OutboundMessage).where(OutboundMessage.kind == "webhook_disabled")
        ).one()
    assert mail.recipient == owner.email
    assert endpoint["id"] in mail.body_text


def test_retries_span_about_three_days() -> None:
    total = sum((delivery.retry_delay(n) for n in range(1, delivery.MAX_ATTEMPTS)), timedelta())
    assert timedelta(days=2, hours=18) <= total <= timedelta(days=3, hours=6)


def test_replay_sends_the_same_message_again(
    client: TestClient, app: FastAPI, owner: Account, receiver: Receiver
) -> None:
    endpoint = subscribe(client, owner, receiver.url)
    fail_a_payment(client, owner)
    drain(app)
    (sent,) = deliveries(client, owner, endpoint["id"])
    replayed = client.post(
        f"/v1/merchant-webhooks/deliveries/{sent['id']}/replay", headers=owner.headers
    )
    assert replayed.status_code == 202, replayed.text
    drain(app)
    ids = [r.headers["webhook-id"] for r in receiver.received]
    assert ids == [sent["id"], sent["id"]]
