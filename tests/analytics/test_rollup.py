"""The rollup and the fact snapshot answer exactly what the cases answer, for every endpoint
they serve: after they are built, after a late success webhook, when windows end around now,
with filters they cannot serve, and after the organisation's time zone changes."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.analytics.conftest import fail, get, plan_all, succeed
from tests.conftest import START
from tests.factories import Account
from tinko.analytics import facts, rollup
from tinko.analytics.dashboard import dashboard
from tinko.analytics.definitions import Filters, parse_period
from tinko.analytics.models import AnalyticsCaseFact, AnalyticsDaily
from tinko.analytics.queries import Scope, case_rows
from tinko.config import Settings
from tinko.db import unit_of_work
from tinko.jobs.registry import JobContext, run_job
from tinko.kit.clock import FrozenClock
from tinko.payments.models import Transaction
from tinko.recovery.models import RecoveryAttempt, RecoveryCase
from tinko.simulate.history import fill_history

SERVED = (
    "summary",
    "recovery_rate",
    "revenue_recovered",
    "timeseries",
    "failure_categories",
    "by_rail",
    "by_language",
)
# Read from the fact snapshot (analytics.snapshot), corrected like the rollup.
DETAIL = ("attempts_by_channel", "by_attempt", "time_to_recover", "cohorts", "uplift")
FILTERS: tuple[dict[str, str], ...] = (
    {},
    {"gateway": "razorpay"},
    {"arm": "holdout"},
    {"arm": "treated", "rail": "card"},
    {"currency": "USD"},
    {"policy_id": "default"},
    {"category": "insufficient_funds"},
    {"country": "IN"},
)


# Fixed local dates around the history and the week after it (a period would move with the clock).
RANGE = {
    "from": (START - timedelta(days=91)).date().isoformat(),
    "to": (START + timedelta(days=8)).date().isoformat(),
}


@dataclass(frozen=True)
class Reader:
    """The org and an API key's headers: a key outlives the clock moving a week on."""

    org_id: str
    headers: dict[str, str]


@pytest.fixture
def history(
    client: TestClient,
    app: FastAPI,
    clock: FrozenClock,
    settings: Settings,
    owner: Account,
    key_headers: dict[str, str],
) -> Reader:
    client.patch("/v1/auth/org", json={"holdout_percent": 20}, headers=owner.headers)
    with unit_of_work(app.state.session_factory) as session:
        fill_history(session, clock, settings, owner.org_id, failures=300)
    fail(client, key_headers, "usd-1", START - timedelta(days=3), amount=1500, currency="USD")
    app.state.runner.drain()
    return Reader(owner.org_id, key_headers)


@pytest.fixture
def case_level(monkeypatch: pytest.MonkeyPatch) -> Any:
    """A switch: inside `with case_level():` every read goes to the cases."""

    @contextmanager
    def switch() -> Iterator[None]:
        with monkeypatch.context() as patch:
            patch.setattr(rollup, "plan_for", lambda session, scope: rollup.CASE_LEVEL)
            yield

    return switch


def refresh(app: FastAPI) -> None:
    ctx = JobContext(app.state.settings, app.state.session_factory, app.state.clock)
    run_job(ctx, "analytics.refresh_rollups", {})


def answers(
    client: TestClient, reader: Reader, paths: tuple[str, ...] = SERVED, **params: str
) -> dict[str, Any]:
    return {path: get(client, reader.headers, path, **params) for path in paths}


def every(client: TestClient, reader: Reader, **params: str) -> dict[str, Any]:
    """Every endpoint the rollup or the fact snapshot serves."""
    return answers(client, reader, SERVED + DETAIL, **params)


def plan(app: FastAPI, owner: Reader, period: str = "90d", **filters: Any) -> rollup.Plan:
    now = app.state.clock.now()
    scope = Scope(
        owner.org_id, parse_period(period, None, None, "Asia/Kolkata", now), Filters(**filters), now
    )
    with app.state.session_factory() as session:
        return rollup.plan_for(session, scope)


def test_rollup_answers_equal_the_cases(
    client: TestClient, app: FastAPI, clock: FrozenClock, history: Reader, case_level: Any
) -> None:
    clock.advance(rollup.MARGIN + timedelta(seconds=1))  # every case read from the snapshot
    queries = [dict(period=p, **f) for p in ("7d", "30d", "90d") for f in FILTERS]
    with case_level():
        expected = [every(client, history, **q) for q in queries]
    refresh(app)
    assert plan(app, history).rollup_days  # the rollup really serves most days
    assert [every(client, history, **q) for q in queries] == expected


