"""The one PSP interface the engine talks to, and the one error taxonomy adapters raise."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

from sqlalchemy.orm import Session


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


@dataclass(frozen=True)
class ChargeResult:
    status: Literal["succeeded", "declined"]
    psp_reference: str
    decline_code: str | None = None
    failure_code: str | None = None
    network_advice_code: str | None = None
    message: str | None = None


class PSPError(Exception):
    """The PSP did not give an answer about the money (timeouts, 5xx, bad credentials)."""

    retryable = True


class PSPRateLimited(PSPError):
    def __init__(self, message: str, retry_after_seconds: int = 60) -> None:
        super().__init__(message)
        self.retry_after_seconds = retry_after_seconds


class PSPTerminalError(PSPError):
    """The request itself is wrong (no such payment method, invalid credentials)."""

    retryable = False


class PaymentProvider(Protocol):
    name: str

    def charge(self, session: Session, request: ChargeRequest) -> ChargeResult:
        """Charge a saved payment method off-session; idempotent on `idempotency_key`."""
        ...
