"""The built-in policies take the scenario's recovery window (decision 0022)."""

from __future__ import annotations

from pathlib import Path

from tinko.simulate.strategies import load_policy, make_strategies


def test_the_built_in_policies_use_the_scenarios_window() -> None:
    tinko = make_strategies("Asia/Tokyo", 21)[0]
    assert tinko.window_days("insufficient_funds", "card") == 21


def test_a_longer_scenario_window_is_not_cut_to_the_policys_28_days() -> None:
    tinko = make_strategies("UTC", 45)[0]
    assert tinko.window_days("do_not_honor", "card") == 45


def test_a_merchants_own_policy_keeps_its_window(tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text(
        "name: own\nmax_attempts: 2\ninitial_delay_minutes: 60\nbackoff_multiplier: 2\n"
        "max_delay_minutes: 600\nchannels: [email]\n"
        "windows: {timezone: UTC, preset: anytime}\nwindow_days: 35\n"
    )
    tinko = make_strategies("UTC", 21, load_policy(path))[0]
    assert tinko.window_days("insufficient_funds", "card") == 35
