"""Razorpay, through the official `razorpay` SDK.

- A retry on a saved card token or e-mandate is an order plus a recurring payment on it
  (https://razorpay.com/docs/api/payments/recurring-payments/cards/create-subsequent-payments/ ,
  .../emandate/create-subsequent-payments/). Razorpay takes no idempotency header there, so
  the attempt id is the order's `receipt`: a repeated call finds that order
  (`GET /v1/orders?receipt=`) and reports its payment instead of charging again.
- Decline data is read from the payment entity (`error_code`, `error_reason`,
  `error_description`; https://razorpay.com/docs/api/payments/#payment-entity).
- A payer's link is a Payment Link with Razorpay's own SMS/email notifications and reminders
  off (we send ours) and a `callback_url` back to the payer page
  (https://razorpay.com/docs/api/payments/payment-links/create-standard/); the return is
  verified with the SDK's `verify_payment_link_signature`, then the payment is fetched.
- Credentials are checked by listing one order.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import razorpay
import requests

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
DEFAULT_API_BASE = "https://api.razorpay.com"
_METHODS = ("card", "netbanking", "upi", "wallet")


class RazorpayAdapter:
    name = "razorpay"

    def __init__(
        self,
        key_id: str,
        key_secret: str,
        *,
        api_base: str | None = None,
        timeout: float = TIMEOUT_SECONDS,
    ) -> None:
        self._client = razorpay.Client(
            auth=(key_id, key_secret), base_url=(api_base or DEFAULT_API_BASE).rstrip("/")
        )
        self._timeout = timeout

    def _call(self, method: Any, *args: Any) -> dict[str, Any]:
        """One SDK call with our timeout, its errors mapped onto our taxonomy."""
        try:
            result: dict[str, Any] = method(*args, timeout=self._timeout)
        except razorpay.errors.BadRequestError as exc:
            message = f"Razorpay: {exc}"[:300]
            if "authentication failed" in str(exc).lower():
                raise PSPAuthenticationError(message) from None
            raise PSPTerminalError(message) from None
        except (razorpay.errors.GatewayError, razorpay.errors.ServerError) as exc:
            if "too many requests" in str(exc).lower():
                raise PSPRateLimited(f"Razorpay: {exc}"[:300]) from None
            raise PSPError(f"Razorpay: {exc}"[:300]) from None
        except (requests.RequestException, ValueError) as exc:
            raise PSPError(f"Razorpay did not answer: {type(exc).__name__}") from None
        return result

    def charge(self, request: ChargeRequest) -> ChargeResult:
        if not (request.customer_ref and request.customer_email and request.customer_phone):
            raise PSPTerminalError(
                "A Razorpay recurring payment needs the customer id (cust_…), email and phone."
            )
        order = self._order_for(request)
        earlier = self._latest_payment(order["id"])
        if earlier is not None:
            return _payment_result(earlier)  # this attempt ran before: report it, never repeat
        notes = _notes(request.transaction_ref, attempt_id=request.idempotency_key)
        try:
            created = self._call(
                self._client.payment.createRecurring,
                {
                    "email": request.customer_email,
                    "contact": request.customer_phone,
                    "amount": request.amount_minor,
                    "currency": request.currency.upper(),
                    "order_id": order["id"],
                    "customer_id": request.customer_ref,
                    "token": request.payment_method_ref,
                    "recurring": "1",
                    "description": request.description or "Payment retry",
                    "notes": notes,
                },
            )
        except PSPTerminalError:
            failed = self._latest_payment(order["id"])
            if failed is None:
                raise
            return _payment_result(failed)  # a decline: the failed payment has the codes
        payment_id = created.get("razorpay_payment_id")
        if not payment_id:
            raise PSPError("Razorpay answered a recurring payment without a payment id.")
        return _payment_result(self._call(self._client.payment.fetch, payment_id))

    def _order_for(self, request: ChargeRequest) -> dict[str, Any]:
        found = self._call(self._client.order.all, {"receipt": request.idempotency_key})
        items = found.get("items") or []
        if items:
            order: dict[str, Any] = items[0]
            return order
        return self._call(
            self._client.order.create,
            {
                "amount": request.amount_minor,
                "currency": request.currency.upper(),
                "receipt": request.idempotency_key,
                "payment_capture": True,
                "notes": _notes(request.transaction_ref, attempt_id=request.idempotency_key),
            },
        )

    def _latest_payment(self, order_id: str) -> dict[str, Any] | None:
        payments = self._call(self._client.order.payments, order_id).get("items") or []
        if not payments:
            return None
        latest: dict[str, Any] = max(payments, key=lambda p: int(p.get("created_at") or 0))
        return latest

    def retrieve(self, org_id: str, psp_reference: str) -> ChargeResult:
        return _payment_result(self._call(self._client.payment.fetch, psp_reference))

    def refund(
        self,
        org_id: str,
        psp_reference: str,
        *,
        idempotency_key: str,
        amount_minor: int | None = None,
    ) -> RefundResult:
        existing = self._call(self._client.payment.fetch_multiple_refund, psp_reference)
        for refund in existing.get("items") or []:
            if refund.get("receipt") == idempotency_key:
                return _refund_result(refund)
        data: dict[str, Any] = {"receipt": idempotency_key, "speed": "normal"}
        if amount_minor is not None:
            data["amount"] = amount_minor
        return _refund_result(self._call(self._client.payment.refund, psp_reference, data))

    def create_checkout(self, request: CheckoutRequest) -> HostedCheckout:
        data: dict[str, Any] = {
            "amount": request.amount_minor,
            "currency": request.currency.upper(),
            "accept_partial": False,
            "reference_id": request.reference,
            "description": request.description[:2048],
            "expire_by": int(request.expires_at.timestamp()),
            "notify": {"sms": False, "email": False},
            "reminder_enable": False,
            "notes": _notes(
                request.transaction_ref, recovery_id=request.case_id, checkout_ref=request.reference
            ),
            "callback_url": request.success_url,
            "callback_method": "get",
        }
        customer = {
            "name": request.customer_name,
            "email": request.customer_email,
            "contact": request.customer_phone,
        }
        if any(customer.values()):
            data["customer"] = {k: v for k, v in customer.items() if v}
        if request.method in _METHODS:
            # Open the hosted page on the method the payer picked on our page.
            data["options"] = {
                "checkout": {"method": {m: "1" if m == request.method else "0" for m in _METHODS}}
            }
        try:
            link = self._call(self._client.payment_link.create, data)
        except PSPTerminalError:
            # A crash after Razorpay created the link: reference_id is unique, so find it.
            found = self._call(self._client.payment_link.all, {"reference_id": request.reference})
            links = found.get("payment_links") or []
            if not links:
                raise
            link = links[0]
        return HostedCheckout(external_id=str(link["id"]), url=str(link["short_url"]))

    def checkout_state(
        self, org_id: str, external_id: str, params: Mapping[str, str]
    ) -> CheckoutState:
        if params.get("razorpay_payment_link_id") != external_id:
            return CheckoutState("invalid", reason="the payment link is not this link's checkout")
        signed = {
            "razorpay_payment_id": params.get("razorpay_payment_id", ""),
            "payment_link_id": external_id,
            "payment_link_reference_id": params.get("razorpay_payment_link_reference_id", ""),
            "payment_link_status": params.get("razorpay_payment_link_status", ""),
            "razorpay_signature": params.get("razorpay_signature", ""),
        }
        try:
            self._client.utility.verify_payment_link_signature(signed)
        except razorpay.errors.SignatureVerificationError:
            return CheckoutState("invalid", reason="the Razorpay signature does not match")
        payment = self._call(self._client.payment.fetch, signed["razorpay_payment_id"])
        link = self._call(self._client.payment_link.fetch, external_id)
        state = CheckoutState(
            "pending",
            amount_minor=int(payment.get("amount") or 0),
            currency=str(payment.get("currency") or "").upper() or None,
            psp_reference=str(payment.get("id")),
            reference=link.get("reference_id"),
        )
        if not _belongs_to(payment, link):
            return CheckoutState("invalid", reason="the payment does not belong to the link")
        if payment.get("status") == "captured":
            return replace(state, status="paid")
        if payment.get("status") == "failed":
            return replace(state, status="invalid", reason="the payment failed")
        return state

    def verify_credentials(self) -> str:
        self._call(self._client.order.all, {"count": 1})
        return "Razorpay accepted the key."


def _belongs_to(payment: dict[str, Any], link: dict[str, Any]) -> bool:
    """A payment made on this Payment Link: listed in its `payments`, made on its order, or
    carrying its reference in the notes (the link's entity lists `payments` and `order_id`:
    https://razorpay.com/docs/api/payments/payment-links/entity/). A captured payment of any
    other order is not this link's, however its amount matches."""
    payment_id = payment.get("id")
    if payment_id and payment_id in {p.get("payment_id") for p in link.get("payments") or []}:
        return True
    order_id = link.get("order_id")
    if order_id and payment.get("order_id") == order_id:
        return True
    notes = payment.get("notes")
    reference = link.get("reference_id")
    return bool(
        reference and isinstance(notes, dict) and notes.get("tinko_checkout_ref") == reference
    )


def _notes(transaction_ref: str | None, **more: str) -> dict[str, str]:
    notes = {"transaction_ref": transaction_ref} if transaction_ref else {}
    return {**notes, **{f"tinko_{k}": v for k, v in more.items()}}


def _payment_result(payment: dict[str, Any]) -> ChargeResult:
    status = payment.get("status")
    amount = int(payment.get("amount") or 0)
    currency = str(payment.get("currency") or "").upper()
    if status in ("captured", "refunded"):
        return ChargeResult("succeeded", str(payment["id"]), amount_minor=amount, currency=currency)
    if status == "failed":
        return ChargeResult(
            "declined",
            str(payment["id"]),
            # error_code is the class (BAD_REQUEST_ERROR…); error_reason the specific reason.
            decline_code=payment.get("error_reason"),
            failure_code=payment.get("error_code"),
            message=payment.get("error_description"),
            amount_minor=amount,
            currency=currency,
        )
    # created / authorized: an e-mandate debit settles later; its webhook will tell.
    return ChargeResult("pending", str(payment["id"]), amount_minor=amount, currency=currency)


def _refund_result(refund: dict[str, Any]) -> RefundResult:
    status = {"processed": "succeeded", "pending": "pending"}.get(str(refund.get("status")))
    return RefundResult(
        psp_reference=str(refund["id"]),
        status=status or "failed",  # type: ignore[arg-type]
        amount_minor=int(refund.get("amount") or 0),
        currency=str(refund.get("currency") or "").upper(),
    )
