"""Which recovery steps become which events, with their explanation."""

from __future__ import annotations

import json
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.factories import Account
from tests.merchant_webhooks.conftest import drain, fail_a_payment, subscribe
from tests.merchant_webhooks.receiver import Receiver
from tinko.db import unit_of_work
from tinko.kit.clock import FrozenClock
from tinko.notify import delivery as notify_delivery
from tinko.notify.channels.base import PermanentFailure
from tinko.notify.models import OutboundMessage


def _sent(receiver: Receiver, event_type: str) -> list[dict[str, Any]]:
    payloads = [json.loads(r.body) for r in receiver.received]
    return [p for p in payloads if p["type"] == event_type]


def test_rule_action_notifies_the_merchant(
    client: TestClient, app: FastAPI, owner: Account, receiver: Receiver
) -> None:
    rule = {
        "name": "Tell us about funds",
        "conditions": {"field": "category", "op": "eq", "value": "insufficient_funds"},
        "actions": [{"type": "notify_merchant"}],
    }
    made = client.post("/v1/rules", json=rule, headers=owner.headers)
    assert made.status_code == 201, made.text
    subscribe(client, owner, receiver.url, "merchant.notified")
    fail_a_payment(client, owner)
    drain(app)
    (notified,) = _sent(receiver, "merchant.notified")
    assert notified["data"]["detail"]["rule"]["rule_id"] == made.json()["id"]
    assert notified["data"]["decision"]["trace"]


def test_cancel_is_sent_with_its_reason(
    client: TestClient, app: FastAPI, owner: Account, receiver: Receiver
) -> None:
    subscribe(client, owner, receiver.url, "recovery.cancelled")
    failed = fail_a_payment(client, owner)
    drain(app)
    case_id = failed["recovery"]["id"]
    cancelled = client.post(f"/v1/recoveries/{case_id}/cancel", headers=owner.headers)
    assert cancelled.status_code == 200, cancelled.text
    drain(app)
    (sent,) = _sent(receiver, "recovery.cancelled")
    assert sent["data"]["recovery_id"] == case_id
    assert sent["data"]["explanation"] == "cancelled by the merchant"


def test_only_subscribed_events_are_sent(
    client: TestClient, app: FastAPI, owner: Account, receiver: Receiver
) -> None:
    subscribe(client, owner, receiver.url, "recovery.recovered")
    fail_a_payment(client, owner)
    drain(app)
    assert receiver.received == []


def test_failed_message_is_sent_with_the_providers_reason(
    client: TestClient, app: FastAPI, clock: FrozenClock, owner: Account, receiver: Receiver
) -> None:
    subscribe(client, owner, receiver.url, "notification.failed")
    case_id = fail_a_payment(client, owner)["recovery"]["id"]
    with unit_of_work(app.state.session_factory) as session:
        session.add(
            OutboundMessage(
                id="msg_failing",
                org_id=owner.org_id,
                channel="sms",
                recipient="+919800000000",
                body_text="Pay here",
                kind="recovery_link",
                status="sending",
                created_at=clock.now(),
                case_id=case_id,
                tries=1,
            )
        )
    with unit_of_work(app.state.session_factory) as session:
        notify_delivery.record(session, clock, "msg_failing", PermanentFailure("unreachable"))
    drain(app)
    (sent,) = _sent(receiver, "notification.failed")
    assert sent["data"]["recovery_id"] == case_id
    assert sent["data"]["explanation"] == "unreachable"
