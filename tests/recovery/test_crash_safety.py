"""Crash safety against a real worker: SIGKILL a Celery worker after the PSP took the money and
before the engine recorded it, start a new one, and the attempt ends once, with one charge.

Needs Redis, like the other Celery tests: run under `scripts/with-redis` (which sets
TINKO_TEST_REDIS_URL). The waits below are bounded waits for another process, not timings.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
import redis
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from tests.factories import create_api_key, register
from tests.jobs.celery_helpers import WorkerProcess, redis_url, wait_for
from tests.recovery.conftest import sandbox_failure
from tinko.config import Settings
from tinko.jobs.registry import JobContext, run_job
from tinko.kit.clock import SystemClock
from tinko.main import create_app
from tinko.payments.models import Transaction
from tinko.psp.models import SandboxCharge
from tinko.recovery.models import RecoveryAttempt, RecoveryCase

pytestmark = pytest.mark.skipif(
    not os.environ.get("TINKO_TEST_REDIS_URL"),
    reason="needs Redis: run under scripts/with-redis (sets TINKO_TEST_REDIS_URL)",
)

LEASE_SECONDS = 2  # shorter than the slow card's 3 s wait, so the test need not wait long


class KillableWorker(WorkerProcess):
    """The Celery tests' worker process, with a short attempt lease, that can be SIGKILLed."""

    def __init__(self, *, database_url: str, broker_url: str, var_dir: Path) -> None:
        super().__init__(database_url=database_url, broker_url=broker_url, var_dir=var_dir)
        self._env["TINKO_ATTEMPT_LEASE_SECONDS"] = str(LEASE_SECONDS)

    def kill(self) -> None:
        """SIGKILL the whole process group (the main process and its pool child) at once: no
        warm shutdown, no acknowledgement, no code of ours runs."""
        process = self._process
        assert process is not None
        assert process.poll() is None, f"the worker already exited; its log:\n{self.log()}"
        os.killpg(os.getpgid(process.pid), signal.SIGKILL)
        process.wait(timeout=10)


@pytest.fixture
def broker_url() -> str:
    url = redis_url(1)
    redis.Redis.from_url(url).flushdb()  # this test process's own database: no stale messages
    return url


@pytest.fixture
def start_worker(
    database_url: str, broker_url: str, tmp_path: Path
) -> Iterator[Callable[[str], KillableWorker]]:
    started: list[KillableWorker] = []

    def start(name: str) -> KillableWorker:
        worker = KillableWorker(
            database_url=database_url, broker_url=broker_url, var_dir=tmp_path / name
        )
        started.append(worker)
        worker.start()
        return worker

    try:
        yield start
    finally:
        for worker in started:
            worker.stop()
            # Captured by pytest and shown when the test fails.
            sys.stderr.write(f"--- worker log ({worker.log_path}) ---\n{worker.log()}\n")


def _scalar(engine: Engine, statement: Any) -> Any:
    with engine.connect() as connection:
        return connection.scalar(statement)


def _charges(engine: Engine, **where: str) -> int:
    filters = [getattr(SandboxCharge, column) == value for column, value in where.items()]
    return int(_scalar(engine, select(func.count()).select_from(SandboxCharge).where(*filters)))


def _attempt(engine: Engine, attempt_id: str) -> RecoveryAttempt:
    with Session(engine) as session:
        return session.get_one(RecoveryAttempt, attempt_id)


def _case_status(engine: Engine, case_id: str) -> str:
    return str(_scalar(engine, select(RecoveryCase.status).where(RecoveryCase.id == case_id)))


def test_a_worker_killed_between_charge_and_record_charges_once(
    start_worker: Callable[[str], KillableWorker],
    settings: Settings,
    broker_url: str,
    engine: Engine,
) -> None:
    first = start_worker("first")
    # Enqueued jobs go to Celery; the clock is real, like the workers'.
    app_settings = settings.model_copy(
        update={"broker_url": broker_url, "attempt_lease_seconds": LEASE_SECONDS}
    )
    app = create_app(app_settings, clock=SystemClock())
    card = f"pm_sandbox_slow_success_{uuid4().hex[:12]}"
    with TestClient(app) as client:
        owner = register(client)
        headers = {"X-API-Key": create_api_key(client, owner, role="admin")["key"]}
        failed_at = datetime.now(UTC) - timedelta(minutes=1)
        body = sandbox_failure("crash-1", card, occurred_at=failed_at.isoformat())
        response = client.post("/v1/events/payment_failed", json=body, headers=headers)
        assert response.status_code == 202, response.text
        case_id = response.json()["recovery"]["id"]

        # Due now: the API enqueues recovery.run_attempt, and the worker takes it.
        response = client.post(f"/v1/recoveries/{case_id}/retry-now", headers=headers)
        assert response.status_code == 202, response.text
        [attempt_id] = [
            entry["detail"]["attempt_id"]
            for entry in response.json()["timeline"]
            if entry["kind"] == "retry_now"
        ]

        # The charge is committed in the sandbox's ledger; the worker now waits 3 s before it
        # records the result. Kill it there.
        wait_for(lambda: _charges(engine, idempotency_key=attempt_id) == 1, first, "the charge")
        first.kill()
        attempt = _attempt(engine, attempt_id)
        assert (attempt.status, attempt.outcome) == ("running", None)  # money moved, unrecorded
        assert _case_status(engine, case_id) == "in_progress"
        assert attempt.claimed_until is not None
        lease_end = attempt.claimed_until

        second = start_worker("second")
        wait_for(lambda: datetime.now(UTC) > lease_end, second, "the attempt's lease to run out")
        # What beat would send every 5 s: the sweep re-leases the attempt and enqueues it again.
        run_job(
            JobContext(app_settings, app.state.session_factory, SystemClock()),
            "recovery.sweep_due",
            {},
        )
        wait_for(lambda: _case_status(engine, case_id) == "recovered", second, "the recovery")

        recovery = client.get(f"/v1/recoveries/{case_id}", headers=headers).json()

    assert _charges(engine, idempotency_key=attempt_id) == 1
    assert _charges(engine, payment_method_ref=card) == 1  # nor under any other key
    assert recovery["status"] == "recovered"
    [attempt_out] = [a for a in recovery["attempts"] if a["id"] == attempt_id]
    assert attempt_out["outcome"] == "succeeded"
    succeeded = [e for e in recovery["timeline"] if e["kind"] == "attempt_succeeded"]
    assert [e["detail"]["attempt_id"] for e in succeeded] == [attempt_id]
    transaction_status = _scalar(
        engine,
        select(Transaction.status).where(Transaction.id == recovery["transaction"]["id"]),
    )
    assert transaction_status == "succeeded"
