"""SMS and WhatsApp through the official Twilio SDK, against a local stand-in for its API."""

from __future__ import annotations

import base64
import json
from datetime import timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.factories import Account
from tests.notify.conftest import (
    TWILIO_SID,
    TWILIO_TOKEN,
    SmtpServer,
    TwilioStandIn,
    deliver,
    open_case,
    queue_for,
    queued_id,
    twilio_error,
    with_channels,
)
from tinko.config import Settings
from tinko.kit.clock import FrozenClock

MESSAGES_PATH = f"/2010-04-01/Accounts/{TWILIO_SID}/Messages.json"
CONTENT_SID = "HX" + "ab" * 16


@pytest.fixture
def settings(settings: Settings, smtp_server: SmtpServer, twilio_server: TwilioStandIn) -> Settings:
    return with_channels(settings, smtp_server, twilio_server)


def _send(
    client: TestClient, app: FastAPI, clock: FrozenClock, headers: dict[str, str], channel: str
) -> str:
    message_id = queued_id(queue_for(app, clock, open_case(client, headers), channel))
    app.state.runner.drain()
    return message_id


def test_sms_is_posted_to_the_messages_resource_with_basic_auth(
    client: TestClient,
    app: FastAPI,
    clock: FrozenClock,
    key_headers: dict[str, str],
    twilio_server: TwilioStandIn,
) -> None:
    _send(client, app, clock, key_headers, "sms")
    [request] = twilio_server.requests
    assert request.path == MESSAGES_PATH
    expected = base64.b64encode(f"{TWILIO_SID}:{TWILIO_TOKEN}".encode()).decode()
    assert request.authorization == f"Basic {expected}"
    assert request.form["To"] == "+919876543210"
    assert request.form["From"] == "+15005550006"
    assert "http://127.0.0.1:8000/pay/tok-123.sig" in request.form["Body"]
    assert "/unsubscribe/" in request.form["Body"]


def test_sms_records_the_message_sid(
    client: TestClient, app: FastAPI, clock: FrozenClock, key_headers: dict[str, str]
) -> None:
    row = deliver(app, clock, _send(client, app, clock, key_headers, "sms"))
    assert row.status == "sent"
    assert row.provider_message_id == f"SM{1:032x}"


def test_invalid_number_error_is_permanent_with_twilios_reason(
    client: TestClient,
    app: FastAPI,
    clock: FrozenClock,
    key_headers: dict[str, str],
    twilio_server: TwilioStandIn,
) -> None:
    twilio_server.replies.append(
        twilio_error(400, 21211, "The 'To' number +919876543210 is not a valid phone number.")
    )
    row = deliver(app, clock, _send(client, app, clock, key_headers, "sms"))
    assert row.status == "failed"
    assert row.error is not None
    assert row.error.startswith("Twilio 400 error 21211: ")
    assert row.error.endswith("The 'To' number +919876543210 is not a valid phone number.")


def test_server_error_is_retried_with_backoff(
    client: TestClient,
    app: FastAPI,
    clock: FrozenClock,
    key_headers: dict[str, str],
    twilio_server: TwilioStandIn,
) -> None:
    twilio_server.replies.append(twilio_error(503, 20503, "Service unavailable"))
    message_id = _send(client, app, clock, key_headers, "sms")
    waiting = deliver(app, clock, message_id)
    assert waiting.status == "queued"
    assert waiting.not_before == clock.now() + timedelta(minutes=1)
    clock.advance(timedelta(minutes=1))
    assert deliver(app, clock, message_id).status == "sent"
    assert len(twilio_server.requests) == 2


def test_rate_limit_is_transient(
    client: TestClient,
    app: FastAPI,
    clock: FrozenClock,
    key_headers: dict[str, str],
    twilio_server: TwilioStandIn,
) -> None:
    twilio_server.replies.append(twilio_error(429, 20429, "Too Many Requests"))
    row = deliver(app, clock, _send(client, app, clock, key_headers, "sms"))
    assert row.status == "queued"
    assert row.error is not None
    assert row.error.startswith("Twilio 429 error 20429")


def test_refused_credentials_are_transient(
    client: TestClient,
    app: FastAPI,
    clock: FrozenClock,
    key_headers: dict[str, str],
    twilio_server: TwilioStandIn,
) -> None:
    twilio_server.replies.append(twilio_error(401, 20003, "Authenticate"))
    row = deliver(app, clock, _send(client, app, clock, key_headers, "sms"))
    assert row.status == "queued"
    assert row.error is not None
    assert row.error.startswith("Twilio 401 error 20003")


def test_whatsapp_without_a_template_sends_a_body_between_whatsapp_addresses(
    client: TestClient,
    app: FastAPI,
    clock: FrozenClock,
    key_headers: dict[str, str],
    twilio_server: TwilioStandIn,
) -> None:
    _send(client, app, clock, key_headers, "whatsapp")
    [request] = twilio_server.requests
    assert request.form["To"] == "whatsapp:+919876543210"
    assert request.form["From"] == "whatsapp:+14155238886"
    assert "ContentSid" not in request.form
    assert "Asha Rao" in request.form["Body"]


def test_whatsapp_with_an_approved_template_sends_content_sid_and_variables(
    client: TestClient,
    app: FastAPI,
    clock: FrozenClock,
    owner: Account,
    key_headers: dict[str, str],
    twilio_server: TwilioStandIn,
) -> None:
    template = {
        "channel": "whatsapp",
        "locale": "en",
        "name": "Approved reminder",
        "body": "Hi {{ customer_name }}, pay {{ amount }} here: {{ link }}",
        "provider_template_id": CONTENT_SID,
        "provider_variables": ["customer_name", "amount", "link"],
    }
    response = client.post("/v1/templates", json=template, headers=owner.headers)
    assert response.status_code == 201, response.text
    _send(client, app, clock, key_headers, "whatsapp")
    [request] = twilio_server.requests
    assert request.form["ContentSid"] == CONTENT_SID
    assert json.loads(request.form["ContentVariables"]) == {
        "1": "Asha Rao",
        "2": "₹499.00",
        "3": "http://127.0.0.1:8000/pay/tok-123.sig",
    }
    assert "Body" not in request.form
