"""PSP webhook payloads shaped like the PSPs' documented objects, signed by their schemes.

Stripe: `Stripe-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`
(https://docs.stripe.com/webhooks#verify-manually). Razorpay: `X-Razorpay-Signature: <hex
HMAC-SHA256(secret, body)>` (https://razorpay.com/docs/webhooks/validate-test/).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from itertools import count
from typing import Any

_ids = count(1)


def stripe_headers(body: str, secret: str, *, timestamp: int | None = None) -> dict[str, str]:
    t = int(time.time()) if timestamp is None else timestamp
    signature = hmac.new(secret.encode(), f"{t}.{body}".encode(), hashlib.sha256).hexdigest()
    return {"Stripe-Signature": f"t={t},v1={signature}", "Content-Type": "application/json"}


def razorpay_headers(body: str, secret: str, event_id: str | None = None) -> dict[str, str]:
    signature = hmac.new(secret.encode(), body.encode(), hashlib.sha256).hexdigest()
    headers = {"X-Razorpay-Signature": signature, "Content-Type": "application/json"}
    if event_id:
        headers["X-Razorpay-Event-Id"] = event_id
    return headers


def stripe_event(
    event_type: str, obj: dict[str, Any], *, created: int, event_id: str | None = None
) -> str:
    return json.dumps(
        {
            "id": event_id or f"evt_test_{next(_ids)}",
            "object": "event",
            "api_version": "2024-06-20",
            "created": created,
            "type": event_type,
            "livemode": False,
            "data": {"object": obj},
        }
    )


def stripe_payment_intent_failed(
    pi_id: str,
    *,
    amount: int = 4900,
    decline_code: str = "insufficient_funds",
    charge_id: str = "ch_test_1",
    metadata: dict[str, str] | None = None,
    network_advice_code: str | None = None,
) -> dict[str, Any]:
    return {
        "id": pi_id,
        "object": "payment_intent",
        "amount": amount,
        "currency": "usd",
        "status": "requires_payment_method",
        "customer": "cus_test_1",
        "receipt_email": "payer@example.com",
        "metadata": metadata or {},
        "last_payment_error": {
            "type": "card_error",
            "code": "card_declined",
            "decline_code": decline_code,
            "message": "Your card has insufficient funds.",
            "charge": charge_id,
            "network_advice_code": network_advice_code,
            "payment_method": {
                "id": "pm_test_1",
                "object": "payment_method",
                "type": "card",
                "billing_details": {"email": None, "name": "Ada Payer", "phone": None},
                "card": {"brand": "visa", "country": "US", "last4": "4242", "issuer": "Chase"},
            },
        },
    }


def stripe_charge_failed(
    charge_id: str, pi_id: str | None, *, reason: str = "insufficient_funds"
) -> dict[str, Any]:
    return {
        "id": charge_id,
        "object": "charge",
        "amount": 4900,
        "currency": "usd",
        "status": "failed",
        "paid": False,
        "payment_intent": pi_id,
        "failure_code": "card_declined",
        "failure_message": "Your card was declined.",
        "metadata": {},
        "billing_details": {"email": "payer@example.com", "name": "Ada Payer", "phone": None},
        "outcome": {
            "network_status": "declined_by_network",
            "reason": reason,
            "type": "issuer_declined",
            "seller_message": "The bank did not return any further details with this decline.",
            "network_advice_code": None,
            "network_decline_code": "51",
        },
        "payment_method": "pm_test_1",
        "payment_method_details": {
            "type": "card",
            "card": {"brand": "mastercard", "country": "GB"},
        },
    }


def stripe_payment_intent_succeeded(
    pi_id: str, *, metadata: dict[str, str] | None = None
) -> dict[str, Any]:
    return {
        "id": pi_id,
        "object": "payment_intent",
        "amount": 4900,
        "amount_received": 4900,
        "currency": "usd",
        "status": "succeeded",
        "metadata": metadata or {},
    }


def razorpay_event(event_type: str, payload: dict[str, Any], *, created_at: int) -> str:
    return json.dumps(
        {
            "entity": "event",
            "account_id": "acc_test_1",
            "event": event_type,
            "contains": list(payload),
            "payload": payload,
            "created_at": created_at,
        }
    )


def razorpay_payment(
    pay_id: str,
    *,
    status: str = "failed",
    order_id: str | None = "order_test_1",
    method: str = "upi",
    error_reason: str | None = "payment_timed_out",
    notes: dict[str, str] | list[Any] | None = None,
) -> dict[str, Any]:
    return {
        "entity": {
            "id": pay_id,
            "entity": "payment",
            "amount": 49900,
            "currency": "INR",
            "status": status,
            "order_id": order_id,
            "international": False,
            "method": method,
            "captured": status == "captured",
            "card_id": None,
            "vpa": "payer@okbank" if method == "upi" else None,
            "email": "payer@example.in",
            "contact": "+919876543210",
            "notes": notes if notes is not None else [],
            "error_code": "BAD_REQUEST_ERROR" if status == "failed" else None,
            "error_description": "Payment was not completed on time."
            if status == "failed"
            else None,
            "error_source": "customer" if status == "failed" else None,
            "error_step": "payment_authentication" if status == "failed" else None,
            "error_reason": error_reason if status == "failed" else None,
            "created_at": 1_700_000_000,
        }
    }
