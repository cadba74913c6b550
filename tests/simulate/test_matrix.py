"""The development set and the one-table comparison (every world x strategy x seed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tinko.simulate.matrix import TUNED, markdown, run_matrix, worlds
from tinko.simulate.scenario import Scenario, heldout_scenarios, load_scenario
from tinko.simulate.strategies import STRATEGIES


def test_the_development_set_has_five_worlds_unlike_the_tuned_ones() -> None:
    everything = worlds()
    tuned = [s for _, held, s in everything if not held]
    held_out = [s for _, held, s in everything if held]
    assert len(held_out) >= 5
    assert [s.name for s in tuned] == list(TUNED)

    def signature(s: Scenario) -> tuple[str, str, str]:
        main = max(s.payment_methods, key=lambda m: m.share).type
        return (s.currency, s.merchant_timezone, main)

    # Each held-out world differs from every tuned one in market, zone or main payment method.
    assert {signature(s) for s in held_out}.isdisjoint({signature(s) for s in tuned})


@pytest.mark.parametrize("name", heldout_scenarios())
def test_a_held_out_world_loads_by_its_name(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(Path(__file__).parent)  # no file of that name here
    assert load_scenario(Path("heldout") / name).name == name


def test_the_matrix_reports_every_world_strategy_and_seed() -> None:
    chosen = [w for w in worlds() if w[0] in ("us_saas", "jp_fitness")]
    results = run_matrix(chosen, [1, 2], failures=40, workers=1)
    table = markdown(results, [1, 2], 40)
    for world in ("us_saas", "jp_fitness"):
        for strategy in STRATEGIES:
            row = next(
                line
                for line in table.splitlines()
                if f"| {world} |" in line and f"| {strategy} |" in line
            )
            assert row.count(" / ") == 1  # one revenue share per seed
    assert "| jp_fitness | held-out |" in table
    assert "| us_saas | tuned |" in table
    assert all(len(w.runs) == 2 for w in results)


def test_the_matrix_counts_violations_per_world_and_strategy() -> None:
    chosen = [w for w in worlds() if w[0] == "us_saas"]
    table = markdown(run_matrix(chosen, [1], failures=40, workers=1), [1], 40)
    assert "| violations |" in table.splitlines()[2]
    row = next(line for line in table.splitlines() if "| us_saas | tuned | tinko |" in line)
    assert row.endswith("| 0 |")