def test_cases_changed_after_the_snapshot_are_corrected_exactly(
    client: TestClient, app: FastAPI, clock: FrozenClock, history: Reader, case_level: Any
) -> None:
    refresh(app)
    with app.state.session_factory() as session:
        refs = session.scalars(
            select(Transaction.transaction_ref)
            .join(RecoveryCase, RecoveryCase.transaction_id == Transaction.id)
            .where(RecoveryCase.status.in_(("exhausted", "expired", "scheduled")))
            .order_by(Transaction.transaction_ref)
            .limit(12)
        ).all()
    assert len(refs) > 5
    clock.advance(timedelta(hours=2))
    for ref in refs:
        succeed(app, history.org_id, ref, clock.now())
    fail(client, history.headers, "new-1", clock.now() - timedelta(hours=1), amount=700)
    app.state.runner.drain()
    queries = [dict(period=p, **f) for p in ("7d", "30d", "90d") for f in FILTERS]
    with case_level():
        expected = [every(client, history, **q) for q in queries]
    assert [every(client, history, **q) for q in queries] == expected


def test_late_success_a_week_later_counts_at_once_and_after_refresh(
    client: TestClient, app: FastAPI, clock: FrozenClock, history: Reader, case_level: Any
) -> None:
    refresh(app)
    with app.state.session_factory() as session:
        ref, failed_at = session.execute(
            select(Transaction.transaction_ref, RecoveryCase.failed_at)
            .join(RecoveryCase, RecoveryCase.transaction_id == Transaction.id)
            .where(RecoveryCase.status == "exhausted", RecoveryCase.holdout.is_(False))
            .where(RecoveryCase.failed_at > START - timedelta(days=60))
            .limit(1)
        ).one()
    before = get(client, history.headers, "summary", **RANGE)["by_currency"]["INR"]
    clock.advance(timedelta(days=7))
    succeed(app, history.org_id, ref, clock.now())
    late = every(client, history, **RANGE)
    with case_level():
        assert late == every(client, history, **RANGE)
    day_number = (failed_at.astimezone(ZoneInfo("Asia/Kolkata")).date() - rollup.EPOCH).days
    unrefreshed = plan(app, history)
    assert unrefreshed.rollup_days is not None
    assert day_number in unrefreshed.rollup_days  # corrected case by case, not re-read by day
    assert late["summary"]["by_currency"]["INR"]["recovered_count"] == (
        before["recovered_count"] + 1
    )
    clock.advance(rollup.MARGIN + timedelta(seconds=1))  # the watermark passes the change
    refresh(app)
    day = failed_at.astimezone(ZoneInfo("Asia/Kolkata")).date()
    served = plan(app, history)
    assert served.rollup_days is not None
    assert (day - rollup.EPOCH).days in served.rollup_days
    assert answers(client, history, **RANGE) == {path: late[path] for path in SERVED}
    with case_level():  # hours observed grow with the clock: compare at the same instant
        expected = every(client, history, **RANGE)
    assert every(client, history, **RANGE) == expected


def test_days_whose_windows_end_around_now_are_read_from_the_facts(
    client: TestClient, app: FastAPI, clock: FrozenClock, history: Reader, case_level: Any
) -> None:
    refresh(app)
    with app.state.session_factory() as session:
        row = session.scalars(
            select(AnalyticsDaily)
            .where(AnalyticsDaily.window_end_min < AnalyticsDaily.window_end_max)
            .limit(1)
        ).one()
    assert row.window_end_min is not None
    clock.set(row.window_end_min + timedelta(seconds=1))
    straddling = plan(app, history)
    assert any(first <= row.day <= last for first, last in straddling.fact_days)
    with case_level():
        expected = every(client, history, period="90d")
    assert every(client, history, period="90d") == expected


def test_attempts_run_after_the_snapshot_are_counted_at_once(
    client: TestClient, app: FastAPI, clock: FrozenClock, history: Reader, case_level: Any
) -> None:
    clock.advance(rollup.MARGIN + timedelta(seconds=1))
    refresh(app)
    snapshot_at = clock.now()
    clock.advance(timedelta(days=1))
    plan_all(app)  # the due retries and messages of the open cases run
    after = every(client, history, period="30d")
    with case_level():
        assert after == every(client, history, period="30d")
    with app.state.session_factory() as session:
        ran = session.scalar(
            select(func.count())
            .select_from(RecoveryAttempt)
            .join(RecoveryCase, RecoveryCase.id == RecoveryAttempt.case_id)
            .where(RecoveryAttempt.finished_at > snapshot_at, RecoveryCase.failed_at < snapshot_at)
        )
    assert ran  # attempts of cases the snapshot holds really ran


