from __future__ import annotations

from email import message_from_bytes

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.factories import register
from tinko.config import Settings
from tinko.jobs.registry import JobContext, run_job
from tinko.kit.clock import FrozenClock
from tinko.notify.models import OutboundMessage


def _messages(app: FastAPI) -> list[OutboundMessage]:
    with app.state.session_factory() as session:
        return list(session.scalars(select(OutboundMessage)).all())


def test_reset_mail_lands_in_the_outbox_file(
    client: TestClient, app: FastAPI, settings: Settings
) -> None:
    account = register(client)
    client.post("/v1/auth/password/forgot", json={"email": account.email})
    app.state.runner.drain()
    [message] = _messages(app)
    assert message.status == "outbox"
    mail = message_from_bytes((settings.var_dir / "outbox" / f"{message.id}.eml").read_bytes())
    assert mail["To"] == account.email
    assert mail["Subject"] == "Reset your Tinko password"


def test_delivery_job_is_idempotent(
    client: TestClient, app: FastAPI, settings: Settings, clock: FrozenClock
) -> None:
    account = register(client)
    client.post("/v1/auth/password/forgot", json={"email": account.email})
    app.state.runner.drain()
    [message] = _messages(app)
    first_sent = message.sent_at
    ctx = JobContext(settings, app.state.session_factory, clock)
    run_job(ctx, "notify.deliver_message", {"message_id": message.id})
    [again] = _messages(app)
    assert again.sent_at == first_sent
    assert len(list((settings.var_dir / "outbox").iterdir())) == 1


def test_forgot_for_unknown_email_queues_nothing(client: TestClient, app: FastAPI) -> None:
    client.post("/v1/auth/password/forgot", json={"email": "ghost@example.com"})
    assert _messages(app) == []
