"""`tinko backtest --csv`: which payment methods are simulated, and as what.

Stripe's payment method `type` values (https://docs.stripe.com/api/payment_methods/object) and
the Dashboard's human labels ("ACH Direct Debit"); Razorpay's `method`
(https://razorpay.com/docs/api/payments/).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from tinko.cli import app
from tinko.simulate.backtest import Export, read_export

runner = CliRunner()


def _read(tmp_path: Path, *methods: str) -> Export:
    path = tmp_path / "payments.csv"
    rows = "".join(
        f"ch_{n},2026-03-01,49.00,usd,Failed,insufficient_funds,{m},Visa\n"
        for n, m in enumerate(methods)
    )
    path.write_text(
        "id,Created date (UTC),Amount,Currency,Status,Decline Reason,Payment Method Type,"
        f"Card Brand\n{rows}"
    )
    return read_export(path)


@pytest.mark.parametrize(
    "method",
    ["klarna", "ideal", "bancontact", "afterpay_clearpay", "paypal", "link", "netbanking"],
)
def test_a_method_neither_card_nor_debit_is_left_out(tmp_path: Path, method: str) -> None:
    export = _read(tmp_path, method)
    assert (export.failures, export.skipped_methods) == ([], 1)


def test_left_out_failures_are_counted_by_method(tmp_path: Path) -> None:
    export = _read(tmp_path, "klarna", "iDEAL", "klarna", "card")
    assert export.left_out == {"klarna": 2, "ideal": 1}


@pytest.mark.parametrize(
    ("label", "simulated"),
    [
        ("ACH Direct Debit", "ach_debit"),
        ("us_bank_account", "ach_debit"),
        ("SEPA Direct Debit", "sepa_debit"),
        ("sepa_debit", "sepa_debit"),
        ("Bacs Direct Debit", "sepa_debit"),
    ],
)
def test_a_bank_debit_is_a_debit_by_its_words(tmp_path: Path, label: str, simulated: str) -> None:
    assert [f.method for f in _read(tmp_path, label).failures] == [simulated]


def test_upi_is_matched_as_a_word_not_a_substring(tmp_path: Path) -> None:
    export = _read(tmp_path, "UPI AutoPay", "groupie_pay")
    assert ([f.method for f in export.failures], export.left_out) == (
        ["upi_autopay"],
        {"groupie_pay": 1},
    )


def test_card_rows_and_rows_without_a_method_are_cards(tmp_path: Path) -> None:
    assert [f.method for f in _read(tmp_path, "card", "", "Credit Card").failures] == [
        "visa_card"
    ] * 3


def test_the_note_names_the_left_out_methods(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text(
        "id,Created date (UTC),Amount,Currency,Status,Decline Reason,Payment Method Type\n"
        "ch_1,2026-03-01,49.00,usd,Failed,insufficient_funds,klarna\n"
        "ch_2,2026-03-02,49.00,usd,Failed,insufficient_funds,card\n"
    )
    result = runner.invoke(app, ["backtest", "--csv", str(path), "--plot", str(tmp_path / "x.svg")])
    assert result.exit_code == 0, result.output
    assert "note: 1 failures on payment methods the simulator does not model (klarna 1)" in (
        result.stderr
    )
