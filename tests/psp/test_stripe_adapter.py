"""The Stripe adapter, through the official SDK, against a stand-in for Stripe's API."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from tests.psp import stripe_objects as so
from tests.psp.conftest import STRIPE_KEY
from tests.psp.stand_in import Reply, Seen, StandIn
from tinko.psp.base import (
    ChargeRequest,
    CheckoutRequest,
    PSPAuthenticationError,
    PSPError,
    PSPRateLimited,
    PSPTerminalError,
)
from tinko.psp.stripe_adapter import StripeAdapter

REQUEST = ChargeRequest(
    org_id="org_1",
    idempotency_key="att_0001",
    payment_method_ref="pm_1Tinko01",
    amount_minor=49900,
    currency="INR",
    customer_ref="cus_Tinko01",
    description="Retry of order_1001",
    payment_method_type="card",
    transaction_ref="order_1001",
)


def _adapter(stand_in: StandIn, timeout: float = 5.0) -> StripeAdapter:
    return StripeAdapter(STRIPE_KEY, api_base=stand_in.url, timeout=timeout)


def test_a_charge_is_an_off_session_confirmed_payment_intent_keyed_by_the_attempt(
    stand_in: StandIn,
) -> None:
    stand_in.on("POST", "/v1/payment_intents", Reply(200, so.payment_intent()))
    result = _adapter(stand_in).charge(REQUEST)
    assert result.status == "succeeded"
    assert result.psp_reference == "pi_3Tinko0001"
    (seen,) = stand_in.requests_to("POST", "/v1/payment_intents")
    assert seen.headers["idempotency-key"] == "att_0001"
    assert seen.headers["authorization"] == f"Bearer {STRIPE_KEY}"
    assert seen.headers["content-type"] == "application/x-www-form-urlencoded"
    assert seen.form == {
        "amount": "49900",
        "currency": "inr",
        "customer": "cus_Tinko01",
        "payment_method": "pm_1Tinko01",
        "off_session": "true",
        "confirm": "true",
        "description": "Retry of order_1001",
        "payment_method_types[0]": "card",
        "metadata[transaction_ref]": "order_1001",
        "metadata[tinko_attempt_id]": "att_0001",
    }


def test_a_charge_names_no_customer_that_is_not_a_stripe_customer(stand_in: StandIn) -> None:
    stand_in.on("POST", "/v1/payment_intents", Reply(200, so.payment_intent()))
    _adapter(stand_in).charge(replace(REQUEST, customer_ref="merchant_cust_9"))
    (seen,) = stand_in.requests_to("POST", "/v1/payment_intents")
    assert "customer" not in seen.form


def test_a_card_decline_keeps_every_code_stripe_gave(stand_in: StandIn) -> None:
    body = so.card_error(
        decline_code="do_not_honor", network_advice_code="03", network_decline_code="05"
    )
    stand_in.on("POST", "/v1/payment_intents", Reply(402, body))
    result = _adapter(stand_in).charge(REQUEST)
    assert result.status == "declined"
    assert result.psp_reference == "pi_3Tinko0002"
    assert (result.decline_code, result.failure_code) == ("do_not_honor", "card_declined")
    assert (result.network_advice_code, result.network_decline_code) == ("03", "05")
    assert result.message == "Your card has insufficient funds."


def test_authentication_required_off_session_is_a_decline_not_an_error(stand_in: StandIn) -> None:
    body = so.card_error(
        decline_code="authentication_required",
        code="authentication_required",
        message="This payment requires authentication.",
    )
    stand_in.on("POST", "/v1/payment_intents", Reply(402, body))
    result = _adapter(stand_in).charge(REQUEST)
    assert (result.status, result.decline_code) == ("declined", "authentication_required")


def test_a_server_error_is_retryable(stand_in: StandIn) -> None:
    stand_in.on("POST", "/v1/payment_intents", Reply(500, so.api_error()))
    with pytest.raises(PSPError) as raised:
        _adapter(stand_in).charge(REQUEST)
    assert raised.value.retryable
    assert (
        len(stand_in.requests_to("POST", "/v1/payment_intents")) == 1
    )  # the job retries, not the SDK


def test_a_rate_limit_says_how_long_to_wait(stand_in: StandIn) -> None:
    body = {"error": {"type": "invalid_request_error", "code": "rate_limit", "message": "Too many"}}
    stand_in.on("POST", "/v1/payment_intents", Reply(429, body, {"Retry-After": "7"}))
    with pytest.raises(PSPRateLimited) as raised:
        _adapter(stand_in).charge(REQUEST)
    assert raised.value.retry_after_seconds == 7


def test_a_missing_payment_method_is_terminal(stand_in: StandIn) -> None:
    body = so.invalid_request("No such PaymentMethod: 'pm_gone'", param="payment_method")
    stand_in.on("POST", "/v1/payment_intents", Reply(400, body))
    with pytest.raises(PSPTerminalError) as raised:
        _adapter(stand_in).charge(REQUEST)
    assert raised.value.code == "resource_missing"
    assert not raised.value.retryable


def test_a_timeout_is_retryable(stand_in: StandIn) -> None:
    def slow(_: Seen) -> Reply:
        time.sleep(0.5)
        return Reply(200, so.payment_intent())

    stand_in.on("POST", "/v1/payment_intents", slow)
    with pytest.raises(PSPError) as raised:
        _adapter(stand_in, timeout=0.1).charge(REQUEST)
    assert raised.value.retryable


def test_retrieve_reads_the_payment_intent(stand_in: StandIn) -> None:
    stand_in.on(
        "GET",
        "/v1/payment_intents/pi_3Tinko0003",
        Reply(200, so.payment_intent("pi_3Tinko0003", status="processing")),
    )
    result = _adapter(stand_in).retrieve("org_1", "pi_3Tinko0003")
    assert (result.status, result.amount_minor, result.currency) == ("pending", 49900, "INR")


def test_a_refund_names_the_payment_intent_and_is_idempotent(stand_in: StandIn) -> None:
    stand_in.on("POST", "/v1/refunds", Reply(200, so.refund(amount=10000)))
    result = _adapter(stand_in).refund(
        "org_1", "pi_3Tinko0001", idempotency_key="rfd_1", amount_minor=10000
    )
    assert (result.status, result.amount_minor, result.psp_reference) == (
        "succeeded",
        10000,
        "re_3Tinko01",
    )
    (seen,) = stand_in.requests_to("POST", "/v1/refunds")
    assert seen.form == {"payment_intent": "pi_3Tinko0001", "amount": "10000"}
    assert seen.headers["idempotency-key"] == "rfd_1"


def test_a_checkout_session_is_a_payment_for_the_amount_tied_to_the_case(stand_in: StandIn) -> None:
    stand_in.on("POST", "/v1/checkout/sessions", Reply(200, so.checkout_session()))
    request = CheckoutRequest(
        org_id="org_1",
        reference="pco_1",
        amount_minor=49900,
        currency="INR",
        success_url="https://tinko.example/pay/tok/success?session_id={CHECKOUT_SESSION_ID}",
        cancel_url="https://tinko.example/pay/tok/cancel",
        description="Demo Store: payment order_1001",
        transaction_ref="order_1001",
        case_id="rec_1",
        expires_at=datetime(2026, 11, 3, 9, 30, tzinfo=UTC),
        token="tok",
        method="card",
        customer_email="asha@example.in",
    )
    hosted = _adapter(stand_in).create_checkout(request)
    assert hosted.external_id == "cs_test_Tinko01"
    assert hosted.url.startswith("https://checkout.stripe.com/")
    (seen,) = stand_in.requests_to("POST", "/v1/checkout/sessions")
    assert seen.headers["idempotency-key"] == "pco_1"
    assert seen.form == {
        "mode": "payment",
        "line_items[0][price_data][currency]": "inr",
        "line_items[0][price_data][unit_amount]": "49900",
        "line_items[0][price_data][product_data][name]": "Demo Store: payment order_1001",
        "line_items[0][quantity]": "1",
        "success_url": "https://tinko.example/pay/tok/success?session_id={CHECKOUT_SESSION_ID}",
        "cancel_url": "https://tinko.example/pay/tok/cancel",
        "client_reference_id": "rec_1",
        "metadata[transaction_ref]": "order_1001",
        "metadata[tinko_recovery_id]": "rec_1",
        "metadata[tinko_checkout_ref]": "pco_1",
        "payment_intent_data[metadata][transaction_ref]": "order_1001",
        "payment_intent_data[metadata][tinko_recovery_id]": "rec_1",
        "payment_intent_data[metadata][tinko_checkout_ref]": "pco_1",
        "payment_intent_data[description]": "Demo Store: payment order_1001",
        "expires_at": str(int(request.expires_at.timestamp())),
        "customer_email": "asha@example.in",
        "payment_method_types[0]": "card",
    }


def test_net_banking_in_rupees_asks_for_no_method_stripe_refuses(stand_in: StandIn) -> None:
    stand_in.on("POST", "/v1/checkout/sessions", Reply(200, so.checkout_session()))
    request = CheckoutRequest(
        org_id="org_1",
        reference="pco_1",
        amount_minor=49900,
        currency="INR",
        success_url="https://tinko.example/pay/tok/success",
        cancel_url="https://tinko.example/pay/tok/cancel",
        description="Demo Store: payment order_1001",
        transaction_ref="order_1001",
        case_id="rec_1",
        expires_at=datetime(2026, 11, 3, 9, 30, tzinfo=UTC),
        token="tok",
        method="netbanking",
    )
    _adapter(stand_in).create_checkout(request)
    (seen,) = stand_in.requests_to("POST", "/v1/checkout/sessions")
    assert not any(key.startswith("payment_method_types") for key in seen.form)


@pytest.mark.parametrize(
    ("payment_status", "status", "expected"),
    [("paid", "complete", "paid"), ("unpaid", "open", "pending"), ("unpaid", "expired", "invalid")],
)
def test_a_checkout_state_is_what_stripe_says(
    stand_in: StandIn, payment_status: str, status: str, expected: str
) -> None:
    body = so.checkout_session(
        payment_status=payment_status, status=status, metadata={"tinko_checkout_ref": "pco_1"}
    )
    stand_in.on("GET", "/v1/checkout/sessions/cs_test_Tinko01", Reply(200, body))
    state = _adapter(stand_in).checkout_state(
        "org_1", "cs_test_Tinko01", {"session_id": "cs_test_Tinko01"}
    )
    assert (state.status, state.amount_minor, state.currency, state.reference) == (
        expected,
        49900,
        "INR",
        "pco_1",
    )


def test_a_return_naming_another_session_is_invalid_without_asking_stripe(
    stand_in: StandIn,
) -> None:
    state = _adapter(stand_in).checkout_state(
        "org_1", "cs_test_Tinko01", {"session_id": "cs_test_Someone_else"}
    )
    assert state.status == "invalid"
    assert stand_in.seen == []


def test_credentials_are_checked_by_reading_the_balance(stand_in: StandIn) -> None:
    stand_in.on("GET", "/v1/balance", Reply(200, so.balance()))
    assert "test mode" in _adapter(stand_in).verify_credentials()
    assert stand_in.seen[0].headers["authorization"] == f"Bearer {STRIPE_KEY}"


def test_refused_credentials_are_an_authentication_error(stand_in: StandIn) -> None:
    stand_in.on("GET", "/v1/balance", Reply(401, so.authentication_error()))
    with pytest.raises(PSPAuthenticationError, match="Invalid API Key"):
        _adapter(stand_in).verify_credentials()
