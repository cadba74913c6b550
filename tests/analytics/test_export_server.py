"""On PostgreSQL the server writes the export (analytics.pgexport); it must be cell for cell
what Python writes from the same rows (analytics.export), formula quoting, empty cells, times
and a second currency included. On SQLite both are the Python path."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from tests.analytics.conftest import fail
from tests.conftest import START
from tests.factories import Account
from tinko.analytics import export, rollup
from tinko.analytics.definitions import Filters, parse_period
from tinko.analytics.queries import Scope
from tinko.config import Settings
from tinko.db import unit_of_work
from tinko.jobs.registry import JobContext, run_job
from tinko.kit.clock import FrozenClock
from tinko.payments.models import Transaction
from tinko.recovery.models import RecoveryCase
from tinko.simulate.history import fill_history


@pytest.fixture
def scope(
    client: TestClient,
    app: FastAPI,
    clock: FrozenClock,
    settings: Settings,
    owner: Account,
    key_headers: dict[str, str],
) -> Scope:
    client.patch("/v1/auth/org", json={"holdout_percent": 20}, headers=owner.headers)
    with unit_of_work(app.state.session_factory) as session:
        fill_history(session, clock, settings, owner.org_id, failures=200)
    at = START - timedelta(hours=1)
    fail(client, key_headers, "=HYPERLINK(1)", at, currency="USD", amount=1500)
    fail(client, key_headers, 'a,"quoted"ref', at)
    app.state.runner.drain()
    now = clock.now()
    return Scope(owner.org_id, parse_period("90d", None, None, "Asia/Kolkata", now), Filters(), now)


def test_csv_is_what_python_writes(app: FastAPI, scope: Scope) -> None:
    factory = app.state.read_session_factory
    served = "".join(export.csv_stream(factory, scope))
    header = ",".join(export.columns(scope)) + "\n"
    assert served == header + "".join(export.python_csv_body(factory, scope))
    assert served.count("\n") > 200


def test_jsonl_is_what_python_writes(app: FastAPI, scope: Scope) -> None:
    factory = app.state.read_session_factory
    served = [
        json.loads(line) for line in "".join(export.jsonl_stream(factory, scope)).splitlines()
    ]
    assert served == [
        json.loads(line) for line in "".join(export.python_jsonl(factory, scope)).splitlines()
    ]
    assert len(served) > 200


def _refresh(app: FastAPI, clock: FrozenClock) -> None:
    """The snapshot, taken once no case has changed for a while (every case read from it)."""
    clock.advance(rollup.MARGIN + timedelta(seconds=1))
    ctx = JobContext(app.state.settings, app.state.session_factory, app.state.clock)
    run_job(ctx, "analytics.refresh_rollups", {})


def _exports(app: FastAPI, scope: Scope) -> tuple[str, str]:
    factory = app.state.read_session_factory
    return "".join(export.csv_stream(factory, scope)), "".join(export.jsonl_stream(factory, scope))


def test_the_export_from_the_snapshot_is_the_export_from_the_cases(
    app: FastAPI,
    clock: FrozenClock,
    scope: Scope,
    client: TestClient,
    key_headers: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _refresh(app, clock)
    fail(client, key_headers, "after-the-snapshot", clock.now() - timedelta(minutes=5))
    app.state.runner.drain()
    now = clock.now()
    scope = Scope(scope.org_id, scope.period, scope.filters, now)
    served = _exports(app, scope)
    with monkeypatch.context() as patch:
        patch.setattr(rollup, "plan_for", lambda session, scope: rollup.CASE_LEVEL)
        from_cases = _exports(app, scope)
    assert "after-the-snapshot" in served[1]
    assert served == from_cases


def test_jsonl_text_is_byte_for_byte_what_python_writes(
    app: FastAPI, clock: FrozenClock, scope: Scope
) -> None:
    awkward = 'back\\slash "quoted"\nnew line \u00e9t\u00e9 \u20b9 \U0001f600 tab\tbell\x07'
    with unit_of_work(app.state.session_factory) as session:
        first = session.scalars(
            select(Transaction.id)
            .where(Transaction.org_id == scope.org_id)
            .order_by(Transaction.id)
            .limit(1)
        ).one()
        session.execute(
            update(Transaction).where(Transaction.id == first).values(transaction_ref=awkward)
        )
        # A time with a fraction: PostgreSQL's own text drops trailing zeros, Python's does not.
        case = session.scalars(
            select(RecoveryCase).where(RecoveryCase.transaction_id == first)
        ).one()
        case.failed_at += timedelta(microseconds=120000)
    _refresh(app, clock)
    factory = app.state.read_session_factory
    served = "".join(export.jsonl_stream(factory, scope))
    assert served == "".join(export.python_jsonl(factory, scope))
    lines = [json.loads(line) for line in served.splitlines()]
    changed = next(line for line in lines if line["transaction_ref"] == awkward)
    assert changed["failed_at"].endswith(".120000+00:00")


def test_csv_times_with_a_fraction_are_what_python_writes(
    app: FastAPI, clock: FrozenClock, scope: Scope
) -> None:
    with unit_of_work(app.state.session_factory) as session:
        closed = session.scalars(
            select(RecoveryCase)
            .where(RecoveryCase.org_id == scope.org_id, RecoveryCase.closed_at.is_not(None))
            .limit(5)
        ).all()
        for case in closed:
            assert case.closed_at is not None
            case.closed_at += timedelta(microseconds=500)
    _refresh(app, clock)
    factory = app.state.read_session_factory
    served = "".join(export.csv_stream(factory, scope))
    header = ",".join(export.columns(scope)) + "\n"
    assert served == header + "".join(export.python_csv_body(factory, scope))
    assert ".000500+00:00" in served
