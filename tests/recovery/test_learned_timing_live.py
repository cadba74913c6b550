"""Learned timing in the live engine: the policy flag, and the org's own slot outcomes."""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import product

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.factories import Account
from tests.recovery.conftest import Engine, sandbox_failure
from tinko.recovery.models import SlotStat

URL = "/v1/events/payment_failed"
POLICY = {
    "name": "Learning",
    "max_attempts": 3,
    "initial_delay_minutes": 1440,
    "backoff_multiplier": 2,
    "max_delay_minutes": 10080,
    "channels": ["email"],
    "windows": {"timezone": "Asia/Kolkata", "preset": "anytime"},
    "window_days": 28,
    "active": True,
    "learned_timing": True,
}


def _next_action(client: TestClient, headers: dict[str, str], ref: str) -> datetime:
    client.app.state.runner.drain()  # type: ignore[attr-defined]
    response = client.get(f"/v1/recoveries/by_ref/{ref}", headers=headers)
    return datetime.fromisoformat(response.json()["next_action_at"]).astimezone(UTC)


def test_learned_timing_is_off_unless_the_policy_turns_it_on(
    client: TestClient, owner: Account
) -> None:
    body = {key: value for key, value in POLICY.items() if key != "learned_timing"}
    response = client.post("/v1/retry-policies", json=body, headers=owner.headers)
    assert response.json()["learned_timing"] is False


def test_a_learned_slots_outcome_is_counted_for_the_org(
    client: TestClient,
    app: FastAPI,
    owner: Account,
    key_headers: dict[str, str],
    scheduler: Engine,
) -> None:
    created = client.post("/v1/retry-policies", json=POLICY, headers=owner.headers)
    assert created.status_code == 201, created.text
    failure = sandbox_failure("l1", "pm_sandbox_insufficient_funds")
    client.post(URL, json=failure, headers=key_headers)
    scheduler.clock.set(_next_action(client, key_headers, "l1"))
    scheduler.sweep()
    with app.state.session_factory() as session:
        stats = session.scalars(select(SlotStat).order_by(SlotStat.slot)).all()
    # the slot itself and the calendar cells (day of the month, weekday) of its moment
    assert [s.slot.split("/")[1] for s in stats] == ["cal", "cal", "visa"]
    assert {(s.org_id, s.successes, s.failures) for s in stats} == {(owner.org_id, 0, 1)}


def test_a_weekday_the_orgs_retries_succeed_on_is_a_payday(
    client: TestClient,
    app: FastAPI,
    owner: Account,
    key_headers: dict[str, str],
) -> None:
    # Decision 0032: off-calendar retries on Saturdays succeeded 10 times in 20 in each week of
    # the month, other weekdays 2 in 20. India's calendar would retry on Friday 6 November
    # (the 7th, rolled back from the Saturday); the learned Saturday is the same pay event's
    # last day.
    with app.state.session_factory() as session:
        for day, week in product(range(7), range(1, 5)):
            wins = 10 if day == 5 else 2
            session.add(
                SlotStat(
                    id=f"slot_owd{day}q{week}",
                    org_id=owner.org_id,
                    slot=f"insufficient_funds/cal/owd{day}q{week}",
                    successes=wins,
                    failures=20 - wins,
                    updated_at=datetime(2026, 11, 1, tzinfo=UTC),
                )
            )
        session.commit()
    payday = POLICY | {
        "strategy": "payday",
        "paydays": "auto",
        "categories": ["insufficient_funds"],
    }
    created = client.post("/v1/retry-policies", json=payday, headers=owner.headers)
    assert created.status_code == 201, created.text
    client.post(
        URL, json=sandbox_failure("w1", "pm_sandbox_insufficient_funds"), headers=key_headers
    )
    # 09:00 in Asia/Kolkata on Saturday 7 November.
    assert _next_action(client, key_headers, "w1") == datetime(2026, 11, 7, 3, 30, tzinfo=UTC)
