"""The simulated engine holds retries while another payment saw the issuer down, as the live
claim does, and its results still do not depend on how many workers run it."""

from __future__ import annotations

import pytest

from tests.simulate.conftest import SMALL
from tinko.simulate.driver import Driver
from tinko.simulate.run import simulate
from tinko.simulate.scenario import Scenario, parse_scenario
from tinko.simulate.strategies import PolicySource, TinkoStrategy
from tinko.simulate.world import build_world

# Few issuers, each down for one to three days several times a month.
LONG_OUTAGES = SMALL.replace(
    "failure_mix:",
    "issuers: {count: 3, outages_per_30_days: 4, outage_hours: {min: 24, max: 72}}\nfailure_mix:",
)


@pytest.fixture
def outages() -> Scenario:
    return parse_scenario(LONG_OUTAGES)


def test_retries_wait_while_their_issuer_is_seen_down(outages: Scenario) -> None:
    world = build_world(outages, 5)
    zone = outages.merchant_timezone
    watching = Driver(world, TinkoStrategy(PolicySource(zone))).run(world.failures)
    blind = Driver(world, TinkoStrategy(PolicySource(zone), watches_issuers=False)).run(
        world.failures
    )
    assert watching.retries_held > 0
    assert watching.retries_sent < blind.retries_sent


def test_the_results_do_not_depend_on_the_number_of_workers(outages: Scenario) -> None:
    alone = simulate(outages, 5, workers=1).results["tinko"]
    shared = simulate(outages, 5, workers=2).results["tinko"]
    assert (shared.recovered, shared.retries_sent, shared.retries_held) == (
        alone.recovered,
        alone.retries_sent,
        alone.retries_held,
    )
