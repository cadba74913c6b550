"""The wider world model: each switch does what docs/simulator.md says, and is off by default."""

from __future__ import annotations

import itertools
from datetime import date

import pytest

from tests.simulate.conftest import SMALL
from tinko.simulate.matrix import worlds
from tinko.simulate.outcomes import link_paid_at, oracle_time, remembered, willingness
from tinko.simulate.run import simulate
from tinko.simulate.scenario import Income, ScenarioError, parse_scenario
from tinko.simulate.world import DAY, NEVER, _paydates, build_world

BASE = """
name: w
currency: USD
days: 20
failures: 60
amount: 2900
payment_methods: [{type: visa_card}]
"""


def _world(extra: str, mix: str = "[{code: insufficient_funds, share: 1, behaviour: funds}]"):
    return build_world(parse_scenario(BASE + f"failure_mix: {mix}\n" + extra), 1)


def test_biweekly_paydays_are_a_fortnight_apart_and_split_the_customers() -> None:
    income = Income("biweekly", 1.0, weekday=4)
    even = _paydates(date(2026, 3, 1), date(2026, 4, 30), income, 0)
    odd = _paydates(date(2026, 3, 1), date(2026, 4, 30), income, 1)
    for days in (even, odd):
        assert all(d.weekday() == 4 for d in days)
        assert all((b - a).days == 14 for a, b in itertools.pairwise(days))
    assert abs((odd[0] - even[0]).days) == 7


def test_a_weekend_payday_moves_to_the_friday_before_with_business_days() -> None:
    # 2026-08-15 is a Saturday, 2026-11-15 a Sunday.
    plain = Income("twice_monthly", 1.0, days=(1, 15))
    shifted = Income("twice_monthly", 1.0, days=(1, 15), business_days=True)
    first, last = date(2026, 8, 10), date(2026, 11, 20)
    assert date(2026, 8, 15) in _paydates(first, last, plain)
    moved = _paydates(first, last, shifted)
    assert date(2026, 8, 14) in moved
    assert date(2026, 11, 13) in moved
    assert date(2026, 8, 15) not in moved


def test_income_can_be_an_amount_whatever_the_charge() -> None:
    extra = "balance: {income: {median: 400000, spread: 0.1}}\n"
    world = build_world(
        parse_scenario(
            BASE.replace("amount: 2900", "amount: 25000000")
            + "failure_mix: [{code: insufficient_funds, share: 1, behaviour: funds}]\n"
            + extra
        ),
        1,
    )
    assert all(f.income < 1_000_000 for f in world.failures)
    # A $250 000 invoice short of funds never gets paid from a salary of about $4 000.
    assert all(oracle_time(world, f) is None for f in world.failures)


def test_income_and_income_multiple_together_are_refused() -> None:
    text = BASE + (
        "failure_mix: [{code: insufficient_funds, share: 1, behaviour: funds}]\n"
        "balance: {income: 1000, income_multiple: {min: 1, max: 2}}\n"
    )
    with pytest.raises(ScenarioError, match=r"balance.income: give either"):
        parse_scenario(text)


def test_willingness_halves_every_half_life() -> None:
    world = _world("responses: {willingness: 0.4, willingness_half_life_days: 5}\n")
    failure = world.failures[0]
    assert willingness(world, failure, failure.failed_at) == pytest.approx(0.4)
    assert willingness(world, failure, failure.failed_at + 5 * DAY) == pytest.approx(0.2)


def test_willingness_does_not_decay_by_default() -> None:
    world = _world("")
    failure = world.failures[0]
    assert willingness(world, failure, failure.failed_at + 20 * DAY) == pytest.approx(0.35)


def test_a_failure_kind_can_have_its_own_lower_willingness() -> None:
    mix = "[{code: stolen_card, share: 1, behaviour: lost_stolen, willingness: 0}]"
    world = _world("responses: {willingness: 1.0}\n", mix)
    assert all(willingness(world, f, f.failed_at) == 0 for f in world.failures)
    assert all(oracle_time(world, f) is None for f in world.failures)


def test_an_outage_holds_a_link_payment_back_when_outages_stop_links() -> None:
    mix = "[{code: expired_card, share: 1, behaviour: expired_card}]"
    for stop, expect_after in (("true", True), ("false", False)):
        world = _world(f"issuers: {{count: 1, stop_links: {stop}}}\n", mix)
        failure = world.failures[0]
        begin, end = failure.failed_at + DAY, failure.failed_at + DAY + 3600
        world.outages[0][:] = [(begin, end)]
        world.index_outages()
        paid = link_paid_at(world, failure, begin - 60, 120)
        assert paid != NEVER
        assert (paid >= end) is expect_after


