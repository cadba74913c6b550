"""Razorpay API entities and errors as Razorpay documents them, for the stand-in server.

Shapes: https://razorpay.com/docs/api/orders/entity/ , https://razorpay.com/docs/api/payments/
(payment entity), https://razorpay.com/docs/api/payments/payment-links/entity/ ,
https://razorpay.com/docs/api/refunds/entity/ , https://razorpay.com/docs/api/errors/
(`{"error": {"code", "description", "source", "step", "reason", "metadata"}}`).
"""

from __future__ import annotations

from typing import Any

CREATED = 1_793_000_000


def order(order_id: str = "order_Tinko0001", *, receipt: str, amount: int = 49900) -> Any:
    return {
        "id": order_id,
        "entity": "order",
        "amount": amount,
        "amount_paid": 0,
        "amount_due": amount,
        "currency": "INR",
        "receipt": receipt,
        "status": "created",
        "attempts": 0,
        "notes": {},
        "created_at": CREATED,
    }


def collection(items: list[Any]) -> Any:
    return {"entity": "collection", "count": len(items), "items": items}


def payment(
    pay_id: str = "pay_Tinko0001",
    *,
    status: str = "captured",
    amount: int = 49900,
    currency: str = "INR",
    order_id: str | None = "order_Tinko0001",
    error_code: str | None = None,
    error_reason: str | None = None,
    error_description: str | None = None,
) -> Any:
    return {
        "id": pay_id,
        "entity": "payment",
        "amount": amount,
        "currency": currency,
        "status": status,
        "order_id": order_id,
        "method": "card",
        "captured": status == "captured",
        "email": "asha@example.in",
        "contact": "+919000090000",
        "customer_id": "cust_Tinko01",
        "token_id": "token_Tinko01",
        "recurring": True,
        "error_code": error_code,
        "error_description": error_description,
        "error_source": "customer" if error_code else None,
        "error_step": "payment_authorization" if error_code else None,
        "error_reason": error_reason,
        "notes": {},
        "created_at": CREATED,
    }


def error(description: str, *, code: str = "BAD_REQUEST_ERROR", reason: str = "NA") -> Any:
    return {
        "error": {
            "code": code,
            "description": description,
            "source": "business",
            "step": "payment_initiation",
            "reason": reason,
            "metadata": {},
        }
    }


def payment_link(
    plink_id: str = "plink_Tinko0001",
    *,
    reference_id: str,
    amount: int = 49900,
    status: str = "created",
    payments: list[Any] | None = None,
) -> Any:
    return {
        "id": plink_id,
        "entity": "payment_link",
        "amount": amount,
        "amount_paid": amount if status == "paid" else 0,
        "currency": "INR",
        "accept_partial": False,
        "reference_id": reference_id,
        "status": status,
        "short_url": f"https://rzp.io/i/{plink_id[-6:]}",
        "callback_url": "https://example.com/pay/x/success",
        "callback_method": "get",
        "payments": payments,
        "notify": {"email": False, "sms": False},
        "reminder_enable": False,
        "notes": {},
        "created_at": CREATED,
    }


def refund(rfnd_id: str = "rfnd_Tinko0001", *, receipt: str, amount: int = 49900) -> Any:
    return {
        "id": rfnd_id,
        "entity": "refund",
        "amount": amount,
        "currency": "INR",
        "payment_id": "pay_Tinko0001",
        "receipt": receipt,
        "status": "processed",
        "speed_processed": "normal",
        "notes": {},
        "created_at": CREATED,
    }
