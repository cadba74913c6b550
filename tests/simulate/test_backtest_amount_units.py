"""`tinko backtest`: every amount of a file is read in one unit, major or minor.

An export that neither PSP wrote (a billing system's, a spreadsheet's) may write "120" beside
"49.99": both are currency units. One with whole numbers only cannot say; it is read in minor
units as before, and the report says that was a guess and how to change it.
"""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from tinko.cli import app
from tinko.simulate.backtest import read_export
from tinko.simulate.export_amounts import AmountUnits

runner = CliRunner()
GENERIC = "payment_id,date,{amount},currency,status,failure_code\n"


def _write(
    tmp_path: Path, amounts: list[str], header: str = "amount", currency: str = "USD"
) -> Path:
    rows = "".join(
        f'p{i},2026-03-0{i + 1} 10:00:00,"{amount}",{currency},failed,insufficient_funds\n'
        for i, amount in enumerate(amounts)
    )
    path = tmp_path / "billing.csv"
    path.write_text(GENERIC.format(amount=header) + rows, encoding="utf-8")
    return path


def _minor(path: Path, amount_units: str | None = None) -> list[int]:
    return [f.amount_minor for f in read_export(path, amount_units=amount_units).failures]


def _units(path: Path) -> AmountUnits:
    units = read_export(path).amount_units
    assert units is not None
    return units


def test_a_whole_amount_beside_a_decimal_one_is_in_currency_units(tmp_path: Path) -> None:
    assert _minor(_write(tmp_path, ["49.99", "120"])) == [4999, 12000]


def test_the_decimal_point_that_decided_is_named(tmp_path: Path) -> None:
    units = _units(_write(tmp_path, ["120", "49.99"]))
    assert (units.units, units.guessed) == ("major", False)
    assert ":3: '49.99' has a decimal point" in units.because


def test_whole_amounts_alone_are_minor_units_and_a_guess(tmp_path: Path) -> None:
    path = _write(tmp_path, ["4999", "12000"])
    assert _minor(path) == [4999, 12000]
    assert _units(path).guessed


def test_the_option_reads_whole_amounts_as_currency_units(tmp_path: Path) -> None:
    assert _minor(_write(tmp_path, ["49", "120"]), amount_units="major") == [4900, 12000]


def test_minor_units_make_a_decimal_amount_a_bad_row(tmp_path: Path) -> None:
    export = read_export(_write(tmp_path, ["4999", "49.99"]), amount_units="minor")
    assert [f.amount_minor for f in export.failures] == [4999]
    assert "more decimals than USD allows" in export.bad_rows["amount"][0]


def test_a_column_named_for_cents_is_minor_units_without_a_guess(tmp_path: Path) -> None:
    path = _write(tmp_path, ["4999", "12000"], header="Amount (cents)")
    assert _minor(path) == [4999, 12000]
    assert not _units(path).guessed


def test_a_zero_decimal_currency_says_nothing_of_the_units(tmp_path: Path) -> None:
    # ¥3000 is 3000 minor units either way; it must not make "4999" cents into dollars.
    path = tmp_path / "mixed.csv"
    path.write_text(
        GENERIC.format(amount="amount")
        + "p1,2026-03-01 10:00:00,3000.0,JPY,failed,insufficient_funds\n"
        + "p2,2026-03-02 10:00:00,4999,USD,failed,insufficient_funds\n",
        encoding="utf-8",
    )
    assert _units(path).units == "minor"


def test_a_dot_in_a_bad_amount_decides_nothing(tmp_path: Path) -> None:
    path = _write(tmp_path, ["n.a.", "4999"])
    assert _units(path).units == "minor"
    assert _minor(path) == [4999]


def test_a_razorpay_report_in_rupees_reads_every_row_in_rupees(tmp_path: Path) -> None:
    path = tmp_path / "razorpay.csv"
    path.write_text(
        "id,amount,currency,status,method,error_code,error_reason,created_at\n"
        "pay_1,499.00,INR,failed,card,BAD_REQUEST_ERROR,insufficient_funds,1772085557\n"
        "pay_2,499,INR,failed,card,BAD_REQUEST_ERROR,insufficient_funds,1772171957\n",
        encoding="utf-8",
    )
    assert _minor(path) == [49900, 49900]


def test_the_json_report_says_how_amounts_were_read(tmp_path: Path) -> None:
    path = _write(tmp_path, ["4999", "12000"])
    result = runner.invoke(app, ["backtest", "--csv", str(path), "--json"])
    assert result.exit_code == 0, result.output
    units = json.loads(result.stdout)["input"]["amount_units"]
    assert units == {
        "read_as": "minor",
        "because": "no amount has a decimal point",
        "guessed": True,
    }


def test_the_human_report_asks_for_the_option_when_it_guessed(tmp_path: Path) -> None:
    path = _write(tmp_path, ["4999", "12000"])
    result = runner.invoke(app, ["backtest", "--csv", str(path), "--plot", str(tmp_path / "p.svg")])
    assert result.exit_code == 0, result.output
    assert "4999 is $49.99" in result.stderr
    assert "--amount-units major" in result.stderr


def test_an_unknown_unit_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, ["49"])
    result = runner.invoke(app, ["backtest", "--csv", str(path), "--amount-units", "dollars"])
    assert result.exit_code != 0
    assert "--amount-units: 'dollars' is not one of major, minor" in result.stderr


def test_the_option_is_refused_for_stored_failures() -> None:
    result = runner.invoke(app, ["backtest", "--org", "org_1", "--amount-units", "major"])
    assert result.exit_code != 0
    assert "stored failures are in minor units" in result.stderr
