"""`tinko backtest` on real-format exports with bad rows of every kind.

The fixtures mimic the two exports a merchant downloads, with the column headers those exports
write: Stripe's Dashboard payments export (Payments -> Export; the columns listed at
https://support.stripe.com/questions/exporting-a-report-of-all-transactions and the API's
payment method `type` values, https://docs.stripe.com/api/payment_methods/object) and
Razorpay's payments report (the Payments API entity's field names, day-first dates;
https://razorpay.com/docs/api/payments/ and https://razorpay.com/docs/errors for error_code,
error_description and error_reason). Each file holds good rows, bad rows of every reason, several
currencies, ACH and SEPA debits, and (Razorpay) slashed dates that could be read either way.
"""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from tinko.cli import app
from tinko.simulate.backtest import read_export
from tinko.simulate.calibrate import calibrated_scenarios

runner = CliRunner()
DATA = Path(__file__).parent / "data"
STRIPE = DATA / "stripe_payments_export_messy.csv"
RAZORPAY = DATA / "razorpay_payments_report_messy.csv"
DAY_FIRST = "%d/%m/%Y %H:%M:%S"


def _bad(path: Path, reason: str, date_format: str | None = None) -> list[str]:
    return read_export(path, date_format).bad_rows.get(reason, [])


# --- bad rows, one reason each --------------------------------------------------------------


def test_an_amount_that_is_not_a_number_is_a_bad_row() -> None:
    assert any(":5: amount 'abc' is not a number" in r for r in _bad(STRIPE, "amount"))


def test_a_negative_amount_is_a_bad_row() -> None:
    assert any(":6: amount '-5.00' must be a positive" in r for r in _bad(STRIPE, "amount"))


def test_more_decimals_than_the_currency_has_is_a_bad_row() -> None:
    assert any(":7: amount '49.999' has more decimals" in r for r in _bad(STRIPE, "amount"))


def test_an_amount_below_the_minimum_charge_is_a_bad_row() -> None:
    assert any(":8: 0.10 is below stripe's minimum" in r for r in _bad(STRIPE, "amount"))


def test_an_unknown_currency_is_a_bad_row() -> None:
    assert _bad(STRIPE, "currency") == [f"{STRIPE}:9: 'usdollar' is not an ISO 4217 code"]


def test_an_unreadable_date_is_a_bad_row() -> None:
    assert _bad(STRIPE, "date") == [f"{STRIPE}:10: 'last Tuesday' is not readable"]


def test_an_empty_amount_in_a_razorpay_report_is_a_bad_row() -> None:
    assert any(":8: amount '' is not a number" in r for r in _bad(RAZORPAY, "amount", DAY_FIRST))


def test_a_failed_row_without_any_code_is_reported_with_its_seller_message() -> None:
    assert _bad(STRIPE, "no decline code") == [
        f"{STRIPE}:17: a failed payment without a code "
        "(Seller Message: 'Blocked because Radar flagged it.')"
    ]


def test_bad_rows_leave_the_good_ones_to_simulate() -> None:
    export = read_export(STRIPE)
    assert len(export.failures) == 8  # 16 rows: 1 paid, 1 Radar block, 6 bad


def test_the_run_reports_each_reason_with_its_count_and_first_lines() -> None:
    result = runner.invoke(app, ["backtest", "--csv", str(STRIPE), "--json"])
    assert result.exit_code == 0, result.output
    assert "skipped 4 bad rows (amount), e.g. " in result.stderr
    # At most three examples a reason: amount, currency, date, no decline code.
    assert result.stderr.count(f"{STRIPE}:") == 3 + 1 + 1 + 1


# --- payment methods ------------------------------------------------------------------------


def test_us_bank_account_rows_are_ach_debits() -> None:
    methods = {f.method for f in read_export(STRIPE).failures if f.amount_minor == 9900}
    assert methods == {"ach_debit"}


def test_sepa_debit_rows_are_sepa_debits() -> None:
    methods = {f.method for f in read_export(STRIPE).failures if f.currency == "EUR"}
    assert methods == {"sepa_debit"}


def test_a_raw_sepa_return_code_keeps_its_spelling() -> None:
    assert "AM04" in {f.code for f in read_export(STRIPE).failures}


def test_razorpay_netbanking_and_wallet_failures_are_left_out() -> None:
    assert read_export(RAZORPAY, DAY_FIRST).skipped_methods == 2


# --- codes, dates ---------------------------------------------------------------------------


def test_the_code_comes_from_the_seller_message_when_the_decline_reason_is_empty() -> None:
    assert "expired_card" in {f.code for f in read_export(STRIPE).failures}


def test_ambiguous_slashed_dates_stop_the_run_and_ask_for_the_format() -> None:
    result = runner.invoke(app, ["backtest", "--csv", str(RAZORPAY)])
    assert result.exit_code == 2
    assert "--date-format" in result.output


def test_the_date_format_reads_the_ambiguous_dates() -> None:
    days = sorted(f.at.isoformat() for f in read_export(RAZORPAY, DAY_FIRST).failures)
    assert days == ["2026-03-02", "2026-03-03", "2026-03-04", "2026-03-07"]


# --- currencies -----------------------------------------------------------------------------


def test_each_currency_is_its_own_world_with_its_own_failures() -> None:
    worlds = calibrated_scenarios("b", read_export(STRIPE).failures, "stripe")
    assert [(w.name, w.currency, w.failures) for w in worlds] == [
        ("b-usd", "USD", 5),
        ("b-eur", "EUR", 2),
        ("b-jpy", "JPY", 1),
    ]


