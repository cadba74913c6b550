from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from tinko.cli import app
from tinko.simulate.backtest import calibrated_scenario, read_csv

runner = CliRunner()
DATA = Path(__file__).parent / "data"
FIGURES = {
    "failed_revenue",
    "recovered_revenue",
    "recovered_share",
    "oracle_share",
    "attempts_per_recovered",
    "messages_per_recovered",
    "median_hours_to_recover",
    "opt_outs",
    "violations",
    "fees",
}


def test_simulate_json_has_the_documented_shape(small_file: Path) -> None:
    result = runner.invoke(app, ["simulate", str(small_file), "--seed", "4", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) == {"scenario", "seed", "oracle", "strategies"}
    assert (data["scenario"], data["seed"]) == ("small", 4)
    assert set(data["oracle"]) == {"recoverable_revenue"}
    assert set(data["strategies"]) == {"tinko", "fixed_ladder", "messages_only"}
    assert all(set(figures) == FIGURES for figures in data["strategies"].values())


def test_simulate_writes_the_plot(small_file: Path, tmp_path: Path) -> None:
    plot = tmp_path / "plot.svg"
    result = runner.invoke(app, ["simulate", str(small_file), "--plot", str(plot)])
    assert result.exit_code == 0, result.output
    assert plot.read_text().startswith("<svg")
    assert "fixed_ladder" in plot.read_text()


def test_a_bad_scenario_exits_2_naming_the_key(small_file: Path) -> None:
    small_file.write_text(small_file.read_text().replace("currency: USD", "currency: usd"))
    result = runner.invoke(app, ["simulate", str(small_file)])
    assert result.exit_code == 2
    assert "currency: must be a 3-letter" in result.output


def test_an_invalid_policy_file_names_the_field(small_file: Path, tmp_path: Path) -> None:
    policy = tmp_path / "policy.json"
    policy.write_text(json.dumps({"name": "p", "max_attempts": 99}))
    result = runner.invoke(app, ["simulate", str(small_file), "--policy", str(policy)])
    assert result.exit_code == 2
    assert "max_attempts" in result.output


def test_a_policy_file_changes_what_tinko_does(small_file: Path, tmp_path: Path) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text(
        "name: messages only\nmax_attempts: 0\ninitial_delay_minutes: 0\n"
        "backoff_multiplier: 1\nmax_delay_minutes: 0\nchannels: [email]\n"
        "windows: {timezone: UTC, preset: anytime}\nwindow_days: 21\n"
    )
    args = ["simulate", str(small_file), "--json", "--seed", "2"]
    plain = json.loads(runner.invoke(app, args).stdout)
    changed = json.loads(runner.invoke(app, [*args, "--policy", str(policy)]).stdout)
    assert changed["strategies"]["tinko"]["attempts_per_recovered"] in (0.0, None)
    assert plain["strategies"]["tinko"]["attempts_per_recovered"] > 0


def test_backtest_from_a_stripe_csv_export() -> None:
    csv_file = DATA / "stripe_failed_payments.csv"
    result = runner.invoke(app, ["backtest", "--csv", str(csv_file), "--json", "--seed", "1"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["scenario"] == "backtest-stripe_failed_payments"
    assert data["strategies"]["tinko"]["violations"] == 0


def test_backtest_calibrates_on_the_exports_failures() -> None:
    failures = read_csv(DATA / "stripe_failed_payments.csv")
    scenario = calibrated_scenario("b", failures, "stripe")
    assert (scenario.failures, scenario.currency, scenario.days) == (7, "USD", 9)  # paid row out
    behaviours = {k.code: k.behaviour for k in scenario.failure_mix}
    assert behaviours["stolen_card"] == "lost_stolen"
    assert behaviours["insufficient_funds"] == "funds"
    assert sorted(v for v, _ in scenario.amount.choices) == [2900, 9900, 29900]
