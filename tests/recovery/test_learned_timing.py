"""Learned retry timing: Thompson sampling over slots, within the guard (issue #16)."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime

from tests.recovery.facts import card_case
from tinko.policies.defaults import default_policy
from tinko.policies.windows import UPI_AUTOPAY_NON_PEAK, is_allowed
from tinko.recovery.planner import CaseFacts, plan_next
from tinko.recovery.timing import SlotStat, Timing, choose, outcome_keys

FAILED = datetime(2026, 6, 12, 10, 0, tzinfo=UTC)
DEFAULT_AT = datetime(2026, 6, 15, 9, 0, tzinfo=UTC)
SCOPE = "insufficient_funds/visa"


def _facts(**changes: object) -> CaseFacts:
    return card_case(FAILED, **changes)


def _choose(
    stats: dict[str, SlotStat],
    rng: random.Random,
    *,
    allowed: object = None,
    default_at: datetime = DEFAULT_AT,
) -> str:
    timing = Timing(SCOPE, stats, rng)
    ok = allowed if callable(allowed) else (lambda _: True)
    choice = choose(timing, default_at, FAILED, "UTC", ok, monthly=True)
    return choice.key.rsplit("/", 1)[-1]


# A merchant whose customers' retries succeed on the 25th (pay day) and seldom otherwise.
PAID_ON_25TH = {f"dom{d}": SlotStat(4, 36) for d in range(1, 32)} | {"dom25": SlotStat(30, 10)}


def test_without_history_the_policys_own_moment_is_kept() -> None:
    rng = random.Random(1)
    assert {_choose({}, rng) for _ in range(200)} == {"d0h09"}


def test_a_flat_calendar_keeps_the_policys_moment() -> None:
    flat = {f"dom{d}": SlotStat(20, 60) for d in range(1, 32)}
    rng = random.Random(2)
    assert {_choose(flat, rng) for _ in range(200)} == {"d0h09"}


# The policy's next payday after the 25th: the last day of June.
END_OF_JUNE = datetime(2026, 6, 30, 9, 0, tzinfo=UTC)


def test_the_merchants_pay_day_is_learned_from_its_outcomes() -> None:
    rng = random.Random(3)
    chosen = Counter(_choose(PAID_ON_25TH, rng, default_at=END_OF_JUNE) for _ in range(200))
    assert chosen["m25"] >= 150


def test_a_learned_pay_day_more_than_a_week_after_the_policys_is_not_chosen() -> None:
    # The 25th is ten days after the policy's 15th: moving there would skip a payday.
    rng = random.Random(7)
    assert {_choose(PAID_ON_25TH, rng) for _ in range(200)} == {"d0h09"}


def test_a_retrys_outcome_counts_for_its_slot_and_its_calendar_cells() -> None:
    keys = outcome_keys("insufficient_funds/visa/m25|dom25|wd3")
    assert keys == [
        "insufficient_funds/visa/m25",
        "insufficient_funds/cal/dom25",
        "insufficient_funds/cal/wd3",
    ]


def test_a_better_day_the_window_or_guard_refuses_is_not_chosen() -> None:
    refuse_25th = lambda moment: moment.day != 25  # noqa: E731
    rng = random.Random(4)
    chosen = {
        _choose(PAID_ON_25TH, rng, allowed=refuse_25th, default_at=END_OF_JUNE) for _ in range(50)
    }
    assert chosen == {"d0h09"}


def test_the_same_seed_chooses_the_same_slots() -> None:
    first = [_choose({}, random.Random(7)) for _ in range(20)]
    again = [_choose({}, random.Random(7)) for _ in range(20)]
    assert first == again


def test_a_moment_the_network_rules_forbid_is_never_chosen() -> None:
    # UPI AutoPay executes only in NPCI's non-peak hours, however good the learned day.
    policy = replace(
        default_policy("insufficient_funds", "upi", "Asia/Kolkata"), learned_timing=True
    )
    facts = _facts(payment_method_type="upi", card_network=None, timezone="Asia/Kolkata")
    for seed in range(30):
        timing = Timing("insufficient_funds/upi", PAID_ON_25TH, random.Random(seed))
        [retry] = list(plan_next(facts, policy, (), None, [], FAILED, timing).steps)
        assert is_allowed(retry.at, UPI_AUTOPAY_NON_PEAK)


def test_a_learned_retry_names_the_calendar_cells_of_its_moment() -> None:
    policy = replace(default_policy("insufficient_funds", "card", "UTC"), learned_timing=True)
    timing = Timing(SCOPE, {}, random.Random(1))
    [retry] = plan_next(_facts(), policy, (), None, [], FAILED, timing).steps
    assert retry.slot == f"{SCOPE}/d0h09|dom15|wd0"


def test_with_the_policy_flag_off_no_slot_is_learned() -> None:
    policy = default_policy("insufficient_funds", "card", "UTC")
    timing = Timing(SCOPE, PAID_ON_25TH, random.Random(1))
    [retry] = plan_next(_facts(), policy, (), None, [], FAILED, timing).steps
    assert (retry.slot, retry.at) == (None, DEFAULT_AT)


def test_a_learned_choice_says_so_in_its_reason() -> None:
    policy = replace(default_policy("insufficient_funds", "card", "UTC"), learned_timing=True)
    timing = Timing(SCOPE, {}, random.Random(1))
    [retry] = plan_next(_facts(), policy, (), None, [], FAILED, timing).steps
    assert retry.why is not None
    assert retry.why["code"] == "planned_learned_slot"


# April's payday fell on a Friday: Fridays look good, the days of the month have no history yet.
FRIDAY_PAYDAY = {f"wd{d}": SlotStat(5, 95) for d in range(7)} | {"wd4": SlotStat(200, 20)}


def test_a_payday_retry_is_not_moved_to_the_weekday_a_past_payday_fell_on() -> None:
    rng = random.Random(5)
    assert {_choose(FRIDAY_PAYDAY, rng) for _ in range(200)} == {"d0h09"}


# Retries on the 19th (four days after the default, a backoff retry's later day) succeed.
LATER_DAY_SUCCEEDS = {f"dom{d}": SlotStat(4, 36) for d in range(1, 32)} | {"dom19": SlotStat(36, 4)}


def test_a_backoff_retry_keeps_the_policys_moment_however_good_a_later_day_looks() -> None:
    rng = random.Random(6)
    timing = Timing(SCOPE, LATER_DAY_SUCCEEDS, rng)
    keys = {
        choose(timing, DEFAULT_AT, FAILED, "UTC", lambda _: True).key.rsplit("/", 1)[-1]
        for _ in range(200)
    }
    assert keys == {"d0h09"}