def test_amounts_are_never_mixed_across_currencies() -> None:
    jpy = calibrated_scenarios("b", read_export(STRIPE).failures, "stripe")[2]
    assert [v for v, _ in jpy.amount.choices] == [3000]


def test_the_json_report_holds_one_object_per_currency() -> None:
    result = runner.invoke(app, ["backtest", "--csv", str(STRIPE), "--json"])
    data = json.loads(result.stdout)
    assert (data["scenario"], list(data["currencies"])) == (
        "backtest-stripe_payments_export_messy",
        ["USD", "EUR", "JPY"],
    )


def test_the_human_report_heads_each_currency(tmp_path: Path) -> None:
    plot = tmp_path / "p.svg"
    result = runner.invoke(app, ["backtest", "--csv", str(STRIPE), "--plot", str(plot)])
    assert result.exit_code == 0, result.output
    heads = [line for line in result.stdout.splitlines() if line.startswith("== ")]
    assert heads == [
        "== USD (failures: 5)",
        "== EUR (failures: 2)",
        "== JPY (failures: 1)",
    ]


def test_each_currency_gets_its_own_plot(tmp_path: Path) -> None:
    plot = tmp_path / "p.svg"
    runner.invoke(app, ["backtest", "--csv", str(STRIPE), "--plot", str(plot)])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p-eur.svg", "p-jpy.svg", "p-usd.svg"]


def test_a_single_currency_keeps_the_simulate_shape() -> None:
    result = runner.invoke(
        app, ["backtest", "--csv", str(RAZORPAY), "--date-format", DAY_FIRST, "--json"]
    )
    data = json.loads(result.stdout)
    assert (data["scenario"], "currencies" in data) == (
        "backtest-razorpay_payments_report_messy",
        False,
    )


def test_the_zone_and_payday_flags_shape_every_currencys_world() -> None:
    worlds = calibrated_scenarios(
        "b", read_export(STRIPE).failures, "stripe", merchant_tz="Europe/Paris", paydays="1,15"
    )
    assert {(w.merchant_timezone, w.income[0].pattern) for w in worlds} == {
        ("Europe/Paris", "twice_monthly")
    }


# --- amounts written by hand or by other tools ------------------------------------------------


def _amount_read(tmp_path: Path, written: str, currency: str = "eur") -> int:
    export = tmp_path / "amounts.csv"
    export.write_text(
        "id,Created date (UTC),Amount,Currency,Status,Decline Reason\n"
        f'ch_1,2026-04-01 08:02,"{written}",{currency},Failed,insufficient_funds\n',
        encoding="utf-8",
    )
    [failure] = read_export(export).failures
    return failure.amount_minor


def test_a_currency_symbol_is_read_past(tmp_path: Path) -> None:
    assert _amount_read(tmp_path, "€12.50") == 1250


def test_the_currency_code_beside_the_amount_is_read_past(tmp_path: Path) -> None:
    assert _amount_read(tmp_path, "EUR 12.50") == 1250


def test_a_decimal_comma_after_dot_grouping_is_the_decimal_point(tmp_path: Path) -> None:
    assert _amount_read(tmp_path, "1.249,00") == 124900


def test_a_lone_comma_before_two_digits_is_the_decimal_point(tmp_path: Path) -> None:
    assert _amount_read(tmp_path, "49,90") == 4990


def test_a_lone_comma_before_three_digits_groups_thousands(tmp_path: Path) -> None:
    assert _amount_read(tmp_path, "1,249") == 124900


def test_indian_digit_grouping_is_read(tmp_path: Path) -> None:
    assert _amount_read(tmp_path, "₹1,24,999.00", "inr") == 12499900


def test_grouping_spaces_are_read_past(tmp_path: Path) -> None:
    assert _amount_read(tmp_path, "1 249,00") == 124900


# --- whose export: --gateway decides --------------------------------------------------------

# A Razorpay report with a column only Stripe's export has (Customer Email), amounts in paise
# as the payment entity's `amount` (https://razorpay.com/docs/api/payments/).
RAZORPAY_WITH_EMAIL = (
    "id,amount,currency,status,method,error_code,created_at,customer_email\n"
    "pay_1,49900,INR,failed,card,BAD_REQUEST_ERROR,1772085557,a@example.in\n"
)


def test_the_gateway_option_decides_the_amount_units(tmp_path: Path) -> None:
    export = tmp_path / "razorpay.csv"
    export.write_text(RAZORPAY_WITH_EMAIL, encoding="utf-8")
    [failure] = read_export(export, gateway="razorpay").failures
    assert failure.amount_minor == 49900


def test_the_gateway_option_decides_whose_export_it_is(tmp_path: Path) -> None:
    export = tmp_path / "razorpay.csv"
    export.write_text(RAZORPAY_WITH_EMAIL, encoding="utf-8")
    assert read_export(export, gateway="razorpay").gateway == "razorpay"


def test_the_run_passes_the_gateway_option_to_the_reader(tmp_path: Path) -> None:
    export = tmp_path / "razorpay.csv"
    export.write_text(RAZORPAY_WITH_EMAIL, encoding="utf-8")
    result = runner.invoke(
        app, ["backtest", "--csv", str(export), "--gateway", "razorpay", "--json"]
    )
    assert result.exit_code == 0, result.output
    # ₹499.00 once: 49900 paise, not 4,990,000 (read as rupees it would be 100x).
    assert json.loads(result.stdout)["strategies"]["tinko"]["failed_revenue"] == 49900
