"""The planner's pure decisions: when the next retry and the next message go."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from itertools import pairwise

from tests.recovery.facts import card_case
from tinko.policies.defaults import default_policy
from tinko.recovery.planner import CaseFacts, plan_next

PAYDAY = datetime(2026, 6, 15, 9, 0, tzinfo=UTC)  # the built-in payday moment: 09:00 local


def _facts(**changes: object) -> CaseFacts:
    return card_case(PAYDAY - timedelta(days=3), **changes)


def _retry_at(facts: CaseFacts, now: datetime) -> datetime:
    policy = default_policy(facts.category, facts.payment_method_type, "UTC")
    plan = plan_next(facts, policy, (), None, [], now)
    [retry] = [step for step in plan.steps if step.kind == "psp_retry"]
    return retry.at


def test_funds_failures_retry_on_the_next_payday() -> None:
    assert _retry_at(_facts(), PAYDAY - timedelta(days=1)) == PAYDAY


def test_a_retry_that_ran_at_the_payday_moment_is_not_planned_for_it_again() -> None:
    # Re-planned at the very moment of the failed payday retry: not the same moment again.
    facts = _facts(retries_done=1, last_retry_at=PAYDAY)
    assert _retry_at(facts, PAYDAY) > PAYDAY + timedelta(days=1)


def test_a_failure_at_the_payday_moment_is_not_retried_at_that_moment() -> None:
    facts = _facts(failed_at=PAYDAY)
    assert _retry_at(facts, PAYDAY) > PAYDAY


def test_issuer_holds_are_retried_days_apart() -> None:
    # Do-not-honor holds clear over days: the retries spread over two weeks, not hours.
    failed = PAYDAY
    facts = _facts(category="do_not_honor", failed_at=failed, cooldown_seconds=86_400)
    times: list[datetime] = []
    for done in range(4):
        last = times[-1] if times else None
        at = _retry_at(replace(facts, retries_done=done, last_retry_at=last), last or failed)
        times.append(at)
    gaps = [later - earlier for earlier, later in pairwise([failed, *times])]
    assert gaps[0] >= timedelta(days=1)
    assert all(later > earlier for earlier, later in pairwise(gaps))
    assert times[-1] - failed >= timedelta(days=10)


def test_the_last_issuer_hold_retry_falls_in_the_windows_last_week() -> None:
    # A hold's end is unknown: the four tries spread over the 28-day window, not 14 days.
    window = PAYDAY + timedelta(days=28)
    facts = _facts(
        category="do_not_honor", failed_at=PAYDAY, expires_at=window, cooldown_seconds=86_400
    )
    last: datetime | None = None
    for done in range(4):
        last = _retry_at(replace(facts, retries_done=done, last_retry_at=last), last or PAYDAY)
    assert last is not None
    assert timedelta(days=21) <= last - PAYDAY <= timedelta(days=28)
