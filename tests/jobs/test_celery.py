"""The Celery runner against real Redis and a real worker process.

Tests that need Redis run when TINKO_TEST_REDIS_URL is set (`scripts/with-redis`, which
`scripts/test` uses for the PostgreSQL run); the rest need no broker and always run.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from tests.factories import register
from tests.jobs.celery_helpers import WorkerProcess, closed_port_url, redis_url, wait_for
from tinko.cli import app as cli
from tinko.config import Settings
from tinko.db import make_session_factory, unit_of_work
from tinko.jobs.celery_app import TASK_NAME, CeleryDispatcher, make_celery
from tinko.jobs.inprocess import InProcessRunner
from tinko.jobs.outbox import DISPATCHER, enqueue
from tinko.jobs.registry import periodic_jobs
from tinko.kit.clock import FrozenClock, SystemClock
from tinko.main import create_app
from tinko.notify.mail import Mail, queue_mail
from tinko.notify.models import OutboundMessage

needs_redis = pytest.mark.skipif(
    not os.environ.get("TINKO_TEST_REDIS_URL"),
    reason="needs Redis: run under scripts/with-redis (sets TINKO_TEST_REDIS_URL)",
)


@pytest.fixture(scope="module")
def worker(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[WorkerProcess]:
    process = WorkerProcess(
        database_url=database_url,
        broker_url=redis_url(0),
        var_dir=tmp_path_factory.mktemp("worker-var"),
    )
    try:
        process.start()
        yield process
    finally:
        process.stop()
        # Captured by pytest and shown when a test of this module fails.
        sys.stderr.write(f"--- worker log ({process.log_path}) ---\n{process.log()}\n")


@pytest.fixture
def broker_settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"broker_url": redis_url(0)})


def _status(engine: Engine, message_id: str) -> str | None:
    with engine.connect() as connection:
        return connection.scalar(
            select(OutboundMessage.status).where(OutboundMessage.id == message_id)
        )


@needs_redis
def test_job_enqueued_after_commit_is_run_by_the_worker(
    worker: WorkerProcess, broker_settings: Settings, clock: FrozenClock, engine: Engine
) -> None:
    with TestClient(create_app(broker_settings, clock=clock)) as client:
        account = register(client)
        response = client.post("/v1/auth/password/forgot", json={"email": account.email})
    assert response.status_code == 202
    with engine.connect() as connection:
        message_id = connection.scalar(
            select(OutboundMessage.id).where(
                OutboundMessage.recipient == account.email,
                OutboundMessage.kind == "password_reset",
            )
        )
    assert message_id is not None
    wait_for(lambda: _status(engine, message_id) == "outbox", worker, f"{message_id} sent")
    # The worker process wrote the mail under its own var dir, not the app's.
    assert (worker.var_dir / "outbox" / f"{message_id}.eml").exists()


@needs_redis
def test_job_of_a_rolled_back_unit_of_work_never_reaches_the_worker(
    worker: WorkerProcess, broker_settings: Settings, engine: Engine
) -> None:
    silent = make_session_factory(engine)  # no dispatcher: these rows are queued, not sent
    with unit_of_work(silent) as session:
        kept, sent = (
            queue_mail(session, SystemClock(), None, Mail(to=to, subject="s", text="t", kind="k"))
            for to in ("kept@example.com", "sent@example.com")
        )
    dispatcher = CeleryDispatcher(make_celery(broker_settings))
    factory = make_session_factory(engine)
    factory.kw["info"] = {DISPATCHER: dispatcher}

    def failing_unit() -> None:
        with unit_of_work(factory) as session:
            enqueue(session, "notify.deliver_message", message_id=kept)
            raise RuntimeError("the unit of work fails")

    try:
        with pytest.raises(RuntimeError):
            failing_unit()
        with unit_of_work(factory) as session:
            enqueue(session, "notify.deliver_message", message_id=sent)
    finally:
        dispatcher.stop()
    # One worker process takes the queue in order: had the first job been published, it
    # would have run before the second.
    wait_for(lambda: _status(engine, sent) == "outbox", worker, f"{sent} sent")
    assert _status(engine, kept) == "queued"


def test_beat_schedule_sends_every_periodic_job(settings: Settings) -> None:
    celery = make_celery(settings.model_copy(update={"broker_url": closed_port_url()}))
    schedule = celery.conf.beat_schedule
    expected = {spec.name: spec.every_seconds for spec in periodic_jobs()}
    assert expected
    assert {name: entry["schedule"] for name, entry in schedule.items()} == expected
    for name, entry in schedule.items():
        assert entry["task"] == TASK_NAME
        assert entry["args"] == (name, {})
    assert TASK_NAME in celery.tasks


def test_app_with_a_broker_publishes_to_celery_and_runs_no_periodic_jobs(
    settings: Settings, clock: FrozenClock
) -> None:
    in_process = create_app(settings.model_copy(update={"run_jobs": True}), clock=clock)
    assert isinstance(in_process.state.runner, InProcessRunner)
    with TestClient(in_process):
        assert "tinko-ticker" in _thread_names()  # the control: without a broker, it ticks

    broker = settings.model_copy(update={"run_jobs": True, "broker_url": closed_port_url()})
    app = create_app(broker, clock=clock)
    runner = app.state.runner
    assert isinstance(runner, CeleryDispatcher)
    assert not hasattr(runner, "drain")
    assert app.state.session_factory.kw["info"][DISPATCHER] is runner
    with TestClient(app):
        assert "tinko-ticker" not in _thread_names()  # beat sends the periodic jobs


def _thread_names() -> set[str]:
    return {thread.name for thread in threading.enumerate()}


def test_committed_work_survives_an_unreachable_broker(
    settings: Settings, clock: FrozenClock, engine: Engine
) -> None:
    down = settings.model_copy(update={"broker_url": closed_port_url()})
    with TestClient(create_app(down, clock=clock)) as client:
        account = register(client)
        response = client.post("/v1/auth/password/forgot", json={"email": account.email})
    assert response.status_code == 202  # published after the commit: the failure is logged
    with engine.connect() as connection:
        statuses = connection.scalars(
            select(OutboundMessage.status).where(OutboundMessage.recipient == account.email)
        ).all()
    assert statuses == ["queued"]  # notify.sweep_queued offers it again


@needs_redis
def test_readyz_reports_the_broker(settings: Settings, clock: FrozenClock) -> None:
    up = settings.model_copy(update={"broker_url": redis_url(0)})
    with TestClient(create_app(up, clock=clock)) as client:
        response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["broker"] == "ok"

    down = settings.model_copy(update={"broker_url": closed_port_url()})
    with TestClient(create_app(down, clock=clock), raise_server_exceptions=False) as client:
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"


@needs_redis
def test_login_limit_is_shared_by_apps_on_one_redis(settings: Settings, clock: FrozenClock) -> None:
    url = redis_url(1)
    redis.Redis.from_url(url).flushdb()  # this database is this test process's own
    shared = settings.model_copy(update={"redis_url": url, "rate_limits": "login:3/minute"})
    with (
        TestClient(create_app(shared, clock=clock)) as first,
        TestClient(create_app(shared, clock=clock)) as second,
    ):
        account = register(first)
        body = {"email": account.email, "password": "wrong-password-1"}
        statuses = [
            client.post("/v1/auth/login", json=body).status_code
            for client in (first, first, second, second)
        ]
    assert statuses == [401, 401, 401, 429]  # each app alone would have allowed the fourth


@pytest.mark.parametrize("command", ["worker", "beat"])
def test_worker_and_beat_refuse_without_a_broker(
    command: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name in ("TINKO_BROKER_URL", "TINKO_REDIS_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TINKO_VAR_DIR", str(tmp_path))
    result = CliRunner().invoke(cli, [command])
    assert result.exit_code == 2
    assert "TINKO_BROKER_URL" in result.output
