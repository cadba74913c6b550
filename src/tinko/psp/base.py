"""The one PSP interface the engine talks to, and the one error taxonomy adapters raise.

Errors: `PSPError` is "no answer about the money" (timeouts, 5xx, network) and may be retried
with the same idempotency key; `PSPRateLimited` is that plus a wait; `PSPTerminalError` is "the
request itself is wrong" (unknown payment method, bad credentials) and must not be retried as
is. A card decline is not an error: it is a `ChargeResult` with status "declined".
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, Protocol

from tinko.errors import AppError
from tinko.payments.reports import FailureReport, SuccessReport

ChargeStatus = Literal["succeeded", "declined", "pending"]


@dataclass(frozen=True)
class ChargeRequest:
    org_id: str
    idempotency_key: str  # the attempt id: a repeated call returns the first result
    payment_method_ref: str
    amount_minor: int
    currency: str
    customer_ref: str | None = None
    description: str | None = None
    first_failed_at: datetime | None = None  # when the payment being recovered first failed
    # What some PSPs need besides the token (Razorpay recurring payments want the customer's
    # email and phone) and what ties the PSP's objects back to ours.
    payment_method_type: str | None = None
    customer_email: str | None = None
    customer_phone: str | None = None
    transaction_ref: str | None = None


@dataclass(frozen=True)
class ChargeResult:
    """`pending` means the PSP took the charge but settles it later (e-mandate debits); its
    webhook reports the outcome."""

    status: ChargeStatus
    psp_reference: str
    decline_code: str | None = None
    failure_code: str | None = None
    network_advice_code: str | None = None
    message: str | None = None
    network_decline_code: str | None = None
    amount_minor: int | None = None
    currency: str | None = None


@dataclass(frozen=True)
class RefundResult:
    psp_reference: str  # the refund's own id
    status: Literal["succeeded", "pending", "failed"]
    amount_minor: int
    currency: str


@dataclass(frozen=True)
class CheckoutRequest:
    """A hosted checkout for one recovery case's amount; `reference` is ours and unique."""

    org_id: str
    reference: str
    amount_minor: int
    currency: str
    success_url: str
    cancel_url: str
    description: str
    transaction_ref: str
    case_id: str
    expires_at: datetime
    token: str  # the payer link's token; the sandbox's own hosted page is keyed by it
    method: str | None = None
    customer_ref: str | None = None
    customer_email: str | None = None
    customer_phone: str | None = None
    customer_name: str | None = None


@dataclass(frozen=True)
class HostedCheckout:
    external_id: str  # Checkout Session cs_…, Payment Link plink_…
    url: str


@dataclass(frozen=True)
class CheckoutState:
    """What the PSP says about a hosted checkout after the payer came back."""

    status: Literal["paid", "pending", "invalid"]
    amount_minor: int | None = None
    currency: str | None = None
    psp_reference: str | None = None  # the payment that paid it
    reference: str | None = None  # our CheckoutRequest.reference, as the PSP stored it
    reason: str = ""


class PSPError(Exception):
    """The PSP did not give an answer about the money (timeouts, 5xx, network)."""

    retryable = True


class PSPRateLimited(PSPError):
    def __init__(self, message: str, retry_after_seconds: int = 60) -> None:
        super().__init__(message)
        self.retry_after_seconds = retry_after_seconds


class PSPTerminalError(PSPError):
    """The request itself is wrong (no such payment method, invalid credentials); retrying
    the same request cannot help. Carries the PSP's codes when it gave any."""

    retryable = False

    def __init__(
        self, message: str, *, code: str | None = None, decline_code: str | None = None
    ) -> None:
        super().__init__(message)
        self.code = code
        self.decline_code = decline_code


class PSPAuthenticationError(PSPTerminalError):
    """The credentials were refused."""


class PSPNotConfigured(PSPTerminalError):
    """The organisation has no credentials for the PSP its payment failed on (in production
    the sandbox never stands in for a real PSP)."""


class PaymentProvider(Protocol):
    """A PSP account. Takes no database session: an adapter that keeps state (the sandbox)
    holds its own."""

    name: str

    def charge(self, request: ChargeRequest) -> ChargeResult:
        """Charge a saved payment method off-session; idempotent on `idempotency_key`."""
        ...

    def retrieve(self, org_id: str, psp_reference: str) -> ChargeResult:
        """The current state of a charge this adapter made."""
        ...

    def refund(
        self,
        org_id: str,
        psp_reference: str,
        *,
        idempotency_key: str,
        amount_minor: int | None = None,
    ) -> RefundResult:
        """Refund all (or `amount_minor`) of a charge; idempotent on `idempotency_key`."""
        ...

    def create_checkout(self, request: CheckoutRequest) -> HostedCheckout:
        """A hosted page where the payer pays the amount; idempotent on `request.reference`."""
        ...

    def checkout_state(
        self, org_id: str, external_id: str, params: Mapping[str, str]
    ) -> CheckoutState:
        """Ask the PSP about a hosted checkout, given the query string of the payer's return
        (checked, never trusted: signatures are verified and amounts fetched)."""
        ...

    def verify_credentials(self) -> str:
        """Make one authenticated call; a short description, or PSPAuthenticationError."""
        ...


class BadSignature(AppError):
    status, title, slug = 400, "Bad signature", "bad-signature"


class WebhookFormat(Protocol):
    """How one PSP signs, names and words its webhook events. Intake stores and processes
    deliveries through this and knows nothing of any PSP's payloads."""

    def verify(self, body: bytes, headers: Mapping[str, str], secrets: Sequence[str]) -> None:
        """Return if one of `secrets` signed `body` (recently); raise BadSignature otherwise."""
        ...

    def identity(self, event: dict[str, Any], body: bytes) -> tuple[str | None, str]:
        """The event's id, from what the signature covers (None if it has none), and its type."""
        ...

    def parse(self, event: dict[str, Any]) -> FailureReport | SuccessReport | None:
        """A report for the events we act on; None for the rest."""
        ...


def json_object(body: bytes) -> dict[str, Any]:
    """A verified body as a JSON object, or BadSignature."""
    try:
        event = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise BadSignature("The signed body is not JSON.") from None
    if not isinstance(event, dict):
        raise BadSignature("The signed body is not a JSON object.")
    return event
