"""A customer's failures are renewals of one subscription, one per period (decision 0023)."""

from __future__ import annotations

import itertools
from collections import defaultdict
from pathlib import Path

import pytest

from tinko.simulate.scenario import heldout_scenarios, load_scenario, parse_scenario
from tinko.simulate.world import BILLING_PERIOD, Failure, World, build_world

WORLDS = ["demo", "india_d2c", "marketplace", "us_saas"] + [
    f"heldout/{name}" for name in heldout_scenarios()
]
ONE_CUSTOMER = """
name: renewals
currency: USD
days: {days}
failures: {failures}
customers: {customers}
amount: 2900
payment_methods: [{{type: visa_card}}]
failure_mix: [{{code: {code}, share: 1, behaviour: {behaviour}}}]
"""


def _by_customer(world: World) -> dict[int, list[Failure]]:
    out: dict[int, list[Failure]] = defaultdict(list)
    for failure in world.failures:
        out[failure.customer.index].append(failure)
    return {c: sorted(fs, key=lambda f: f.failed_at) for c, fs in out.items()}


def _closest_gap(world: World) -> float:
    gaps = [
        later.failed_at - earlier.failed_at
        for failures in _by_customer(world).values()
        for earlier, later in itertools.pairwise(failures)
    ]
    return min(gaps, default=float("inf"))


def _tiny(days: int, failures: int, customers: int, behaviour: str = "funds") -> World:
    code = "issuer_not_available" if behaviour == "issuer_outage" else "insufficient_funds"
    text = ONE_CUSTOMER.format(
        days=days, failures=failures, customers=customers, code=code, behaviour=behaviour
    )
    return build_world(parse_scenario(text), 1)


@pytest.mark.parametrize("name", WORLDS)
def test_no_customer_fails_twice_within_a_billing_period(name: str) -> None:
    scenario = load_scenario(Path(name))
    # Full size, and scaled the way `bench.simulate --matrix --failures 2000` scales it.
    scaled = scenario.with_failures(2000, round(2000 * scenario.customers / scenario.failures))
    for world in (build_world(scenario, 1), build_world(scaled, 2)):
        assert _closest_gap(world) >= BILLING_PERIOD


@pytest.mark.parametrize("name", WORLDS)
def test_a_customers_recovery_windows_never_overlap(name: str) -> None:
    # The oracle judges each failure alone; disjoint windows mean no money is counted twice.
    world = build_world(load_scenario(Path(name)), 3)
    for failures in _by_customer(world).values():
        for earlier, later in itertools.pairwise(failures):
            assert earlier.window_end <= later.failed_at


def test_a_third_failure_takes_a_third_renewal_not_the_first_again() -> None:
    world = _tiny(days=100, failures=3, customers=1)
    moments = sorted(f.failed_at for f in world.failures)
    assert len(set(moments)) == 3
    assert moments[1] - moments[0] == BILLING_PERIOD
    assert moments[2] - moments[1] == BILLING_PERIOD


def test_an_outage_failure_of_a_repeat_customer_keeps_a_period_away() -> None:
    world = _tiny(days=100, failures=3, customers=1, behaviour="issuer_outage")
    assert _closest_gap(world) >= BILLING_PERIOD


def test_a_customer_with_no_free_renewal_passes_the_failure_to_another() -> None:
    # 20 days hold one renewal each: three failures need three customers.
    world = _tiny(days=20, failures=3, customers=3)
    assert len({f.customer.index for f in world.failures}) == 3


def test_the_same_seed_draws_the_same_renewals() -> None:
    first, again = _tiny(days=100, failures=40, customers=20), _tiny(100, 40, 20)
    assert [(f.customer.index, f.failed_at) for f in first.failures] == [
        (f.customer.index, f.failed_at) for f in again.failures
    ]
