"""Learned timing finds the weekday a merchant's customers are paid on (decision 0032).

Weekly and fortnightly pay is on a weekday no country's calendar lists. Retries off the
customer's pay calendar count per weekday and week of the month ("insufficient_funds/cal/
owd5q2"); once a weekday's retries succeed clearly more often than other weekdays' in the same
weeks, the payday policy's retries go on that weekday.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from tests.recovery.facts import card_case
from tinko.policies.defaults import default_policy
from tinko.policies.paydays import on_or_after_payday
from tinko.recovery.planner import CaseFacts, PlannedStep, plan_next
from tinko.recovery.timing import SlotStat, Timing, learned_weekday, outcome_keys

SCOPE = "insufficient_funds/visa"
# Wednesday 3 June 2026: the default calendar's next payday is Monday the 15th.
FAILED = datetime(2026, 6, 3, 10, 0, tzinfo=UTC)
SATURDAY = 5
WEEKS = range(1, 5)  # weeks of the month: days 1-7, 8-14, 15-21, 22-28


def _outcomes(rates: dict[tuple[int, int], tuple[int, int]]) -> dict[str, SlotStat]:
    """(weekday, week of the month) → (successes, tries), 2 in 20 where not given."""
    cells = {(d, w): rates.get((d, w), (2, 20)) for d in range(7) for w in WEEKS}
    return {f"owd{d}q{w}": SlotStat(s, n - s) for (d, w), (s, n) in cells.items()}


# Off-calendar retries on Saturdays succeed 10 times in 20 in every week of the month.
PAID_ON_SATURDAYS = _outcomes({(SATURDAY, w): (10, 20) for w in WEEKS})


def _facts(**changes: object) -> CaseFacts:
    return card_case(FAILED, **{"timezone": "UTC", **changes})


def _retry(stats: dict[str, SlotStat], *, learned: bool = True, **changes: object) -> PlannedStep:
    facts = _facts(**changes)
    method = str(facts.payment_method_type)
    policy = default_policy("insufficient_funds", method, "UTC")
    policy = replace(policy, learned_timing=learned)
    timing = Timing(SCOPE, stats, random.Random(1))
    steps = plan_next(facts, policy, (), None, [], FAILED, timing).steps
    return next(s for s in steps if s.kind == "psp_retry")


def test_without_history_no_weekday_is_learned() -> None:
    assert learned_weekday({}) is None


def test_weekdays_that_pay_alike_teach_nothing() -> None:
    assert learned_weekday(_outcomes({})) is None


def test_the_weekday_whose_retries_succeed_is_learned_with_its_counts() -> None:
    assert learned_weekday(PAID_ON_SATURDAYS) == (SATURDAY, SlotStat(40, 40))


def test_a_handful_of_good_retries_is_not_yet_a_payday() -> None:
    few = _outcomes({(SATURDAY, w): (3, 5) for w in WEEKS})
    assert learned_weekday(few) is None


def test_a_monthly_payday_the_calendar_does_not_know_lends_no_weekday() -> None:
    # Paid on the 10th: in the week of days 8-14, whichever weekday the 10th fell on
    # succeeded (here a Tuesday, 18 in 20); the Tuesdays of other weeks did not.
    assert learned_weekday(_outcomes({(1, 2): (18, 20)})) is None


def test_a_payday_retry_goes_on_the_learned_weekday_before_it() -> None:
    # The calendar's Monday the 15th: the money of a Saturday payer came on the 13th.
    assert _retry(PAID_ON_SATURDAYS).at == datetime(2026, 6, 13, 9, 0, tzinfo=UTC)


def test_a_learned_weekday_already_past_gives_the_next_one() -> None:
    # Failed on Saturday the 13th after the payday hour: the calendar's Monday the 15th
    # becomes Saturday the 20th.
    failed = datetime(2026, 6, 13, 10, 0, tzinfo=UTC)
    retry = _retry(PAID_ON_SATURDAYS, failed_at=failed, expires_at=failed + timedelta(days=28))
    assert retry.at == datetime(2026, 6, 20, 9, 0, tzinfo=UTC)


def test_a_learned_weekday_retry_says_so_with_the_weekdays_counts() -> None:
    why = _retry(PAID_ON_SATURDAYS).why
    assert why is not None
    assert why["code"] == "planned_learned_slot"
    assert why["params"]["slot"] == "weekly:sat"
    assert (why["params"]["successes"], why["params"]["tries"]) == (40, 80)


def test_without_learned_timing_the_weekday_is_not_used() -> None:
    assert _retry(PAID_ON_SATURDAYS, learned=False).at.weekday() != SATURDAY


def test_a_mandate_keeps_to_its_calendar_pay_events() -> None:
    retry = _retry(PAID_ON_SATURDAYS, payment_method_type="upi", card_network=None)
    assert retry.at.astimezone(UTC).date() != date(2026, 6, 13)


def test_a_retry_off_the_calendar_counts_for_its_weekday() -> None:
    # Saturday the 13th is no calendar payday: it counts for the Saturdays of days 8-14.
    assert _retry(PAID_ON_SATURDAYS).slot == f"{SCOPE}/fixed|owd{SATURDAY}q2"


def test_a_retry_the_policy_timed_counts_only_for_its_weekday() -> None:
    keys = outcome_keys(f"{SCOPE}/fixed|owd{SATURDAY}q2")
    assert keys == [f"insufficient_funds/cal/owd{SATURDAY}q2"]


def test_a_retry_on_a_calendar_payday_does_not_count_for_its_weekday() -> None:
    # Monday the 15th is a calendar payday: Mondays learn nothing from it.
    slot = _retry({}).slot
    assert slot is not None
    assert "owd" not in slot


def test_the_days_after_a_calendar_payday_are_on_the_calendar() -> None:
    # Money that came on the 1st may still be there on the 4th, not on the 5th.
    assert on_or_after_payday(datetime(2026, 6, 4, 9, tzinfo=UTC), "UTC", "US")
    assert not on_or_after_payday(datetime(2026, 6, 5, 9, tzinfo=UTC), "UTC", "US")
