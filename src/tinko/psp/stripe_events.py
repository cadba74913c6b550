"""Stripe webhook events → failure or success reports.

Field names follow Stripe's API reference (PaymentIntent.last_payment_error, Charge.outcome,
Invoice, Checkout Session): https://docs.stripe.com/api/events/types ,
https://docs.stripe.com/api/charges/object#charge_object-outcome ,
https://docs.stripe.com/api/payment_intents/object#payment_intent_object-last_payment_error
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import stripe

from tinko.payments.reports import Customer, FailureReport, SuccessReport
from tinko.psp.base import BadSignature

# Stripe's own libraries default to a five-minute tolerance for the signed timestamp.
TOLERANCE_SECONDS = 300

FAILURE_EVENTS = frozenset(
    {"payment_intent.payment_failed", "charge.failed", "invoice.payment_failed"}
)
SUCCESS_EVENTS = frozenset(
    {"payment_intent.succeeded", "charge.succeeded", "invoice.paid", "checkout.session.completed"}
)


# What Tinko writes on the PSP objects it creates (the adapters' `tinko_*` metadata and notes):
# a retry's attempt id, a hosted checkout's reference. A failure carrying one is our own try
# failing, not a new failure of the customer's payment; the runner or the payer page already
# recorded it.
OWN_TRY_MARKERS = {"tinko_attempt_id": "retry_failed", "tinko_checkout_ref": "checkout_failed"}


def own_try_kind(marks: dict[str, Any]) -> str:
    """The event kind for a failure: "payment_failed", or ours ("retry_failed"...)."""
    return next((kind for key, kind in OWN_TRY_MARKERS.items() if marks.get(key)), "payment_failed")


class StripeWebhooks:
    """Stripe's webhooks: the Stripe-Signature header (checked by Stripe's SDK), event ids."""

    def verify(self, body: bytes, headers: Mapping[str, str], secrets: Sequence[str]) -> None:
        header = headers.get("stripe-signature")
        if not header:
            raise BadSignature("The Stripe-Signature header is missing.")
        for secret in secrets:
            try:
                stripe.WebhookSignature.verify_header(
                    body.decode("utf-8"), header, secret, tolerance=TOLERANCE_SECONDS
                )
            except (stripe.SignatureVerificationError, UnicodeDecodeError):
                continue
            # The SDK bounds only the past; a timestamp ahead by more than the same tolerance
            # is as suspect. Both bounds read the wall clock: it is when the delivery was signed.
            if _signed_at(header) > time.time() + TOLERANCE_SECONDS:
                raise BadSignature(
                    "The Stripe-Signature timestamp is more than "
                    f"{TOLERANCE_SECONDS} seconds in the future."
                )
            return
        raise BadSignature(
            "The Stripe-Signature does not match this endpoint's secret, or its timestamp is "
            f"more than {TOLERANCE_SECONDS} seconds old."
        )

    def identity(self, event: dict[str, Any], body: bytes) -> tuple[str | None, str]:
        external_id = event.get("id")
        event_type = str(event.get("type") or "unknown")
        return (external_id if isinstance(external_id, str) else None), event_type

    def parse(self, event: dict[str, Any]) -> FailureReport | SuccessReport | None:
        return parse_stripe_event(event)


def _signed_at(header: str) -> int:
    """The `t=` of a Stripe-Signature the SDK has already parsed and verified."""
    stamps = [v for k, _, v in (p.partition("=") for p in header.split(",")) if k.strip() == "t"]
    return int(stamps[0])


def parse_stripe_event(event: dict[str, Any]) -> FailureReport | SuccessReport | None:
    """A report for the events we act on; None for the rest (acknowledged, not processed)."""
    event_type = str(event.get("type", ""))
    obj = (event.get("data") or {}).get("object") or {}
    occurred_at = datetime.fromtimestamp(int(event.get("created") or 0), UTC)
    if event_type == "payment_intent.payment_failed":
        return _payment_intent_failed(obj, occurred_at, event_type)
    if event_type == "charge.failed":
        return _charge_failed(obj, occurred_at, event_type)
    if event_type == "invoice.payment_failed":
        return _invoice_failed(obj, occurred_at, event_type)
    if event_type in SUCCESS_EVENTS:
        return _success(event_type, obj, occurred_at)
    return None


def _ref(obj: dict[str, Any], *fallbacks: Any) -> str:
    metadata = obj.get("metadata") or {}
    for candidate in (metadata.get("transaction_ref"), *fallbacks):
        if isinstance(candidate, str) and candidate:
            return candidate
    return str(obj.get("id"))


def _id_of(value: Any) -> str | None:
    """Stripe fields hold an id or, when expanded, the object itself."""
    if isinstance(value, dict):
        return str(value.get("id")) if value.get("id") else None
    return value if isinstance(value, str) and value else None


def _metadata(obj: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in (obj.get("metadata") or {}).items() if k != "transaction_ref"}


def _issuer(card: dict[str, Any]) -> str | None:
    """The issuing bank's name (``card.issuer``, in API versions from 2023:
    https://docs.stripe.com/api/charges/object#charge_object-payment_method_details-card-issuer)."""
    issuer = str(card.get("issuer") or "").strip()[:100]
    return issuer or None