def test_amounts_are_raised_to_the_gateways_minimum_charge() -> None:
    text = BASE.replace("amount: 2900", "amount: {min: 1, max: 60}") + (
        "minimum_charge: true\n"
        "failure_mix: [{code: insufficient_funds, share: 1, behaviour: funds}]\n"
    )
    world = build_world(parse_scenario(text), 1)
    assert min(f.amount for f in world.failures) == 50  # Stripe's USD 0.50


def test_a_fixed_amount_below_the_minimum_charge_is_refused() -> None:
    text = BASE.replace("amount: 2900", "amount: 1") + (
        "minimum_charge: true\n"
        "failure_mix: [{code: insufficient_funds, share: 1, behaviour: funds}]\n"
    )
    with pytest.raises(ScenarioError, match=r"amount: 1 is below stripe's minimum charge in USD"):
        parse_scenario(text)


ALL_ON = SMALL.replace(
    "  - {pattern: weekly, weekday: fri}",
    "  - {pattern: biweekly, weekday: fri}\n  - {pattern: monthly, day: 25, business_days: true}",
) + (
    "minimum_charge: true\n"
    "balance: {income: {median: 300000, spread: 0.8}}\n"
    "issuers: {count: 5, outages_per_30_days: 3, outage_hours: {min: 4, max: 60}, "
    "stop_links: true}\n"
    "responses: {willingness: 0.5, willingness_half_life_days: 7}\n"
)


def test_the_oracle_bounds_every_strategy_with_every_switch_on() -> None:
    scenario = parse_scenario(ALL_ON)
    for seed in (1, 2):
        sim = simulate(scenario, seed, workers=1)
        for result in sim.results.values():
            assert set(result.recovered) <= set(sim.oracle), (result.name, seed)


def test_the_switches_are_off_by_default() -> None:
    scenario = parse_scenario(SMALL)
    assert scenario.minimum_charge == 1
    assert scenario.balance.income is None
    assert scenario.issuers.stop_links is False
    assert scenario.responses.willingness_half_life_days is None
    assert scenario.responses.fatigue_memory_days is None
    assert all(k.willingness is None for k in scenario.failure_mix)


def test_the_oracle_counts_the_wear_of_the_messages_before_the_one_that_is_read() -> None:
    # Read only at the second message: by then one message has worn willingness down by
    # ``fatigue``, so a customer willing only at the full willingness never pays.
    mix = "[{code: expired_card, share: 1, behaviour: expired_card}]"
    world = _world("responses: {willingness: 0.5, fatigue: 0.5, reachable: {email: 1}}\n", mix)
    failure = world.failures[0]
    failure.read_draws = (1.0, 0.0, *failure.read_draws[2:])
    failure.response_delays = (60.0,) * len(failure.response_delays)
    failure.funds_at_failure = NEVER  # the balance never stands in the way
    failure.willing_draw = 0.3  # under 0.5, over 0.5 * 0.5
    assert oracle_time(world, failure) is None
    failure.willing_draw = 0.2  # under 0.5 * 0.5: the second message collects
    assert oracle_time(world, failure) is not None


@pytest.mark.parametrize("name", [name for name, _, _ in worlds()])
def test_the_oracle_bounds_every_strategy_on_every_shipped_and_held_out_world(name: str) -> None:
    [scenario] = [s for n, _, s in worlds() if n == name]
    sim = simulate(
        scenario.with_failures(300, max(1, 300 * scenario.customers // scenario.failures)),
        1,
        workers=1,
    )
    for result in sim.results.values():
        assert set(result.recovered) <= set(sim.oracle), result.name


def test_every_earlier_message_wears_the_customer_down_by_default() -> None:
    world = _world("")
    at = world.failures[0].failed_at
    assert remembered(world, [at - 300 * DAY, at - DAY], at) == 2


def test_with_a_fatigue_memory_older_messages_are_forgotten() -> None:
    world = _world("responses: {fatigue_memory_days: 30}\n")
    at = world.failures[0].failed_at
    assert remembered(world, [at - 31 * DAY, at - 29 * DAY, at - DAY], at) == 2
