"""The Razorpay adapter, through the official SDK, against a stand-in for Razorpay's API."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime

import pytest

from tests.psp import razorpay_objects as ro
from tests.psp.conftest import RAZORPAY_KEY_ID, RAZORPAY_SECRET
from tests.psp.stand_in import Reply, StandIn
from tinko.psp.base import (
    ChargeRequest,
    CheckoutRequest,
    PSPAuthenticationError,
    PSPError,
    PSPTerminalError,
)
from tinko.psp.razorpay_adapter import RazorpayAdapter

REQUEST = ChargeRequest(
    org_id="org_1",
    idempotency_key="att_0001",
    payment_method_ref="token_Tinko01",
    amount_minor=49900,
    currency="INR",
    customer_ref="cust_Tinko01",
    description="Retry of order_1001",
    payment_method_type="card",
    customer_email="asha@example.in",
    customer_phone="+919000090000",
    transaction_ref="order_1001",
)
ORDER = ro.order(receipt="att_0001")


def _adapter(stand_in: StandIn) -> RazorpayAdapter:
    return RazorpayAdapter(RAZORPAY_KEY_ID, RAZORPAY_SECRET, api_base=stand_in.url, timeout=5)


def _script_new_order(stand_in: StandIn, payments_after: list[object]) -> None:
    calls = {"n": 0}

    def order_payments(_: object) -> Reply:
        calls["n"] += 1
        return Reply(200, ro.collection([] if calls["n"] == 1 else payments_after))

    stand_in.on("GET", "/v1/orders", Reply(200, ro.collection([])))
    stand_in.on("POST", "/v1/orders", Reply(200, ORDER))
    stand_in.on("GET", "/v1/orders/order_Tinko0001/payments", order_payments)


def test_a_charge_is_an_order_and_a_recurring_payment_on_the_token(stand_in: StandIn) -> None:
    _script_new_order(stand_in, [])
    stand_in.on(
        "POST",
        "/v1/payments/create/recurring",
        Reply(
            200,
            {
                "razorpay_payment_id": "pay_Tinko0001",
                "razorpay_order_id": "order_Tinko0001",
                "razorpay_signature": "x",
            },
        ),
    )
    stand_in.on("GET", "/v1/payments/pay_Tinko0001", Reply(200, ro.payment()))
    result = _adapter(stand_in).charge(REQUEST)
    assert (result.status, result.psp_reference) == ("succeeded", "pay_Tinko0001")
    (lookup,) = stand_in.requests_to("GET", "/v1/orders")
    assert lookup.query == [("receipt", "att_0001")]
    (order,) = stand_in.requests_to("POST", "/v1/orders")
    assert order.json == {
        "amount": 49900,
        "currency": "INR",
        "receipt": "att_0001",
        "payment_capture": True,
        "notes": {"transaction_ref": "order_1001", "tinko_attempt_id": "att_0001"},
    }
    (recurring,) = stand_in.requests_to("POST", "/v1/payments/create/recurring")
    assert recurring.json == {
        "email": "asha@example.in",
        "contact": "+919000090000",
        "amount": 49900,
        "currency": "INR",
        "order_id": "order_Tinko0001",
        "customer_id": "cust_Tinko01",
        "token": "token_Tinko01",
        "recurring": "1",
        "description": "Retry of order_1001",
        "notes": {"transaction_ref": "order_1001", "tinko_attempt_id": "att_0001"},
    }
    expected = base64.b64encode(f"{RAZORPAY_KEY_ID}:{RAZORPAY_SECRET}".encode()).decode()
    assert recurring.headers["authorization"] == f"Basic {expected}"


def test_a_repeated_attempt_reports_the_first_payment_and_charges_nothing(
    stand_in: StandIn,
) -> None:
    stand_in.on("GET", "/v1/orders", Reply(200, ro.collection([ORDER])))
    stand_in.on(
        "GET", "/v1/orders/order_Tinko0001/payments", Reply(200, ro.collection([ro.payment()]))
    )
    result = _adapter(stand_in).charge(REQUEST)
    assert (result.status, result.psp_reference) == ("succeeded", "pay_Tinko0001")
    assert stand_in.requests_to("POST", "/v1/orders") == []
    assert stand_in.requests_to("POST", "/v1/payments/create/recurring") == []


def test_a_decline_reads_the_codes_of_the_failed_payment(stand_in: StandIn) -> None:
    failed = ro.payment(
        "pay_Tinko0002",
        status="failed",
        error_code="BAD_REQUEST_ERROR",
        error_reason="insufficient_funds",
        error_description="Payment failed due to insufficient balance.",
    )
    _script_new_order(stand_in, [failed])
    stand_in.on("POST", "/v1/payments/create/recurring", Reply(400, ro.error("Payment failed")))
    result = _adapter(stand_in).charge(REQUEST)
    assert result.status == "declined"
    assert (result.decline_code, result.failure_code) == ("insufficient_funds", "BAD_REQUEST_ERROR")
    assert result.psp_reference == "pay_Tinko0002"


def test_an_emandate_debit_in_flight_is_pending(stand_in: StandIn) -> None:
    _script_new_order(stand_in, [])
    stand_in.on(
        "POST",
        "/v1/payments/create/recurring",
        Reply(
            200,
            {
                "razorpay_payment_id": "pay_Tinko0003",
                "razorpay_order_id": "order_Tinko0001",
                "razorpay_signature": "x",
            },
        ),
    )
    stand_in.on(
        "GET",
        "/v1/payments/pay_Tinko0003",
        Reply(200, ro.payment("pay_Tinko0003", status="created")),
    )
    assert _adapter(stand_in).charge(REQUEST).status == "pending"


def test_a_rejected_token_without_a_payment_is_terminal(stand_in: StandIn) -> None:
    _script_new_order(stand_in, [])
    stand_in.on(
        "POST", "/v1/payments/create/recurring", Reply(400, ro.error("The token is invalid"))
    )
    with pytest.raises(PSPTerminalError, match="token is invalid"):
        _adapter(stand_in).charge(REQUEST)


def test_a_server_error_is_retryable(stand_in: StandIn) -> None:
    stand_in.on("GET", "/v1/orders", Reply(500, ro.error("Oops", code="SERVER_ERROR")))
    with pytest.raises(PSPError) as raised:
        _adapter(stand_in).charge(REQUEST)
    assert raised.value.retryable


def test_a_charge_without_the_customers_contact_is_refused_before_any_call(
    stand_in: StandIn,
) -> None:
    from dataclasses import replace

    with pytest.raises(PSPTerminalError, match="email and phone"):
        _adapter(stand_in).charge(replace(REQUEST, customer_phone=None))
    assert stand_in.seen == []


def test_a_refund_is_keyed_by_its_receipt(stand_in: StandIn) -> None:
    stand_in.on("GET", "/v1/payments/pay_Tinko0001/refunds", Reply(200, ro.collection([])))
    stand_in.on("POST", "/v1/payments/pay_Tinko0001/refund", Reply(200, ro.refund(receipt="rfd_1")))
    result = _adapter(stand_in).refund("org_1", "pay_Tinko0001", idempotency_key="rfd_1")
    assert (result.status, result.psp_reference) == ("succeeded", "rfnd_Tinko0001")
    (seen,) = stand_in.requests_to("POST", "/v1/payments/pay_Tinko0001/refund")
    assert seen.json == {"receipt": "rfd_1", "speed": "normal"}


def test_a_repeated_refund_refunds_nothing_more(stand_in: StandIn) -> None:
    stand_in.on(
        "GET",
        "/v1/payments/pay_Tinko0001/refunds",
        Reply(200, ro.collection([ro.refund(receipt="rfd_1")])),
    )
    result = _adapter(stand_in).refund("org_1", "pay_Tinko0001", idempotency_key="rfd_1")
    assert result.psp_reference == "rfnd_Tinko0001"
    assert stand_in.requests_to("POST", "/v1/payments/pay_Tinko0001/refund") == []


def _checkout_request() -> CheckoutRequest:
    return CheckoutRequest(
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
        method="upi",
        customer_email="asha@example.in",
        customer_phone="+919000090000",
        customer_name="Asha Rao",
    )


def test_a_payment_link_sends_no_reminders_of_its_own_and_returns_to_the_payer_page(
    stand_in: StandIn,
) -> None:
    stand_in.on("POST", "/v1/payment_links", Reply(200, ro.payment_link(reference_id="pco_1")))
    hosted = _adapter(stand_in).create_checkout(_checkout_request())
    assert (hosted.external_id, hosted.url) == ("plink_Tinko0001", "https://rzp.io/i/ko0001")
    (seen,) = stand_in.requests_to("POST", "/v1/payment_links")
    assert seen.json == {
        "amount": 49900,
        "currency": "INR",
        "accept_partial": False,
        "reference_id": "pco_1",
        "description": "Demo Store: payment order_1001",
        "expire_by": int(datetime(2026, 11, 3, 9, 30, tzinfo=UTC).timestamp()),
        "notify": {"sms": False, "email": False},
        "reminder_enable": False,
        "notes": {
            "transaction_ref": "order_1001",
            "tinko_recovery_id": "rec_1",
            "tinko_checkout_ref": "pco_1",
        },
        "callback_url": "https://tinko.example/pay/tok/success",
        "callback_method": "get",
        "customer": {"name": "Asha Rao", "email": "asha@example.in", "contact": "+919000090000"},
        "options": {
            "checkout": {"method": {"card": "0", "netbanking": "0", "upi": "1", "wallet": "0"}}
        },
    }


def _signed_return(payment_id: str = "pay_Tinko0001", status: str = "paid") -> dict[str, str]:
    message = f"plink_Tinko0001|pco_1|{status}|{payment_id}"
    signature = hmac.new(RAZORPAY_SECRET.encode(), message.encode(), hashlib.sha256).hexdigest()
    return {
        "razorpay_payment_id": payment_id,
        "razorpay_payment_link_id": "plink_Tinko0001",
        "razorpay_payment_link_reference_id": "pco_1",
        "razorpay_payment_link_status": status,
        "razorpay_signature": signature,
    }


def test_a_signed_return_is_checked_against_the_fetched_payment(stand_in: StandIn) -> None:
    stand_in.on("GET", "/v1/payments/pay_Tinko0001", Reply(200, ro.payment(order_id=None)))
    link = ro.payment_link(
        reference_id="pco_1",
        status="paid",
        payments=[{"payment_id": "pay_Tinko0001", "status": "captured"}],
    )
    stand_in.on("GET", "/v1/payment_links/plink_Tinko0001", Reply(200, link))
    state = _adapter(stand_in).checkout_state("org_1", "plink_Tinko0001", _signed_return())
    assert (state.status, state.amount_minor, state.currency, state.reference) == (
        "paid",
        49900,
        "INR",
        "pco_1",
    )


def test_a_captured_payment_that_is_not_the_links_is_invalid(stand_in: StandIn) -> None:
    # Signed by Razorpay, but the payment is another order's: the link lists no payments yet.
    stand_in.on("GET", "/v1/payments/pay_Tinko0001", Reply(200, ro.payment()))
    link = ro.payment_link(reference_id="pco_1", status="created", payments=None)
    stand_in.on("GET", "/v1/payment_links/plink_Tinko0001", Reply(200, link))
    state = _adapter(stand_in).checkout_state("org_1", "plink_Tinko0001", _signed_return())
    assert state.status == "invalid"


def test_a_payment_on_the_links_order_is_paid_before_the_link_lists_it(stand_in: StandIn) -> None:
    stand_in.on("GET", "/v1/payments/pay_Tinko0001", Reply(200, ro.payment()))
    link = {**ro.payment_link(reference_id="pco_1"), "order_id": "order_Tinko0001"}
    stand_in.on("GET", "/v1/payment_links/plink_Tinko0001", Reply(200, link))
    state = _adapter(stand_in).checkout_state("org_1", "plink_Tinko0001", _signed_return())
    assert state.status == "paid"


def test_a_forged_return_signature_is_invalid_without_asking_razorpay(stand_in: StandIn) -> None:
    params = {**_signed_return(), "razorpay_payment_id": "pay_Someone_else"}
    state = _adapter(stand_in).checkout_state("org_1", "plink_Tinko0001", params)
    assert state.status == "invalid"
    assert stand_in.seen == []


def test_refused_credentials_are_an_authentication_error(stand_in: StandIn) -> None:
    stand_in.on("GET", "/v1/orders", Reply(401, ro.error("Authentication failed")))
    with pytest.raises(PSPAuthenticationError, match="Authentication failed"):
        _adapter(stand_in).verify_credentials()
