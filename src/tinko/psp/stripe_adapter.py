"""Stripe, through the official `stripe` SDK.

- A retry is a PaymentIntent created and confirmed off-session on the saved customer and
  payment method, with the attempt id as `Idempotency-Key`
  (https://docs.stripe.com/payments/save-and-reuse#charge-saved-payment-method ,
  https://docs.stripe.com/api/idempotent_requests). A decline arrives as a card error whose
  `decline_code`, `code`, `network_advice_code` and `network_decline_code` we keep
  (https://docs.stripe.com/api/errors , https://docs.stripe.com/declines/codes).
- A payer's link goes to a Checkout Session in `payment` mode
  (https://docs.stripe.com/api/checkout/sessions/create).
- Credentials are checked by reading the balance (https://docs.stripe.com/api/balance).

The SDK retries nothing here (`max_network_retries=0`): a failed call becomes a retryable
PSPError, and the job that made it runs again later with the same idempotency key.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import stripe

from tinko.psp.base import (
    ChargeRequest,
    ChargeResult,
    CheckoutRequest,
    CheckoutState,
    HostedCheckout,
    PSPAuthenticationError,
    PSPError,
    PSPRateLimited,
    PSPTerminalError,
    RefundResult,
)

TIMEOUT_SECONDS = 30.0
# Our payment method types → Stripe's, for an off-session confirmation. Unknown types are left
# to the saved payment method itself.
_METHOD_TYPES = {
    "card": "card",
    "netbanking": "us_bank_account",
    "ach_debit": "us_bank_account",
    "sepa_debit": "sepa_debit",
    "bacs_debit": "bacs_debit",
}
# The currencies a Stripe payment method type takes; a hosted checkout asks for a type only
# where it fits, else Stripe offers what the account has enabled for the currency. ACH Direct
# Debit is USD only (https://docs.stripe.com/payments/ach-direct-debit), so net banking in
# rupees opens a plain Checkout rather than one Stripe refuses.
_TYPE_CURRENCIES: dict[str, frozenset[str] | None] = {
    "card": None,  # any currency
    "us_bank_account": frozenset({"USD"}),
}
_REFUND_STATUS = {"succeeded": "succeeded", "pending": "pending", "requires_action": "pending"}


class StripeAdapter:
    name = "stripe"

    def __init__(
        self, secret_key: str, *, api_base: str | None = None, timeout: float = TIMEOUT_SECONDS
    ) -> None:
        self._client = stripe.StripeClient(
            secret_key,
            base_addresses={"api": api_base.rstrip("/")} if api_base else None,
            max_network_retries=0,
            http_client=stripe.RequestsClient(timeout=timeout),
        )

    def charge(self, request: ChargeRequest) -> ChargeResult:
        params: dict[str, Any] = {
            "amount": request.amount_minor,
            "currency": request.currency.lower(),
            "payment_method": request.payment_method_ref,
            "off_session": True,
            "confirm": True,
            "metadata": _metadata(request.transaction_ref, attempt_id=request.idempotency_key),
        }
        if request.customer_ref and request.customer_ref.startswith("cus_"):
            # Only a Stripe customer id: a merchant's own customer reference would be refused.
            params["customer"] = request.customer_ref
        if request.description:
            params["description"] = request.description
        method_type = _METHOD_TYPES.get(request.payment_method_type or "card")
        if method_type:
            params["payment_method_types"] = [method_type]
        try:
            intent = self._client.v1.payment_intents.create(
                params=params,  # type: ignore[arg-type]
                options={"idempotency_key": request.idempotency_key},
            )
        except stripe.CardError as exc:
            return _declined(exc)
        except stripe.StripeError as exc:
            raise _error(exc) from None
        return _intent_result(intent)

    def retrieve(self, org_id: str, psp_reference: str) -> ChargeResult:
        try:
            intent = self._client.v1.payment_intents.retrieve(psp_reference)
        except stripe.StripeError as exc:
            raise _error(exc) from None
        return _intent_result(intent)

    def refund(
        self,
        org_id: str,
        psp_reference: str,
        *,
        idempotency_key: str,
        amount_minor: int | None = None,
    ) -> RefundResult:
        params: dict[str, Any] = {"payment_intent": psp_reference}
        if amount_minor is not None:
            params["amount"] = amount_minor
        try:
            refund = self._client.v1.refunds.create(
                params=params,  # type: ignore[arg-type]
                options={"idempotency_key": idempotency_key},
            )
        except stripe.StripeError as exc:
            raise _error(exc) from None
        return RefundResult(
            psp_reference=refund.id,
            status=_REFUND_STATUS.get(str(refund.status), "failed"),  # type: ignore[arg-type]
            amount_minor=int(refund.amount),
            currency=str(refund.currency).upper(),
        )

    def create_checkout(self, request: CheckoutRequest) -> HostedCheckout:
        metadata = _metadata(
            request.transaction_ref, recovery_id=request.case_id, checkout_ref=request.reference
        )
        params: dict[str, Any] = {
            "mode": "payment",
            "line_items": [
                {
                    "price_data": {
                        "currency": request.currency.lower(),
                        "unit_amount": request.amount_minor,
                        "product_data": {"name": request.description},
                    },
                    "quantity": 1,
                }
            ],
            "success_url": request.success_url,
            "cancel_url": request.cancel_url,
            "client_reference_id": request.case_id,
            "metadata": metadata,
            # The PaymentIntent carries the reference too, so its own webhooks find the case.
            "payment_intent_data": {"metadata": metadata, "description": request.description},
            "expires_at": int(request.expires_at.timestamp()),
        }
        if request.customer_ref and request.customer_ref.startswith("cus_"):
            params["customer"] = request.customer_ref
        elif request.customer_email:
            params["customer_email"] = request.customer_email
        method_type = checkout_method_type(request.method, request.currency)
        if method_type:
            params["payment_method_types"] = [method_type]
        try:
            checkout = self._client.v1.checkout.sessions.create(
                params=params,  # type: ignore[arg-type]
                options={"idempotency_key": request.reference},
            )
        except stripe.StripeError as exc:
            raise _error(exc) from None
        if not checkout.url:
            raise PSPTerminalError("Stripe returned a Checkout Session without a URL.")
        return HostedCheckout(external_id=checkout.id, url=checkout.url)

    def checkout_state(
        self, org_id: str, external_id: str, params: Mapping[str, str]
    ) -> CheckoutState:
        returned = params.get("session_id")
        if returned is not None and returned != external_id:
            return CheckoutState("invalid", reason="the session id is not this link's checkout")
        try:
            checkout = self._client.v1.checkout.sessions.retrieve(external_id)
        except stripe.InvalidRequestError as exc:
            if exc.http_status == 404:
                return CheckoutState("invalid", reason="Stripe has no such Checkout Session")
            raise _error(exc) from None
        except stripe.StripeError as exc:
            raise _error(exc) from None
        metadata: dict[str, Any] = checkout.to_dict().get("metadata") or {}
        reference = metadata.get("tinko_checkout_ref")
        amount = checkout.amount_total
        state = CheckoutState(
            "pending",
            amount_minor=int(amount) if amount is not None else None,
            currency=str(checkout.currency or "").upper() or None,
            psp_reference=_id_of(checkout.payment_intent),
            reference=str(reference) if reference else None,
        )
        if checkout.payment_status == "paid":
            return replace(state, status="paid")
        if checkout.status == "expired":
            return replace(state, status="invalid", reason="the Checkout Session expired")
        return state

    def verify_credentials(self) -> str:
        try:
            balance = self._client.v1.balance.retrieve()
        except stripe.StripeError as exc:
            raise _error(exc) from None
        mode = "live" if balance.livemode else "test"
        return f"Stripe accepted the key ({mode} mode)."


def checkout_method_type(method: str | None, currency: str) -> str | None:
    """Stripe's payment method type for the payer's choice when it takes `currency`."""
    method_type = _METHOD_TYPES.get(method or "")
    if method_type is None:
        return None
    currencies = _TYPE_CURRENCIES.get(method_type)
    return method_type if currencies is None or currency.upper() in currencies else None


def _metadata(transaction_ref: str | None, **more: str) -> dict[str, str]:
    metadata = {"transaction_ref": transaction_ref} if transaction_ref else {}
    return {**metadata, **{f"tinko_{k}": v for k, v in more.items()}}


def _id_of(value: Any) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else str(getattr(value, "id", "")) or None


def _intent_result(intent: stripe.PaymentIntent) -> ChargeResult:
    amount, currency = int(intent.amount), str(intent.currency).upper()
    if intent.status == "succeeded":
        return ChargeResult("succeeded", intent.id, amount_minor=amount, currency=currency)
    if intent.status in ("processing", "requires_capture"):
        return ChargeResult("pending", intent.id, amount_minor=amount, currency=currency)
    error = intent.last_payment_error
    if intent.status == "requires_action" and error is None:
        return ChargeResult(
            "declined",
            intent.id,
            decline_code="authentication_required",
            failure_code="authentication_required",
            message="The card issuer requires the customer to authenticate.",
            amount_minor=amount,
            currency=currency,
        )
    return ChargeResult(
        "declined",
        intent.id,
        decline_code=getattr(error, "decline_code", None),
        failure_code=getattr(error, "code", None),
        network_advice_code=_advice(error),
        network_decline_code=getattr(error, "network_decline_code", None),
        message=getattr(error, "message", None) or f"PaymentIntent {intent.status}",
        amount_minor=amount,
        currency=currency,
    )


def _advice(error: Any) -> str | None:
    # The network's own advice (Mastercard MAC) when present, else Stripe's advice_code.
    return getattr(error, "network_advice_code", None) or getattr(error, "advice_code", None)


def _declined(exc: stripe.CardError) -> ChargeResult:
    error = exc.error
    intent = getattr(error, "payment_intent", None)
    reference = _id_of(intent) or getattr(exc, "request_id", None) or "unknown"
    return ChargeResult(
        "declined",
        reference,
        decline_code=getattr(error, "decline_code", None),
        failure_code=exc.code or getattr(error, "code", None),
        network_advice_code=_advice(error),
        network_decline_code=getattr(error, "network_decline_code", None),
        message=getattr(error, "message", None) or exc.user_message,
    )


def _error(exc: stripe.StripeError) -> PSPError:
    """Stripe's error classes onto our taxonomy (https://docs.stripe.com/api/errors)."""
    message = f"Stripe: {getattr(exc, 'user_message', None) or exc}"[:300]
    if isinstance(exc, stripe.RateLimitError):
        retry_after = (exc.headers or {}).get("retry-after", "")
        return PSPRateLimited(message, int(retry_after) if retry_after.isdigit() else 60)
    if isinstance(exc, (stripe.AuthenticationError, stripe.PermissionError)):
        return PSPAuthenticationError(message, code=exc.code)
    if isinstance(exc, (stripe.InvalidRequestError, stripe.IdempotencyError, stripe.CardError)):
        return PSPTerminalError(message, code=exc.code)
    return PSPError(message)  # APIConnectionError (timeouts), APIError (5xx) and the rest
