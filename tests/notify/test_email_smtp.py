"""Email through a real SMTP conversation with an aiosmtpd server started by the test."""

from __future__ import annotations

import re
from datetime import timedelta
from email.message import EmailMessage

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.factories import register
from tests.notify.conftest import (
    SmtpServer,
    TwilioStandIn,
    deliver,
    open_case,
    queue_for,
    queued_id,
    sweep,
    with_channels,
)
from tinko.config import Settings
from tinko.kit.clock import FrozenClock


@pytest.fixture
def settings(settings: Settings, smtp_server: SmtpServer, twilio_server: TwilioStandIn) -> Settings:
    return with_channels(settings, smtp_server, twilio_server)


def _parts(mail: EmailMessage) -> tuple[str, str]:
    text = mail.get_body(preferencelist=("plain",))
    html = mail.get_body(preferencelist=("html",))
    assert text is not None
    assert html is not None
    return str(text.get_content()), str(html.get_content())


def _send_one(
    client: TestClient, app: FastAPI, clock: FrozenClock, key_headers: dict[str, str]
) -> str:
    message_id = queued_id(queue_for(app, clock, open_case(client, key_headers)))
    app.state.runner.drain()
    return message_id


def test_recovery_mail_arrives_as_multipart_with_the_link_in_both_parts(
    client: TestClient,
    app: FastAPI,
    clock: FrozenClock,
    key_headers: dict[str, str],
    smtp_server: SmtpServer,
) -> None:
    _send_one(client, app, clock, key_headers)
    [mail] = smtp_server.sink.received
    assert mail.get_content_type() == "multipart/alternative"
    assert mail["To"] == "asha@example.in"
    assert mail["From"] == "Chai Point <billing@chai.example>"
    assert mail["Subject"] == "Your payment to Chai Point did not go through"
    text, html = _parts(mail)
    assert "http://127.0.0.1:8000/pay/tok-123.sig" in text
    assert 'href="http://127.0.0.1:8000/pay/tok-123.sig"' in html
    assert "₹499.00" in text


def test_recovery_mail_has_one_click_unsubscribe_headers(
    client: TestClient,
    app: FastAPI,
    clock: FrozenClock,
    key_headers: dict[str, str],
    smtp_server: SmtpServer,
) -> None:
    _send_one(client, app, clock, key_headers)
    [mail] = smtp_server.sink.received
    header = str(mail["List-Unsubscribe"])
    assert header.startswith("<http://127.0.0.1:8000/unsubscribe/")
    assert header.endswith(">")
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # On the wire too: mail clients read the header as <URL>, not as an RFC 2047 encoded word.
    [raw] = smtp_server.sink.raw
    assert f"\nList-Unsubscribe: {header}".encode() in raw.replace(b"\r\n", b"\n")
    _, html = _parts(mail)
    assert header[1:-1] in html


def test_html_part_has_its_css_inlined(
    client: TestClient,
    app: FastAPI,
    clock: FrozenClock,
    key_headers: dict[str, str],
    smtp_server: SmtpServer,
) -> None:
    _send_one(client, app, clock, key_headers)
    _, html = _parts(smtp_server.sink.received[0])
    assert "<style" not in html
    [button] = re.findall(r'<a [^>]*class="button"[^>]*>', html)
    assert "background: #1d4ed8" in button


def test_sent_mail_records_the_message_id_as_provider_id(
    client: TestClient,
    app: FastAPI,
    clock: FrozenClock,
    key_headers: dict[str, str],
    smtp_server: SmtpServer,
) -> None:
    message_id = _send_one(client, app, clock, key_headers)
    row = deliver(app, clock, message_id)
    assert row.status == "sent"
    assert row.provider_message_id == smtp_server.sink.received[0]["Message-ID"]
    assert row.sent_at == clock.now()


def test_password_reset_mail_goes_through_smtp(
    client: TestClient, app: FastAPI, smtp_server: SmtpServer
) -> None:
    account = register(client)
    client.post("/v1/auth/password/forgot", json={"email": account.email})
    app.state.runner.drain()
    [mail] = smtp_server.sink.received
    assert mail["Subject"] == "Reset your Tinko password"
    assert mail["List-Unsubscribe"] is None  # account mail is not something to opt out of


def test_smtp_5xx_is_a_permanent_failure_with_the_servers_reason(
    client: TestClient,
    app: FastAPI,
    clock: FrozenClock,
    key_headers: dict[str, str],
    smtp_server: SmtpServer,
) -> None:
    smtp_server.sink.replies.append("554 5.7.1 Message rejected as spam")
    message_id = _send_one(client, app, clock, key_headers)
    row = deliver(app, clock, message_id)
    assert row.status == "failed"
    assert row.error == "SMTP 554 5.7.1 Message rejected as spam"
    assert row.tries == 1


def test_smtp_4xx_is_retried_after_a_backoff(
    client: TestClient,
    app: FastAPI,
    clock: FrozenClock,
    key_headers: dict[str, str],
    smtp_server: SmtpServer,
) -> None:
    smtp_server.sink.replies.append("451 4.3.0 Try again later")
    message_id = _send_one(client, app, clock, key_headers)
    waiting = deliver(app, clock, message_id)
    assert (waiting.status, waiting.error) == ("queued", "SMTP 451 4.3.0 Try again later")
    assert waiting.not_before == clock.now() + timedelta(minutes=1)
    clock.advance(timedelta(minutes=1))
    sweep(app, clock)
    assert deliver(app, clock, message_id).status == "sent"
    assert len(smtp_server.sink.received) == 1


def test_unreachable_server_fails_after_the_last_try(
    client: TestClient,
    app: FastAPI,
    clock: FrozenClock,
    key_headers: dict[str, str],
    smtp_server: SmtpServer,
) -> None:
    smtp_server.stop()
    message_id = _send_one(client, app, clock, key_headers)
    for _ in range(5):
        clock.advance(timedelta(minutes=65))  # past each backoff, before quiet hours
        sweep(app, clock)
    row = deliver(app, clock, message_id)
    assert row.status == "failed"
    assert row.tries == 5
    assert row.error is not None
    assert "mail server 127.0.0.1" in row.error
