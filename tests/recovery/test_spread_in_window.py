"""A funds retry with no payday left in the recovery window: the retries left share the rest
of the window evenly instead of backing off into its first weeks (decision 0030)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.recovery.test_planner import _facts
from tinko.policies.defaults import default_policy
from tinko.recovery.planner import CaseFacts, Plan, plan_next
from tinko.recovery.settlement import last_try_moment

# The default calendar's paydays are the 1st, the 15th and the last day: a failure on
# 16 June with a ten-day window has none left before the window ends on the 26th.
FAILED = datetime(2026, 6, 16, 10, 0, tzinfo=UTC)
SHORT_WINDOW_END = FAILED + timedelta(days=10)


def _no_payday(**changes: object) -> CaseFacts:
    return _facts(**{"failed_at": FAILED, "expires_at": SHORT_WINDOW_END, **changes})


def _plan(facts: CaseFacts) -> Plan:
    policy = default_policy(facts.category, facts.payment_method_type, "UTC")
    return plan_next(facts, policy, (), policy.name, [], facts.last_retry_at or facts.failed_at)


def _retry_at(facts: CaseFacts) -> datetime:
    [retry] = [step.at for step in _plan(facts).steps if step.kind == "psp_retry"]
    return retry


def test_the_retries_left_share_the_rest_of_the_window_evenly() -> None:
    # Four retries left over the time to the window's last try: the first a quarter of the
    # way, not at the two-day backoff.
    end = last_try_moment("card", SHORT_WINDOW_END)
    assert _retry_at(_no_payday()) == FAILED + (end - FAILED) / 4


def test_the_last_retry_left_goes_at_the_windows_last_try() -> None:
    # The policy's longest backoff (7 days) would send it a day before the window's end.
    facts = _no_payday(retries_done=3, last_retry_at=FAILED + timedelta(days=2))
    assert _retry_at(facts) == last_try_moment("card", SHORT_WINDOW_END)


def test_a_spread_retry_is_never_sooner_than_the_policys_backoff() -> None:
    # Five days hold four quarter-days of 1.2 days: the policy's two-day wait still applies.
    facts = _no_payday(expires_at=FAILED + timedelta(days=5))
    assert _retry_at(facts) == FAILED + timedelta(days=2)


def test_a_spread_retry_says_how_many_retries_are_left_and_when_the_window_ends() -> None:
    [retry, *_] = _plan(_no_payday(retries_done=1, last_retry_at=FAILED + timedelta(days=2))).steps
    assert retry.why is not None
    assert retry.why["code"] == "planned_spread_in_window"
    assert retry.why["params"]["retries_left"] == 3
    assert retry.why["params"]["expires_at"] == SHORT_WINDOW_END.isoformat()


def test_a_payday_inside_the_window_still_comes_first() -> None:
    # Failing on the 10th, the 15th is inside the window: the calendar payday decides.
    failed = datetime(2026, 6, 10, 10, 0, tzinfo=UTC)
    facts = _facts(failed_at=failed, expires_at=failed + timedelta(days=10))
    [retry, *_] = _plan(facts).steps
    assert retry.why is not None
    assert retry.why["code"] == "planned_on_calendar_payday"
