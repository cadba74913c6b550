"""Learned retry timing: Thompson sampling over slots, within the guard (issue #16)."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from tinko.policies.defaults import default_policy
from tinko.policies.windows import UPI_AUTOPAY_NON_PEAK, is_allowed
from tinko.recovery.planner import CaseFacts, plan_next
from tinko.recovery.timing import SlotStat, Timing, choose

FAILED = datetime(2026, 6, 12, 10, 0, tzinfo=UTC)
DEFAULT_AT = datetime(2026, 6, 15, 9, 0, tzinfo=UTC)
SCOPE = "insufficient_funds/visa"


def _facts(**changes: object) -> CaseFacts:
    facts = CaseFacts(
        category="insufficient_funds",
        retryable=True,
        cooldown_seconds=0,
        visa_category=None,
        merchant_advice_code=None,
        payment_method_type="card",
        payment_method_ref="pm_1",
        card_network="visa",
        failed_at=FAILED,
        expires_at=FAILED + timedelta(days=28),
        retries_done=0,
        last_retry_at=None,
        messages_sent=0,
        last_message_at=None,
        reachable_channels=("email",),
        pending_kinds=frozenset(),
    )
    return replace(facts, **changes)  # type: ignore[arg-type]


def _choose(stats: dict[str, SlotStat], rng: random.Random) -> str:
    choice = choose(Timing(SCOPE, stats, rng), DEFAULT_AT, FAILED, "UTC", lambda _: True)
    return choice.key.rsplit("/", 1)[-1]


def test_without_history_the_policys_own_slot_is_chosen_most() -> None:
    rng = random.Random(1)
    chosen = Counter(_choose({}, rng) for _ in range(400))
    assert chosen.most_common(1)[0][0] == "d0h09"


def test_it_learns_toward_a_better_slot() -> None:
    rng, world = random.Random(2), random.Random(3)
    stats: dict[str, SlotStat] = {}
    late = []
    for n in range(600):
        name = _choose(stats, rng)
        won = world.random() < (0.6 if name == "d1h12" else 0.1)
        old = stats.get(name, SlotStat())
        stats[name] = SlotStat(old.successes + won, old.failures + (not won))
        if n >= 500:
            late.append(name)
    assert late.count("d1h12") >= 60


def test_the_same_seed_chooses_the_same_slots() -> None:
    first = [_choose({}, random.Random(7)) for _ in range(20)]
    again = [_choose({}, random.Random(7)) for _ in range(20)]
    assert first == again


def test_a_slot_the_network_rules_forbid_is_never_chosen() -> None:
    # UPI AutoPay executes only in NPCI's non-peak hours: 18:00 IST never, however good.
    policy = replace(
        default_policy("insufficient_funds", "upi", "Asia/Kolkata"), learned_timing=True
    )
    facts = _facts(payment_method_type="upi", card_network=None, timezone="Asia/Kolkata")
    stats = {"d0h18": SlotStat(500, 0), "d1h18": SlotStat(500, 0), "d2h18": SlotStat(500, 0)}
    for seed in range(30):
        timing = Timing("insufficient_funds/upi", stats, random.Random(seed))
        [retry] = list(plan_next(facts, policy, (), None, [], FAILED, timing).steps)
        assert is_allowed(retry.at, UPI_AUTOPAY_NON_PEAK)


def test_with_the_policy_flag_off_no_slot_is_learned() -> None:
    policy = default_policy("insufficient_funds", "card", "UTC")
    timing = Timing(SCOPE, {"d1h12": SlotStat(900, 0)}, random.Random(1))
    [retry] = plan_next(_facts(), policy, (), None, [], FAILED, timing).steps
    assert (retry.slot, retry.at) == (None, DEFAULT_AT)


def test_a_learned_choice_says_so_in_its_reason() -> None:
    policy = replace(default_policy("insufficient_funds", "card", "UTC"), learned_timing=True)
    timing = Timing(SCOPE, {}, random.Random(1))
    [retry] = plan_next(_facts(), policy, (), None, [], FAILED, timing).steps
    assert retry.why is not None
    assert retry.why["code"] == "planned_learned_slot"
