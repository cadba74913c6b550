"""`tinko backtest` on exports of other PSPs and billing systems: codes in words.

A code the classifier's tables do not know (Braintree's "2001 Insufficient Funds"), or a file
with only a reason in words (Adyen's `Refusal Reason`, Checkout.com's `response_summary`), is
read with the classifier's message patterns, as the live classifier reads a failure message.
Column names as the PSPs' APIs spell them: Braintree `processor_response_text`, Checkout.com
`response_code` and `response_summary`, Adyen `refusalReason` (sources in export_columns.py).
"""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from tinko.cli import app
from tinko.simulate.backtest import Export, read_export

runner = CliRunner()


def _read(tmp_path: Path, text: str) -> Export:
    path = tmp_path / "export.csv"
    path.write_text(text, encoding="utf-8")
    return read_export(path)


BRAINTREE = (
    "payment_id,created_at,amount,currency,status,failure_code\n"
    "t1,2026-03-01 10:00:00,49.99,USD,processor_declined,2001 Insufficient Funds\n"
    "t2,2026-03-02 10:00:00,19.99,USD,processor_declined,2004 Expired Card\n"
)


def test_a_code_with_words_is_read_from_its_words(tmp_path: Path) -> None:
    codes = [f.code for f in _read(tmp_path, BRAINTREE).failures]
    assert codes == ["insufficient_funds", "expired_card"]


def test_a_code_read_from_words_is_reported_with_its_line(tmp_path: Path) -> None:
    worded = _read(tmp_path, BRAINTREE).worded_codes
    assert worded[0].endswith(":2: '2001 Insufficient Funds' read as insufficient_funds")


def test_a_code_read_from_words_is_not_unknown(tmp_path: Path) -> None:
    assert _read(tmp_path, BRAINTREE).unknown_codes == []


ADYEN = (
    "psp_reference,date,amount,currency,status,refusal_reason\n"
    "r1,2026-03-01 10:00:00,25.00,EUR,Refused,Not enough balance\n"
)


def test_a_reason_column_alone_gives_the_code(tmp_path: Path) -> None:
    assert [f.code for f in _read(tmp_path, ADYEN).failures] == ["insufficient_funds"]


def test_a_reason_read_from_words_is_reported_with_its_words(tmp_path: Path) -> None:
    worded = _read(tmp_path, ADYEN).worded_codes
    assert worded[0].endswith(":2: 'Not enough balance' read as insufficient_funds")


def test_an_unknown_code_is_read_from_the_message_beside_it(tmp_path: Path) -> None:
    export = _read(
        tmp_path,
        "id,created_at,amount,currency,status,response_code,response_summary\n"
        "c1,2026-03-01 10:00:00,25.00,GBP,Declined,20051,Insufficient Funds\n",
    )
    assert [f.code for f in export.failures] == ["insufficient_funds"]


def test_a_code_with_no_readable_words_stays_unknown(tmp_path: Path) -> None:
    export = _read(
        tmp_path,
        "id,created_at,amount,currency,status,response_code,response_summary\n"
        "c1,2026-03-01 10:00:00,25.00,GBP,Declined,20099,Code 99\n",
    )
    assert export.unknown_codes[0].endswith(":2: '20099'")


def test_the_json_report_counts_the_codes_read_from_words(tmp_path: Path) -> None:
    path = tmp_path / "braintree.csv"
    path.write_text(BRAINTREE, encoding="utf-8")
    result = runner.invoke(app, ["backtest", "--csv", str(path), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["input"]["worded_codes"]["count"] == 2


def test_the_human_report_notes_the_codes_read_from_words(tmp_path: Path) -> None:
    path = tmp_path / "braintree.csv"
    path.write_text(BRAINTREE, encoding="utf-8")
    result = runner.invoke(app, ["backtest", "--csv", str(path), "--plot", str(tmp_path / "p.svg")])
    assert result.exit_code == 0, result.output
    assert "2 failures have codes the classifier read from their words" in result.stderr
