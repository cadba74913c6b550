"""Learned timing in the simulator: one merchant learning over its own outcomes."""

from __future__ import annotations

from tinko.simulate.report import to_json
from tinko.simulate.run import simulate
from tinko.simulate.scenario import Scenario


def test_a_learning_run_is_the_same_for_the_same_seed(small: Scenario) -> None:
    first = to_json(simulate(small, 4, workers=1, learned=True))
    assert first == to_json(simulate(small, 4, workers=1, learned=True))


def test_a_learning_run_does_not_depend_on_the_number_of_workers(small: Scenario) -> None:
    larger = small.with_failures(2000, 1600)
    one = to_json(simulate(larger, 4, workers=1, learned=True))
    assert (
        one["strategies"]["tinko_learned"]
        == to_json(simulate(larger, 4, workers=2, learned=True))["strategies"]["tinko_learned"]
    )


def test_learned_timing_breaks_no_network_rule(small: Scenario) -> None:
    assert simulate(small, 3, workers=1, learned=True).results["tinko_learned"].violations == {}
