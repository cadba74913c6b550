"""A case never has two PSP charges in flight, whoever planned them (a policy, a rule, a
merchant's retry-now): the claim that starts a charge holds back a second one, and the
database refuses two in-flight charges of one case outright."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from tests.recovery.conftest import Engine, sandbox_failure
from tinko.db import unit_of_work
from tinko.flows import retry as runner
from tinko.kit.ids import new_id
from tinko.psp.models import SandboxCharge
from tinko.recovery.models import RecoveryAttempt

URL = "/v1/events/payment_failed"


def _two_due_retries(
    client: TestClient, app: FastAPI, headers: dict[str, str], scheduler: Engine
) -> tuple[str, str]:
    """A case with its planned retry and a second one (as a rule might add), both due now."""
    client.post(URL, json=sandbox_failure("c1", "pm_sandbox_success"), headers=headers)
    app.state.runner.drain()
    with unit_of_work(app.state.session_factory) as session:
        planned = session.scalars(
            select(RecoveryAttempt).where(RecoveryAttempt.kind == "psp_retry")
        ).one()
        scheduler.clock.set(planned.scheduled_for)
        second = RecoveryAttempt(
            id=new_id("att"),
            org_id=planned.org_id,
            case_id=planned.case_id,
            kind="psp_retry",
            attempt_number=planned.attempt_number + 1,
            status="scheduled",
            scheduled_for=planned.scheduled_for,
            payment_method_ref=planned.payment_method_ref,
            card_network=planned.card_network,
            planned_by="rule:test",
            created_at=planned.created_at,
        )
        session.add(second)
        return planned.id, second.id


def _charges(app: FastAPI) -> int:
    with app.state.session_factory() as session:
        return int(session.scalar(select(func.count()).select_from(SandboxCharge)) or 0)


def test_a_second_retry_is_not_started_while_the_first_is_at_the_psp(
    client: TestClient, app: FastAPI, key_headers: dict[str, str], scheduler: Engine
) -> None:
    first, second = _two_due_retries(client, app, key_headers, scheduler)
    [work] = runner.claim(scheduler.ctx, [first])
    assert work.charge is not None

    assert runner.claim(scheduler.ctx, [second]) == []


def test_two_due_retries_of_one_case_in_one_batch_start_one_charge(
    client: TestClient, app: FastAPI, key_headers: dict[str, str], scheduler: Engine
) -> None:
    first, second = _two_due_retries(client, app, key_headers, scheduler)

    works = runner.claim(scheduler.ctx, [first, second])

    assert [w.attempt_id for w in works] == [first]


def test_the_sweep_charges_a_case_once_when_two_retries_are_due(
    client: TestClient, app: FastAPI, key_headers: dict[str, str], scheduler: Engine
) -> None:
    _two_due_retries(client, app, key_headers, scheduler)

    scheduler.run_for(timedelta(hours=2), step=timedelta(minutes=10))

    assert _charges(app) == 1
    recovery = client.get("/v1/recoveries/by_ref/c1", headers=key_headers).json()
    assert recovery["status"] == "recovered"


def test_the_database_refuses_two_charges_in_flight_for_one_case(
    client: TestClient, app: FastAPI, key_headers: dict[str, str], scheduler: Engine
) -> None:
    first, second = _two_due_retries(client, app, key_headers, scheduler)
    now = scheduler.clock.now()
    with (
        pytest.raises(IntegrityError),
        unit_of_work(app.state.session_factory) as session,
    ):
        session.execute(
            update(RecoveryAttempt)
            .where(RecoveryAttempt.id.in_([first, second]))
            .values(status="running", started_at=now)
        )
