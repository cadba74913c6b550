"""Public value types of the classifier: the input signal and the classification."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Final, Literal

DeclineType = Literal["soft", "hard"]

# The fixed category list of docs/api.md ("Decline categories"). Order is the API's order.
CATEGORIES: Final[tuple[str, ...]] = (
    "insufficient_funds",
    "do_not_honor",
    "expired_card",
    "invalid_card_data",
    "lost_stolen_fraud",
    "authentication_required",
    "limit_exceeded",
    "issuer_unavailable",
    "processing_error",
    "not_permitted",
    "account_closed",
    "suspected_fraud",
    "duplicate",
    "upi_pending_timeout",
    "mandate_revoked",
    "unknown",
)

# Actions a classification may recommend; data files are checked against this list.
RECOMMENDED_ACTIONS: Final[frozenset[str]] = frozenset(
    {
        "retry_later",
        "retry_soon",
        "retry_after_payday",
        "ask_customer_to_authenticate",
        "ask_for_new_payment_method",
        "update_card_details",
        "contact_issuer",
        "do_not_retry",
        "wait_for_upi_resolution",
        "set_up_new_mandate",
    }
)

# Payment methods the alternates can name.
PAYMENT_METHODS: Final[frozenset[str]] = frozenset(
    {
        "card",
        "upi",
        "netbanking",
        "wallet",
        "emandate",
        "ach_debit",
        "sepa_debit",
        "bacs_debit",
        "bank_transfer",
        "paylater",
    }
)


@dataclass(frozen=True, slots=True)
class DeclineSignal:
    """Everything we were told about one failed payment. Every field is optional."""

    gateway: str | None = None
    failure_code: str | None = None
    decline_code: str | None = None
    network_advice_code: str | None = None
    network_decline_code: str | None = None
    failure_message: str | None = None
    payment_method_type: str | None = None
    card_network: str | None = None
    country: str | None = None
    # The day of the decline, for effective-dated tables; None means the latest table.
    on: date | None = None


@dataclass(frozen=True, slots=True)
class Classification:
    """What a decline means and what to do next (docs/api.md "Decline categories")."""

    category: str
    decline_type: DeclineType
    retryable: bool
    confidence: float
    recommended_action: str
    cooldown_seconds: int
    alternate_methods: tuple[str, ...]
    reason: str
    source: str
    visa_category: int | None = None
    merchant_advice_code: str | None = None

    def to_dict(self) -> dict[str, object]:
        """The docs/api.md JSON shape; extra fields are additive."""
        return {
            "category": self.category,
            "decline_type": self.decline_type,
            "retryable": self.retryable,
            "confidence": self.confidence,
            "recommended_action": self.recommended_action,
            "cooldown_seconds": self.cooldown_seconds,
            "alternate_methods": list(self.alternate_methods),
            "reason": self.reason,
            "source": self.source,
            "visa_category": self.visa_category,
            "merchant_advice_code": self.merchant_advice_code,
        }
