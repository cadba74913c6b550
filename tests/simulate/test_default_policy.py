"""The issue's bar for the built-in policy, on each shipped scenario (scaled down to run fast):
at least 85 % of the oracle, a fifth more revenue than the fixed ladder with fewer attempts per
recovered payment, and no network rule broken."""

from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from tinko.simulate.report import to_json
from tinko.simulate.run import simulate
from tinko.simulate.scenario import load_scenario

SCENARIOS = ("india_d2c", "us_saas", "marketplace")
FAILURES = 1500


@functools.cache
def _strategies(name: str) -> dict[str, Any]:
    path = resources.files("tinko.simulate") / "scenarios" / f"{name}.yaml"
    scenario = load_scenario(Path(str(path)))
    customers = round(FAILURES * scenario.customers / scenario.failures)
    result: dict[str, Any] = to_json(simulate(scenario.with_failures(FAILURES, customers), 1))
    return dict(result["strategies"])


@pytest.mark.parametrize("name", SCENARIOS)
def test_the_built_in_policy_reaches_85_percent_of_the_oracle(name: str) -> None:
    assert _strategies(name)["tinko"]["oracle_share"] >= 0.85


@pytest.mark.parametrize("name", SCENARIOS)
def test_the_built_in_policy_recovers_a_fifth_more_than_the_fixed_ladder(name: str) -> None:
    strategies = _strategies(name)
    ladder = strategies["fixed_ladder"]["recovered_revenue"]
    assert strategies["tinko"]["recovered_revenue"] >= 1.2 * ladder


@pytest.mark.parametrize("name", SCENARIOS)
def test_the_built_in_policy_needs_fewer_attempts_per_recovery_than_the_ladder(name: str) -> None:
    strategies = _strategies(name)
    ladder = strategies["fixed_ladder"]["attempts_per_recovered"]
    assert strategies["tinko"]["attempts_per_recovered"] < ladder


@pytest.mark.parametrize("name", SCENARIOS)
def test_the_built_in_policy_breaks_no_network_rule(name: str) -> None:
    assert _strategies(name)["tinko"]["violations"] == 0
