"""The merchant baselines: their schedules, the rules they keep and the links they send."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest

from tests.simulate.conftest import SMALL
from tinko.simulate.baselines import RAZORPAY_DAYS, SPACED_DAYS, STRIPE_DAYS
from tinko.simulate.driver import Driver, SimCase, utc
from tinko.simulate.report import to_json, versus_strongest
from tinko.simulate.run import simulate
from tinko.simulate.scenario import Scenario, parse_scenario
from tinko.simulate.strategies import Strategy, make_strategies
from tinko.simulate.world import build_world

NEVER_CLEARS = """
name: never
currency: USD
days: 10
failures: 40
amount: 2900
payment_methods: [{type: visa_card}]
failure_mix:
  - {code: do_not_honor, share: 1, behaviour: temporary_block, never_clears_share: 1}
responses: {reachable: {email: 1.0, phone: 0.0}, willingness: 0}
"""


def _strategy(scenario: Scenario, name: str) -> Strategy:
    strategies = make_strategies(scenario.merchant_timezone, scenario.window_days)
    return next(s for s in strategies if s.name == name)


def _alone_on_their_card(driver: Driver) -> list[SimCase]:
    """Cases of customers who failed once: no other case's retries count on their card."""
    per_customer = Counter(c.failure.customer.index for c in driver.cases)
    alone = [c for c in driver.cases if per_customer[c.failure.customer.index] == 1]
    assert alone
    return alone


@pytest.mark.parametrize(
    ("name", "days"),
    [
        ("stripe_default", STRIPE_DAYS),
        ("razorpay_default", RAZORPAY_DAYS),
        ("spaced_ladder", SPACED_DAYS),
    ],
)
def test_a_baseline_retries_on_its_documented_days(name: str, days: tuple[float, ...]) -> None:
    scenario = parse_scenario(NEVER_CLEARS)
    world = build_world(scenario, 1)
    driver = Driver(world, _strategy(scenario, name))
    driver.run(world.failures)
    for case in _alone_on_their_card(driver):
        failed = utc(case.failure.failed_at)
        offsets = [a.scheduled_for - failed for a in case.attempts if a.kind == "psp_retry"]
        assert offsets == [timedelta(days=d) for d in days]


def test_stripes_stand_in_makes_eight_tries_within_two_weeks() -> None:
    assert len(STRIPE_DAYS) + 1 == 8
    assert max(STRIPE_DAYS) <= 14


def test_a_baseline_sends_a_link_with_the_notice_and_after_the_last_retry() -> None:
    scenario = parse_scenario(NEVER_CLEARS)
    world = build_world(scenario, 1)
    driver = Driver(world, _strategy(scenario, "spaced_ladder"))
    driver.run(world.failures)
    for case in _alone_on_their_card(driver):
        kinds = [a.kind for a in sorted(case.attempts, key=lambda a: a.scheduled_for)]
        assert kinds == ["notification", *["psp_retry"] * len(SPACED_DAYS), "notification"]


@pytest.mark.parametrize("behaviour", ["authentication", "lost_stolen", "mandate_revoked"])
def test_a_baseline_never_retries_what_only_the_customer_can_fix(
    small: Scenario, behaviour: str
) -> None:
    world = build_world(small, 4)
    for name in ("stripe_default", "razorpay_default", "spaced_ladder"):
        driver = Driver(world, _strategy(small, name))
        driver.run(world.failures)
        cases = [c for c in driver.cases if c.failure.kind.behaviour == behaviour]
        linked = [c for c in cases if c.attempts]  # the others had opted out or had no contact
        assert linked
        for case in cases:
            assert all(a.kind != "psp_retry" for a in case.attempts), name
        for case in linked:  # one link, at the failure itself
            assert [(a.kind, a.scheduled_for) for a in case.attempts] == [
                ("notification", utc(case.failure.failed_at))
            ]


def test_the_baselines_break_no_network_or_npci_rule() -> None:
    scenario = parse_scenario(SMALL)  # cards, UPI AutoPay and e-mandates
    for seed in range(3):
        results = simulate(scenario, seed, workers=1).results
        for name in ("stripe_default", "razorpay_default", "spaced_ladder"):
            assert results[name].violations == {}, (name, seed)


def test_tinko_is_measured_against_the_baseline_that_recovered_most(small: Scenario) -> None:
    data = to_json(simulate(small, 2, workers=1))
    strategies = data["strategies"]
    versus = data["versus_strongest_baseline"]
    best = max(
        (n for n in strategies if n != "tinko"), key=lambda n: strategies[n]["recovered_revenue"]
    )
    assert versus["baseline"] == best
    expected = strategies["tinko"]["recovered_revenue"] / strategies[best]["recovered_revenue"]
    assert versus["revenue_ratio"] == round(expected, 4)


def test_a_ratio_against_a_baseline_that_recovered_nothing_is_null() -> None:
    zero = {"recovered_revenue": 0, "net_recovered_revenue": 0, "oracle_share_by_count": 0.0}
    tinko = {"recovered_revenue": 5, "net_recovered_revenue": 5, "oracle_share_by_count": 0.5}
    versus = versus_strongest({"tinko": tinko, "spaced_ladder": zero})
    assert versus == {
        "baseline": "spaced_ladder",
        "revenue_ratio": None,
        "net_revenue_ratio": None,
        "count_share_ratio": None,
    }


def test_message_costs_come_off_the_net_recovered_revenue() -> None:
    text = SMALL + "fees: {per_message: {email: 2, sms: 5}}\n"
    data = to_json(simulate(parse_scenario(text), 2, workers=1))
    sim = simulate(parse_scenario(text), 2, workers=1)
    for name, figures in data["strategies"].items():
        sent = sim.results[name].messages_by_channel
        costs = 2 * sent.get("email", 0) + 5 * sent.get("sms", 0)
        assert figures["message_costs"] == costs
        net = figures["recovered_revenue"] - figures["fees"] - costs
        assert figures["net_recovered_revenue"] == net


def test_figures_count_weighted_and_per_recovery(small: Scenario) -> None:
    sim = simulate(small, 3, workers=1)
    figures = to_json(sim)["strategies"]["tinko"]
    recovered = len(sim.results["tinko"].recovered)
    assert figures["oracle_share_by_count"] == round(recovered / len(sim.oracle), 4)
    assert figures["opt_outs_per_recovered"] == round(sim.results["tinko"].opt_outs / recovered, 3)
