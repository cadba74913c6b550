"""A retry the schedule would send after the recovery window goes in its last hour instead
(decision 0029): a hold or a shortfall has had the longest to clear by then."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.recovery.test_planner import PAYDAY, _facts
from tinko.policies.defaults import default_policy
from tinko.recovery.planner import LAST_CHANCE_SPACING, CaseFacts, Plan, plan_next
from tinko.recovery.settlement import LAST_CHANCE_BEFORE_END
from tinko.rules import RetryAction

FAILED = PAYDAY
WINDOW_END = FAILED + timedelta(days=7)  # a merchant with a one-week window


def _hold(last_retry_at: datetime) -> CaseFacts:
    # An issuer hold retries about 1, 3.5 and 10 days after the failure: the third is past
    # a one-week window.
    return _facts(
        category="do_not_honor",
        failed_at=FAILED,
        expires_at=WINDOW_END,
        cooldown_seconds=86_400,
        retries_done=2,
        last_retry_at=last_retry_at,
    )


def _plan(facts: CaseFacts, actions: tuple[RetryAction, ...] = ()) -> Plan:
    policy = default_policy(facts.category, facts.payment_method_type, "UTC")
    planner = "rule:rul_1@1" if actions else policy.name
    return plan_next(facts, policy, actions, planner, [], facts.last_retry_at or FAILED)


def _retries(plan: Plan) -> list[datetime]:
    return [step.at for step in plan.steps if step.kind == "psp_retry"]


def test_a_retry_due_after_the_window_goes_in_its_last_hour() -> None:
    plan = _plan(_hold(FAILED + timedelta(days=3, hours=12)))
    assert _retries(plan) == [WINDOW_END - LAST_CHANCE_BEFORE_END]


def test_the_last_chance_says_when_the_window_ends() -> None:
    [retry, *_] = _plan(_hold(FAILED + timedelta(days=3, hours=12))).steps
    assert retry.why is not None
    assert retry.why["code"] == "planned_last_chance"
    assert retry.why["params"]["expires_at"] == WINDOW_END.isoformat()


def test_no_last_chance_right_after_the_last_try() -> None:
    last_try = WINDOW_END - LAST_CHANCE_BEFORE_END - LAST_CHANCE_SPACING + timedelta(minutes=1)
    assert _retries(_plan(_hold(last_try))) == []


def test_a_rules_own_delay_past_the_window_is_not_moved() -> None:
    # The merchant's rule names its delay: a retry it puts after the window is not sent.
    facts = _hold(FAILED + timedelta(days=3, hours=12))
    assert _retries(_plan(facts, (RetryAction(after_minutes=7 * 24 * 60),))) == []


def test_a_mandates_last_chance_keeps_to_npcis_non_peak_hours() -> None:
    # The window ends at 19:00 IST, inside NPCI's 17:00-21:30 peak: the last try goes at the
    # latest non-peak moment before it, not after the window.
    failed = datetime(2026, 6, 10, 13, 30, tzinfo=UTC)  # 19:00 IST
    facts = _facts(
        payment_method_type="upi",
        card_network=None,
        failed_at=failed,
        expires_at=failed + timedelta(days=7),
        cooldown_seconds=172_800,
        retries_done=2,
        last_retry_at=datetime(2026, 6, 15, 4, 0, tzinfo=UTC),
        timezone="Asia/Kolkata",
        pay_calendar="IN",
    )
    assert _retries(_plan(facts)) == [datetime(2026, 6, 17, 11, 15, tzinfo=UTC)]  # 16:45 IST
