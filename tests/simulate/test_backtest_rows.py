"""`tinko backtest --csv`: which rows are failures, and each payment counted once.

Statuses as Stripe's charges (https://docs.stripe.com/api/charges/object) and Razorpay's
payments (https://razorpay.com/docs/payments/payments/) write them, and other PSPs' (Adyen's
"Refused").
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

from tinko.cli import app
from tinko.simulate.backtest import Export, read_export

runner = CliRunner()

HEAD = "id,Created date (UTC),Amount,Currency,Status,Decline Reason\n"


def _read(tmp_path: Path, text: str) -> Export:
    path = tmp_path / "payments.csv"
    path.write_text(text, encoding="utf-8")
    return read_export(path)


@pytest.mark.parametrize("status", ["Blocked", "Canceled", "Refused", "requires_action"])
def test_a_coded_row_whose_status_is_no_success_is_a_failure(tmp_path: Path, status: str) -> None:
    export = _read(tmp_path, HEAD + f"ch_1,2026-03-01,49.00,usd,{status},do_not_honor\n")
    assert [f.code for f in export.failures] == ["do_not_honor"]


@pytest.mark.parametrize(
    "status",
    ["Paid", "succeeded", "captured", "authorized", "Refunded", "Partially refunded", "Disputed"],
)
def test_a_known_success_is_not_a_failure_even_with_a_code(tmp_path: Path, status: str) -> None:
    export = _read(tmp_path, HEAD + f"ch_1,2026-03-01,49.00,usd,{status},do_not_honor\n")
    assert (export.failures, export.bad_rows) == ([], {})


def test_a_pending_row_without_a_code_is_not_a_failure(tmp_path: Path) -> None:
    export = _read(tmp_path, HEAD + "ch_1,2026-03-01,49.00,usd,Pending,\n")
    assert (export.failures, export.bad_rows) == ([], {})


def test_the_first_of_two_status_columns_wins(tmp_path: Path) -> None:
    export = _read(
        tmp_path,
        "id,Created date (UTC),Amount,Currency,Status,Decline Reason,Status\n"
        "ch_1,2026-03-01,49.00,usd,Failed,do_not_honor,active\n",
    )
    assert len(export.failures) == 1


def test_an_empty_duplicate_column_does_not_shadow_a_filled_one(tmp_path: Path) -> None:
    export = _read(
        tmp_path,
        "id,Created date (UTC),Amount,Currency,Status,Decline Reason,Amount\n"
        "ch_1,2026-03-01,49.00,usd,Failed,do_not_honor,\n",
    )
    assert [f.amount_minor for f in export.failures] == [4900]


# --- duplicates -----------------------------------------------------------------------------

TWICE = (
    HEAD
    + (
        "ch_1,2026-03-01,49.00,usd,Failed,do_not_honor\nch_2,2026-03-02,19.00,usd,Failed,do_not_honor\n"
    )
    * 2
)


def test_a_payment_id_read_twice_counts_once(tmp_path: Path) -> None:
    assert [f.amount_minor for f in _read(tmp_path, TWICE).failures] == [4900, 1900]


def test_the_repeated_rows_are_reported_with_the_first_line(tmp_path: Path) -> None:
    repeated = _read(tmp_path, TWICE).bad_rows["duplicate payment id"]
    assert len(repeated) == 2
    assert repeated[0].endswith(":4: ch_1 was already read on line 2")


# --- line numbers ---------------------------------------------------------------------------


def test_bad_row_lines_count_multi_line_fields_and_blank_lines(tmp_path: Path) -> None:
    export = _read(
        tmp_path,
        "id,Description,Created date (UTC),Amount,Currency,Status,Decline Reason\n"
        'ch_1,"two\nlines",2026-03-01,49.00,usd,Failed,do_not_honor\n'
        "\n"
        "ch_2,x,2026-03-01,abc,usd,Failed,do_not_honor\n",
    )
    [bad] = export.bad_rows["amount"]
    assert ":5: amount 'abc'" in bad


# --- what the run reports about its input ---------------------------------------------------


def _run(tmp_path: Path, text: str, *args: str) -> Result:
    path = tmp_path / "payments.csv"
    path.write_text(text, encoding="utf-8")
    return runner.invoke(app, ["backtest", "--csv", str(path), *args])


MIXED = HEAD.replace("\n", ",Payment Method Type\n") + (
    "ch_1,2026-03-01,49.00,usd,Failed,do_not_honor,card\n"
    "ch_2,2026-03-02,abc,usd,Failed,do_not_honor,card\n"
    "ch_3,2026-03-03,19.00,usd,Failed,do_not_honor,klarna\n"
    "ch_1,2026-03-01,49.00,usd,Failed,do_not_honor,card\n"
    "ch_4,2026-03-04,19.00,usd,Failed,insufficient_funds,card\n"
)


def test_the_json_report_keeps_the_simulate_keys_and_adds_the_input(tmp_path: Path) -> None:
    data = json.loads(_run(tmp_path, MIXED, "--json").stdout)
    assert {"scenario", "oracle", "strategies", "input"} <= set(data)


def test_the_json_input_counts_rows_read_and_failures_kept(tmp_path: Path) -> None:
    summary = json.loads(_run(tmp_path, MIXED, "--json").stdout)["input"]
    assert (summary["rows_read"], summary["failures_kept"]) == (5, 2)


def test_the_json_input_counts_skipped_rows_by_reason_with_examples(tmp_path: Path) -> None:
    skipped = json.loads(_run(tmp_path, MIXED, "--json").stdout)["input"]["skipped"]
    assert {r: s["count"] for r, s in skipped.items()} == {
        "amount": 1,
        "duplicate payment id": 1,
    }
    assert skipped["amount"]["examples"][0].endswith(":3: amount 'abc' is not a number")


def test_the_json_input_counts_left_out_methods(tmp_path: Path) -> None:
    summary = json.loads(_run(tmp_path, MIXED, "--json").stdout)["input"]
    assert summary["left_out_methods"] == {"klarna": 1}


def test_the_json_input_holds_the_files_failed_amounts(tmp_path: Path) -> None:
    summary = json.loads(_run(tmp_path, MIXED, "--json").stdout)["input"]
    assert summary["failed_amounts"] == {"USD": 6800}


def test_the_text_report_gives_the_files_total_and_says_amounts_are_resampled(
    tmp_path: Path,
) -> None:
    result = _run(tmp_path, MIXED, "--plot", str(tmp_path / "p.svg"))
    assert result.exit_code == 0, result.output
    assert "the file's 2 USD failures total $68.00; the simulation draws amounts" in (result.stdout)


# --- codes ----------------------------------------------------------------------------------


def test_a_razorpay_description_classifies_a_row_without_a_reason(tmp_path: Path) -> None:
    export = _read(
        tmp_path,
        "id,amount,currency,status,method,error_code,error_description,created_at\n"
        "pay_1,49900,INR,failed,card,BAD_REQUEST_ERROR,"
        "Payment failed due to insufficient balance,1772085557\n",
    )
    assert [f.code for f in export.failures] == ["insufficient_funds"]


def test_stripes_no_further_details_seller_message_is_a_generic_decline(tmp_path: Path) -> None:
    export = _read(
        tmp_path,
        "id,Created date (UTC),Amount,Currency,Status,Seller Message\n"
        "ch_1,2026-03-01,49.00,usd,Failed,"
        "The bank did not return any further details with this decline.\n",
    )
    assert [f.code for f in export.failures] == ["generic_decline"]


def test_codes_the_classifier_does_not_know_are_counted(tmp_path: Path) -> None:
    data = json.loads(
        _run(tmp_path, HEAD + "ch_1,2026-03-01,49.00,usd,Failed,zz_mystery\n", "--json").stdout
    )
    assert data["input"]["unknown_codes"]["count"] == 1
    assert data["input"]["unknown_codes"]["examples"][0].endswith(":2: 'zz_mystery'")


def test_the_text_report_notes_unknown_codes(tmp_path: Path) -> None:
    result = _run(tmp_path, HEAD + "ch_1,2026-03-01,49.00,usd,Failed,zz_mystery\n", "--json")
    assert "note: 1 failures have codes the classifier does not know" in result.stderr


# --- absurd amounts -------------------------------------------------------------------------


@pytest.mark.parametrize("amount", ["1e30", "99999999999999999999", "1e999999999"])
def test_an_absurd_amount_is_a_bad_row_not_the_end_of_the_run(tmp_path: Path, amount: str) -> None:
    result = _run(
        tmp_path,
        HEAD
        + f"ch_1,2026-03-01,{amount},usd,Failed,do_not_honor\n"
        + "ch_2,2026-03-02,49.00,usd,Failed,do_not_honor\n",
        "--json",
    )
    assert result.exit_code == 0, result.output
    skipped = json.loads(result.stdout)["input"]["skipped"]
    [example] = skipped["amount too large"]["examples"]
    assert example.endswith(
        f":2: amount {amount!r} is too large (more than 1,000,000,000,000 USD minor units)"
    )


def test_a_file_with_no_usable_failure_says_which_rows_were_skipped(tmp_path: Path) -> None:
    text = HEAD + "ch_1,2026-03-01,abc,usd,Failed,do_not_honor\n"
    result = _run(tmp_path, text)
    assert result.exit_code != 0
    assert "of 1 rows, skipped: 1 amount" in " ".join(result.output.split())