def _payment_intent_failed(pi: dict[str, Any], at: datetime, event_type: str) -> FailureReport:
    error = pi.get("last_payment_error") or {}
    method = error.get("payment_method") or {}
    card = method.get("card") or {}
    billing = method.get("billing_details") or {}
    return FailureReport(
        transaction_ref=_ref(pi),
        amount_minor=int(pi.get("amount") or 0),
        currency=str(pi.get("currency") or "").upper(),
        gateway="stripe",
        occurred_at=at,
        failure_code=error.get("code"),
        decline_code=error.get("decline_code"),
        failure_message=error.get("message"),
        # The network's advice (Mastercard MAC) when present, else Stripe's own advice_code.
        network_advice_code=error.get("network_advice_code") or error.get("advice_code"),
        network_decline_code=error.get("network_decline_code"),
        payment_method_type=_method_type(method.get("type")),
        payment_method_ref=_id_of(method) or _id_of(pi.get("payment_method")),
        card_network=card.get("brand"),
        card_issuer=_issuer(card),
        customer=Customer(
            ref=_id_of(pi.get("customer")),
            email=pi.get("receipt_email") or billing.get("email"),
            name=billing.get("name"),
            phone=billing.get("phone"),
            country=card.get("country"),
        ),
        metadata=_metadata(pi),
        psp_object_id=str(pi.get("id")),
        psp_attempt_id=_id_of(error.get("charge")) or _id_of(pi.get("latest_charge")),
        event_type=event_type,
        kind=own_try_kind(pi.get("metadata") or {}),
    )


def _charge_failed(charge: dict[str, Any], at: datetime, event_type: str) -> FailureReport:
    outcome = charge.get("outcome") or {}
    details = charge.get("payment_method_details") or {}
    card = details.get("card") or {}
    # A bank debit's details sit under its type (sepa_debit.country, us_bank_account…).
    bank = details.get(str(details.get("type"))) or {} if details.get("type") != "card" else {}
    billing = charge.get("billing_details") or {}
    intent = _id_of(charge.get("payment_intent"))
    return FailureReport(
        transaction_ref=_ref(charge, intent),
        amount_minor=int(charge.get("amount") or 0),
        currency=str(charge.get("currency") or "").upper(),
        gateway="stripe",
        occurred_at=at,
        failure_code=charge.get("failure_code"),
        # Stripe puts the issuer's decline code in outcome.reason for card declines.
        decline_code=outcome.get("reason") if outcome.get("type") == "issuer_declined" else None,
        failure_message=charge.get("failure_message") or outcome.get("seller_message"),
        network_advice_code=outcome.get("network_advice_code") or outcome.get("advice_code"),
        network_decline_code=outcome.get("network_decline_code"),
        payment_method_type=_method_type(details.get("type")),
        payment_method_ref=_id_of(charge.get("payment_method")),
        card_network=card.get("brand") or card.get("network"),
        card_issuer=_issuer(card),
        customer=Customer(
            ref=_id_of(charge.get("customer")),
            email=charge.get("receipt_email") or billing.get("email"),
            name=billing.get("name"),
            phone=billing.get("phone"),
            country=card.get("country") or bank.get("country"),
        ),
        metadata=_metadata(charge),
        psp_object_id=intent or str(charge.get("id")),
        psp_attempt_id=str(charge.get("id")),
        event_type=event_type,
        kind=own_try_kind(charge.get("metadata") or {}),
    )


def _invoice_failed(invoice: dict[str, Any], at: datetime, event_type: str) -> FailureReport:
    intent = _id_of(invoice.get("payment_intent"))
    return FailureReport(
        transaction_ref=_ref(invoice, intent),
        amount_minor=int(invoice.get("amount_due") or invoice.get("amount_remaining") or 0),
        currency=str(invoice.get("currency") or "").upper(),
        gateway="stripe",
        occurred_at=at,
        # The decline details arrive with the PaymentIntent's own event; this one says "failed".
        failure_message="The invoice payment failed.",
        customer=Customer(
            ref=_id_of(invoice.get("customer")),
            email=invoice.get("customer_email"),
            name=invoice.get("customer_name"),
            phone=invoice.get("customer_phone"),
        ),
        metadata=_metadata(invoice),
        psp_object_id=intent or str(invoice.get("id")),
        psp_attempt_id=_id_of(invoice.get("charge")),
        event_type=event_type,
    )


def _success(event_type: str, obj: dict[str, Any], at: datetime) -> SuccessReport | None:
    if event_type == "checkout.session.completed" and obj.get("payment_status") != "paid":
        return None  # async methods complete later with checkout.session.async_payment_succeeded
    intent = _id_of(obj.get("payment_intent"))
    if event_type == "payment_intent.succeeded":
        intent = str(obj.get("id"))
    amount = obj.get("amount_received") or obj.get("amount_paid") or obj.get("amount_total")
    return SuccessReport(
        transaction_ref=_ref(obj, intent),
        gateway="stripe",
        occurred_at=at,
        amount_minor=int(amount or obj.get("amount") or 0) or None,
        currency=str(obj.get("currency") or "").upper() or None,
        psp_object_id=intent,
        event_type=event_type,
    )


# Stripe's PaymentMethod types → intake's. Bank debits keep Stripe's names (us_bank_account is
# an ACH debit; ach_debit is the older Sources name). Stripe reports a debit's bank return as
# its own failure_code (R01 → insufficient_funds, R10 → debit_not_authorized…), classified
# from stripe_error_codes.yaml: https://docs.stripe.com/payments/ach-direct-debit#failed-payments ,
# https://docs.stripe.com/payments/sepa-debit#failed-payments ,
# https://docs.stripe.com/api/payment_methods/object#payment_method_object-type
_METHOD_TYPES = {
    "card": "card",
    "upi": "upi",
    "us_bank_account": "ach_debit",
    "ach_debit": "ach_debit",
    "sepa_debit": "sepa_debit",
    "bacs_debit": "bacs_debit",
}


def _method_type(value: Any) -> str | None:
    return _METHOD_TYPES.get(str(value)) if value else None
