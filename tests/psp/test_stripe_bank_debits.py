"""Stripe bank debits: a retry asks Stripe for the debit's own method type, and a webhook's
debit method comes back under intake's name (decision 0020)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tests.psp import stripe_objects as so
from tests.psp.conftest import STRIPE_KEY
from tests.psp.stand_in import Reply, StandIn
from tinko.payments.reports import FailureReport
from tinko.psp.base import ChargeRequest
from tinko.psp.stripe_adapter import StripeAdapter
from tinko.psp.stripe_events import parse_stripe_event

REQUEST = ChargeRequest(
    org_id="org_1",
    idempotency_key="att_0001",
    payment_method_ref="pm_1Tinko01",
    amount_minor=2900,
    currency="EUR",
    customer_ref="cus_Tinko01",
    description="Retry of order_1001",
    payment_method_type="sepa_debit",
    transaction_ref="order_1001",
)


@pytest.mark.parametrize(
    ("ours", "stripes"),
    [("ach_debit", "us_bank_account"), ("sepa_debit", "sepa_debit"), ("bacs_debit", "bacs_debit")],
)
def test_a_debit_retry_asks_stripe_for_the_debits_type(
    stand_in: StandIn, ours: str, stripes: str
) -> None:
    stand_in.on("POST", "/v1/payment_intents", Reply(200, so.payment_intent()))
    adapter = StripeAdapter(STRIPE_KEY, api_base=stand_in.url, timeout=5.0)
    adapter.charge(replace(REQUEST, payment_method_type=ours))
    (seen,) = stand_in.requests_to("POST", "/v1/payment_intents")
    assert seen.form["payment_method_types[0]"] == stripes


def _charge_failed(method: str, code: str) -> dict[str, object]:
    return {
        "id": "evt_1",
        "type": "charge.failed",
        "created": 1_793_000_000,
        "data": {
            "object": {
                "id": "ch_1",
                "amount": 2900,
                "currency": "gbp",
                "failure_code": code,
                "outcome": {"type": "issuer_declined"},
                "payment_method_details": {"type": method, method: {"country": "GB"}},
            }
        },
    }


@pytest.mark.parametrize(
    ("stripes", "ours"),
    [("us_bank_account", "ach_debit"), ("sepa_debit", "sepa_debit"), ("bacs_debit", "bacs_debit")],
)
def test_a_failed_debits_method_is_intakes_name(stripes: str, ours: str) -> None:
    report = parse_stripe_event(_charge_failed(stripes, "insufficient_funds"))
    assert isinstance(report, FailureReport)
    assert report.payment_method_type == ours


def test_a_failed_debit_carries_stripes_return_code() -> None:
    report = parse_stripe_event(_charge_failed("sepa_debit", "debit_not_authorized"))
    assert isinstance(report, FailureReport)
    assert (report.failure_code, report.customer.country) == ("debit_not_authorized", "GB")
