from __future__ import annotations

from datetime import timedelta

from tinko.simulate.driver import PSP_SECONDS, Driver, utc
from tinko.simulate.report import to_json
from tinko.simulate.run import simulate
from tinko.simulate.scenario import Scenario
from tinko.simulate.strategies import LADDER_DAYS, make_strategies
from tinko.simulate.world import build_world


def test_the_same_seed_gives_the_same_figures(small: Scenario) -> None:
    assert to_json(simulate(small, 5, workers=1)) == to_json(simulate(small, 5, workers=1))


def test_another_seed_gives_another_world(small: Scenario) -> None:
    assert to_json(simulate(small, 5, workers=1)) != to_json(simulate(small, 6, workers=1))


def test_the_oracle_bounds_every_strategy_case_by_case(small: Scenario) -> None:
    sim = simulate(small, 3, workers=1)
    for result in sim.results.values():
        assert set(result.recovered) <= set(sim.oracle), result.name


def test_tinko_breaks_no_network_rule(small: Scenario) -> None:
    for seed in range(4):
        assert simulate(small, seed, workers=1).results["tinko"].violations == {}


def test_the_world_counts_the_ladders_broken_rules(small: Scenario) -> None:
    # The ladder knows nothing of NPCI hours or cycle caps: the independent count sees it.
    assert simulate(small, 3, workers=1).results["fixed_ladder"].violations


def test_the_fixed_ladder_retries_on_days_2_5_and_twice_on_day_7(small: Scenario) -> None:
    # The ladder read literally: "retries on days 2, 5, 7 and 7 after the failure".
    world = build_world(small, 2)
    ladder = next(
        s
        for s in make_strategies(small.merchant_timezone, small.window_days)
        if s.name == "fixed_ladder"
    )
    driver = Driver(world, ladder)
    driver.run(world.failures)
    seen = 0
    for case in driver.cases:
        if case.failure.kind.behaviour != "authentication":  # never succeeds on a retry
            continue
        failed = utc(case.failure.failed_at)
        offsets = [a.scheduled_for - failed for a in case.attempts if a.kind == "psp_retry"]
        if not offsets:
            continue
        days = timedelta(days=2), timedelta(days=5), timedelta(days=7)
        assert offsets[:3] == list(days)
        # The second day-7 retry goes as soon as the first has declined.
        assert days[2] < offsets[3] <= days[2] + timedelta(seconds=PSP_SECONDS)
        seen += 1
    assert LADDER_DAYS == (2, 5, 7, 7)
    assert seen > 0


def test_hard_declines_are_never_retried_on_the_same_method(small: Scenario) -> None:
    world = build_world(small, 4)
    for strategy in make_strategies(small.merchant_timezone, small.window_days):
        driver = Driver(world, strategy)
        driver.run(world.failures)
        hard = [
            c
            for c in driver.cases
            if c.failure.kind.behaviour in ("lost_stolen", "mandate_revoked")
        ]
        assert hard
        assert all(a.kind != "psp_retry" for c in hard for a in c.attempts), strategy.name
