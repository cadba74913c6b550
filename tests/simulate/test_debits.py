"""Bank debits in the simulated world: a debit is answered days after it is sent, and NACHA's
reinitiation cap on ACH debits is kept by Tinko and counted against the ladder."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tinko.simulate.driver import Driver, utc
from tinko.simulate.run import simulate
from tinko.simulate.scenario import Scenario, parse_scenario
from tinko.simulate.strategies import make_strategies
from tinko.simulate.world import build_world, debit_notice

DEBITS = """
name: debits
currency: USD
gateway: stripe
merchant_timezone: America/New_York
days: 20
window_days: 28
failures: 120
customers: 100
amount: 4900
countries: [{code: US, timezone: America/New_York}]
payment_methods:
  - {type: ach_debit, share: 0.7}
  - {type: sepa_debit, share: 0.3}
failure_mix:
  - {code: R01, share: 0.6, behaviour: funds}
  - {code: AM04, share: 0.2, behaviour: funds, methods: [sepa_debit]}
  - {code: R02, share: 0.2, behaviour: lost_stolen, methods: [ach_debit]}
"""


@pytest.fixture
def debits() -> Scenario:
    return parse_scenario(DEBITS)


def _driver(scenario: Scenario, name: str) -> Driver:
    world = build_world(scenario, 3)
    strategy = next(
        s
        for s in make_strategies(scenario.merchant_timezone, scenario.window_days)
        if s.name == name
    )
    driver = Driver(world, strategy)
    driver.run(world.failures)
    return driver


def test_an_ach_debit_is_answered_four_business_days_later() -> None:
    friday = datetime(2026, 6, 5, 15, 0, tzinfo=UTC).timestamp()
    thursday = datetime(2026, 6, 11, 15, 0, tzinfo=UTC).timestamp()
    assert debit_notice("ach_debit", friday) == thursday


def test_a_card_is_answered_at_once() -> None:
    assert debit_notice("visa_card", 1_000.0) == 1_000.0


def test_a_declined_debit_retry_is_known_only_when_the_bank_returns_it(
    debits: Scenario,
) -> None:
    driver = _driver(debits, "tinko")
    waits = [
        a.finished_at - a.scheduled_for
        for case in driver.cases
        for a in case.attempts
        if a.kind == "psp_retry" and a.outcome == "declined" and a.finished_at
    ]
    assert waits
    assert min(waits) >= timedelta(days=4)


def test_a_debit_retry_recovers_when_it_settles(debits: Scenario) -> None:
    driver = _driver(debits, "tinko")
    settled = [
        (at, case)
        for case in driver.cases
        if (hit := driver.result.recovered.get(case.failure.index)) and hit[1] == "retry"
        for at in (hit[0],)
    ]
    assert settled
    for at, case in settled:
        sent = max(a.scheduled_for for a in case.attempts if a.outcome == "succeeded")
        assert utc(at) >= sent + timedelta(days=4)


def test_tinko_keeps_to_nachas_reinitiation_cap(debits: Scenario) -> None:
    assert simulate(debits, 3, workers=1).results["tinko"].violations == {}


def test_the_world_counts_the_ladders_ach_presentations_over_the_cap(debits: Scenario) -> None:
    violations = simulate(debits, 3, workers=1).results["fixed_ladder"].violations
    assert violations.get("ach_debit.cycle_cap", 0) > 0
