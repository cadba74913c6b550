"""Real servers at the edge of the network: an aiosmtpd mail server and a stand-in for
Twilio's REST API, each on a free local port, plus helpers to open a recovery case."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.conftest import START
from tests.factories import Account, create_api_key, register
from tinko.config import Settings
from tinko.db import unit_of_work
from tinko.jobs.registry import JobContext, run_job
from tinko.kit.clock import FrozenClock
from tinko.notify.models import OutboundMessage
from tinko.payments.models import Transaction
from tinko.recovery.link_message import queue_recovery_message
from tinko.recovery.models import RecoveryCase
from tinko.tenancy.models import Organization

TWILIO_SID = "AC" + "0" * 32
TWILIO_TOKEN = "stand-in-auth-token"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# --- SMTP -------------------------------------------------------------------------------------


@dataclass
class MailSink:
    """An aiosmtpd handler that keeps what it accepts; `reply` answers DATA instead, if set."""

    received: list[EmailMessage] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)
    replies: list[str] = field(default_factory=list)
    raw: list[bytes] = field(default_factory=list)  # as it crossed the wire

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.replies:
            return self.replies.pop(0)
        assert isinstance(envelope.content, bytes)
        mail = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(mail, EmailMessage)
        self.received.append(mail)
        self.raw.append(envelope.content)
        self.envelopes.append((str(envelope.mail_from), list(envelope.rcpt_tos)))
        return "250 OK queued"


@dataclass
class SmtpServer:
    host: str
    port: int
    sink: MailSink
    controller: Controller

    def stop(self) -> None:
        if self.controller._thread is not None:
            self.controller.stop()


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    sink = MailSink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        server = SmtpServer(controller.hostname, controller.port, sink, controller)
        yield server
    finally:
        server.stop()


# --- Twilio stand-in --------------------------------------------------------------------------


@dataclass
class TwilioRequest:
    method: str
    path: str
    authorization: str
    form: dict[str, str]


@dataclass
class TwilioStandIn:
    """Answers Messages.json like Twilio's API does; `replies` overrides the next answers."""

    base_url: str
    requests: list[TwilioRequest] = field(default_factory=list)
    replies: list[tuple[int, dict[str, Any]]] = field(default_factory=list)

    def answer(self, request: TwilioRequest) -> tuple[int, dict[str, Any]]:
        self.requests.append(request)
        if self.replies:
            return self.replies.pop(0)
        sid = f"SM{len(self.requests):032x}"
        return 201, {
            "sid": sid,
            "account_sid": TWILIO_SID,
            "to": request.form.get("To"),
            "from": request.form.get("From"),
            "body": request.form.get("Body"),
            "status": "queued",
            "num_segments": "1",
            "direction": "outbound-api",
            "api_version": "2010-04-01",
            "error_code": None,
            "error_message": None,
            "uri": f"/2010-04-01/Accounts/{TWILIO_SID}/Messages/{sid}.json",
        }


def twilio_error(status: int, code: int, message: str) -> tuple[int, dict[str, Any]]:
    """Twilio's error document for a REST call (code, message, more_info, status)."""
    return status, {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }


@pytest.fixture
def twilio_server() -> Iterator[TwilioStandIn]:
    port = free_port()
    stand_in = TwilioStandIn(base_url=f"http://127.0.0.1:{port}")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length).decode()
            form = {k: v[0] for k, v in parse_qs(raw, keep_blank_values=True).items()}
            auth = self.headers.get("Authorization", "")
            status, body = stand_in.answer(TwilioRequest("POST", self.path, auth, form))
            payload = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield stand_in
    finally:
        server.shutdown()
        server.server_close()


def with_channels(settings: Settings, smtp: SmtpServer, twilio: TwilioStandIn) -> Settings:
    return settings.model_copy(
        update={
            "smtp_host": smtp.host,
            "smtp_port": smtp.port,
            "smtp_security": "none",
            "mail_from": "Chai Point <billing@chai.example>",
            "twilio_account_sid": TWILIO_SID,
            "twilio_auth_token": TWILIO_TOKEN,
            "twilio_sms_from": "+15005550006",
            "twilio_whatsapp_from": "whatsapp:+14155238886",
            "twilio_api_base": twilio.base_url,
        }
    )


# --- cases ------------------------------------------------------------------------------------


@pytest.fixture
def owner(client: TestClient) -> Account:
    account = register(client, org_name="Chai Point")
    client.patch("/v1/auth/org", json={"timezone": "Asia/Kolkata"}, headers=account.headers)
    return account


@pytest.fixture
def key_headers(client: TestClient, owner: Account) -> dict[str, str]:
    return {"X-API-Key": create_api_key(client, owner, role="admin")["key"]}


def open_case(client: TestClient, headers: dict[str, str], **overrides: Any) -> str:
    """A failed payment through the API; the id of the recovery case it opened."""
    customer = {"email": "asha@example.in", "phone": "+919876543210", "name": "Asha Rao"}
    customer.update(overrides.pop("customer", {}))
    body: dict[str, Any] = {
        "transaction_ref": overrides.pop("ref", "order_1"),
        "amount": 49900,
        "currency": "INR",
        "gateway": "razorpay",
        "decline_code": "insufficient_funds",
        "payment_method_type": "card",
        "customer": customer,
        "occurred_at": (START - timedelta(minutes=3)).isoformat(),
    }
    body.update(overrides)
    response = client.post("/v1/events/payment_failed", json=body, headers=headers)
    assert response.status_code == 202, response.text
    return str(response.json()["recovery"]["id"])


def queue_for(
    app: FastAPI, clock: FrozenClock, case_id: str, channel: str = "email"
) -> tuple[bool, str]:
    with unit_of_work(app.state.session_factory) as session:
        case = session.get_one(RecoveryCase, case_id)
        transaction = session.get_one(Transaction, case.transaction_id)
        org = session.get_one(Organization, case.org_id)
        return queue_recovery_message(
            session,
            clock,
            app.state.settings,
            org=org,
            case=case,
            transaction=transaction,
            channel=channel,
            link_url="http://127.0.0.1:8000/pay/tok-123.sig",
            link_expires_at=clock.now() + timedelta(hours=48),
        )


def queued_id(result: tuple[bool, str]) -> str:
    queued, detail = result
    assert queued, detail
    return detail.split()[1]


def message(app: FastAPI, message_id: str) -> OutboundMessage:
    with app.state.session_factory() as session:
        return session.get_one(OutboundMessage, message_id)


def recovery_messages(app: FastAPI) -> list[OutboundMessage]:
    with app.state.session_factory() as session:
        statement = select(OutboundMessage).where(OutboundMessage.kind == "recovery_link")
        return list(session.scalars(statement.order_by(OutboundMessage.id)).all())


def deliver(app: FastAPI, clock: FrozenClock, message_id: str) -> OutboundMessage:
    """Run the delivery job once, as a worker would, and read the row back."""
    app.state.runner.drain()
    ctx = JobContext(app.state.settings, app.state.session_factory, clock)
    run_job(ctx, "notify.deliver_message", {"message_id": message_id})
    return message(app, message_id)


def sweep(app: FastAPI, clock: FrozenClock) -> None:
    ctx = JobContext(app.state.settings, app.state.session_factory, clock)
    run_job(ctx, "notify.sweep_queued", {})
    app.state.runner.drain()
