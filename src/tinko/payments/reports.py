"""What intake is told, normalised from the API body or a PSP's webhook payload."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Customer:
    ref: str | None = None
    email: str | None = None
    phone: str | None = None
    name: str | None = None
    locale: str | None = None
    country: str | None = None
    timezone: str | None = None  # IANA, as the merchant gave it


@dataclass(frozen=True)
class FailureReport:
    transaction_ref: str
    amount_minor: int
    currency: str
    gateway: str
    occurred_at: datetime
    failure_code: str | None = None
    decline_code: str | None = None
    failure_message: str | None = None
    network_advice_code: str | None = None
    network_decline_code: str | None = None
    payment_method_type: str | None = None
    payment_method_ref: str | None = None
    card_network: str | None = None
    card_issuer: str | None = None
    customer: Customer = field(default_factory=Customer)
    metadata: dict[str, Any] = field(default_factory=dict)
    # The PSP's payment object (PaymentIntent, order) and this try at it (charge, payment).
    psp_object_id: str | None = None
    psp_attempt_id: str | None = None
    event_type: str | None = None
    kind: str = "payment_failed"  # or mandate_revoked


@dataclass(frozen=True)
class SuccessReport:
    transaction_ref: str
    gateway: str
    occurred_at: datetime
    amount_minor: int | None = None
    currency: str | None = None
    psp_object_id: str | None = None
    event_type: str | None = None
