from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tinko.cli import app
from tinko.simulate.backtest import read_csv
from tinko.simulate.calibrate import calibrated_scenario

runner = CliRunner()
DATA = Path(__file__).parent / "data"
FIGURES = {
    "failed_revenue",
    "recovered_revenue",
    "recovered_share",
    "oracle_share",
    "oracle_share_by_count",
    "attempts_per_recovered",
    "messages_per_recovered",
    "opt_outs_per_recovered",
    "median_hours_to_recover",
    "opt_outs",
    "violations",
    "fees",
    "message_costs",
    "net_recovered_revenue",
}


def test_simulate_json_has_the_documented_shape(small_file: Path) -> None:
    result = runner.invoke(app, ["simulate", str(small_file), "--seed", "4", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) == {"scenario", "seed", "oracle", "strategies", "versus_strongest_baseline"}
    assert (data["scenario"], data["seed"]) == ("small", 4)
    assert set(data["oracle"]) == {"recoverable_revenue", "recoverable_count"}
    assert set(data["strategies"]) == {
        "tinko",
        "stripe_default",
        "razorpay_default",
        "spaced_ladder",
        "fixed_ladder",
        "messages_only",
    }
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


# --- regressions found by writing scenarios from docs/simulator.md alone -------------------

TINY = """
name: tiny
currency: {currency}
days: 3
failures: 4
amount: {amount}
payment_methods: [{{type: visa_card}}]
failure_mix: [{{code: {code}, share: 1, behaviour: {behaviour}}}]
responses: {{reachable: {{email: {email}, phone: 0}}}}
"""


VALID_TINY = TINY.format(
    currency="USD", amount=100, code="insufficient_funds", behaviour="funds", email=1
).encode()


def _tiny(tmp_path: Path, **values: object) -> Path:
    fields = {
        "currency": "USD",
        "amount": 1999,
        "code": "insufficient_funds",
        "behaviour": "funds",
        "email": 0.95,
    }
    fields.update(values)
    path = tmp_path / "tiny.yaml"
    path.write_text(TINY.format(**fields))
    return path


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (VALID_TINY + b"start: 2026-02-30\n", "start: must be a real date"),
        (b"name: \xff\xfe\n", "not UTF-8"),
        (b"name: x\n  bad: [indent\n", "line 2"),
        (b"", "(document)"),
        (  # the message quotes YAML brackets: printed as written, not read as markup
            VALID_TINY.replace(b"behaviour: funds}", b'behaviour: funds, advice_code: "03"}'),
            "give this entry methods: [mastercard_card]",
        ),
        (b"dayz: 3\n", "dayz: unknown key; allowed here: name, currency"),
    ],
)
def test_a_bad_scenario_is_one_line_exit_2_no_traceback(
    tmp_path: Path, source: bytes, expected: str
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_bytes(source)
    result = runner.invoke(app, ["simulate", str(path), "--json"], terminal_width=60)
    assert result.exit_code == 2
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1
    assert expected in result.stderr


def test_a_policy_file_with_a_misspelt_key_names_that_key(small_file: Path, tmp_path: Path) -> None:
    policy = tmp_path / "policy.json"
    policy.write_text(json.dumps({"name": "p", "max_attemps": 3}))
    result = runner.invoke(app, ["simulate", str(small_file), "--policy", str(policy)])
    assert result.exit_code == 2
    assert "max_attemps: unknown key" in result.output


def test_a_policy_file_that_is_not_utf8_exits_2(small_file: Path, tmp_path: Path) -> None:
    policy = tmp_path / "policy.json"
    policy.write_bytes(b"\xff\xfe")
    result = runner.invoke(app, ["simulate", str(small_file), "--policy", str(policy)])
    assert result.exit_code == 2
    assert "not UTF-8" in result.output


def test_per_recovered_figures_are_null_when_nothing_is_recovered(tmp_path: Path) -> None:
    scenario = _tiny(tmp_path, code="stolen_card", behaviour="lost_stolen", email=0)
    result = runner.invoke(app, ["simulate", str(scenario), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["oracle"]["recoverable_revenue"] == 0
    for figures in data["strategies"].values():
        assert figures["recovered_revenue"] == 0
        assert figures["attempts_per_recovered"] is None
        assert figures["messages_per_recovered"] is None
        assert figures["median_hours_to_recover"] is None


def test_the_table_shows_a_zero_decimal_currency_in_yen(tmp_path: Path) -> None:
    scenario = _tiny(tmp_path, currency="JPY", amount=3000)
    plot = tmp_path / "p.svg"
    result = runner.invoke(
        app, ["simulate", str(scenario), "--plot", str(plot)], terminal_width=200
    )
    assert result.exit_code == 0, result.output
    assert "JPY 12,000" in result.stdout  # four failures of 3000 yen, not "JPY 120.00"