def test_detail_endpoints_read_the_fact_snapshot(
    client: TestClient, app: FastAPI, clock: FrozenClock, history: Reader
) -> None:
    clock.advance(rollup.MARGIN + timedelta(seconds=1))  # no case changed since the snapshot
    refresh(app)
    before = get(client, history.headers, "by_attempt", period="90d")
    with unit_of_work(app.state.session_factory) as session:
        fact = session.scalars(
            select(AnalyticsCaseFact)
            .where(AnalyticsCaseFact.org_id == history.org_id)
            .order_by(AnalyticsCaseFact.failed_at.desc())
            .limit(1)
        ).one()
        fact.retries = 40  # an unchanged case: only its fact row says so
    after = get(client, history.headers, "by_attempt", period="90d")
    assert len(after["data"]) == 40 != len(before["data"])


def test_amount_filters_read_the_cases(app: FastAPI, history: Reader) -> None:
    refresh(app)
    assert plan(app, history, amount_min=1000) == rollup.CASE_LEVEL


def test_a_new_time_zone_reads_the_cases_until_rebuilt(
    client: TestClient, app: FastAPI, owner: Account, history: Reader, case_level: Any
) -> None:
    refresh(app)
    client.patch("/v1/auth/org", json={"timezone": "America/New_York"}, headers=owner.headers)
    now = app.state.clock.now()
    scope = Scope(
        history.org_id, parse_period("90d", None, None, "America/New_York", now), Filters(), now
    )
    with app.state.session_factory() as session:
        assert rollup.plan_for(session, scope) == rollup.CASE_LEVEL
    with case_level():
        expected = every(client, history, period="30d")
    refresh(app)
    with app.state.session_factory() as session:
        assert rollup.plan_for(session, scope).rollup_days
    assert every(client, history, period="30d") == expected


def test_dashboard_is_every_endpoint_at_once(
    client: TestClient, app: FastAPI, history: Reader
) -> None:
    refresh(app)
    now = app.state.clock.now()
    scope = Scope(
        history.org_id, parse_period("30d", None, None, "Asia/Kolkata", now), Filters(), now
    )
    with app.state.session_factory() as session:
        screen = dashboard(session, scope)
    assert screen == answers(client, history, period="30d")


def fact_rows(app: FastAPI, org_id: str, timezone: str) -> tuple[list[Any], list[Any]]:
    """(the stored fact rows, the case rows now), both without the columns of the instant."""
    now = app.state.clock.now()
    scope = Scope(
        org_id, parse_period(None, RANGE["from"], RANGE["to"], timezone, now), Filters(), now
    )
    names = facts.COLUMNS
    with app.state.session_factory() as session:
        stored = session.execute(
            select(*[getattr(AnalyticsCaseFact, n) for n in names])
            .where(AnalyticsCaseFact.org_id == org_id)
            .order_by(AnalyticsCaseFact.case_id)
        ).all()
        rows = case_rows(scope, detail=True).subquery()
        live = session.execute(select(*[rows.c[n] for n in names]).order_by(rows.c.case_id)).all()
    return [tuple(r) for r in stored], [tuple(r) for r in live]


def test_facts_hold_every_case_row_after_refresh(app: FastAPI, history: Reader) -> None:
    refresh(app)
    stored, live = fact_rows(app, history.org_id, "Asia/Kolkata")
    assert len(stored) > 300
    assert stored == live


def test_facts_follow_a_late_success_after_the_next_refresh(
    app: FastAPI, clock: FrozenClock, history: Reader
) -> None:
    refresh(app)
    with app.state.session_factory() as session:
        ref = session.scalars(
            select(Transaction.transaction_ref)
            .join(RecoveryCase, RecoveryCase.transaction_id == Transaction.id)
            .where(RecoveryCase.status == "exhausted", RecoveryCase.holdout.is_(False))
            .limit(1)
        ).one()
    clock.advance(timedelta(days=7))
    succeed(app, history.org_id, ref, clock.now())
    stale, live = fact_rows(app, history.org_id, "Asia/Kolkata")
    assert stale != live  # the snapshot is behind until the refresh
    clock.advance(rollup.MARGIN + timedelta(seconds=1))
    refresh(app)
    assert fact_rows(app, history.org_id, "Asia/Kolkata") == (live, live)


def test_facts_are_rebuilt_in_a_new_time_zone(
    client: TestClient, app: FastAPI, owner: Account, history: Reader
) -> None:
    refresh(app)
    client.patch("/v1/auth/org", json={"timezone": "America/New_York"}, headers=owner.headers)
    refresh(app)
    stored, live = fact_rows(app, history.org_id, "America/New_York")
    assert stored == live
