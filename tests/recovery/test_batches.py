"""Attempts run in batches: three transactions for many attempts, and one bad row cannot hold
up the others."""

from __future__ import annotations

from datetime import datetime, timedelta

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from tests.recovery.conftest import Engine, sandbox_failure
from tinko.flows import retry as runner
from tinko.payments.models import Transaction
from tinko.recovery.models import RecoveryAttempt, RecoveryCase

URL = "/v1/events/payment_failed"
ISSUER_DOWN = "issuer_not_available"  # retried on a short backoff


def _outcomes(app: FastAPI) -> dict[str, str | None]:
    with app.state.session_factory() as session:
        rows = session.execute(
            select(Transaction.transaction_ref, RecoveryAttempt.outcome)
            .join(RecoveryCase, RecoveryCase.transaction_id == Transaction.id)
            .join(RecoveryAttempt, RecoveryAttempt.case_id == RecoveryCase.id)
            .where(RecoveryAttempt.kind == "psp_retry")
        ).all()
    return {row.transaction_ref: row.outcome for row in rows}


def test_a_batch_runs_every_due_attempt(
    client: TestClient, app: FastAPI, key_headers: dict[str, str], scheduler: Engine
) -> None:
    for n in range(5):
        client.post(
            URL,
            json=sandbox_failure(f"b-{n}", f"pm_sandbox_success_{n}", decline_code=ISSUER_DOWN),
            headers=key_headers,
        )
    scheduler.run_for(timedelta(days=3))
    assert set(_outcomes(app).values()) == {"succeeded"}


def test_a_row_that_cannot_run_does_not_hold_up_its_batch(
    client: TestClient, app: FastAPI, key_headers: dict[str, str], scheduler: Engine
) -> None:
    for n in range(4):
        client.post(
            URL,
            json=sandbox_failure(f"b-{n}", f"pm_sandbox_success_{n}", decline_code=ISSUER_DOWN),
            headers=key_headers,
        )
    app.state.runner.drain()
    with app.state.session_factory.begin() as session:  # a retry whose card has gone missing
        session.execute(
            update(Transaction)
            .where(Transaction.transaction_ref == "b-2")
            .values(payment_method_ref=None)
        )
    scheduler.run_for(timedelta(days=3))
    outcomes = _outcomes(app)
    assert outcomes.pop("b-2") is None
    assert set(outcomes.values()) == {"succeeded"}


def test_a_decline_that_comes_back_after_the_case_closed_plans_nothing(
    client: TestClient, app: FastAPI, key_headers: dict[str, str], scheduler: Engine
) -> None:
    body = sandbox_failure("late", "pm_sandbox_insufficient_funds_late", decline_code=ISSUER_DOWN)
    client.post(URL, json=body, headers=key_headers)
    app.state.runner.drain()
    recovery = client.get("/v1/recoveries/by_ref/late", headers=key_headers).json()
    [planned] = [a for a in recovery["attempts"] if a["kind"] == "psp_retry"]
    scheduler.clock.set(datetime.fromisoformat(planned["scheduled_for"]))
    runner.claim(scheduler.ctx, [planned["id"]])  # a worker takes it, then stalls at the PSP
    cancelled = client.post(f"/v1/recoveries/{recovery['id']}/cancel", headers=key_headers)
    assert cancelled.status_code == 200
    scheduler.run_for(timedelta(hours=1), step=timedelta(minutes=10))  # its lease ends, it runs

    after = client.get("/v1/recoveries/by_ref/late", headers=key_headers).json()
    assert after["status"] == "cancelled"
    assert [(a["kind"], a["outcome"]) for a in after["attempts"]] == [("psp_retry", "declined")]
