"""Stripe API objects and errors as Stripe documents them, for the stand-in server.

Shapes: https://docs.stripe.com/api/payment_intents/object ,
https://docs.stripe.com/api/checkout/sessions/object , https://docs.stripe.com/api/refunds/object ,
https://docs.stripe.com/api/balance/balance_object , https://docs.stripe.com/api/errors
(card errors answer HTTP 402 with `error.type = "card_error"` and the PaymentIntent attached).
"""

from __future__ import annotations

from typing import Any

CREATED = 1_793_000_000


def payment_intent(
    pi_id: str = "pi_3Tinko0001",
    *,
    amount: int = 49900,
    currency: str = "inr",
    status: str = "succeeded",
    metadata: dict[str, str] | None = None,
    last_payment_error: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "id": pi_id,
        "object": "payment_intent",
        "amount": amount,
        "amount_capturable": 0,
        "amount_received": amount if status == "succeeded" else 0,
        "capture_method": "automatic",
        "confirmation_method": "automatic",
        "created": CREATED,
        "currency": currency,
        "customer": "cus_Tinko01",
        "description": None,
        "last_payment_error": last_payment_error,
        "latest_charge": "ch_3Tinko0001",
        "livemode": False,
        "metadata": metadata or {},
        "next_action": None,
        "payment_method": "pm_1Tinko01",
        "payment_method_types": ["card"],
        "status": status,
    }


def card_error(
    *,
    decline_code: str = "insufficient_funds",
    code: str = "card_declined",
    message: str = "Your card has insufficient funds.",
    network_advice_code: str | None = None,
    network_decline_code: str | None = None,
    pi_id: str = "pi_3Tinko0002",
) -> dict[str, Any]:
    error: dict[str, Any] = {
        "type": "card_error",
        "code": code,
        "decline_code": decline_code,
        "message": message,
        "charge": "ch_3Tinko0002",
        "doc_url": f"https://docs.stripe.com/error-codes/{code.replace('_', '-')}",
        "payment_intent": payment_intent(
            pi_id, status="requires_payment_method", last_payment_error=None
        ),
    }
    if network_advice_code:
        error["network_advice_code"] = network_advice_code
    if network_decline_code:
        error["network_decline_code"] = network_decline_code
    return {"error": error}


def invalid_request(message: str, *, code: str = "resource_missing", param: str = "") -> Any:
    return {
        "error": {"type": "invalid_request_error", "code": code, "message": message, "param": param}
    }


def authentication_error() -> Any:
    return {
        "error": {
            "type": "invalid_request_error",
            "message": "Invalid API Key provided: sk_test_****************0000",
        }
    }


def api_error() -> Any:
    return {"error": {"type": "api_error", "message": "An unknown error occurred"}}


def checkout_session(
    cs_id: str = "cs_test_Tinko01",
    *,
    amount_total: int = 49900,
    currency: str = "inr",
    payment_status: str = "unpaid",
    status: str = "open",
    metadata: dict[str, str] | None = None,
    url: str | None = "https://checkout.stripe.com/c/pay/cs_test_Tinko01",
) -> dict[str, Any]:
    return {
        "id": cs_id,
        "object": "checkout.session",
        "amount_subtotal": amount_total,
        "amount_total": amount_total,
        "cancel_url": "https://example.com/cancel",
        "client_reference_id": None,
        "created": CREATED,
        "currency": currency,
        "customer": None,
        "customer_email": None,
        "expires_at": CREATED + 86400,
        "livemode": False,
        "metadata": metadata or {},
        "mode": "payment",
        "payment_intent": "pi_3Tinko0009" if payment_status == "paid" else None,
        "payment_status": payment_status,
        "status": status,
        "success_url": "https://example.com/success",
        "url": url,
    }


def refund(re_id: str = "re_3Tinko01", *, amount: int = 49900, status: str = "succeeded") -> Any:
    return {
        "id": re_id,
        "object": "refund",
        "amount": amount,
        "charge": "ch_3Tinko0001",
        "created": CREATED,
        "currency": "inr",
        "metadata": {},
        "payment_intent": "pi_3Tinko0001",
        "reason": None,
        "status": status,
    }


def balance(*, livemode: bool = False) -> Any:
    return {
        "object": "balance",
        "available": [{"amount": 0, "currency": "inr", "source_types": {"card": 0}}],
        "livemode": livemode,
        "pending": [{"amount": 0, "currency": "inr", "source_types": {"card": 0}}],
    }
