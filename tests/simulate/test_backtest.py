"""Backtest input: Stripe's and Razorpay's payment exports as they spell them, and an org's
stored failures (created through the API)."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from tests.conftest import START, TEST_SECRET
from tests.factories import Account, create_api_key, register
from tinko.cli import app
from tinko.simulate.backtest import read_export
from tinko.simulate.calibrate import calibrated_scenario

runner = CliRunner()
DATA = Path(__file__).parent / "data"
STRIPE_EXPORT = DATA / "stripe_payments_export.csv"
RAZORPAY_REPORT = DATA / "razorpay_payments_report.csv"


def test_a_stripe_export_is_read_in_major_units() -> None:
    export = read_export(STRIPE_EXPORT)
    assert export.gateway == "stripe"
    # "49.00", "1,249.00" and "49" are all dollars in Stripe's export.
    assert [f.amount_minor for f in export.failures] == [4900, 124900, 1900, 1900, 4900]


def test_a_stripe_export_keeps_failures_with_a_decline_reason_only() -> None:
    codes = [f.code for f in read_export(STRIPE_EXPORT).failures]
    # Paid, Refunded and a Radar block without a decline reason are left out; the
    # "Insufficient funds" spelling is the classifier's insufficient_funds.
    assert codes == [
        "insufficient_funds",
        "do_not_honor",
        "expired_card",
        "stolen_card",
        "insufficient_funds",
    ]


def test_a_stripe_export_in_a_zero_decimal_currency(tmp_path: Path) -> None:
    export = tmp_path / "jpy.csv"
    export.write_text(
        "id,Created date (UTC),Amount,Currency,Status,Decline Reason,Card Brand\n"
        "ch_1,2026-05-01 10:00,3000,jpy,Failed,insufficient_funds,Visa\n"
    )
    failures = read_export(export).failures
    assert [(f.amount_minor, f.currency) for f in failures] == [(3000, "JPY")]


def test_a_razorpay_report_is_read_in_paise_with_day_first_dates() -> None:
    export = read_export(RAZORPAY_REPORT)
    assert export.gateway == "razorpay"
    first = export.failures[0]
    assert (first.amount_minor, first.currency, first.at.isoformat()) == (
        49900,
        "INR",
        "2026-03-02",
    )


def test_a_razorpay_report_prefers_the_error_reason_to_the_generic_code() -> None:
    codes = [f.code for f in read_export(RAZORPAY_REPORT).failures]
    assert codes[0] == "insufficient_funds"
    # No reason given: the description ("Payment failed.") is read, a decline like the
    # generic BAD_REQUEST_ERROR.
    assert codes[-1] == "do_not_honor"


def test_a_razorpay_report_maps_methods_and_leaves_netbanking_out() -> None:
    export = read_export(RAZORPAY_REPORT)
    assert [f.method for f in export.failures] == [
        "upi_autopay",
        "rupay_card",
        "emandate",
        "visa_card",
        "upi_autopay",
    ]
    assert export.skipped_methods == 1


def test_the_backtest_world_uses_the_exports_gateway() -> None:
    export = read_export(RAZORPAY_REPORT)
    scenario = calibrated_scenario("b", export.failures, export.gateway or "stripe")
    assert (scenario.gateway, scenario.currency, scenario.failures) == ("razorpay", "INR", 5)


def test_backtest_of_a_razorpay_report_runs() -> None:
    result = runner.invoke(app, ["backtest", "--csv", str(RAZORPAY_REPORT), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["scenario"] == "backtest-razorpay_payments_report"
    assert data["strategies"]["tinko"]["violations"] == 0


def test_an_unreadable_amount_names_the_line(tmp_path: Path) -> None:
    export = tmp_path / "bad.csv"
    export.write_text(
        "id,amount,currency,status,method,error_code,created_at\n"
        "pay_1,lots,INR,failed,upi,BAD_REQUEST_ERROR,1767225600\n"
    )
    result = runner.invoke(app, ["backtest", "--csv", str(export)])
    # Changed on purpose (issue #16): a bad row is skipped and reported, not fatal; with no
    # good row left the run stops.
    assert result.exit_code == 2
    assert f"{export}:2: amount 'lots' is not a number" in result.output
    assert "no failed payments" in result.output


HEAD = "id,amount,currency,status,method,error_code,created_at\n"


def test_bad_rows_are_skipped_and_counted_by_reason(tmp_path: Path) -> None:
    export = tmp_path / "mixed.csv"
    export.write_text(
        HEAD
        + "pay_1,lots,INR,failed,upi,BAD_REQUEST_ERROR,1767225600\n"
        + "pay_2,49900,XXX,failed,upi,BAD_REQUEST_ERROR,1767225600\n"
        + "pay_3,49900,INR,failed,upi,BAD_REQUEST_ERROR,yesterday\n"
        + "pay_4,50,INR,failed,upi,BAD_REQUEST_ERROR,1767225600\n"
        + "pay_5,49900,INR,failed,upi,BAD_REQUEST_ERROR,1767225600\n"
    )
    read = read_export(export)
    assert len(read.failures) == 1
    assert {k: len(v) for k, v in read.bad_rows.items()} == {"amount": 2, "currency": 1, "date": 1}
    assert read.bad_rows["amount"][1] == f"{export}:5: 50 is below razorpay's minimum charge"
    result = runner.invoke(app, ["backtest", "--csv", str(export), "--json"])
    assert result.exit_code == 0, result.output
    assert "skipped 2 bad rows (amount)" in result.stderr


def test_ambiguous_slashed_dates_are_asked_for(tmp_path: Path) -> None:
    export = tmp_path / "ambiguous.csv"
    export.write_text(HEAD + "pay_1,49900,INR,failed,upi,BAD_REQUEST_ERROR,03/04/2026\n")
    result = runner.invoke(app, ["backtest", "--csv", str(export)])
    assert result.exit_code == 2
    assert "could be day-first or month-first; give --date-format" in result.output
    first = read_export(export, "%m/%d/%Y").failures[0]
    assert first.at.isoformat() == "2026-03-04"


def test_a_day_above_12_decides_the_order_of_every_slashed_date(tmp_path: Path) -> None:
    export = tmp_path / "us.csv"
    export.write_text(
        HEAD
        + "pay_1,49900,INR,failed,upi,BAD_REQUEST_ERROR,03/04/2026\n"
        + "pay_2,49900,INR,failed,upi,BAD_REQUEST_ERROR,03/24/2026\n"
    )
    assert [f.at.isoformat() for f in read_export(export).failures] == [
        "2026-03-04",
        "2026-03-24",
    ]


def test_the_code_is_read_from_stripes_seller_message(tmp_path: Path) -> None:
    export = tmp_path / "seller.csv"
    export.write_text(
        "id,Seller Message,Created date (UTC),Amount,Currency,Status\n"
        "ch_1,The bank returned the decline code `insufficient_funds`.,2026-04-01 08:02,"
        "49.00,usd,Failed\n"
    )
    assert [f.code for f in read_export(export).failures] == ["insufficient_funds"]


def test_each_currency_is_simulated_as_its_own_world(tmp_path: Path) -> None:
    export = tmp_path / "two.csv"
    export.write_text(
        "id,Created date (UTC),Amount,Currency,Status,Decline Reason\n"
        "ch_1,2026-04-01 08:02,49.00,usd,Failed,insufficient_funds\n"
        "ch_2,2026-04-01 08:02,49.00,usd,Failed,insufficient_funds\n"
        "ch_3,2026-04-01 08:02,3000,jpy,Failed,insufficient_funds\n"
    )
    result = runner.invoke(app, ["backtest", "--csv", str(export), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert {c: r["scenario"] for c, r in data["currencies"].items()} == {
        "USD": "backtest-two-usd",
        "JPY": "backtest-two-jpy",
    }


def test_the_zone_and_payday_flags_shape_the_world() -> None:
    export = read_export(STRIPE_EXPORT)
    scenario = calibrated_scenario(
        "b",
        export.failures,
        "stripe",
        merchant_tz="Europe/Paris",
        customer_tz="America/Chicago",
        paydays="biweekly:fri",
    )
    assert scenario.merchant_timezone == "Europe/Paris"
    assert [c.timezone for c in scenario.countries] == ["America/Chicago"]
    assert [(i.pattern, i.weekday) for i in scenario.income] == [("biweekly", 4)]


def test_a_bad_flag_is_named() -> None:
    result = runner.invoke(
        app, ["backtest", "--csv", str(STRIPE_EXPORT), "--customer-tz", "Mars/Base"]
    )
    assert result.exit_code == 2
    assert "--customer-tz: unknown time zone 'Mars/Base'" in result.output


def test_an_unknown_gateway_option_is_refused() -> None:
    result = runner.invoke(app, ["backtest", "--csv", str(RAZORPAY_REPORT), "--gateway", "paypal"])
    assert result.exit_code == 2
    assert "--gateway" in result.output


# --- --org: the organisation's stored failures ----------------------------------------------


def _fail(client: TestClient, key: str, ref: str, amount: int, **extra: Any) -> None:
    body = {
        "transaction_ref": ref,
        "amount": amount,
        "currency": "INR",
        "gateway": "razorpay",
        "decline_code": "insufficient_funds",
        "payment_method_type": "upi",
        "customer": {"id": f"cust_{ref}", "email": f"{ref}@example.in"},
        "occurred_at": (START - timedelta(days=2)).isoformat(),
        **extra,
    }
    response = client.post("/v1/events/payment_failed", json=body, headers={"X-API-Key": key})
    assert response.status_code == 202, response.text


@pytest.fixture
def org_with_failures(client: TestClient) -> Account:
    owner = register(client)
    key = create_api_key(client, owner)["key"]
    _fail(client, key, "order_1", 49900)
    _fail(client, key, "order_2", 99900, decline_code="U69")
    _fail(client, key, "order_3", 29900, payment_method_type="card", decline_code="do_not_honor")
    # A second failure of order_1 (a retry) is not a failure of its own.
    later = (START - timedelta(days=1)).isoformat()
    _fail(client, key, "order_1", 49900, occurred_at=later)
    # Another organisation's failures stay out of this one's backtest.
    other = register(client)
    _fail(client, create_api_key(client, other)["key"], "theirs", 100000)
    return owner


def _backtest_org(org_id: str, database_url: str, tmp_path: Path) -> Any:
    env = {
        "TINKO_ENV": "test",
        "TINKO_DATABASE_URL": database_url,
        "TINKO_SECRET_KEY": TEST_SECRET,
        "TINKO_VAR_DIR": str(tmp_path / "var"),
    }
    return runner.invoke(app, ["backtest", "--org", org_id, "--json"], env=env)


def test_backtest_of_an_orgs_stored_failures(
    org_with_failures: Account, database_url: str, tmp_path: Path
) -> None:
    result = _backtest_org(org_with_failures.org_id, database_url, tmp_path)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["scenario"] == f"backtest-{org_with_failures.org_id}"
    assert data["strategies"]["tinko"]["violations"] == 0


def test_an_orgs_world_has_one_failure_per_transaction_and_only_its_own(
    org_with_failures: Account, engine: Any
) -> None:
    from tinko.db import make_session_factory, unit_of_work
    from tinko.simulate.backtest import read_org

    with unit_of_work(make_session_factory(engine)) as session:
        export = read_org(session, org_with_failures.org_id)
    assert sorted(f.amount_minor for f in export.failures) == [29900, 49900, 99900]
    assert export.gateway == "razorpay"
    assert sorted(f.method for f in export.failures) == ["upi_autopay", "upi_autopay", "visa_card"]


def test_an_org_without_failures_exits_2(
    client: TestClient, database_url: str, tmp_path: Path
) -> None:
    owner = register(client)
    result = _backtest_org(owner.org_id, database_url, tmp_path)
    assert result.exit_code == 2
    assert "no failed payments" in result.output


def test_a_stored_stripe_bank_debit_is_an_ach_debit(client: TestClient, engine: Any) -> None:
    from tinko.db import make_session_factory, unit_of_work
    from tinko.simulate.backtest import read_org

    owner = register(client)
    key = create_api_key(client, owner)["key"]
    # Stripe's us_bank_account is stored as netbanking (psp/stripe_events.py).
    _fail(
        client,
        key,
        "inv_1",
        4900,
        currency="USD",
        gateway="stripe",
        payment_method_type="netbanking",
    )
    with unit_of_work(make_session_factory(engine)) as session:
        export = read_org(session, owner.org_id)
    assert [f.method for f in export.failures] == ["ach_debit"]
