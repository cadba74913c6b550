"""The built-in policy for a decline nobody can read spreads its retries over the recovery
window: nothing says when such a decline clears (decision 0031)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from tests.recovery.test_planner import _facts
from tinko.policies.defaults import PolicySpec, default_policy
from tinko.recovery.planner import CaseFacts, Plan, plan_next
from tinko.recovery.settlement import last_try_moment

FAILED = datetime(2026, 6, 16, 10, 0, tzinfo=UTC)
WINDOW_END = FAILED + timedelta(days=28)


def _unknown(**changes: object) -> CaseFacts:
    base = {"category": "unknown", "failed_at": FAILED, "expires_at": WINDOW_END}
    return _facts(**{**base, **changes})


def _plan(facts: CaseFacts, policy: PolicySpec | None = None) -> Plan:
    policy = policy or default_policy("unknown", facts.payment_method_type, "UTC")
    return plan_next(facts, policy, (), policy.name, [], facts.last_retry_at or facts.failed_at)


def _retry(plan: Plan) -> datetime:
    [retry] = [step.at for step in plan.steps if step.kind == "psp_retry"]
    return retry


def _after_first_retry() -> CaseFacts:
    return _unknown(retries_done=1, last_retry_at=FAILED + timedelta(days=1))


def test_the_first_retry_of_an_unknown_decline_keeps_the_policys_backoff() -> None:
    # A decline that clears within hours is met early.
    policy = default_policy("unknown", "card", "UTC")
    assert _retry(_plan(_unknown())) == FAILED + timedelta(minutes=policy.initial_delay_minutes)


def test_the_other_retries_share_the_rest_of_the_window_evenly() -> None:
    last = FAILED + timedelta(days=1)
    end = last_try_moment("card", WINDOW_END)
    assert _retry(_plan(_after_first_retry())) == last + (end - last) / 3


def test_a_spread_unknown_retry_says_why() -> None:
    [retry, *_] = _plan(_after_first_retry()).steps
    assert retry.why is not None
    assert retry.why["code"] == "planned_spread_unknown"
    assert retry.why["params"]["retries_left"] == 3


def test_a_merchants_own_policy_for_unknown_declines_keeps_its_backoff() -> None:
    own = replace(default_policy("unknown", "card", "UTC"), id="pol_1", version=1)
    backoff = own.initial_delay_minutes * own.backoff_multiplier
    expected = FAILED + timedelta(days=1, minutes=backoff)
    assert _retry(_plan(_after_first_retry(), own)) == expected
