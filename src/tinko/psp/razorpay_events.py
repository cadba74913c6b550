"""Razorpay webhook events → failure or success reports.

Payload shapes from Razorpay's webhook documentation:
https://razorpay.com/docs/webhooks/payloads/payments/ ,
https://razorpay.com/docs/webhooks/payloads/orders/ ,
https://razorpay.com/docs/webhooks/payloads/payment-links/ ,
https://razorpay.com/docs/webhooks/payloads/subscriptions/ ,
https://razorpay.com/docs/api/payments/recurring-payments/ (token events)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import razorpay

from tinko.payments.reports import Customer, FailureReport, SuccessReport
from tinko.psp.base import BadSignature
from tinko.psp.stripe_events import own_try_kind

SUCCESS_EVENTS = frozenset({"payment.captured", "order.paid", "payment_link.paid"})
# A halted subscription or a cancelled/paused recurring token: the mandate cannot be debited.
MANDATE_EVENTS = frozenset(
    {"subscription.halted", "subscription.cancelled", "token.cancelled", "token.paused"}
)
# Plain words the classifier's message table reads as a revoked mandate.
_MANDATE_MESSAGES = {
    "subscription.halted": "Subscription mandate not active: halted after failed retries.",
    "subscription.cancelled": "Subscription cancelled; the mandate was revoked.",
    "token.cancelled": "Recurring mandate cancelled by the customer or bank.",
    "token.paused": "Recurring mandate paused by the customer.",
}
_METHODS = {
    "card": "card",
    "upi": "upi",
    "netbanking": "netbanking",
    "wallet": "wallet",
    "emandate": "emandate",
    "nach": "emandate",
}


class RazorpayWebhooks:
    """Razorpay's webhooks: the X-Razorpay-Signature header (checked by Razorpay's SDK); the
    event is named by what the signature covers (`_razorpay_key`)."""

    def verify(self, body: bytes, headers: Mapping[str, str], secrets: Sequence[str]) -> None:
        header = headers.get("x-razorpay-signature")
        if not header:
            raise BadSignature("The X-Razorpay-Signature header is missing.")
        utility = razorpay.Utility()
        for secret in secrets:
            try:
                utility.verify_webhook_signature(body.decode("utf-8"), header, secret)
                return
            except (razorpay.errors.SignatureVerificationError, UnicodeDecodeError):
                continue
        raise BadSignature("The X-Razorpay-Signature does not match this endpoint's secret.")

    def identity(self, event: dict[str, Any], body: bytes) -> tuple[str | None, str]:
        return _razorpay_key(event), str(event.get("event") or "unknown")

    def parse(self, event: dict[str, Any]) -> FailureReport | SuccessReport | None:
        return parse_razorpay_event(event)


def _razorpay_key(event: dict[str, Any]) -> str | None:
    """Razorpay's body has no event id (only the unsigned X-Razorpay-Event-Id header): its
    name, creation time and the ids of the entities it carries name it instead."""
    name, created_at, payload = event.get("event"), event.get("created_at"), event.get("payload")
    if (
        not isinstance(name, str)
        or not isinstance(created_at, int)
        or not isinstance(payload, dict)
    ):
        return None
    ids = sorted(
        f"{kind}={wrapper['entity']['id']}"
        for kind, wrapper in payload.items()
        if isinstance(wrapper, dict)
        and isinstance(wrapper.get("entity"), dict)
        and isinstance(wrapper["entity"].get("id"), str)
    )
    return f"{name}@{created_at}:{','.join(ids)}" if ids else None


def parse_razorpay_event(event: dict[str, Any]) -> FailureReport | SuccessReport | None:
    event_type = str(event.get("event", ""))
    payload = event.get("payload") or {}
    occurred_at = datetime.fromtimestamp(int(event.get("created_at") or 0), UTC)
    payment = _entity(payload, "payment")
    if event_type == "payment.failed" and payment:
        return _payment_failed(payment, occurred_at, event_type)
    if event_type in SUCCESS_EVENTS:
        return _success(event_type, payload, payment, occurred_at)
    if event_type in MANDATE_EVENTS:
        return _mandate_stopped(event_type, payload, occurred_at)
    return None


def _entity(payload: dict[str, Any], name: str) -> dict[str, Any]:
    wrapper = payload.get(name) or {}
    entity = wrapper.get("entity") if isinstance(wrapper, dict) else None
    return entity if isinstance(entity, dict) else {}


def _notes(entity: dict[str, Any]) -> dict[str, Any]:
    notes = entity.get("notes")
    return notes if isinstance(notes, dict) else {}  # Razorpay sends [] when there are none


def _payment_failed(payment: dict[str, Any], at: datetime, event_type: str) -> FailureReport:
    notes = _notes(payment)
    card = payment.get("card") or {}
    method = str(payment.get("method") or "")
    return FailureReport(
        transaction_ref=str(notes.get("transaction_ref") or payment.get("id")),
        amount_minor=int(payment.get("amount") or 0),
        currency=str(payment.get("currency") or "").upper(),
        gateway="razorpay",
        occurred_at=at,
        # error_code is the class (BAD_REQUEST_ERROR…); error_reason is the specific reason.
        failure_code=payment.get("error_code"),
        decline_code=payment.get("error_reason"),
        failure_message=payment.get("error_description"),
        payment_method_type=_METHODS.get(method),
        payment_method_ref=payment.get("token_id") or payment.get("vpa"),
        card_network=str(card.get("network")).lower() if card.get("network") else None,
        # The card's issuer ("HDFC"), or the bank of a net-banking or mandate payment:
        # https://razorpay.com/docs/api/payments/ (card.issuer, bank).
        card_issuer=str(card.get("issuer") or payment.get("bank") or "")[:100] or None,
        customer=Customer(
            ref=payment.get("customer_id"),
            email=payment.get("email") or None,
            phone=payment.get("contact") or None,
            country="IN" if payment.get("international") is False else None,
        ),
        metadata={
            k: v
            for k, v in {
                **{k: v for k, v in notes.items() if k != "transaction_ref"},
                "razorpay_error_source": payment.get("error_source"),
                "razorpay_error_step": payment.get("error_step"),
            }.items()
            if v is not None
        },
        psp_object_id=payment.get("order_id") or payment.get("invoice_id") or payment.get("id"),
        psp_attempt_id=payment.get("id"),
        event_type=event_type,
        kind=own_try_kind(notes),  # our retry's payment, or a payer's try on our Payment Link
    )


def _success(
    event_type: str, payload: dict[str, Any], payment: dict[str, Any], at: datetime
) -> SuccessReport:
    holder = _entity(payload, "payment_link") or _entity(payload, "order") or payment
    notes = {**_notes(payment), **_notes(holder)}
    order_id = payment.get("order_id") or _entity(payload, "order").get("id")
    ref = notes.get("transaction_ref") or holder.get("reference_id") or payment.get("id")
    return SuccessReport(
        transaction_ref=str(ref),
        gateway="razorpay",
        occurred_at=at,
        amount_minor=int(payment.get("amount") or holder.get("amount_paid") or 0) or None,
        currency=str(payment.get("currency") or holder.get("currency") or "").upper() or None,
        psp_object_id=order_id or payment.get("id"),
        event_type=event_type,
    )


def _mandate_stopped(event_type: str, payload: dict[str, Any], at: datetime) -> FailureReport:
    entity = _entity(payload, "subscription") or _entity(payload, "token")
    notes = _notes(entity)
    return FailureReport(
        transaction_ref=str(notes.get("transaction_ref") or entity.get("id")),
        amount_minor=0,  # filled from the known transaction; a mandate event carries no amount
        currency="",
        gateway="razorpay",
        occurred_at=at,
        failure_message=_MANDATE_MESSAGES[event_type],
        payment_method_type="emandate" if entity.get("method") != "upi" else "upi",
        psp_object_id=entity.get("id"),
        event_type=event_type,
        kind="mandate_revoked",
    )
